"""One run as a catalogued unit: identity, skip-if-complete, status records.

Why a layer above the experiment: a sweep needs to know whether a point is already
done, and a killed run must never look done. So a run's `run.json` (and its catalog
row) says `running` before the first replication and `complete` only after every
file is in place; a run killed in between stays `running`, and a re-run simulates
it again. Hydra-free: `sim/__main__.py` builds the RunContext from Hydra's state.
"""
from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from sim.config import Config, ConfigError
from sim.config.footprint import check_footprint
from sim.config.stability import check_stability
from sim.config.validation import check_event_log
from sim.experiment.progress import say
from sim.experiment.replications import sides
from sim.runs.kinds import run_experiment
from sim.store import catalog as catalog_module
from sim.store.atomic import atomic_write_json
from sim.store.catalog import RUN_FILE, Catalog, RunRecord
from sim.store.identity import (code_hash, code_version, config_hash, host, make_label, new_run_id, now_iso,
                                pairing_key, point_hash)
from sim.store.rundir import REGIMES_FILE


@dataclass
class RunContext:
    """Where and as what a run executes (filled from Hydra by `sim/__main__.py`, or by hand)."""

    run_dir: Path
    resolved_yaml: str | None = None
    overrides: list = field(default_factory=list)
    multirun: bool = False
    sweep_dir: str | None = None
    job_num: int | None = None
    sweep: str = ""
    """The sweep config's name (`+sweep=officers`), if any."""
    echo: bool = True
    """Print the KPI table and write report.html as an interactive run does (a sweep job never does)."""
    config_dirs: list = field(default_factory=list)
    """The planner's own config folders (path, and each YAML file's hash and text), for run.json."""
    searched: list = field(default_factory=list)
    """The keys an optimisation searches (`hydra.sweeper.params`), for its trials' records."""
    regime_changes: dict | None = None
    """Each side's departures from the regime file it is named after (sim.cli.published), written
    to regimes.json so targets are judged only on a regime as published; None: not known."""


def open_catalog(cfg: Config, run_dir: Path) -> Catalog | None:
    path = catalog_module.resolve(cfg.run.catalog, run_dir)
    return None if path is None else Catalog(path)


def with_stored_table(cfg: Config, sweep_point: bool) -> Config:
    """The config with `output.consignments: auto` resolved (full alone, none for a sweep point or a
    calibration; a summary-only run keeps no table whatever is asked), so the run, its config hash
    and run.json all say what was kept."""
    stored = "none" if cfg.run.summary_only else cfg.output.stored(cfg.experiment.kind, sweep_point)
    return cfg if stored == cfg.output.consignments else replace(cfg, output=replace(cfg.output, consignments=stored))


def new_record(cfg: Config, ctx: RunContext) -> RunRecord:
    stamp = now_iso()
    resolved = asdict(cfg)
    names = {str(side): regime.name for side, regime in sides(cfg).items()}
    return RunRecord(
        run_id=new_run_id(), status="running", run_dir=str(Path(ctx.run_dir).resolve()), started_at=stamp,
        updated_at=stamp, kind=cfg.experiment.kind, sweep_dir=ctx.sweep_dir, job_num=ctx.job_num,
        label=make_label(cfg.experiment.kind, names, ctx.overrides, resolved), sweep=ctx.sweep,
        overrides=list(ctx.overrides), config_hash=config_hash(cfg), point_hash=point_hash(cfg),
        code_version=code_version(), code_hash=code_hash(), seed=cfg.run.seed,
        first_replication=cfg.run.first_replication, replications=cfg.run.replications,
        sides=names, host=host(), pairing=pairing_key(resolved, code_hash()),
        config_dirs=list(ctx.config_dirs), consignments=cfg.output.consignments,
    )


def read_record(run_dir: Path) -> RunRecord | None:
    try:
        return RunRecord.from_dict(json.loads((Path(run_dir) / RUN_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def find_complete(cat: Catalog, record: RunRecord) -> RunRecord | None:
    """A complete earlier run with the same config and code whose files are still on disk (its table
    too, unless this run keeps none: `sim.results gc --tables-only` may have removed it)."""
    candidates = _tolerant(cat, cat.complete_runs_like, record.config_hash, record.code_hash)
    for row in candidates.itertuples() if candidates is not None else ():
        prior = read_record(Path(row.run_dir))
        if prior is not None and prior.run_id == row.run_id and prior.status == "complete" and _keeps_enough(prior, record):
            return prior
    return None


def _keeps_enough(prior: RunRecord, record: RunRecord) -> bool:
    """A prior run stands in for this one only if it kept at least the table this one would keep."""
    order = ("none", "sample", "full")
    if record.consignments not in order or prior.consignments not in order:
        return True  # a record from before output.consignments: nothing to compare
    return order.index(prior.consignments) >= order.index(record.consignments)


def complete_here(cat: Catalog, record: RunRecord) -> RunRecord | None:
    """The complete run already in this run directory, re-indexed, if the catalog missed its last row.

    run.json says `complete` before the catalog hears of it, so a sweep killed in between leaves
    the catalog saying `running`; the directory is the source of truth, so a re-run trusts it.
    """
    from sim.store.ingest import kpi_rows

    prior = read_record(Path(record.run_dir))
    if prior is None or prior.status != "complete" or not _keeps_enough(prior, record) or (
            prior.config_hash, prior.code_hash) != (record.config_hash, record.code_hash):
        return None
    try:
        rows = kpi_rows(prior, Path(record.run_dir))
    except (OSError, ValueError, KeyError):
        return None  # its KPI files are gone or damaged: run it again
    _tolerant(cat, cat.record_run, prior, *rows)
    return prior


def execute(cfg: Config, ctx: RunContext, progress: bool | None = None) -> dict | None:
    """Run (or skip) the experiment with status records; returns the stats, or None if skipped."""
    check_stability(cfg)  # before run.json or the catalog row: an overloaded config writes nothing
    check_footprint(cfg)  # nor does one that cannot fit in memory
    check_event_log(cfg, ctx.multirun or ctx.sweep_dir is not None)  # a sweep point keeps no table by default
    cfg = with_stored_table(cfg, ctx.multirun or ctx.sweep_dir is not None)
    run_dir = Path(ctx.run_dir)
    cat = open_catalog(cfg, run_dir)
    record = new_record(cfg, ctx)
    skip = cfg.run.skip_complete if cfg.run.skip_complete is not None else ctx.multirun
    if skip and cat is not None:
        prior = find_complete(cat, record) or complete_here(cat, record)
        if prior is not None:
            return _skip(cat, ctx, record, prior)

    run_dir.mkdir(parents=True, exist_ok=True)
    if ctx.regime_changes is not None:
        atomic_write_json(run_dir / REGIMES_FILE, ctx.regime_changes)
    _close_killed(cat, run_dir, record)
    _save(cat, record)
    started = time.perf_counter()
    try:
        stats = run_experiment(cfg, run_dir, ctx.resolved_yaml, progress=False if ctx.multirun else progress,
                               echo=ctx.echo and not ctx.multirun)
    except BaseException as e:
        record.error = " ".join(str(e).split()) or type(e).__name__
        _finish(cat, record, "failed", started)
        if isinstance(e, ConfigError) and not ctx.multirun:  # bad input found only at run time: no files
            (run_dir / RUN_FILE).unlink(missing_ok=True)
        raise
    precision = stats.get("precision")
    record.precision = None if precision is None else precision.as_dict()
    record.replications = len(next(iter(stats["replications"].values())))
    record.event_log = list(stats.get("event_log") or [])
    _finish(cat, record, "complete", started, *_kpi_rows(record, stats))
    if ctx.sweep_dir is not None and cat is not None:
        _tolerant(cat, cat.record_sweep_job, ctx.sweep_dir, ctx.job_num, record.run_id, False, ctx.sweep,
                  record.overrides, now_iso())
    if ctx.multirun:
        say(f"[job {ctx.job_num}] {' '.join(ctx.overrides)}: {record.replications} replications "
              f"in {record.wall_seconds:.0f} s -> {run_dir}", flush=True)
    return stats


def _skip(cat: Catalog, ctx: RunContext, record: RunRecord, prior: RunRecord) -> None:
    record.status = "skipped"
    record.reused_run_id = prior.run_id
    record.finished_at = record.updated_at = now_iso()
    if Path(ctx.run_dir).resolve() != Path(prior.run_dir).resolve():  # never overwrite the run we reuse
        Path(ctx.run_dir).mkdir(parents=True, exist_ok=True)
        atomic_write_json(Path(ctx.run_dir) / RUN_FILE, asdict(record))
    if ctx.sweep_dir is not None:
        _tolerant(cat, cat.record_sweep_job, ctx.sweep_dir, ctx.job_num, prior.run_id, True, ctx.sweep,
                  record.overrides, now_iso())
    where = f"job {ctx.job_num}" if ctx.job_num is not None else "run"
    say(f"[{where}] {' '.join(ctx.overrides)}: already complete as run {prior.run_id} in {prior.run_dir}; skipped",
          flush=True)
    return None


def _close_killed(cat: Catalog | None, run_dir: Path, record: RunRecord) -> None:
    """A run killed in this directory (its run.json still says running) is marked failed in the
    catalog before the new run's record replaces its run.json, so no row stays `running` forever."""
    killed = read_record(run_dir)
    if cat is None or killed is None or killed.status != "running" or killed.run_id == record.run_id:
        return
    killed.status = "failed"
    killed.error = f"interrupted: never finished; run again as {record.run_id}"
    killed.updated_at = now_iso()
    _tolerant(cat, cat.record_run, killed)


def _save(cat: Catalog | None, record: RunRecord, kpis=(), replications=()) -> None:
    """run.json first (the run's own record), then the catalog row."""
    atomic_write_json(Path(record.run_dir) / RUN_FILE, asdict(record))
    if cat is not None:
        _tolerant(cat, cat.record_run, record, kpis, replications)


def _tolerant(cat: Catalog, method, *args):
    """Call a catalog method; a broken catalog costs a warning, never the run (its run.json stands,
    and `python -m sim.results ingest` can index it later)."""
    try:
        return method(*args)
    except Exception as e:  # noqa: BLE001
        print(f"warning: catalog {cat.path}: {' '.join(str(e).split())}", file=sys.stderr)
        return None


def _finish(cat, record: RunRecord, status: str, started: float, kpis=(), replications=()) -> None:
    record.status = status
    record.finished_at = record.updated_at = now_iso()
    record.wall_seconds = time.perf_counter() - started
    _save(cat, record, kpis, replications)


def _kpi_rows(record: RunRecord, stats: dict) -> tuple[list, list]:
    """(kpis rows, replication_kpis rows) for the catalog; a comparison adds side `diff`."""
    kpis, reps = [], []
    for side, summary in stats["summary"].items():
        regime = record.sides.get(side)
        for name, s in summary.items():
            kpis.append((record.run_id, side, regime, name, s["mean"], s["ci_low"], s["ci_high"], s["n"]))
        indices = stats["replications"][side]
        for name, values in stats["per_replication"][side].items():
            reps += [(record.run_id, side, regime, r, name, _float(v)) for r, v in zip(indices, values)]
    for name, c in (stats.get("comparison") or {}).items():
        d = c["diff"]
        kpis.append((record.run_id, "diff", None, name, d["mean"], d["ci_low"], d["ci_high"], d["n"]))
    return kpis, reps


def _float(v) -> float:
    v = float(v)
    return v if math.isfinite(v) else math.nan
