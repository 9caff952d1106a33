"""The study designs and their analyses on SALib, for any function of the factors.

Model-free on purpose: `sim.uncertainty.study` drives the model through these functions and
the Ishigami test drives a formula through the very same ones (tests/unit/test_sensitivity.py).

- `bands`: a Latin hypercube over the priors (uniform on each factor's range).
- `morris`: elementary-effects trajectories (Morris 1991, Campolongo's mu*); groups move as one;
  bootstrap 95 % intervals on mu* (SALib's `morris.analyze`).
- `sobol`: first-order and total indices with Saltelli's sampling (SALib's `sobol`), over a
  subset of groups (the top ones from screening) with every other factor at its nominal value.

Seeds come from the study's own stream (`stream`): numpy SeedSequence(seed, spawn_key=(stage,)),
so a design depends on the study's seed and the stage, never on a job number or a worker.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import latin
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

STAGES = ("bands", "morris", "sobol")
CONF_LEVEL = 0.95
RESAMPLES = 1000
"""Bootstrap resamples for the intervals on mu* and on the Sobol indices."""


@dataclass(frozen=True)
class Space:
    """The factors a design moves: names, ranges, nominal values and groups (one name per factor)."""

    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    nominal: np.ndarray
    groups: tuple[str, ...]

    @classmethod
    def of(cls, factors) -> "Space":
        return cls(tuple(f.name for f in factors), np.array([float(f.low) for f in factors]),
                   np.array([float(f.high) for f in factors]), np.array([float(f.nominal) for f in factors]),
                   tuple(f.group_name for f in factors))

    @property
    def group_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.groups))

    def problem(self, only: tuple[str, ...] | None = None) -> dict:
        """SALib's problem: every factor (or those of groups `only`), grouped."""
        idx = self.indices(only)
        problem = {"num_vars": len(idx), "names": [self.names[i] for i in idx],
                   "bounds": [[self.low[i], self.high[i]] if self.high[i] > self.low[i] else
                              [self.low[i], self.low[i] + 1e-12] for i in idx]}
        groups = [self.groups[i] for i in idx]
        if len(set(groups)) < len(groups):
            problem["groups"] = groups
        return problem

    def indices(self, only: tuple[str, ...] | None = None) -> list[int]:
        return [i for i, g in enumerate(self.groups) if only is None or g in only]

    def embed(self, sub: np.ndarray, only: tuple[str, ...]) -> np.ndarray:
        """Points of a sub-design as full points (the other factors at their nominal values)."""
        full = np.tile(self.nominal, (len(sub), 1))
        full[:, self.indices(only)] = sub
        return full


def stream(seed: int, stage: str) -> int:
    """The seed of one stage's design, from the study's seed (never from a job number)."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(zlib.crc32(stage.encode()),))
    return int(ss.generate_state(1)[0] % (2 ** 31 - 1))


# ------------------------------------------------------------------ samples
def bands_sample(space: Space, n: int, seed: int) -> np.ndarray:
    return latin.sample(space.problem(), n, seed=stream(seed, "bands"))


def morris_points(space: Space, trajectories: int, levels: int, seed: int) -> np.ndarray:
    return morris_sample.sample(space.problem(), trajectories, num_levels=levels, seed=stream(seed, "morris"))


def sobol_points(space: Space, groups: tuple[str, ...], n: int, seed: int) -> np.ndarray:
    sub = sobol_sample.sample(space.problem(groups), n, calc_second_order=False, seed=stream(seed, "sobol"))
    return space.embed(sub, groups)


def sizes(space: Space, lhs: int, trajectories: int, sobol_groups: int, sobol_n: int) -> dict[str, int]:
    """Evaluations each stage needs (before running anything: the budget check)."""
    g = len(space.group_names)
    k = min(sobol_groups, g)
    return {"bands": lhs, "morris": trajectories * (g + 1), "sobol": sobol_n * (k + 2) if k else 0}


# ------------------------------------------------------------------ analyses
def morris_indices(space: Space, X: np.ndarray, Y: np.ndarray, levels: int, seed: int) -> dict[str, np.ndarray]:
    """{mu, mu_star, sigma, mu_star_conf}, one value per group (in space.group_names order).
    A group of several factors has no sigma (SALib: NaN). NaN outputs (a KPI without data at a
    point) give NaN indices."""
    if not np.all(np.isfinite(Y)):
        n = len(space.group_names)
        return {k: np.full(n, np.nan) for k in ("mu", "mu_star", "sigma", "mu_star_conf")}
    with np.errstate(invalid="ignore", divide="ignore"):  # a constant output's resamples divide by zero
        r = morris_analyze.analyze(space.problem(), X, Y, num_resamples=RESAMPLES, conf_level=CONF_LEVEL,
                                   num_levels=levels, seed=stream(seed, "morris-bootstrap"))
    return {k: np.asarray(np.ma.filled(r[k], np.nan), float) for k in ("mu", "mu_star", "sigma", "mu_star_conf")}


def sobol_indices(space: Space, groups: tuple[str, ...], Y: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """{S1, S1_conf, ST, ST_conf}, one per group of `groups` (in that order)."""
    if not np.all(np.isfinite(Y)) or np.var(Y) == 0:
        n = len(groups)
        return {k: np.full(n, np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
    with np.errstate(invalid="ignore", divide="ignore"):  # a bootstrap resample of a near-constant output
        r = sobol_analyze.analyze(space.problem(groups), Y, calc_second_order=False, num_resamples=RESAMPLES,
                                  conf_level=CONF_LEVEL, seed=stream(seed, "sobol-bootstrap"))
    return {k: np.asarray(r[k], float) for k in ("S1", "S1_conf", "ST", "ST_conf")}


def top_groups(space: Space, mu_star: dict[str, np.ndarray], k: int) -> tuple[str, ...]:
    """The k groups with the largest mu*, each output's mu* scaled by its largest (so outputs in
    different units weigh alike); ties broken by name."""
    names = space.group_names
    score = np.zeros(len(names))
    for values in mu_star.values():
        values = np.nan_to_num(np.asarray(values, float))
        if values.max() > 0:
            score = np.maximum(score, values / values.max())
    order = sorted(range(len(names)), key=lambda i: (-score[i], names[i]))
    return tuple(names[i] for i in order[:k] if score[i] > 0)
