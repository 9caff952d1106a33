"""Studies: a set of `single` runs on the same common random numbers, then compared.

`experiment=timeline` runs an ordered list of regimes; `experiment=attribution` runs subsets of
a reform's measures applied to the regime it starts from (sim.outputs.shapley). sim.cli.study
composes the regimes (Hydra); here, Hydra-free, each variant runs as a catalogued `single`
run in `<study dir>/runs/<key>/` (sim.runs.runner: run.json, the DuckDB catalog, skipped when a
complete run with the same config hash exists), in parallel over run.workers with joblib (the
library behind the sweeps' local launcher), each replicating in-process. Every variant runs
replications with the same seed and indices, so their KPIs pair replication by replication.
"""
from __future__ import annotations

import csv
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import yaml

from sim.config import Config
from sim.experiment.progress import bar, say
from sim.outputs.kpis import key_kpis
from sim.runs.runner import RunContext, execute, find_complete, new_record, open_catalog
from sim.store.atomic import atomic_write_json, atomic_write_text

RUNS_DIR = "runs"


@dataclass
class Variant:
    """One run of a study: a regime (or subset of measures) as a `single` run's Config."""

    key: str
    """Its directory under runs/ (stable: the same variant gets the same directory)."""
    label: str
    config: Config
    members: tuple[str, ...] = ()
    """attribution: the measures applied in this subset."""
    overloaded: list[str] = field(default_factory=list)
    """Stations this variant overloads (it runs with run.allow_overload; numbers grow with the horizon)."""


@dataclass
class Study:
    kind: str
    variants: list[Variant]
    measures: list[str] = field(default_factory=list)
    """attribution: the measures attributed, in the regime's order."""
    fixed: list[str] = field(default_factory=list)
    """attribution: the regime's other measures, applied in every subset."""
    base: str = ""
    target: str = ""
    orderings: list[tuple[int, ...]] | None = None
    """attribution: sampled orderings (None: exact Shapley values over every subset)."""
    national: dict | None = None
    """timeline: the scenario's national_trend.yaml, if it has one."""


def read_replications(run_dir: Path) -> dict[str, np.ndarray]:
    """{kpi: values by replication index} of a `single` run's replications.csv."""
    rows: dict[str, dict[int, float]] = {}
    with open(Path(run_dir) / "replications.csv", newline="") as f:
        for row in csv.DictReader(f):
            rows.setdefault(row["kpi"], {})[int(row["replication"])] = float(row["value"])
    return {k: np.array([v[r] for r in sorted(v)]) for k, v in rows.items()}


def run_variant(config: Config, run_dir: Path) -> dict[str, np.ndarray]:
    """One variant as a catalogued run (skipped if complete already); its KPIs per replication."""
    # config.yaml from the dataclasses (yaml.safe_dump of asdict): OmegaConf's structured copy of
    # the whole config costs about a second a run, a third of a small variant's time
    resolved = yaml.safe_dump(asdict(config), sort_keys=False)
    ctx = RunContext(run_dir=Path(run_dir), echo=False, overrides=[f"regime={config.regime.name}"],
                     resolved_yaml=resolved)
    cat = open_catalog(config, ctx.run_dir)
    prior = find_complete(cat, new_record(config, ctx)) if cat is not None else None
    execute(config, ctx, progress=False)
    return read_replications(Path(prior.run_dir) if prior is not None else ctx.run_dir)


def run_variants(variants: list[Variant], out_dir: Path, workers: int, progress: bool | None = None) -> list[dict]:
    """Every variant's KPIs per replication, in the variants' order."""
    from joblib import Parallel, delayed

    dirs = [Path(out_dir) / RUNS_DIR / v.key for v in variants]
    results: list[dict | None] = [None] * len(variants)
    n_jobs = max(1, min(workers or 1, len(variants)))
    with bar(len(variants), "runs", progress) as report:
        if n_jobs == 1:
            for i, (v, d) in enumerate(zip(variants, dirs)):
                results[i] = run_variant(v.config, d)
                report.update()
        else:
            jobs = (delayed(_indexed)(i, v.config, d) for i, (v, d) in enumerate(zip(variants, dirs)))
            for i, res in Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs):
                results[i] = res
                report.update()
    return results


def _indexed(i: int, config: Config, run_dir: Path) -> tuple[int, dict]:
    return i, run_variant(config, run_dir)


def figure_kpis(cfg: Config) -> list[str]:
    return list(cfg.experiment.figure_kpis) or list(key_kpis())


def execute_study(cfg: Config, study: Study, out_dir: Path, resolved_yaml: str | None = None,
                  progress: bool | None = None, echo: bool = True) -> dict:
    """Run the study's variants and write its result file, figures and report into out_dir."""
    from sim.runs.attribution import attribution_results, format_attribution
    from sim.runs.timeline import format_timeline, timeline_results

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if study.kind == "timeline" and study.national is None:
        from sim.runs.timeline import load_national

        study.national = load_national(cfg)
    per_rep = run_variants(study.variants, out_dir, cfg.run.workers, progress)
    if resolved_yaml is not None:
        atomic_write_text(out_dir / "config.yaml", resolved_yaml)
    if study.kind == "timeline":
        result = timeline_results(study, per_rep)
        name, text = "timeline.json", format_timeline(result, figure_kpis(cfg))
        if len(study.variants) == 2:  # two regimes: also the comparison, in comparison.json's shape
            atomic_write_json(out_dir / "comparison.json", _finite(result["steps"][0]["kpis"]))
    else:
        result = attribution_results(study, per_rep, figure_kpis(cfg))
        name, text = "attribution.json", format_attribution(result, figure_kpis(cfg))
    result["wall_seconds"] = time.perf_counter() - started
    result["figure_kpis"] = figure_kpis(cfg)
    result["run"] = {"seed": cfg.run.seed, "replications": cfg.run.replications,
                     "first_replication": cfg.run.first_replication, "horizon_days": cfg.run.horizon_days,
                     "warmup_days": cfg.run.warmup_days, "drain_days": cfg.run.drain_days,
                     "demand_scale": cfg.demand.scale}
    atomic_write_json(out_dir / name, _finite(result))
    from sim.viz.study_report import write_study_figures, write_study_report

    write_study_figures(out_dir)
    if echo:
        say(text)
    if cfg.experiment.report:
        path = write_study_report(out_dir)
        if echo:
            say(f"report: {path}")
    if echo:
        say(f"results: {out_dir}")
    return result


def _finite(x):
    """NaN and infinities as null, so the JSON is standard."""
    if isinstance(x, dict):
        return {str(k): _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    return x

