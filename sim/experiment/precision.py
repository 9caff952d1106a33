"""Replications to precision: how many more replications a KPI's 95 % interval needs.

Why sequential: the replications a question needs depend on the KPI's variance, which
is only known after running some. The half-width shrinks like 1/sqrt(n), so the
current estimate says roughly how many are needed; growth is capped at doubling per
round because the variance estimate from a few replications is itself noisy.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from sim.config import ConfigError
from sim.domain.sides import Side
from sim.outputs.formatting import format_number
from sim.outputs.stats import paired_difference, t_interval


@dataclass(frozen=True)
class Precision:
    kpi: str
    target: float
    half_width: float
    """Current 95 % half-width (of the paired difference in a comparison); inf below 2 replications."""
    replications: int
    met: bool

    def describe(self) -> str:
        what = f"precision: {self.kpi} 95 % half-width {format_number(self.half_width, significant=4)}"
        if self.met:
            return f"{what} <= target {self.target:g} after {self.replications} replications"
        return f"{what} > target {self.target:g}: stopped at run.max_replications ({self.replications})"

    def as_dict(self) -> dict:
        return {"kpi": self.kpi, "target": self.target, "half_width": self.half_width,
                "replications": self.replications, "met": self.met}


def half_width(interval: dict) -> float:
    if interval["n"] < 2 or not math.isfinite(interval["ci_high"]):
        return math.inf
    return (interval["ci_high"] - interval["ci_low"]) / 2.0


def precision_of(per_rep: dict, kind: str, kpi: str, target: float) -> Precision:
    """Where the KPI stands. per_rep: {side: {kpi: [value per replication]}} (sim.experiment.summarize)."""
    first = next(iter(per_rep.values()))
    if kpi not in first:
        raise ConfigError("run.precision_kpi", f"unknown KPI {kpi!r}; expected one of {', '.join(sorted(first))}")
    if kind == "compare":
        interval = paired_difference(per_rep[Side.BEFORE][kpi], per_rep[Side.AFTER][kpi])
    else:
        interval = t_interval(first[kpi])
    n = len(first[kpi])
    hw = half_width(interval)
    return Precision(kpi=kpi, target=target, half_width=hw, replications=n, met=hw <= target)


def next_total(n: int, current: float, target: float, step: int, cap: int) -> int:
    """Replications to have after the next round: the 1/sqrt(n) estimate, at least n + step,
    at most double, rounded up to whole rounds of `step` (one per worker), never above cap."""
    if math.isfinite(current) and current > 0:
        wanted = math.ceil(n * (current / target) ** 2)
    else:
        wanted = n + step
    wanted = min(max(wanted, n + step), 2 * n if n >= step else n + step)
    wanted = n + math.ceil((wanted - n) / step) * step
    return min(wanted, cap)
