"""One optimisation trial (`+optimise=NAME`): run the point (or reuse it), score it, catalogue it.

Why in the runs layer: a trial is a run (skip-if-complete by config hash, so a point the sampler
proposes again is not simulated again) plus its score (sim.outputs.objective) and a `trials` row
in the DuckDB catalog (the point's overrides, KPIs, resource cost, objective, feasibility). Every
trial is a summary-only evaluation: the study's config sets `output.consignments=none`, so a
trial keeps kpis.json and replications.csv, and, with the same `run.seed`, every trial sees the
same ships and cargo (common random numbers).
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from sim.config import Config
from sim.domain.sides import Side
from sim.experiment.replications import sides
from sim.outputs.objective import Evaluation, evaluate
from sim.outputs.resources import resource_costs
from sim.runs.runner import RunContext, _tolerant, execute, open_catalog, read_record
from sim.store.atomic import atomic_write_json
from sim.store.catalog import Catalog
from sim.store.catalog import resolve as catalog_path
from sim.store.identity import now_iso

TRIAL_FILE = "trial.json"


def run_trial(cfg: Config, ctx: RunContext) -> Evaluation:
    """Run (or reuse) the point, score it, write trial.json and the catalog's trials row."""
    execute(cfg, ctx)
    record = read_record(Path(ctx.run_dir))
    run_dir, run_id = Path(ctx.run_dir), record.run_id
    if record.status == "skipped" and record.reused_run_id:
        run_id = record.reused_run_id
        cat = open_catalog(cfg, Path(ctx.run_dir))
        rows = cat.query("SELECT run_dir FROM runs WHERE run_id = ?", [run_id]) if cat is not None else None
        if rows is not None and len(rows):
            run_dir = Path(rows.run_dir.iloc[0])
    side = next(iter(sides(cfg)))
    summary = json.loads((run_dir / Side(side).subdirectory / "kpis.json").read_text())
    return score(cfg, ctx, summary, run_id)


def score(cfg: Config, ctx: RunContext, summary: dict, run_id: str) -> Evaluation:
    costs = resource_costs(cfg.port, cfg.regime, cfg.costs)
    result = evaluate(summary, costs["total"], cfg.optimise)
    params = trial_params(ctx.overrides, ctx.searched)
    kpis = {name: {k: s.get(k) for k in ("mean", "ci_low", "ci_high", "n")} for name, s in summary.items()}
    objective = {"names": list(cfg.optimise.objectives), "values": result.values, "raw": result.raw}
    atomic_write_json(Path(ctx.run_dir) / TRIAL_FILE, {
        "run_id": run_id, "params": params, "resource_cost": costs, "feasible": result.feasible,
        "shortfall": result.shortfall, "objective": objective, "optimise": asdict(cfg.optimise)})
    cat = open_catalog(cfg, Path(ctx.run_dir))
    if cat is not None:
        _tolerant(cat, cat.record_trial, cfg.optimise.study or ctx.sweep, ctx.sweep_dir or str(Path(ctx.run_dir).resolve()), ctx.job_num,
                  run_id, params, kpis, costs["total"], objective, result.feasible, result.shortfall, now_iso())
    return result


def refused_trial(cfg, ctx: RunContext, message: str) -> list[float]:
    """A point the checks refuse (an overloaded pool: sim.config.stability): not simulated, scored
    as missing every target in full (shortfall 1 a constraint, at least 1), so the study goes on.
    `cfg`: the composed config as a mapping (it did not validate into a Config)."""
    from sim.outputs.objective import RESOURCE_COST

    spec = cfg["optimise"]
    try:
        cost = resource_costs(cfg["port"], cfg["regime"], cfg["costs"])["total"]
    except Exception:  # noqa: BLE001 - a point too broken to price: the penalty alone ranks it
        cost = 0.0
    shortfall = float(max(1, len(spec["constraints"] or ())))
    penalty = float(spec["penalty_cny"]) * (1.0 + shortfall)
    values = [(cost if name == RESOURCE_COST else 0.0) + penalty for name in spec["objectives"]]
    params = trial_params(ctx.overrides, ctx.searched)
    objective = {"names": list(spec["objectives"]), "values": values, "raw": {}, "refused": message}
    path = catalog_path(str(cfg["run"]["catalog"]), Path(ctx.run_dir))
    if path is not None:
        cat = Catalog(path)
        _tolerant(cat, cat.record_trial, str(spec["study"]) or ctx.sweep, ctx.sweep_dir or str(ctx.run_dir),
                  ctx.job_num, None, params, {}, cost, objective, False, shortfall, now_iso())
    return values


FIXED = ("run.", "optimise.", "hydra.", "experiment.")


def trial_params(overrides, searched=()) -> dict:
    """The point's searched settings: the overrides of the `searched` keys (none given: its
    overrides less the study's fixed ones, such as run length and `+optimise=NAME`)."""
    if searched:
        return {k: v for k, v in (o.split("=", 1) for o in overrides if "=" in o) if k in set(searched)}
    return dict(o.split("=", 1) for o in overrides if "=" in o and not o.startswith(("+", "~", *FIXED)))
