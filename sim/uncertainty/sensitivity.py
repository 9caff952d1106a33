"""`experiment=sensitivity`: how sure are we, given what we do not know about the inputs.

1. The nominal paired run (run.replications, common random numbers): today's stochastic 95 %
   intervals, written as a comparison run writes them (comparison.json, kpis.json, ...).
2. The study (sim.uncertainty.study) over the scenario's priors (uncertainty.yaml): uncertainty
   bands on a Latin hypercube, Morris screening, Sobol indices on the top groups, each point a
   summary-only paired run (sim.uncertainty.evaluate).
3. Its files in `study/` next to the run: evaluations.parquet (every point: factor values,
   outputs, timings), bands.csv (the headline differences with the stochastic CI and the 5-95 %
   parameter band side by side, and the share of draws in which each conclusion holds),
   morris.csv, sobol.csv, study.json (the design, seeds, sizes, timings). The run itself is
   recorded in the catalog like any run, so `python -m sim.results list` finds it; a study started
   again in the same directory (`hydra.run.dir=...`) reuses every stored point.

Seeds: the designs and the points' seed come from the study's own stream (run.seed and the stage,
sim.uncertainty.design.stream), never from a job number.
"""
from __future__ import annotations

import copy
import json
import math
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import Config, ConfigError
from sim.domain.sides import Side
from sim.experiment.progress import say
from sim.experiment.replications import run_replications, summarize
from sim.experiment.writing import write_results
from sim.outputs.formatting import format_difference, format_difference_interval
from sim.outputs.kpis import key_kpis, kpi_names, unit_of
from sim.outputs.stats import paired_difference
from sim.store.atomic import atomic_write_json, atomic_write_text
from sim.store.identity import config_hash
from sim.uncertainty.design import STAGES, Space, sizes, stream
from sim.uncertainty.evaluate import DIFF, ModelEvaluator, output_names
from sim.uncertainty.priors import Factor, load_priors, priors_path
from sim.uncertainty.study import Store, StudyResult, StudySpec, analyse, run_study

STUDY_DIR = "study"
BANDS = "bands.csv"
MORRIS = "morris.csv"
SOBOL = "sobol.csv"
STUDY_FILE = "study.json"
CONCLUSION = re.compile(r"^\s*(before|after|diff)\.(\w+)\s*(>=|<=|>|<)\s*(-?[\d.eE+-]+)\s*$")


@dataclass(frozen=True)
class Plan:
    """What a study will do, known before anything runs (the budget check and study.json)."""

    factors: list
    space: Space
    spec: StudySpec
    kpis: tuple[str, ...]
    sizes: dict
    path: str

    @property
    def evaluations(self) -> int:
        return sum(self.sizes[s] for s in self.spec.stages)


def plan(cfg: Config) -> Plan:
    """The study of this config; ConfigError (one line) for bad priors, an unknown stage or KPI,
    a malformed conclusion, or a design larger than experiment.max_evaluations."""
    exp = cfg.experiment
    path = priors_path(cfg)
    factors = load_priors(path, cfg)
    space = Space.of(factors)
    unknown = [s for s in exp.stages if s not in STAGES]
    if unknown or not exp.stages:
        raise ConfigError("experiment.stages", f"unknown stage {unknown[0]!r}; expected some of {', '.join(STAGES)}"
                          if unknown else "name at least one stage")
    kpis = tuple(exp.kpis) or tuple(key_kpis())
    missing = [k for k in kpis if k not in kpi_names()]
    if missing:
        raise ConfigError("experiment.kpis", f"unknown KPI {missing[0]!r}")
    for text in exp.conclusions:
        m = CONCLUSION.match(text)
        if not m or m.group(2) not in kpi_names():
            raise ConfigError("experiment.conclusions", f"expected `before|after|diff.<kpi> >= <value>`, got {text!r}")
        if m.group(2) not in kpis:  # a conclusion's KPI is studied too
            kpis += (m.group(2),)
    for name in ("lhs_samples", "morris_trajectories", "sobol_samples", "point_replications"):
        if getattr(exp, name) < 1:
            raise ConfigError(f"experiment.{name}", f"must be >= 1, got {getattr(exp, name)}")
    if exp.morris_levels < 2 or exp.morris_levels % 2:
        raise ConfigError("experiment.morris_levels", f"must be an even number >= 2, got {exp.morris_levels}")
    spec = StudySpec(stages=tuple(s for s in STAGES if s in exp.stages), lhs_samples=exp.lhs_samples,
                     trajectories=exp.morris_trajectories, levels=exp.morris_levels, sobol_groups=exp.sobol_groups,
                     sobol_samples=exp.sobol_samples, seed=cfg.run.seed,
                     rank_outputs=tuple(f"{DIFF}:{k}" for k in kpis), batch=16 * max(cfg.run.workers, 1))
    need = sizes(space, spec.lhs_samples, spec.trajectories, spec.sobol_groups, spec.sobol_samples)
    p = Plan(factors, space, spec, kpis, need, str(path))
    if p.evaluations > exp.max_evaluations:
        parts = ", ".join(f"{s} {need[s]}" for s in spec.stages)
        raise ConfigError("experiment.max_evaluations", f"the study needs {p.evaluations} evaluations ({parts}; "
                          f"{len(factors)} factors in {len(space.group_names)} groups), more than the budget of "
                          f"{exp.max_evaluations}: lower morris_trajectories, lhs_samples or sobol_samples, group "
                          f"factors in {Path(path).name}, or raise experiment.max_evaluations")
    return p


def run_sensitivity(cfg: Config, out_dir: Path, resolved_yaml: str | None = None, echo: bool = True) -> dict:
    started = time.perf_counter()
    p = plan(cfg)
    log = say if echo else None
    point_seed = stream(cfg.run.seed, "evaluations")
    # 1. the nominal paired run: today's stochastic intervals
    nominal = copy.deepcopy(cfg)
    nominal.run.seed = point_seed
    stats = summarize(run_replications(nominal, None, progress=False))
    as_compare = copy.deepcopy(cfg)
    as_compare.experiment.kind = "compare"
    write_results(as_compare, out_dir, stats, resolved_yaml, started)
    # 2. the study
    folder = out_dir / STUDY_DIR
    folder.mkdir(exist_ok=True)
    _check_resume(folder, cfg)
    evaluator = ModelEvaluator(cfg, p.factors, p.kpis, cfg.experiment.point_replications, point_seed, cfg.run.workers)
    store = Store(folder, p.space, evaluator.outputs)
    if log:
        log(f"sensitivity: {len(p.factors)} factors in {len(p.space.group_names)} groups from {p.path}; "
            f"{p.evaluations} paired evaluations ({', '.join(f'{s} {p.sizes[s]}' for s in p.spec.stages)})")
    study_started = time.perf_counter()
    result = run_study(p.space, p.spec, evaluator, store, log)
    study_seconds = time.perf_counter() - study_started
    store.merge()
    # 3. the tables
    bands = bands_table(result.bands, stats, p.kpis, cfg.experiment.conclusions, result.evaluations)
    bands.to_csv(folder / BANDS, index=False)
    result.morris.to_csv(folder / MORRIS, index=False)
    result.sobol.to_csv(folder / SOBOL, index=False)
    ev = result.evaluations
    timing = {"wall_seconds": study_seconds, "evaluations": int(len(ev)),
              "evaluation_seconds_mean": float(ev["seconds"].mean()) if len(ev) else math.nan,
              "model_seconds_mean": float(ev["model_seconds"].mean()) if len(ev) else math.nan}
    atomic_write_json(folder / STUDY_FILE, {
        "priors": p.path, "factors": [asdict(f) for f in p.factors], "groups": list(p.space.group_names),
        "stages": list(p.spec.stages), "sizes": p.sizes, "spec": asdict(p.spec), "kpis": list(p.kpis),
        "point_seed": point_seed, "point_replications": cfg.experiment.point_replications,
        "sobol_groups": list(result.sobol_groups), "conclusions": list(cfg.experiment.conclusions), "timing": timing})
    text = format_bands(bands)
    atomic_write_text(folder / "bands.txt", text + "\n")
    if echo:
        say(text)
    stats["study"] = timing
    return stats


def _check_resume(folder: Path, cfg: Config) -> None:
    """Stored points are reused only by the same study (same config apart from execution settings)."""
    marker = folder / "config_hash"
    h = config_hash(cfg)
    if marker.exists() and marker.read_text().strip() != h:
        raise ConfigError("hydra.run.dir", f"{folder} holds another study's evaluations (config hash "
                                           f"{marker.read_text().strip()} != {h}); use a new run directory")
    atomic_write_text(marker, h + "\n")


def _holds(values: np.ndarray, op: str, threshold: float) -> np.ndarray:
    return {">=": values >= threshold, "<=": values <= threshold, ">": values > threshold,
            "<": values < threshold}[op]


def bands_table(bands: pd.DataFrame, stats: dict, kpis, conclusions, evaluations: pd.DataFrame) -> pd.DataFrame:
    """Per studied KPI: the nominal reform effect with its stochastic 95 % CI, the 5-95 % band of
    the effect over the parameter draws, and the share of draws keeping the nominal direction;
    then each stated conclusion and the share of draws in which it holds."""
    per_rep = stats["per_replication"]
    draws = evaluations[evaluations["stage"] == "bands"] if len(evaluations) else evaluations
    by = bands.set_index("output") if len(bands) else None
    rows = []
    for k in kpis:
        ci = paired_difference(per_rep[Side.BEFORE][k], per_rep[Side.AFTER][k])
        row = {"kpi": k, "unit": unit_of(k), "before": float(np.nanmean(per_rep[Side.BEFORE][k])),
               "after": float(np.nanmean(per_rep[Side.AFTER][k])), "diff": ci["mean"], "ci_low": ci["ci_low"],
               "ci_high": ci["ci_high"]}
        if by is not None and f"{DIFF}:{k}" in by.index:
            b = by.loc[f"{DIFF}:{k}"]
            y = draws[f"y:{DIFF}:{k}"].to_numpy(float)
            y = y[np.isfinite(y)]
            # a direction is a conclusion only where the stochastic CI excludes zero
            clear = ci["ci_low"] > 0 or ci["ci_high"] < 0
            sign = float(np.sign(ci["mean"])) if clear else math.nan
            row.update({"band_p05": b["p05"], "band_p50": b["p50"], "band_p95": b["p95"], "draws": int(b["n"]),
                        "conclusion": f"after {'>' if sign > 0 else '<'} before" if clear else "",
                        "holds_share": float(np.mean(np.sign(y) == sign)) if len(y) and clear else math.nan})
        rows.append(row)
    for text in conclusions:
        side, k, op, value = CONCLUSION.match(text).groups()
        col = f"y:{side}:{k}"
        y = draws[col].to_numpy(float) if len(draws) and col in draws else np.zeros(0)
        y = y[np.isfinite(y)]
        rows.append({"kpi": k, "unit": unit_of(k), "conclusion": text.strip(), "draws": len(y),
                     "holds_share": float(np.mean(_holds(y, op, float(value)))) if len(y) else math.nan})
    return pd.DataFrame(rows)


def format_bands(bands: pd.DataFrame) -> str:
    """The printed table: effect [stochastic 95 % CI], parameter band 5-95 %, share of draws."""
    lines = [f"{'KPI':<42} {'after - before [95% CI, stochastic]':<38} {'5-95% over the priors':<30} conclusion"]
    for r in bands.to_dict("records"):
        unit = r.get("unit", "")
        if isinstance(r.get("ci_low"), float) and math.isfinite(r.get("diff", math.nan)):
            effect = format_difference_interval(r["diff"], r["ci_low"], r["ci_high"], unit)
        else:
            effect = ""
        band = ""
        if math.isfinite(r.get("band_p05", math.nan) if isinstance(r.get("band_p05"), float) else math.nan):
            band = f"{format_difference(r['band_p05'], unit)} .. {format_difference(r['band_p95'], unit)}"
        share = r.get("holds_share", math.nan)
        held = f"{r['conclusion']} in {100 * share:.0f}% of {r['draws']} draws" \
            if isinstance(share, float) and math.isfinite(share) else ""
        lines.append(f"{r['kpi']:<42} {effect:<38} {band:<30} {held}")
    return "\n".join(lines)


def load_study(run_dir: Path) -> dict:
    """A stored study's tables (no model run): study.json, bands, morris, sobol, evaluations."""
    folder = Path(run_dir) / STUDY_DIR
    out = {"study": json.loads((folder / STUDY_FILE).read_text())}
    for name, file in (("bands", BANDS), ("morris", MORRIS), ("sobol", SOBOL)):
        path = folder / file
        try:
            out[name] = pd.read_csv(path) if path.is_file() else pd.DataFrame()
        except pd.errors.EmptyDataError:
            out[name] = pd.DataFrame()
    path = folder / "evaluations.parquet"
    out["evaluations"] = pd.read_parquet(path) if path.is_file() else pd.DataFrame()
    return out


def reanalyse(run_dir: Path, write: bool = True) -> StudyResult:
    """Every index of a stored study again, from its evaluations.parquet alone (no model run):
    e.g. after a change to the analysis, or with other Sobol groups (edit study.json's
    `sobol_groups` only if the Sobol stage was evaluated on them). Rewrites morris.csv and
    sobol.csv when `write`."""
    folder = Path(run_dir) / STUDY_DIR
    info = json.loads((folder / STUDY_FILE).read_text())
    factors = [Factor(**f) for f in info["factors"]]
    spec = info["spec"]
    spec = StudySpec(**{**spec, "stages": tuple(spec["stages"]),
                        "rank_outputs": tuple(spec["rank_outputs"]) if spec.get("rank_outputs") else None})
    outputs = output_names(info["kpis"])
    evaluations = pd.read_parquet(folder / "evaluations.parquet")
    result = analyse(Space.of(factors), spec, evaluations, outputs, tuple(info["sobol_groups"]) or None)
    if write:
        result.morris.to_csv(folder / MORRIS, index=False)
        result.sobol.to_csv(folder / SOBOL, index=False)
    return result


__all__ = ["load_study", "plan", "reanalyse", "run_sensitivity"]
