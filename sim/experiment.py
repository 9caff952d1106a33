"""Replications, common random numbers and paired confidence intervals.

Both sides of a comparison run replication r with the same seed and replication
index, so every random stream (arrivals, cargo, per-consignment variates) is
identical and only the regime differs. Differences are then paired per
replication, which makes their intervals far tighter than two independent ones.
"""
from __future__ import annotations

import gc
import math
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
from omegaconf import OmegaConf

from sim.config import Config, RegimeConfig
from sim.costs import COMPONENTS as COST_COMPONENTS
from sim.frame import Frame
from sim.kpi import Window, duration, export_cohort, foreign, replication_kpis
from sim.model.port import simulate
from sim.precision import next_total, precision_of
from sim.progress import bar
from sim.stability import check_stability
from sim.stats import paired_difference, t_interval
from sim.store import atomic_write_json, atomic_write_parquet, atomic_write_text, write_part

PARTS_DIR = ".parts"


@dataclass
class Job:
    side: str
    regime: RegimeConfig
    replication: int


def sides(cfg: Config) -> dict[str, RegimeConfig]:
    if cfg.experiment.kind in ("compare", "calibrate"):
        return {"before": cfg.baseline, "after": cfg.regime}
    return {"single": cfg.regime}


def run_job(cfg: Config, job: Job, parts_dir: Path | None):
    """One replication of one regime: KPIs, the export clearance sample, and Parquet parts."""
    started = time.perf_counter()
    rep = simulate(cfg, job.regime, job.replication)
    gc.collect()  # the finished model is cyclic garbage holding its plan arrays: free it before the KPIs
    window = Window(rep.warmup_hours, rep.horizon_hours, rep.end_hours)
    cons = rep.consignments
    table = Frame.of(cons)
    berths = sum(t.berths for t in cfg.port.terminals.values())
    kpis = replication_kpis(table, rep.calls, window, berths, cfg.costs)
    sample = duration(foreign(export_cohort(table, window)), "lodged", "released", window)

    if parts_dir is not None:
        labels = {"side": job.side, "regime": job.regime.name}
        stem = f"{job.side}-{job.replication:04d}"
        write_part(parts_dir / f"consignments-{stem}.parquet", _label(cons, labels))
        write_part(parts_dir / f"calls-{stem}.parquet", _label(rep.calls, labels))
    return job.side, job.replication, kpis, sample, time.perf_counter() - started


def _label(table: pa.Table, labels: dict) -> pa.Table:
    for name, value in labels.items():
        table = table.append_column(name, pa.array([value] * table.num_rows, pa.string()).dictionary_encode())
    return table


def replication_range(cfg: Config) -> range:
    """The replication indices this run starts with: [first_replication, first + replications)."""
    return range(cfg.run.first_replication, cfg.run.first_replication + cfg.run.replications)


def run_replications(cfg: Config, parts_dir: Path | None, progress: bool | None = None,
                     replications: range | None = None):
    """Run every (side, replication) job, in parallel when run.workers allows."""
    indices = replication_range(cfg) if replications is None else replications
    jobs = [Job(side, regime, r) for r in indices for side, regime in sides(cfg).items()]
    workers = cfg.run.workers or os.cpu_count() or 1
    results = []
    with bar(len(jobs), "replications", progress) as report:
        if workers == 1 or len(jobs) == 1:
            for job in jobs:
                results.append(run_job(cfg, job, parts_dir))
                report.update()
        else:
            with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
                futures = [pool.submit(run_job, cfg, job, parts_dir) for job in jobs]
                try:
                    for f in as_completed(futures):
                        results.append(f.result())
                        report.update()
                except BaseException:
                    for f in futures:
                        f.cancel()
                    raise
    return results


def run_to_precision(cfg: Config, parts_dir: Path | None, progress: bool | None = None):
    """run.replications, then more until the precision KPI's 95 % half-width meets the target.

    Without a target (run.target_half_width = 0) this is just run_replications. Replications
    are added in order (first, first + 1, ...), so the same seed gives the same sequence.
    Returns (results, Precision or None).
    """
    results = run_replications(cfg, parts_dir, progress)
    target = cfg.run.target_half_width
    if not target > 0:
        return results, None
    step = max(1, cfg.run.workers or os.cpu_count() or 1)
    while True:
        precision = precision_of(summarize(results)["per_replication"], cfg.experiment.kind,
                                 cfg.run.precision_kpi, target)
        done = precision.replications
        more = next_total(done, precision.half_width, target, step, cfg.run.max_replications) - done
        if precision.met or more <= 0:
            return results, precision
        start = cfg.run.first_replication + done
        results += run_replications(cfg, parts_dir, progress, range(start, start + more))


def summarize(results) -> dict:
    """{side: {kpi: {mean, ci_low, ci_high, n}}} plus the per-replication values."""
    by_side: dict[str, dict[int, dict]] = {}
    for side, r, kpis, _, _ in results:
        by_side.setdefault(side, {})[r] = kpis
    summary, per_rep, indices = {}, {}, {}
    for side, reps in by_side.items():
        order = sorted(reps)
        names = list(reps[order[0]])
        per_rep[side] = {name: [reps[r][name] for r in order] for name in names}
        summary[side] = {name: t_interval(per_rep[side][name]) for name in names}
        indices[side] = order
    return {"summary": summary, "per_replication": per_rep, "replications": indices}


def compare(per_rep: dict) -> dict:
    """comparison.json content: before, after, paired diff and relative change per KPI."""
    before, after = per_rep["before"], per_rep["after"]
    out = {}
    for name in before:
        b, a = t_interval(before[name]), t_interval(after[name])
        rel = (a["mean"] - b["mean"]) / b["mean"] if b["mean"] not in (0.0,) and math.isfinite(b["mean"]) else math.nan
        out[name] = {"before": b, "after": a, "diff": paired_difference(before[name], after[name]), "rel_change": rel}
    return out


def run_experiment(cfg: Config, out_dir: Path, resolved_yaml: str | None = None, progress: bool | None = None,
                   echo: bool = True) -> dict:
    """Run the configured experiment and write its files into out_dir. Returns the summary.

    `progress`: tqdm bar over replications (None: only when stderr is a terminal).
    `echo`: print the KPI table (a sweep job prints one line instead, see sim.runner).
    """
    check_stability(cfg)  # Python API callers skip sim/__main__.py's checks: still nothing written
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if cfg.experiment.kind == "calibrate":
        from sim.calibration import run_calibration

        return run_calibration(cfg, out_dir, resolved_yaml, echo=echo)
    if cfg.run.summary_only:
        from sim.long_run import run_summary

        return run_summary(cfg, out_dir, resolved_yaml, echo=echo)
    parts_dir = out_dir / PARTS_DIR if cfg.experiment.write_table else None
    if parts_dir is not None:
        shutil.rmtree(parts_dir, ignore_errors=True)  # a killed run's parts must not join this run's tables
        parts_dir.mkdir()
    started = time.perf_counter()
    try:
        results, precision = run_to_precision(cfg, parts_dir, progress)
        from sim.plots import clearance_ecdf  # matplotlib only once results exist

        stats = summarize(results)
        stats["precision"] = precision
        if parts_dir is not None:
            for name in ("consignments", "calls"):
                parts = sorted(parts_dir.glob(f"{name}-*.parquet"))
                atomic_write_parquet(out_dir / f"{name}.parquet", parts)
        samples = {}
        for side, _, _, (d, obs), _ in sorted(results, key=lambda x: (x[0], x[1])):
            prev = samples.get(side, (np.zeros(0), np.zeros(0, bool)))
            samples[side] = (np.concatenate((prev[0], d)), np.concatenate((prev[1], obs)))
        regimes = sides(cfg)
        clearance_ecdf({s: (regimes[s].name, *samples[s]) for s in regimes}, out_dir)
        text = write_results(cfg, out_dir, stats, resolved_yaml, started)
        if echo:
            print(text)
            if precision is not None:
                print(precision.describe())
        if echo and cfg.experiment.report and cfg.experiment.write_table:
            from sim.report import write_report

            print(f"report: {write_report(out_dir)}")
        if echo:
            print(f"results: {out_dir}")
        return stats
    finally:
        if parts_dir is not None:
            shutil.rmtree(parts_dir, ignore_errors=True)


def write_results(cfg: Config, out_dir: Path, stats: dict, resolved_yaml: str | None, started: float) -> str:
    """config.yaml, kpis.json per side, replications.csv, then comparison.json (last: it marks a
    comparison complete). Adds wall_seconds (and comparison) to `stats`; returns the printed table."""
    atomic_write_text(out_dir / "config.yaml", resolved_yaml or OmegaConf.to_yaml(OmegaConf.structured(cfg)))
    for side in sides(cfg):
        side_dir = out_dir if side == "single" else out_dir / side
        side_dir.mkdir(exist_ok=True)
        atomic_write_json(side_dir / "kpis.json", stats["summary"][side])
    _write_replication_table(out_dir, stats["per_replication"], stats["replications"])
    wall = stats["wall_seconds"] = time.perf_counter() - started
    n = len(next(iter(stats["replications"].values())))
    if cfg.experiment.kind == "compare":
        stats["comparison"] = compare(stats["per_replication"])
        atomic_write_json(out_dir / "comparison.json", stats["comparison"])
        return format_comparison(stats["comparison"], cfg, wall, n)
    return format_single(stats["summary"]["single"], cfg, wall, n)


def _write_replication_table(out_dir: Path, per_rep: dict, indices: dict) -> None:
    rows = ["side,replication,kpi,value"]
    for side, kpis in per_rep.items():
        for name, values in kpis.items():
            rows += [f"{side},{r},{name},{float(v)!r}" for r, v in zip(indices[side], values)]
    atomic_write_text(out_dir / "replications.csv", "\n".join(rows) + "\n")


# ------------------------------------------------------------------ printing
HEADLINE = (
    "export_release_within_24h_share", "import_release_within_24h_share",
    "export_clearance_hours_mean", "export_clearance_hours_p90",
    "import_clearance_hours_mean", "import_clearance_hours_p90",
    "import_release_hours_mean", "import_yard_dwell_hours_mean", "import_stage_hours_unloading", "import_stage_hours_preparing",
    "import_stage_hours_clearance", "import_stage_hours_removal", "inland_door_hours_mean",
    "inland_door_hours_truck_mean", "inland_door_hours_rail_mean", "transit_share",
    "declarations_per_import_mean",
    "logistics_cost_cny_per_teu_mean",
) + tuple(f"logistics_cost_cny_per_teu_{c}" for c in COST_COMPONENTS) + (
    "throughput_teu_per_year", "rail_share", "transshipment_teu", "transshipment_connection_hours_mean",
    "transshipment_cost_cny_per_teu_mean",
    "reefer_teu", "reefer_plug_wait_hours_mean", "vessel_wait_hours_mean",
    "berth_utilization", "rolled_export_share", "cohort_open_share",
)


def _fmt(x: float) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    if abs(x) >= 1e5:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:,.1f}"
    return f"{x:.3f}"


def _batches(cfg: Config) -> str:
    """What the intervals are taken over: replications, or a summary-only run's segments."""
    return "segments (batch means)" if cfg.run.summary_only else "replications"


def format_comparison(comparison: dict, cfg: Config, wall: float, n: int | None = None) -> str:
    lines = [
        f"{cfg.baseline.name} (before) vs {cfg.regime.name} (after): {n or cfg.run.replications} paired {_batches(cfg)}, "
        f"{cfg.run.horizon_days:g} days ({cfg.run.warmup_days:g} warm-up), seed {cfg.run.seed}, {wall:.0f} s",
        f"{'KPI':40s} {'before':>12s} {'after':>12s} {'change':>8s}   95% CI of after - before",
    ]
    for name in HEADLINE:
        c = comparison.get(name)
        if c is None:
            continue
        rel = c["rel_change"]
        change = f"{100 * rel:+.1f}%" if math.isfinite(rel) else "n/a"
        d = c["diff"]
        lines.append(f"{name:40s} {_fmt(c['before']['mean']):>12s} {_fmt(c['after']['mean']):>12s} {change:>8s}   "
                     f"[{_fmt(d['ci_low'])}, {_fmt(d['ci_high'])}]")
    return "\n".join(lines)


def format_single(summary: dict, cfg: Config, wall: float, n: int | None = None) -> str:
    lines = [
        f"{cfg.regime.name}: {n or cfg.run.replications} {_batches(cfg)}, {cfg.run.horizon_days:g} days "
        f"({cfg.run.warmup_days:g} warm-up), seed {cfg.run.seed}, {wall:.0f} s",
        f"{'KPI':40s} {'mean':>12s}   95% CI",
    ]
    for name in HEADLINE:
        s = summary.get(name)
        if s is not None:
            lines.append(f"{name:40s} {_fmt(s['mean']):>12s}   [{_fmt(s['ci_low'])}, {_fmt(s['ci_high'])}]")
    return "\n".join(lines)
