"""The sides of a run: which regime a replication, KPI or table row belongs to within one run.

A comparison runs two sides with common random numbers: `before` (the baseline regime,
`cfg.baseline`) and `after` (the regime under study, `cfg.regime`); a single run has one side,
`single` (`cfg.regime`). A side is a position in the run, not a regime: a what-if comparison
may run any regime on either side (`sim.store.rundir.Run.regime_names` says which).

`Side` is a `StrEnum`, so a side is its own label everywhere it is written (JSON keys,
replications.csv, the Parquet `side` column, the `before/` and `after/` directories, the
catalog) and compares equal to the plain string read back from those files.
"""
from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    BEFORE = "before"
    AFTER = "after"
    SINGLE = "single"

    @property
    def config_key(self) -> str:
        """The Config attribute holding this side's regime: `baseline` before, `regime` otherwise."""
        return "baseline" if self is Side.BEFORE else "regime"

    @property
    def subdirectory(self) -> str:
        """Where the side's kpis.json goes inside a run directory ('' = the run directory itself)."""
        return "" if self is Side.SINGLE else self.value


PAIRED = (Side.BEFORE, Side.AFTER)
"""The two sides of a comparison, in the order they are reported."""
SIDE_ORDER = (Side.BEFORE, Side.AFTER, Side.SINGLE)

KIND_SIDES: dict[str, tuple[Side, ...]] = {
    "compare": PAIRED,
    "single": (Side.SINGLE,),
    "calibrate": PAIRED,  # the fit evaluates paired runs: targets on the reform effect need both
    "sensitivity": PAIRED,  # every study point is a paired run: the reform effect is an output
    "timeline": (),  # a study: it simulates no side itself, each of its regimes is a `single` run
    "attribution": (),  # a study: each subset of measures is a `single` run
}
"""experiment.kind -> the sides its runs simulate."""
STUDY_KINDS = ("timeline", "attribution")
"""Kinds that run a set of `single` runs on common random numbers (sim.runs.study)."""
MANY_EVALUATION_KINDS = ("calibrate", "sensitivity", *STUDY_KINDS)
"""Kinds that run many evaluations: `output.consignments: auto` keeps no table for them."""


def sides_of(kind: str) -> tuple[Side, ...]:
    """The sides an experiment of this kind simulates (KeyError for an unknown kind)."""
    return KIND_SIDES[kind]


def main_side(sides) -> Side:
    """The side a one-side view shows by default: `after` (the regime under study) when there is
    one, else the first (a single run's only side)."""
    sides = [Side(s) for s in sides]
    return Side.AFTER if Side.AFTER in sides else sides[0]
