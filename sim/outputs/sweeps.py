"""Paired differences across the points of a sweep.

Every point of a sweep runs the same replication indices with the same `run.seed`, so point
and reference see the same ships and cargo (common random numbers). Their difference is
therefore paired replication by replication, and its interval is far narrower than the two
points' own intervals suggest: two overlapping level bands can hide an effect whose paired
interval excludes zero. This is the table behind the sweep figures and the notebooks.
"""
from __future__ import annotations

import pandas as pd

from sim.outputs.formatting import format_factor
from sim.outputs.stats import paired_difference, t_interval

REFERENCE_COLUMN = "as_configured"
"""Optional boolean column of a replication table: the point runs its regime as published (the
default reference when exactly one point has it)."""


class SweepError(ValueError):
    """A sweep table that cannot be paired (a missing reference, points on different seeds)."""


def _label(point: dict) -> str:
    return ", ".join(f"{k}={format_factor(v)}" for k, v in point.items())


def reference_point(replications: pd.DataFrame, factors, reference=None) -> dict:
    """The point every other is compared with: `reference` ({factor: value}) if given; else the one
    point that runs its regime as configured (column `as_configured`); else the first point."""
    points = replications[list(factors)].drop_duplicates().sort_values(list(factors))
    if points.empty:
        raise SweepError("the sweep table has no points")
    if reference is not None:
        ref = dict(reference)
        if set(ref) != set(factors):
            raise SweepError(f"the reference must give every factor ({', '.join(factors)}), got {_label(ref)}")
        match = (points[list(factors)] == pd.Series(ref)).all(axis=1)
        if not match.any():
            raise SweepError(f"no point {_label(ref)} in the sweep")
        return ref
    if REFERENCE_COLUMN in replications:
        configured = replications[replications[REFERENCE_COLUMN].astype(bool)][list(factors)].drop_duplicates()
        if len(configured) == 1:
            return configured.iloc[0].to_dict()
    return points.iloc[0].to_dict()


def paired_sweep(replications: pd.DataFrame, factors, reference=None) -> pd.DataFrame:
    """Each point's KPIs minus the reference point's, paired by replication index.

    `replications`: one row per point x KPI x replication, columns `factors`, `kpi`,
    `replication`, `value` (and optionally `seed`, `as_configured`). Returns one row per point x
    KPI: the factors, `kpi`, the paired difference `mean`, `ci_low`, `ci_high`, `n` (replications
    both points have), the point's `level` and the reference's `reference_level` (means over those
    same replications), and `reference` (the reference point as text). Points on different seeds
    share no random numbers, so pairing them is refused."""
    factors = list(factors)
    if "seed" in replications and replications["seed"].nunique() > 1:
        raise SweepError(f"the points ran on different seeds ({sorted(replications['seed'].unique())}): "
                         "no common random numbers to pair")
    ref = reference_point(replications, factors, reference)
    at_ref = (replications[factors] == pd.Series(ref)).all(axis=1)
    base = replications[at_ref].groupby(["kpi", "replication"])["value"].mean()
    rows = []
    for keys, group in replications.groupby(factors + ["kpi"], sort=True):
        point = dict(zip(factors + ["kpi"], keys if isinstance(keys, tuple) else (keys,)))
        values = group.groupby("replication")["value"].mean()
        try:
            ref_values = base.loc[point["kpi"]]
        except KeyError:
            ref_values = pd.Series(dtype=float)
        shared = values.index.intersection(ref_values.index)
        diff = paired_difference(ref_values.loc[shared].to_numpy(), values.loc[shared].to_numpy())
        rows.append({**point, **diff, "level": t_interval(values.loc[shared])["mean"],
                     "reference_level": t_interval(ref_values.loc[shared])["mean"], "reference": _label(ref)})
    return pd.DataFrame(rows)


def level_table(replications: pd.DataFrame, factors) -> pd.DataFrame:
    """Each point's KPIs with their own 95 % t interval (the unpaired level view)."""
    rows = [{**dict(zip(list(factors) + ["kpi"], keys)), **t_interval(group["value"])}
            for keys, group in replications.groupby(list(factors) + ["kpi"], sort=True)]
    return pd.DataFrame(rows)
