"""A study's stages over any evaluator, its stored evaluations, and their analysis.

`run_study` runs the stages in order (uncertainty bands on a Latin hypercube, Morris screening,
Sobol indices on the top groups of the screening) for an `Evaluator`: a callable taking points
(rows of factor values) and returning one row of outputs per point. The model's evaluator is
`sim.uncertainty.evaluate.ModelEvaluator`; the tests pass the Ishigami function through the same
path. Every finished batch of evaluations is written at once (`Store`: one Parquet part per batch
in the study folder), so a killed study resumes where it stopped: a stored point is reused when
its stage, index and factor values match. `analyse` recomputes every index from the stored
evaluations alone (re-analysis without re-running; `sim.uncertainty.sensitivity.reanalyse` does it
for a run directory).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.store.atomic import atomic_write_parquet, write_part
from sim.uncertainty.design import (STAGES, Space, bands_sample, morris_indices, morris_points, sobol_indices,
                                    sobol_points, top_groups)

EVALUATIONS = "evaluations.parquet"
PARTS = "evaluations"
PERCENTILES = (5, 50, 95)


class Evaluator(Protocol):
    outputs: tuple[str, ...]

    def __call__(self, X: np.ndarray) -> tuple[np.ndarray, list[dict]]:
        """Outputs (one row per point, one column per output) and per-point timings
        ({seconds, model_seconds}). An evaluator may also have `stream(X)`, yielding
        (row, outputs, timings) as points finish (the model's does)."""


@dataclass(frozen=True)
class StudySpec:
    stages: tuple[str, ...] = STAGES
    lhs_samples: int = 32
    trajectories: int = 10
    levels: int = 4
    sobol_groups: int = 4
    sobol_samples: int = 16
    seed: int = 0
    rank_outputs: tuple[str, ...] | None = None
    """Outputs whose mu* choose the Sobol groups (None: every output)."""
    batch: int = 8
    """Points evaluated (and stored) together: a killed study loses at most one batch."""


@dataclass
class StudyResult:
    evaluations: pd.DataFrame
    bands: pd.DataFrame = field(default_factory=pd.DataFrame)
    morris: pd.DataFrame = field(default_factory=pd.DataFrame)
    sobol: pd.DataFrame = field(default_factory=pd.DataFrame)
    sobol_groups: tuple[str, ...] = ()


# ------------------------------------------------------------------ stored evaluations
class Store:
    """Evaluations of one study, one Parquet part per batch under `folder`."""

    def __init__(self, folder: Path | None, space: Space, outputs: tuple[str, ...]):
        self.folder = None if folder is None else Path(folder)
        self.space, self.outputs = space, outputs
        self.rows: list[pd.DataFrame] = []
        if self.folder is not None:
            (self.folder / PARTS).mkdir(parents=True, exist_ok=True)
            parts = sorted((self.folder / PARTS).glob("*.parquet"))
            self.rows = [pq.read_table(p).to_pandas() for p in parts]

    def done(self, stage: str) -> pd.DataFrame:
        frames = [r for r in self.rows if len(r) and r["stage"].iloc[0] == stage]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def save(self, stage: str, index: np.ndarray, X: np.ndarray, Y: np.ndarray, timings: list[dict]) -> None:
        data = {"stage": [stage] * len(index), "index": index.astype(np.int64)}
        data.update({f"x:{n}": X[:, i] for i, n in enumerate(self.space.names)})
        data.update({f"y:{n}": Y[:, i] for i, n in enumerate(self.outputs)})
        data["seconds"] = [t.get("seconds", math.nan) for t in timings]
        data["model_seconds"] = [t.get("model_seconds", math.nan) for t in timings]
        frame = pd.DataFrame(data)
        self.rows.append(frame)
        if self.folder is not None:
            part = len(list((self.folder / PARTS).glob(f"{stage}-*.parquet")))
            write_part(self.folder / PARTS / f"{stage}-{part:06d}.parquet", pa.Table.from_pandas(frame))

    def all(self) -> pd.DataFrame:
        return pd.concat(self.rows, ignore_index=True) if self.rows else pd.DataFrame()

    def merge(self) -> Path | None:
        """evaluations.parquet from the parts (written once a study is complete)."""
        if self.folder is None:
            return None
        parts = sorted((self.folder / PARTS).glob("*.parquet"))
        path = self.folder / EVALUATIONS
        atomic_write_parquet(path, parts)
        return path


def evaluate_stage(stage: str, X: np.ndarray, evaluator: Evaluator, store: Store, batch: int,
                   log: Callable[[str], None] | None = None) -> np.ndarray:
    """Outputs at every point of X: stored ones reused (same index and values), the rest evaluated
    batch by batch, each batch stored as it finishes."""
    Y = np.full((len(X), len(evaluator.outputs)), np.nan)
    have = np.zeros(len(X), bool)
    done = store.done(stage)
    if len(done):
        xs = done[[f"x:{n}" for n in store.space.names]].to_numpy()
        ys = done[[f"y:{n}" for n in evaluator.outputs]].to_numpy()
        for row, i in enumerate(done["index"].to_numpy()):
            if i < len(X) and np.allclose(xs[row], X[i], rtol=1e-12, atol=0):
                Y[i], have[i] = ys[row], True
    todo = np.flatnonzero(~have)
    started = time.perf_counter()
    stream = getattr(evaluator, "stream", None)
    if stream is None:  # a plain evaluator: batch by batch
        chunks = (todo[first:first + batch] for first in range(0, len(todo), batch))
        results = ((idx[j], y, t) for idx in chunks for j, (y, t) in enumerate(zip(*evaluator(X[idx]))))
    else:  # as the points finish, in any order
        results = ((todo[j], y, t) for j, y, t in stream(X[todo])) if len(todo) else iter(())
    buffer: list[tuple] = []
    done_count = 0
    for item in results:
        buffer.append(item)
        if len(buffer) == batch or done_count + len(buffer) == len(todo):
            idx = np.array([b[0] for b in buffer])
            ys = np.array([b[1] for b in buffer], float).reshape(len(buffer), -1)
            Y[idx] = ys
            store.save(stage, idx, X[idx], ys, [b[2] for b in buffer])
            done_count += len(buffer)
            buffer = []
            if log is not None:
                log(f"{stage}: {done_count}/{len(todo)} evaluations ({time.perf_counter() - started:.0f} s)"
                    + (f", {int(have.sum())} reused" if have.any() else ""))
    return Y


# ------------------------------------------------------------------ the stages
def run_study(space: Space, spec: StudySpec, evaluator: Evaluator, store: Store,
              log: Callable[[str], None] | None = None) -> StudyResult:
    outputs = evaluator.outputs
    if "bands" in spec.stages:
        evaluate_stage("bands", bands_sample(space, spec.lhs_samples, spec.seed), evaluator, store, spec.batch, log)
    sobol_groups: tuple[str, ...] = ()
    if "morris" in spec.stages:
        X = morris_points(space, spec.trajectories, spec.levels, spec.seed)
        Y = evaluate_stage("morris", X, evaluator, store, spec.batch, log)
        ranked = {o: morris_indices(space, X, Y[:, j], spec.levels, spec.seed)["mu_star"]
                  for j, o in enumerate(outputs) if spec.rank_outputs is None or o in spec.rank_outputs}
        sobol_groups = top_groups(space, ranked, spec.sobol_groups)
    if "sobol" in spec.stages and sobol_groups:
        X = sobol_points(space, sobol_groups, spec.sobol_samples, spec.seed)
        evaluate_stage("sobol", X, evaluator, store, spec.batch, log)
    return analyse(space, spec, store.all(), outputs, sobol_groups)


def _stage(evaluations: pd.DataFrame, stage: str, space: Space, outputs) -> tuple[np.ndarray, np.ndarray]:
    rows = evaluations[evaluations["stage"] == stage].sort_values("index") if len(evaluations) else evaluations
    if not len(rows):
        return np.zeros((0, len(space.names))), np.zeros((0, len(outputs)))
    return (rows[[f"x:{n}" for n in space.names]].to_numpy(float),
            rows[[f"y:{o}" for o in outputs]].to_numpy(float))


def analyse(space: Space, spec: StudySpec, evaluations: pd.DataFrame, outputs: tuple[str, ...],
            sobol_groups: tuple[str, ...] | None = None) -> StudyResult:
    """Every index from stored evaluations alone (no model run)."""
    result = StudyResult(evaluations)
    X, Y = _stage(evaluations, "bands", space, outputs)
    if len(Y):
        rows = []
        for j, o in enumerate(outputs):
            y = Y[:, j][np.isfinite(Y[:, j])]
            p = np.percentile(y, PERCENTILES) if len(y) else [math.nan] * len(PERCENTILES)
            rows.append({"output": o, "n": len(y), "mean": float(np.mean(y)) if len(y) else math.nan,
                         **{f"p{q:02d}": float(v) for q, v in zip(PERCENTILES, p)},
                         "share_positive": float(np.mean(y > 0)) if len(y) else math.nan,
                         "share_negative": float(np.mean(y < 0)) if len(y) else math.nan})
        result.bands = pd.DataFrame(rows)
    X, Y = _stage(evaluations, "morris", space, outputs)
    if len(Y):
        rows = []
        for j, o in enumerate(outputs):
            idx = morris_indices(space, X, Y[:, j], spec.levels, spec.seed)
            rows += [{"output": o, "group": g, **{k: float(v[i]) for k, v in idx.items()}}
                     for i, g in enumerate(space.group_names)]
        result.morris = pd.DataFrame(rows)
        if sobol_groups is None:
            ranked = {o: result.morris[result.morris["output"] == o]["mu_star"].to_numpy()
                      for o in outputs if spec.rank_outputs is None or o in spec.rank_outputs}
            sobol_groups = top_groups(space, ranked, spec.sobol_groups)
    result.sobol_groups = tuple(sobol_groups or ())
    X, Y = _stage(evaluations, "sobol", space, outputs)
    if len(Y) and result.sobol_groups:
        rows = []
        for j, o in enumerate(outputs):
            idx = sobol_indices(space, result.sobol_groups, Y[:, j], spec.seed)
            rows += [{"output": o, "group": g, **{k: float(v[i]) for k, v in idx.items()}}
                     for i, g in enumerate(result.sobol_groups)]
        result.sobol = pd.DataFrame(rows)
    return result
