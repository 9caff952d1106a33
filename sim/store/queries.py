"""Reading the catalog: list runs, collect a sweep into one tidy table, compare two runs.

Why pool by scenario point: a sweep job is one point x a chunk of replications, so a
point's replications may sit in several runs. `collect` pools them (same point hash)
before computing intervals, and `compare` pairs replications by index, which is only
meaningful when both sides share the seed (common random numbers).

    from sim.store.queries import collect, compare, list_runs
    table = collect("officers")          # latest sweep of +sweep=officers, tidy
    diff = compare("20261126-...-a1b2c3", "20261126-...-d4e5f6")
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pandas as pd
import yaml

from sim.outputs.stats import paired_difference, t_interval, welch_difference
from sim.store.catalog import DEFAULT_PATH, Catalog
from sim.store.identity import label_key, pairing_differences, pairing_key, side_names, stored_config

CHUNK_KEYS = ("run.first_replication",)
"""Overrides that choose a chunk of a point, not the point: never a parameter column."""


class ResultsError(ValueError):
    """A reference (run, point, sweep) that does not resolve, or a comparison that is not paired."""


class NotPaired(ResultsError):
    """Two runs whose replication r does not draw the same random numbers (or measure the same
    window): a paired interval would be wrong. `differences` says what differs; `force=True`
    compares them as independent samples instead."""

    def __init__(self, a: str, b: str, differences: list[str]):
        super().__init__(f"not paired: {a} and {b} differ in {'; '.join(differences)}: replication r of one "
                         "does not draw the random numbers of replication r of the other; "
                         "--force (force=True) compares them unpaired (independent samples, Welch interval)")
        self.differences = differences


MISSING = "missing"
"""The status `list` shows for a run whose directory is gone (the catalog row says otherwise)."""
PRUNE_HINT = "python -m sim.results prune"


def _is_gone(runs: pd.DataFrame) -> pd.Series:
    """Rows (not running) whose run directory no longer exists."""
    if runs.empty:
        return pd.Series([], dtype=bool, index=runs.index)
    present = runs["run_dir"].map(lambda d: bool(d) and Path(d).is_dir())
    return (~present) & (runs["status"] != "running")


def _without_missing(runs: pd.DataFrame, what: str) -> pd.DataFrame:
    """`runs` without those whose directory is gone, with a one-line note on stderr saying how many."""
    gone = _is_gone(runs)
    if gone.any():
        print(f"note: {int(gone.sum())} run(s) left out of {what}: their directories are gone "
              f"(see `python -m sim.results list --status missing`; remove them with {PRUNE_HINT})",
              file=sys.stderr)
    return runs[~gone]


def _catalog(catalog) -> Catalog:
    return catalog if isinstance(catalog, Catalog) else Catalog(catalog or DEFAULT_PATH)


def list_runs(catalog=None, sweep: str | None = None, status: str | None = None) -> pd.DataFrame:
    """Runs in the catalog, oldest first; optionally those of one sweep, or with one status.

    A run whose directory is gone shows status `missing` (prune removes it from the catalog).
    """
    cat = _catalog(catalog)
    runs = cat.query("SELECT * FROM runs ORDER BY started_at")
    runs.loc[_is_gone(runs), "status"] = MISSING
    if sweep is not None:
        runs = runs[runs["run_id"].isin(_sweep_jobs(cat, sweep)["run_id"])]
    if status is not None:
        runs = runs[runs["status"] == status]
    return runs.reset_index(drop=True)


def list_sweeps(catalog=None) -> pd.DataFrame:
    """One row per sweep: directory, name (`+sweep=NAME`), jobs recorded, jobs that reused an earlier
    run, first record. (sweep_jobs.label is the sweep's name; a run's label says what changed.)"""
    return _catalog(catalog).query(
        "SELECT sweep_dir, any_value(label) AS sweep, count(*) AS jobs, count_if(reused)::INTEGER AS reused, "
        "min(recorded_at) AS started FROM sweep_jobs GROUP BY sweep_dir ORDER BY started")


def resolve_sweep(catalog, sweep: str | None = None) -> str:
    """A sweep directory from a path, a name (`officers`: its latest sweep) or None (the latest)."""
    sweeps = list_sweeps(catalog)
    if sweeps.empty:
        raise ResultsError(f"no sweeps in the catalog {_catalog(catalog).path}")
    if sweep is None:
        return str(sweeps["sweep_dir"].iloc[-1])
    path = str(Path(sweep).expanduser().resolve())
    if path in set(sweeps["sweep_dir"]):
        return path
    named = sweeps[sweeps["sweep"] == sweep]
    if not named.empty:
        return str(named["sweep_dir"].iloc[-1])
    raise ResultsError(f"unknown sweep {sweep!r}: not a sweep directory or name in the catalog")


def _sweep_jobs(cat: Catalog, sweep: str | None) -> pd.DataFrame:
    sweep_dir = resolve_sweep(cat, sweep)
    return cat.query("SELECT j.job_num, j.reused, j.overrides AS job_overrides, r.* FROM sweep_jobs j "
                     "JOIN runs r USING (run_id) WHERE j.sweep_dir = ? ORDER BY j.job_num", [sweep_dir])


def parameters(overrides: list[list[str]]) -> pd.DataFrame:
    """The overrides that differ between jobs, one column each, values parsed (numbers stay numbers)."""
    rows = []
    for job in overrides:
        row = {}
        for item in job:
            key, _, value = item.partition("=")
            try:
                parsed = yaml.safe_load(value)
            except yaml.YAMLError:
                parsed = value
            row[key.lstrip("+~")] = parsed if isinstance(parsed, (int, float, str, bool)) or parsed is None else value
        rows.append(row)
    frame = pd.DataFrame(rows)
    varying = [c for c in frame.columns if c not in CHUNK_KEYS and frame[c].astype(str).nunique() > 1]
    return frame[varying]


def collect(sweep: str | None = None, catalog=None, kpis=None, wide: bool = False) -> pd.DataFrame:
    """One tidy table for a sweep: a row per point x side x KPI with the pooled 95 % interval.

    Columns: one per swept parameter, then side, regime, kpi, mean, ci_low, ci_high, n, point,
    runs. Chunks of one point (run.first_replication) are pooled; only complete runs count.
    `wide=True`: one row per point x side, a column of means per KPI.
    """
    cat = _catalog(catalog)
    jobs = _sweep_jobs(cat, sweep)
    jobs = _without_missing(jobs[jobs["status"] == "complete"], "collect")
    if jobs.empty:
        raise ResultsError("no complete runs in this sweep yet (with their directories still there)")
    params = parameters([json.loads(o) for o in jobs["job_overrides"]]).set_index(jobs.index)
    reps = _replications(cat, list(jobs["run_id"]))
    rows = []
    for point, members in jobs.groupby("point_hash", sort=False):
        pooled = reps[reps["run_id"].isin(members["run_id"])]
        pooled = pooled.sort_values("finished_at").drop_duplicates(["side", "replication", "kpi"], keep="last")
        first = params.loc[members.index[0]].to_dict()
        label = ", ".join(f"{label_key(k)}={v}" for k, v in first.items()) or str(members["label"].iloc[0])
        for (side, regime, kpi), group in pooled.groupby(["side", "regime", "kpi"], sort=False):
            if kpis and kpi not in kpis:
                continue
            rows.append({**first, "label": label, "side": side, "regime": regime, "kpi": kpi, **t_interval(group["value"]),
                         "point": point, "runs": ",".join(sorted(members["run_id"]))})
    table = pd.DataFrame(rows)
    order = list(params.columns)
    table = table.sort_values(order + ["side", "kpi"] if order else ["side", "kpi"], kind="stable")
    table = table.reset_index(drop=True)
    if wide:
        table = table.pivot_table(index=order + ["label", "side", "regime", "point"], columns="kpi",
                                  values="mean").reset_index()
        table.columns.name = None
    return table


def _replications(cat: Catalog, run_ids: list[str]) -> pd.DataFrame:
    if not run_ids:
        return pd.DataFrame(columns=["run_id", "side", "regime", "replication", "kpi", "value", "finished_at"])
    marks = ", ".join("?" * len(run_ids))
    return cat.query(f"SELECT k.*, r.finished_at FROM replication_kpis k JOIN runs r USING (run_id) "
                     f"WHERE k.run_id IN ({marks})", run_ids)


def resolve_run(catalog, ref: str) -> tuple[pd.DataFrame, str | None]:
    """Complete runs a reference stands for, and the side it names (`REF:side`).

    REF: a run id or unique prefix, a run directory, or a point hash (prefix) whose chunks pool.
    Runs whose directory is gone are left out (a note on stderr says how many).
    """
    cat = _catalog(catalog)
    ref, _, side = ref.partition(":") if not Path(ref).exists() else (ref, "", "")
    runs = cat.query("SELECT * FROM runs WHERE status = 'complete'")
    path = str(Path(ref).expanduser().resolve())
    for column, match in (("run_dir", runs["run_dir"] == path), ("run_id", runs["run_id"].str.startswith(ref)),
                          ("point_hash", runs["point_hash"].str.startswith(ref))):
        found = runs[match]
        if found.empty:
            continue
        if column == "run_id" and len(found) > 1:
            raise ResultsError(f"{ref!r} matches {len(found)} runs: {', '.join(found['run_id'][:5])}...")
        if column == "point_hash" and found["point_hash"].nunique() > 1:
            raise ResultsError(f"{ref!r} matches {found['point_hash'].nunique()} scenario points; give more characters")
        present = _without_missing(found, "compare")
        if present.empty:
            raise ResultsError(f"{ref!r}: the directory of run {found['run_id'].iloc[0]} is gone "
                               f"({found['run_dir'].iloc[0]}); remove such runs from the catalog with {PRUNE_HINT}")
        return present, side or None
    raise ResultsError(f"no complete run, run directory or point matches {ref!r}")


def _pairing(runs: pd.DataFrame, ref: str) -> dict | None:
    """The pairing key of the runs a reference pools (None if it cannot be told: no record, no config)."""
    keys = []
    for row in runs.itertuples():
        stored = getattr(row, "pairing", None)
        if isinstance(stored, str) and stored:
            keys.append(json.loads(stored))
            continue
        config = stored_config(row.run_dir) if row.run_dir else None  # a run recorded before pairing keys
        keys.append(None if config is None else pairing_key(config, row.code_hash or ""))
    if any(k is None for k in keys):
        return None
    for other in keys[1:]:
        if pairing_differences(keys[0], other):
            raise ResultsError(f"{ref!r} pools runs that differ in {'; '.join(pairing_differences(keys[0], other))}")
    return keys[0]


def _side_values(cat: Catalog, ref: str) -> tuple[pd.DataFrame, dict | None, str]:
    runs, side = resolve_run(cat, ref)
    seeds = runs["seed"].unique()
    if len(seeds) > 1:
        raise ResultsError(f"{ref!r} pools runs with different seeds ({', '.join(map(str, seeds))})")
    reps = _replications(cat, list(runs["run_id"]))
    sides = sorted(reps["side"].unique())
    if side is None:
        if len(sides) != 1:
            raise ResultsError(f"{ref!r} has sides {', '.join(sides)}: write {ref}:{sides[0]} or similar")
        side = sides[0]
    if side not in sides:
        raise ResultsError(f"{ref!r} has no side {side!r}; it has {', '.join(sides)}")
    reps = reps[reps["side"] == side].sort_values("finished_at")
    reps = reps.drop_duplicates(["replication", "kpi"], keep="last")
    return reps, _pairing(runs, ref), _side_name(runs, side)


def _side_name(runs: pd.DataFrame, side: str) -> str:
    """'officers=50 (20261126-101010-a1b2c3)', or for one side of a comparison run
    'REGIME + officers=50 (after of 20261126-...)': people read what changed, the id finds it."""
    row = runs.iloc[0]
    where = row["run_id"] if len(runs) == 1 else f"point {row['point_hash'][:8]}, {len(runs)} runs"
    sides = json.loads(row["sides"]) if isinstance(row.get("sides"), str) else {}
    if len(sides) > 1:
        overrides = json.loads(row["overrides"]) if isinstance(row.get("overrides"), str) else []
        names = side_names(sides, overrides, stored_config(row["run_dir"]))
        return f"{names.get(side, side)} ({side} of {where})"
    return f"{row.get('label') or row['run_id']} ({where})"


def compare(a: str, b: str, catalog=None, kpis=None, force: bool = False) -> pd.DataFrame:
    """b - a per KPI: paired over the replications both share, when their random numbers are common.

    Columns: kpi, a_mean, b_mean, diff_mean, diff_ci_low, diff_ci_high, n, rel_change, paired.
    Raises NotPaired (naming what differs: scenario, demand.scale, horizon, warm-up, drain, seed,
    demand or port data the draws read, code) unless `force=True`, which compares every replication
    of each as independent samples: a Welch interval, columns n_a and n_b instead of n, paired False.
    `attrs`: a, b (labels), seed, paired, method, differences.
    """
    cat = _catalog(catalog)
    (ra, key_a, name_a), (rb, key_b, name_b) = _side_values(cat, a), _side_values(cat, b)
    if key_a is None or key_b is None:
        differences = ["(unknown: a run has neither a pairing record nor its config.yaml)"]
    else:
        differences = pairing_differences(key_a, key_b)
    if differences and not force:
        raise NotPaired(name_a, name_b, differences)
    rows = []
    if differences:
        for kpi, va in ra.groupby("kpi", sort=False):
            if kpis and kpi not in kpis:
                continue
            vb = rb.loc[rb["kpi"] == kpi, "value"]
            if vb.empty:
                continue
            ta, tb = t_interval(va["value"]), t_interval(vb)
            d = welch_difference(va["value"], vb)
            rows.append({"kpi": kpi, "a_mean": ta["mean"], "b_mean": tb["mean"], "diff_mean": d["mean"],
                         "diff_ci_low": d["ci_low"], "diff_ci_high": d["ci_high"], "n_a": d["n_a"],
                         "n_b": d["n_b"], "rel_change": _relative(ta["mean"], tb["mean"]), "paired": False})
        if not rows:
            raise ResultsError(f"{name_a} and {name_b} share no KPI")
    else:
        both = ra.merge(rb, on=["replication", "kpi"], suffixes=("_a", "_b"))
        if both.empty:
            raise ResultsError(f"{name_a} and {name_b} share no replication index")
        for kpi, group in both.groupby("kpi", sort=False):
            if kpis and kpi not in kpis:
                continue
            ta, tb = t_interval(group["value_a"]), t_interval(group["value_b"])
            d = paired_difference(group["value_a"], group["value_b"])
            rows.append({"kpi": kpi, "a_mean": ta["mean"], "b_mean": tb["mean"], "diff_mean": d["mean"],
                         "diff_ci_low": d["ci_low"], "diff_ci_high": d["ci_high"], "n": d["n"],
                         "rel_change": _relative(ta["mean"], tb["mean"]), "paired": True})
    table = pd.DataFrame(rows)
    table.attrs.update(a=name_a, b=name_b, seed=None if key_a is None else key_a.get("run.seed"),
                       paired=not differences, differences=differences,
                       method=("unpaired: independent samples, Welch 95 % interval" if differences
                               else "paired over common replications (common random numbers), 95 % t interval"))
    return table


def _relative(a: float, b: float) -> float:
    return (b - a) / a if a and math.isfinite(a) else math.nan


def prune(catalog=None, yes: bool = False) -> pd.DataFrame:
    """Runs whose directory is gone (never a `running` one): listed, and with `yes=True` removed
    from the catalog (their KPI rows and sweep jobs too). Nothing on disk is touched."""
    cat = _catalog(catalog)
    runs = cat.query("SELECT * FROM runs ORDER BY started_at")
    gone = runs[_is_gone(runs)].reset_index(drop=True)
    gone["status"] = MISSING
    if yes and not gone.empty:
        cat.forget_runs(list(gone["run_id"]))
    return gone
