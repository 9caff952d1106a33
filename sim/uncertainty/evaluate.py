"""One study point of the model: a summary-only paired before/after run at given factor values.

A point is the composed Config with the factors' keys set (`sim.uncertainty.priors.apply_values`),
simulated for `point_replications` replications on both sides with common random numbers: every
point uses the same seed (drawn from the study's own stream, `sim.uncertainty.design.stream`) and
the same replication indices, so two points differ only in their inputs. Summary-only: each
replication's KPIs are computed from its milestone table in the worker and the table is dropped
(nothing written per point). Points run in parallel on joblib's process pool (loky, as the local
sweep launcher), `run.workers` at a time; each point runs its replications in its own worker.
"""
from __future__ import annotations

import math
import time

import numpy as np
from joblib import Parallel, delayed

from sim.config import Config, ConfigError
from sim.domain.sides import PAIRED, Side
from sim.experiment.replications import sides
from sim.model.port import simulate
from sim.outputs.frame import Frame
from sim.outputs.kpi import Window
from sim.outputs.kpis import replication_kpis
from sim.outputs.staffing import staffed_pools
from sim.uncertainty.priors import Factor, apply_values

DIFF = "diff"
OUTPUT_SIDES = (str(Side.BEFORE), str(Side.AFTER), DIFF)


def output_names(kpis) -> tuple[str, ...]:
    """`before:kpi`, `after:kpi` and `diff:kpi` (after - before) for each studied KPI."""
    return tuple(f"{side}:{k}" for k in kpis for side in OUTPUT_SIDES)


def replication_summary(cfg: Config, side: Side, replication: int) -> tuple[dict, float]:
    """One replication's KPIs (no table kept) and its simulate + KPI seconds. No gc.collect()
    after it, unlike a full run's replication (sim.experiment.replications.run_job): a study point
    is small, and a full collection per replication cost ~6 % of a point (benchmarks/sensitivity/)."""
    started = time.perf_counter()
    regime = getattr(cfg, side.config_key)
    rep = simulate(cfg, regime, replication)
    window = Window(rep.warmup_hours, rep.horizon_hours, rep.end_hours, rep.start_hours)
    berths = tuple(t.berths for t in cfg.port.terminals.values())
    kpis = replication_kpis(Frame.of(rep.consignments), rep.calls, window, berths, cfg.costs,
                            staffed_pools(cfg.port, regime))
    return kpis, time.perf_counter() - started


def point_outputs(cfg: Config, factors: list[Factor], x, kpis: tuple[str, ...], replications: int,
                  seed: int) -> tuple[list[float], dict]:
    """The outputs of one point (means over its replications) and its timings."""
    started, cpu = time.perf_counter(), time.process_time()
    try:
        point = apply_values(cfg, factors, x)
    except ConfigError as e:  # a combination of ranges the config refuses: said plainly (and picklable)
        raise ValueError(f"study point {dict(zip((f.name for f in factors), map(float, x)))} is refused: {e}") from None
    point.run.seed, point.run.workers = int(seed), 1
    model = model_cpu = 0.0
    values = {side: {k: [] for k in kpis} for side in PAIRED}
    for r in range(replications):
        for side in sides(point):
            cpu_rep = time.process_time()
            got, seconds = replication_summary(point, side, r)
            model += seconds
            model_cpu += time.process_time() - cpu_rep
            for k in kpis:
                values[side][k].append(float(got.get(k, math.nan)))
    out = []
    for k in kpis:
        before, after = np.array(values[Side.BEFORE][k]), np.array(values[Side.AFTER][k])
        out += [float(np.mean(before)), float(np.mean(after)), float(np.mean(after - before))]
    return out, {"seconds": time.perf_counter() - started, "model_seconds": model,
                 "cpu_seconds": time.process_time() - cpu, "model_cpu_seconds": model_cpu}


class ModelEvaluator:
    """The model as a study's evaluator (sim.uncertainty.study.Evaluator)."""

    def __init__(self, cfg: Config, factors: list[Factor], kpis: tuple[str, ...], replications: int, seed: int,
                 workers: int):
        self.cfg, self.factors, self.kpis = cfg, factors, tuple(kpis)
        self.replications, self.seed, self.workers = replications, seed, max(1, workers)
        self.outputs = output_names(self.kpis)

    def __call__(self, X: np.ndarray) -> tuple[np.ndarray, list[dict]]:
        done = sorted(self.stream(X), key=lambda d: d[0])
        return np.array([d[1] for d in done], float), [d[2] for d in done]

    def stream(self, X: np.ndarray):
        """(row of X, outputs, timings) as each point finishes, in any order: the workers never wait
        for a batch's slowest point (the study stores results as they come)."""
        if self.workers == 1 or len(X) == 1:
            for i, x in enumerate(X):
                yield (i, *point_outputs(self.cfg, self.factors, x, self.kpis, self.replications, self.seed))
            return
        jobs = (delayed(_indexed)(i, self.cfg, self.factors, x, self.kpis, self.replications, self.seed)
                for i, x in enumerate(X))
        yield from Parallel(n_jobs=min(self.workers, len(X)), backend="loky", return_as="generator_unordered")(jobs)


def _indexed(i: int, *args) -> tuple:
    return (i, *point_outputs(*args))
