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
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from sim.config import Config, RegimeConfig
from sim.domain.sides import Side, sides_of
from sim.experiment.precision import next_total, precision_of
from sim.experiment.progress import bar
from sim.model.port import simulate
from sim.outputs.frame import Frame
from sim.outputs.kpi import Window, duration, export_cohort, foreign
from sim.outputs.kpis import replication_kpis
from sim.outputs.staffing import staffed_pools
from sim.outputs.stats import paired_difference, t_interval
from sim.store.atomic import write_part

PARTS_DIR = ".parts"


@dataclass
class Job:
    side: Side
    regime: RegimeConfig
    replication: int


@dataclass(frozen=True)
class ReplicationResult:
    """One replication of one side, as a worker process sends it back (pickled).

    `sample`: the export clearance durations and their observed flags (for the ECDF figure);
    `seconds`: its wall time. A summary-only run's segments (batches) have neither."""
    side: Side
    replication: int
    kpis: dict[str, float]
    sample: tuple[np.ndarray, np.ndarray] | None = None
    seconds: float | None = None


def sides(cfg: Config) -> dict[Side, RegimeConfig]:
    """The regime each side of this experiment simulates, in reporting order (before, after)."""
    return {side: getattr(cfg, side.config_key) for side in sides_of(cfg.experiment.kind)}


def run_job(cfg: Config, job: Job, parts_dir: Path | None) -> ReplicationResult:
    """One replication of one regime: KPIs, the export clearance sample, and Parquet parts."""
    started = time.perf_counter()
    rep = simulate(cfg, job.regime, job.replication)
    gc.collect()  # the finished model is cyclic garbage holding its plan arrays: free it before the KPIs
    window = Window(rep.warmup_hours, rep.horizon_hours, rep.end_hours, rep.start_hours)
    cons = rep.consignments
    table = Frame.of(cons)
    berths = tuple(t.berths for t in cfg.port.terminals.values())  # by terminal code
    kpis = replication_kpis(table, rep.calls, window, berths, cfg.costs, staffed_pools(cfg.port, job.regime))
    sample = duration(foreign(export_cohort(table, window)), "lodged", "released", window)

    if parts_dir is not None:
        labels = {"side": job.side, "regime": job.regime.name}
        stem = f"{job.side}-{job.replication:04d}"
        kept = cons
        if cfg.output.stored(cfg.experiment.kind) == "sample":
            kept = cons.take(sample_rows(cons.num_rows, cfg.output.sample_share, cfg.run.seed, job.replication))
        write_part(parts_dir / f"consignments-{stem}.parquet", _label(kept, labels))
        write_part(parts_dir / f"calls-{stem}.parquet", _label(rep.calls, labels))
    return ReplicationResult(job.side, job.replication, kpis, sample, time.perf_counter() - started)


SAMPLE_STREAM = 0x5A3D1E
"""Key of the sample's own random stream (never one the model draws from, so sampling changes no result)."""


def sample_rows(rows: int, share: float, seed: int, replication: int) -> np.ndarray:
    """The row indices `output.consignments: sample` keeps: each row with probability `share`, from a
    stream of (seed, replication) alone, so both sides of a comparison keep the same consignments
    (their rows are the same draws in the same order) and a replication keeps the same ones in any run."""
    keep = np.random.default_rng((seed, replication, SAMPLE_STREAM)).random(rows) < share
    return np.flatnonzero(keep)


def _label(table: pa.Table, labels: dict) -> pa.Table:
    for name, value in labels.items():
        table = table.append_column(name, pa.array([value] * table.num_rows, pa.string()).dictionary_encode())
    return table


def replication_range(cfg: Config) -> range:
    """The replication indices this run starts with: [first_replication, first + replications)."""
    return range(cfg.run.first_replication, cfg.run.first_replication + cfg.run.replications)


def run_replications(cfg: Config, parts_dir: Path | None, progress: bool | None = None,
                     replications: range | None = None) -> list[ReplicationResult]:
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


def summarize(results: list[ReplicationResult]) -> dict:
    """{side: {kpi: {mean, ci_low, ci_high, n}}} plus the per-replication values."""
    by_side: dict[Side, dict[int, dict]] = {}
    for res in results:
        by_side.setdefault(res.side, {})[res.replication] = res.kpis
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
    before, after = per_rep[Side.BEFORE], per_rep[Side.AFTER]
    out = {}
    for name in before:
        b, a = t_interval(before[name]), t_interval(after[name])
        rel = (a["mean"] - b["mean"]) / b["mean"] if b["mean"] not in (0.0,) and math.isfinite(b["mean"]) else math.nan
        out[name] = {Side.BEFORE: b, Side.AFTER: a, "diff": paired_difference(before[name], after[name]), "rel_change": rel}
    return out
