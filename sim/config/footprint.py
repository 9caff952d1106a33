"""Will the run fit in memory? An estimate from the config alone, before anything is drawn.

Why: a replication draws its whole traffic up front (calls, consignments and their variates as
numpy arrays) and keeps one row per consignment until its KPIs are computed, so an absurd horizon
or scale (`run.horizon_days=1e12`) would otherwise end as numpy's memory error inside a worker,
after start-up. The estimate counts vessel calls and consignments per replication from the demand
(as the stability check counts declarations), the replications (or summary-only segments) whose
results the run holds at once, and prices them with the per-row costs measured below; a run whose
estimate exceeds the machine's memory is refused as bad input, naming the key that drives it and,
where it would fit, pointing to `run.summary_only=true`.

The per-row costs were measured on this model (benchmarks/RESULTS.md (a); a 28-day and an 84-day
full-scale replication, peak RSS against consignments: 422 bytes a consignment in `simulate`, 474
over the whole full-year run with its KPIs and Parquet). They are rounded up: the check refuses
only runs that cannot fit, it is not a promise that everything below it does.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

from sim.config.schema import Config, ConfigError
from sim.domain.units import DAYS_PER_WEEK

PROCESS_BYTES = 250e6
"""A worker process with the model imported (measured 180 MB)."""
BYTES_PER_CONSIGNMENT = 500.0
"""Peak memory per consignment of a replication (measured 422-474)."""
BYTES_PER_CALL = 4096.0
"""Per vessel call: its row, its SimPy process and its berth events (a small share of a replication)."""
RESULT_BYTES = 64e3
"""What the run keeps per finished replication (or segment) and side: its KPIs (a few hundred floats)."""
SAMPLE_BYTES_PER_CONSIGNMENT = 9.0
"""... plus the export clearance sample for the figure (a float and a flag per consignment, at most)."""


@dataclass(frozen=True)
class Footprint:
    calls: float            # vessel calls a replication (or segment) simulates
    consignments: float     # consignments it simulates
    batches: float          # replications (or segments) x sides whose results are held at once
    parallel: int           # replications simulated at once
    peak_bytes: float

    def describe(self) -> str:
        return (f"about {_count(self.consignments)} consignments and {_count(self.calls)} vessel calls per "
                f"replication, {_count(self.batches)} replication results held, about {_bytes(self.peak_bytes)} "
                f"of memory")


def _count(n: float) -> str:
    return f"{n:,.0f}" if n < 1e7 else f"{n:.2g}"


def _bytes(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= size:
            return f"{n / size:,.3g} {unit}" if n / size < 1e6 else f"{n:.2g} bytes"
    return f"{n:,.0f} bytes"


def machine_memory() -> float:
    """This machine's physical memory in bytes (inf where it cannot be read)."""
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return math.inf


def _weekly(cfg: Config) -> tuple[float, float]:
    """(vessel calls, consignments) a week at this demand (every call's boxes, transshipment included;
    demand.scale grows the boxes a call brings, not the calls: sim.model.demand)."""
    d = cfg.demand
    calls = sum(s.calls_per_week for s in d.services.values()) + d.irregular.calls_per_week
    boxes = sum(s.calls_per_week * (s.import_boxes_per_call + s.export_boxes_per_call) for s in d.services.values())
    boxes += d.irregular.calls_per_week * (d.irregular.import_boxes_per_call + d.irregular.export_boxes_per_call)
    return calls, boxes * d.scale / max(d.boxes_per_consignment_mean, 1e-9)  # scale grows the calls, not their number


def footprint(cfg: Config, summary_only: bool | None = None, workers: int | None = None) -> Footprint:
    """The estimate for this config (as summary-only if `summary_only`, whatever run.summary_only says;
    with `workers` processes if given)."""
    from sim.domain.sides import sides_of

    run = cfg.run
    summary = run.summary_only if summary_only is None else summary_only
    n_sides = len(sides_of(cfg.experiment.kind))
    calls_week, cons_week = _weekly(cfg)
    if summary:
        days = run.segment_days + run.warmup_days + run.drain_days + 2 * DAYS_PER_WEEK  # whole weeks drawn each side
        per_rep = max(1.0, (run.horizon_days - run.warmup_days) / max(run.segment_days, 1e-9))
    else:
        days, per_rep = run.horizon_days + run.drain_days, 1.0
    weeks = days / DAYS_PER_WEEK
    calls, cons = calls_week * weeks, cons_week * weeks
    replications = max(run.replications, run.max_replications if run.target_half_width > 0 else 0)
    batches = replications * per_rep * n_sides
    workers = workers or run.workers or os.cpu_count() or 1
    parallel = max(1, min(workers, replications * n_sides))
    peak = (PROCESS_BYTES * (parallel + (parallel > 1)) + parallel * (cons * BYTES_PER_CONSIGNMENT + calls * BYTES_PER_CALL)
            + batches * (RESULT_BYTES + (0.0 if summary else SAMPLE_BYTES_PER_CONSIGNMENT * cons)))
    return Footprint(calls, cons, batches, parallel, peak)


def check_footprint(cfg: Config, memory: float | None = None) -> Config:
    """Refuse (ConfigError) a run whose memory estimate exceeds the machine's; return cfg otherwise."""
    memory = machine_memory() if memory is None else memory
    est = footprint(cfg)
    if est.peak_bytes <= memory:
        return cfg
    run = cfg.run
    if est.batches * RESULT_BYTES > memory / 2:  # too many results to hold: the count is the problem
        key = ("run.horizon_days" if run.summary_only else
               "run.max_replications" if run.target_half_width > 0 and run.max_replications > run.replications
               else "run.replications")
    elif run.summary_only:
        key = "demand.scale" if cfg.demand.scale > 1 else "run.segment_days"
    else:
        key = "demand.scale" if cfg.demand.scale > 1 and est.peak_bytes / cfg.demand.scale <= memory else "run.horizon_days"
    hint = ""
    if not run.summary_only and cfg.experiment.kind != "calibrate":
        lean = footprint(cfg, summary_only=True)
        if lean.peak_bytes <= memory:
            hint = (f"; run.summary_only=true would fit (about {_bytes(lean.peak_bytes)}: one "
                    f"{run.segment_days:g}-day segment at a time, the horizon less the warm-up in whole segments)")
    fewer = ("; run.workers=1 would fit" if est.parallel > 1 and footprint(cfg, workers=1).peak_bytes <= memory
             else "")
    raise ConfigError(key, f"this run needs {est.describe()} ({est.parallel} replication(s) simulated at once); "
                           f"this machine has "
                           f"{_bytes(memory)}{hint}{fewer}")
