"""An optimisation trial's objective and feasibility, from a run's KPI summary and its resource cost.

Why pure and separate from Optuna: the same code scores a simulated trial (`+optimise=NAME`, via
sim.runs.trial) and the analytic toy checks (an M/M/c queue against Erlang-C), so the check covers
the path a real study takes. Every objective is minimised.

A constraint (`optimise.constraints`) is chance-constrained by default (`judge: ci`): the worse end
of the 95 % interval across replications must meet the bound (the lower end for `min`, the upper
for `max`). Its shortfall is how far that end misses, as a fraction of the bound (so targets in
different units add up). The constraint is handled as a penalty, not as Optuna constraints
(the Hydra sweeper passes only objective values back): an infeasible trial scores
value + penalty_cny x (1 + shortfall), which ranks every feasible trial first and, among the
infeasible, the nearest one first.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

RESOURCE_COST = "resource_cost"
"""The objective name of the resources' cost (CNY a year, sim.outputs.resources)."""
ON = ("ci", "mean")


@dataclass
class Evaluation:
    values: list[float]
    """What the study minimises, one per objective (penalised when infeasible)."""
    feasible: bool
    shortfall: float
    """Sum over the constraints of the relative miss (0 when feasible)."""
    raw: dict[str, float] = field(default_factory=dict)
    """Each objective unpenalised, and each constrained KPI's judged value (`<kpi>@<on>`)."""


def _get(obj, name: str, default=None):
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def judged_value(summary: Mapping, kpi: str, bound_is_min: bool, on: str) -> float:
    """The value a constraint is judged on: the mean, or the interval's worse end."""
    s = summary[kpi]
    if on == "mean":
        return float(s["mean"])
    end = s["ci_low"] if bound_is_min else s["ci_high"]
    return math.nan if end is None else float(end)


def shortfall_of(value: float, minimum: float | None, maximum: float | None) -> float:
    """How far `value` misses the bound, relative to the bound (nan counts as a full miss)."""
    if math.isnan(value):
        return 1.0
    miss = 0.0
    if minimum is not None and value < minimum:
        miss += (minimum - value) / max(abs(minimum), 1e-12)
    if maximum is not None and value > maximum:
        miss += (value - maximum) / max(abs(maximum), 1e-12)
    return miss


def evaluate(summary: Mapping, cost: float, spec) -> Evaluation:
    """Score one trial. `summary`: KPI name -> {mean, ci_low, ci_high} (one side's kpis.json);
    `cost`: its resource cost; `spec`: the OptimiseConfig (or a mapping like it)."""
    raw: dict[str, float] = {}
    for name in _get(spec, "objectives"):
        raw[name] = float(cost) if name == RESOURCE_COST else float(summary[name]["mean"])
    shortfall = 0.0
    for c in _get(spec, "constraints") or ():
        minimum, maximum, on = _get(c, "min"), _get(c, "max"), _get(c, "judge", "ci")
        value = judged_value(summary, _get(c, "kpi"), minimum is not None, on)
        raw[f"{_get(c, 'kpi')}@{on}"] = value
        shortfall += shortfall_of(value, minimum, maximum)
    feasible = shortfall == 0.0
    penalty = 0.0 if feasible else float(_get(spec, "penalty_cny")) * (1.0 + shortfall)
    values = [v + penalty for v in raw.values()][:len(_get(spec, "objectives"))]
    return Evaluation(values=values, feasible=feasible, shortfall=shortfall, raw=raw)


def best(trials: list[dict]) -> tuple[dict | None, dict | None]:
    """(the best feasible trial, the closest infeasible one) of rows with `feasible`, `shortfall`
    and `values` (the first objective decides); either may be None."""
    feasible = [t for t in trials if t["feasible"]]
    infeasible = [t for t in trials if not t["feasible"]]
    top = min(feasible, key=lambda t: t["values"][0]) if feasible else None
    closest = min(infeasible, key=lambda t: (t["shortfall"], t["values"][0])) if infeasible else None
    return top, closest


def pareto_front(points: list[tuple[float, ...]]) -> list[int]:
    """Indices of the points no other point dominates (all objectives minimised)."""
    front = []
    for i, p in enumerate(points):
        dominated = any(all(q_k <= p_k for q_k, p_k in zip(q, p)) and any(q_k < p_k for q_k, p_k in zip(q, p))
                        for j, q in enumerate(points) if j != i)
        if not dominated:
            front.append(i)
    return front
