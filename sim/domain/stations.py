"""The inspection station types: one entry each, so a station's facts live in one place.

Why: the model (bays, calendars, visits), the config checks, the stability check, costs
and the resource summaries all need to know which stations exist, where their settings
are and which columns record their visits. They read it here instead of each naming
the stations. Entries are data; the rules that are not data (the joint "3 + 1" visit)
are the small pure functions below. Config keys are named as strings, since this layer
sits below the config.

Which consignments visit a station (the routing: risk channel, scanner share, CIQ and
fumigation shares) is still model code in `sim.model.plan` and mirrored analytically in
`sim.config.stability`; see `StationType`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.domain.codes import Station


@dataclass(frozen=True)
class FixedHours:
    """Weekly working hours that no regime changes (the fields of a regime's calendar)."""

    days: tuple[int, ...]
    open_hour: float
    close_hour: float


ROUND_THE_CLOCK = FixedHours(tuple(range(7)), 0.0, 24.0)
"""Every hour of the week: fumigation (gas exposure) does not stop for the night."""


@dataclass(frozen=True)
class StationType:
    """One inspection station type.

    `station` is its code in the `station` column and its name: the key of its entry under
    `port.inspection_stations` (bays, drayage). `calendar` and `hours_mean` are dotted paths
    into the regime config (or, for the calendar, fixed hours). `visits` names the 0/1
    attribute column that says a consignment visits it; None marks a customs station, one
    of the alternatives for the red channel's customs visit, chosen by the `station`
    column. A visit is recorded in `queued` (the box reaches the station), `start` and `end`.
    The customs stations share theirs (a box makes one customs visit; `station` says where);
    a station visited on its own flag has its own, so its busy time and wait can be read back
    from the table (sim.outputs.staffing).
    For a station visited on its own flag, the clearance plan holds the arrays `<visits>`
    (does it visit) and `<visits>_work` (working hours), filled by its visit rule.
    """

    station: Station
    calendar: str | FixedHours
    hours_mean: str
    start: str
    end: str
    visits: str | None = None
    queued: str | None = None
    cost_key: str = ""
    """Key under `costs.inspection_cny_per_box` (defaults to the station's name)."""

    @property
    def code(self) -> int:
        return self.station.code

    @property
    def key(self) -> str:
        return self.station.value

    @property
    def fee_key(self) -> str:
        return self.cost_key or self.key

    @property
    def customs(self) -> bool:
        return self.visits is None


def _customs(station: Station) -> StationType:
    return StationType(station, "inspection_calendar", f"inspection_hours_mean.{station.value}",
                       "inspection_start", "inspection_end", queued="inspection_queued")


STATION_TYPES: tuple[StationType, ...] = (
    _customs(Station.SCAN),
    _customs(Station.PHYSICAL),
    StationType(Station.QUARANTINE, "quarantine.calendar", "quarantine.hours_mean",
                "quarantine_start", "quarantine_end", visits="quarantine", queued="quarantine_queued"),
    StationType(Station.FUMIGATION, ROUND_THE_CLOCK, "quarantine.fumigation_hours_mean",
                "fumigation_start", "fumigation_end", visits="fumigation", queued="fumigation_queued"),
)
"""Every station type, in visit order: the customs visit first, then the others as listed."""


def station_types() -> tuple[StationType, ...]:
    """The registry, read when called (so a test can add an entry for its duration)."""
    return STATION_TYPES


def customs_types() -> tuple[StationType, ...]:
    return tuple(st for st in station_types() if st.customs)


def separate_types() -> tuple[StationType, ...]:
    """The stations visited on their own flag (not the customs visit), in visit order."""
    return tuple(st for st in station_types() if not st.customs)


def of(station: Station) -> StationType:
    return next(st for st in station_types() if st.station is station)


def lookup(config, path: str):
    """The value at a dotted path in a config object or a plain dict; KeyError if absent."""
    value = config
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value[part]
        elif hasattr(value, part):
            value = getattr(value, part)
        else:
            raise KeyError(path)
    return value


def calendar_of(st: StationType, regime):
    """The working hours of `st` under `regime` (a calendar config, or fixed hours)."""
    return st.calendar if isinstance(st.calendar, FixedHours) else lookup(regime, st.calendar)


def hours_mean_of(st: StationType, regime) -> float:
    """Mean working hours of one visit to `st` under `regime`."""
    return lookup(regime, st.hours_mean)


@dataclass(frozen=True)
class JointVisit:
    """The joint "3 + 1" inspection: CIQ's visit (`joins`) is made together with the customs
    visit, in one visit at a `bay` station that lasts the longer of the two and is charged as
    the dearer of the two; a box CIQ inspects without a customs visit still goes to that bay.
    `flag` is the attribute column that marks it; `share` the path in the regime config of
    the share per cargo class of `joins` visits made jointly."""

    joins: Station
    bay: Station
    flag: str
    share: str

    @staticmethod
    def work(customs_hours, joined_hours):
        """Working hours of the joint visit (no customs visit: pass 0)."""
        return np.maximum(customs_hours, joined_hours)

    @staticmethod
    def mean_work(customs_mean: float, joined_mean: float) -> float:
        """E[max(X, Y)] of independent exponentials with these means: the mean of `work`."""
        a, b = customs_mean, joined_mean
        return a + b - (a * b / (a + b) if a + b > 0 else 0.0)

    @staticmethod
    def fee(customs_fee, joined_fee):
        """One drayage and one handling replace two, charged as the dearer of the two."""
        return np.maximum(customs_fee, joined_fee)


JOINT = JointVisit(joins=Station.QUARANTINE, bay=Station.PHYSICAL, flag="joint_inspection", share="quarantine.joint")
