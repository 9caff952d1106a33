"""Summary-only long runs (`run.summary_only=true`): memory that does not grow with the horizon.

A long run is simulated as consecutive segments of whole weeks. Segment k observes the
weeks [warm-up + k L, warm-up + (k + 1) L) (L = `run.segment_days`) and is simulated from
`run.warmup_days` earlier, starting from an empty port as every run does, until
`run.drain_days` later. Traffic is drawn week by week from streams keyed by the week
(`sim.model.demand.generate_weeks`), so weeks that two neighbouring segments share carry the
same ships and cargo in both. Once the queues left over from a segment's empty start have
drained, its trajectory is the one its predecessor was on: the run compares the consignments
both simulated (the predecessor's drain, the segment's first days) and reports the share whose
every milestone agrees (`coupled_share`). Where it is 1, the segments together are one
continuous run.

Only each segment's KPIs (pure functions of its milestone table, `sim.outputs.kpi`) are kept; the
table is dropped. Segments are the batches of the batch-means method: a KPI's long-run
estimate is its mean over segments, its 95 % interval the t interval over them (segments
of four weeks or more are far longer than a consignment's time in port, so neighbouring
batches are close to independent), and regimes are paired segment by segment (common
random numbers: both draw the same weeks).
"""
from __future__ import annotations

import gc
import math
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from sim.config import Config, RegimeConfig
from sim.domain import MILESTONES
from sim.domain.sides import Side
from sim.domain.units import DAYS_PER_WEEK, HOURS_PER_DAY
from sim.experiment.replications import ReplicationResult, sides, summarize
from sim.experiment.progress import say
from sim.experiment.writing import write_results
from sim.model.demand import HOURS_PER_WEEK, generate_weeks
from sim.model.port import simulate
from sim.outputs.frame import Frame
from sim.outputs.kpi import Window
from sim.outputs.kpis import replication_kpis
from sim.outputs.staffing import staffed_pools

SEGMENTS_FILE = "segments.csv"
AGREE_HOURS = 1e-6
"""Two segments agree on a milestone within this (their clocks differ by whole weeks, so
only rounding separates identical trajectories)."""


@dataclass(frozen=True)
class Segment:
    index: int
    first_week: int       # simulated from the start of this week (an empty port) ...
    observed_week: int    # ... observes its cohort from this week ...
    observed_weeks: int   # ... for this many weeks ...
    last_week: int        # ... and draws traffic up to (not including) this week.

    @property
    def start_hours(self) -> float:
        """Absolute time of the segment's clock zero."""
        return self.first_week * HOURS_PER_WEEK


def segments(cfg: Config) -> list[Segment]:
    """The segments of a summary-only run (validated: whole weeks, horizon a whole number of them)."""
    run = cfg.run
    warmup = round(run.warmup_days) // DAYS_PER_WEEK
    length = round(run.segment_days) // DAYS_PER_WEEK
    count = round(run.horizon_days - run.warmup_days) // round(run.segment_days)
    out = []
    for k in range(count):
        observed = warmup + k * length
        end_hours = (observed + length) * HOURS_PER_WEEK + run.drain_days * HOURS_PER_DAY
        out.append(Segment(k, observed - warmup, observed, length, math.ceil(end_hours / HOURS_PER_WEEK)))
    return out


def segment_config(cfg: Config, seg: Segment) -> Config:
    """The plain run a segment is: warm-up, its observed weeks, drain (times from its own zero)."""
    horizon = cfg.run.warmup_days + seg.observed_weeks * DAYS_PER_WEEK
    return replace(cfg, run=replace(cfg.run, horizon_days=horizon))


def run_segment(cfg: Config, regime: RegimeConfig, replication: int, seg: Segment):
    """(KPIs, head, tail) of one segment. head and tail, for the coupling check: absolute milestone
    times of the consignments of its first observed weeks and of its drain weeks (those the next
    segment observes first), by (week, index in week)."""
    calls, cons, week = generate_weeks(cfg.demand, cfg.port, seg.first_week, seg.last_week, cfg.run.seed,
                                       replication)
    rep = simulate(segment_config(cfg, seg), regime, replication, traffic=(calls, cons))
    window = Window(rep.warmup_hours, rep.horizon_hours, rep.end_hours)
    berths = tuple(t.berths for t in cfg.port.terminals.values())  # by terminal code
    kpis = replication_kpis(Frame.of(rep.consignments), rep.calls, window, berths, cfg.costs,
                            staffed_pools(cfg.port, regime))
    drain_weeks = seg.last_week - seg.observed_week - seg.observed_weeks
    end = rep.end_hours + seg.start_hours
    head = _milestones_of_weeks(rep.consignments, week, seg, seg.observed_week, seg.observed_week + drain_weeks, end)
    tail = _milestones_of_weeks(rep.consignments, week, seg, seg.last_week - drain_weeks, seg.last_week, end)
    return kpis, head, tail


def _milestones_of_weeks(table, week: np.ndarray, seg: Segment, first: int, last: int, end: float) -> dict:
    """Absolute milestone times of the consignments of weeks [first, last), keyed by (week, index in week)."""
    weeks = np.arange(first, last)
    starts = np.searchsorted(week, weeks)  # generate_weeks lays the weeks out in order
    stops = np.searchsorted(week, weeks, side="right")
    rows = np.concatenate([np.arange(a, b) for a, b in zip(starts, stops)] + [np.zeros(0, dtype=np.int64)])
    keys = week[rows].astype(np.int64) * (1 << 32) + (rows - np.repeat(starts, stops - starts))
    times = np.column_stack([table.column(m).to_numpy()[rows] for m in MILESTONES]) + seg.start_hours
    return {"keys": keys, "times": times, "end": end}


def coupled_share(before: dict, after: dict) -> float:
    """Share of the consignments both segments simulated whose milestones agree, as far as the
    earlier segment ran: a consignment it had not finished by its end is compared only on the
    milestones it recorded (a step is recorded once it is done)."""
    common, i, j = np.intersect1d(before["keys"], after["keys"], return_indices=True)
    if not len(common):
        return math.nan
    a, b = before["times"][i], after["times"][j]
    last = np.nanmax(np.where(np.isnan(b), -np.inf, b), axis=1)
    unfinished = last > before["end"] - AGREE_HOURS
    agree = np.where(np.isnan(a), np.isnan(b) | unfinished[:, None], np.abs(a - b) <= AGREE_HOURS)
    return float(np.mean(agree.all(axis=1)))


def run_long(cfg: Config, sides: dict[Side, RegimeConfig], on_segment=None) -> dict:
    """Every segment of every replication and side, in order, keeping only KPIs.

    Returns {side: [(replication, segment, kpis, coupled share)]}, and calls
    `on_segment(side, replication, segment, kpis, coupled)` as each finishes (streaming).
    The first segment of a replication has nothing to couple to (NaN)."""
    out: dict[Side, list] = {side: [] for side in sides}
    first = cfg.run.first_replication
    for replication in range(first, first + cfg.run.replications):
        for side, regime in sides.items():
            previous_tail = None
            for seg in segments(cfg):
                kpis, head, tail = run_segment(cfg, regime, replication, seg)
                gc.collect()  # a finished segment's model is cyclic garbage holding its arrays: free it now
                coupled = math.nan if previous_tail is None else coupled_share(previous_tail, head)
                previous_tail = tail
                out[side].append((replication, seg.index, kpis, coupled))
                if on_segment is not None:
                    on_segment(side, replication, seg.index, kpis, coupled)
    return out


def run_summary(cfg: Config, out_dir: Path, resolved_yaml: str | None = None, echo: bool = True) -> dict:
    """A summary-only experiment: segments.csv streamed as segments finish, then kpis.json per
    side (batch means), replications.csv (one row per segment), comparison.json last."""
    started = time.perf_counter()
    segs = segments(cfg)
    log = out_dir / SEGMENTS_FILE
    with log.open("w") as f:
        f.write("side,replication,segment,first_day,kpi,value\n")

        def on_segment(side, replication, segment, kpis, coupled):
            day = segs[segment].observed_week * DAYS_PER_WEEK
            rows = {**kpis, "coupled_share": coupled}
            f.write("".join(f"{side},{replication},{segment},{day},{k},{float(v)!r}\n" for k, v in rows.items()))
            f.flush()  # a killed run keeps every finished segment

        out = run_long(cfg, sides(cfg), on_segment)
    # Each segment is a batch: summarize/compare treat batches as they treat replications.
    results = [ReplicationResult(side, r * len(segs) + k, kpis) for side, rows in out.items() for r, k, kpis, _ in rows]
    stats = summarize(results)
    stats["precision"] = None
    stats["coupled_share"] = {side: float(np.nanmean([c for *_, c in rows])) for side, rows in out.items()}
    text = write_results(cfg, out_dir, stats, resolved_yaml, started)
    if echo:
        say(text)
        say("segments agreeing with their predecessor where both ran (coupled share): "
              + ", ".join(f"{side} {share:.3f}" for side, share in stats["coupled_share"].items()))
        say(f"results: {out_dir}")
    return stats
