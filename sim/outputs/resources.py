"""Resource cost: what a regime's staffed pools cost a year (CNY), from the config alone.

Why a pure function of the config: the pools' size and hours are decisions (how many officers,
which hours, how many bays), not outcomes, so their cost does not depend on a replication; an
optimisation (`+optimise=NAME`) trades it against the KPIs of the run. Priced per pool of
`sim.outputs.staffing.staffed_pools`:

- officers (port and inland offices): servers x hours open a week, each hour at the office-hours
  rate times its shift factor (office hours 1, evening `evening_factor`, night and weekend
  `night_weekend_factor`), x `weeks_per_year`;
- inspection bays (each station, and the inland offices' bays): bays x capital a year, plus
  bays x hours open a week x the operating rate x `weeks_per_year`.

The inland offices count only where the regime uses them (a second declaration inland, or
exports declared inland under transit): otherwise the model sends them no work.
"""
from __future__ import annotations

from collections.abc import Mapping

from sim.outputs.staffing import INLAND_BAYS, INLAND_OFFICERS, OFFICERS, Pool, _field, staffed_pools

SHIFTS = ("office", "evening", "night_weekend")


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def shift_hours(days, open_hour: float, close_hour: float, rates) -> dict[str, float]:
    """Hours a week a calendar is open, split into office, evening and night/weekend hours."""
    office = _field(rates, "office_hours")
    office_days = {int(d) for d in _field(office, "days")}
    o0, o1 = float(_field(office, "open_hour")), float(_field(office, "close_hour"))
    m, e = float(_field(rates, "morning_from_hour")), float(_field(rates, "evening_until_hour"))
    out = dict.fromkeys(SHIFTS, 0.0)
    for day in {int(d) for d in days}:
        length = max(0.0, close_hour - open_hour)
        if day not in office_days:
            out["night_weekend"] += length
            continue
        in_office = _overlap(open_hour, close_hour, o0, o1)
        evening = _overlap(open_hour, close_hour, m, min(o0, e)) + _overlap(open_hour, close_hour, max(o1, m), e)
        out["office"] += in_office
        out["evening"] += evening
        out["night_weekend"] += length - in_office - evening
    return out


def _staff_cost(pool: Pool, cny_per_hour: float, rates) -> float:
    hours = shift_hours(pool.days, pool.open_hour, pool.close_hour, rates)
    weighted = (hours["office"] + _field(rates, "evening_factor") * hours["evening"]
                + _field(rates, "night_weekend_factor") * hours["night_weekend"])
    return pool.servers * weighted * cny_per_hour * _field(rates, "weeks_per_year")


def _bay_cost(pool: Pool, capital: float, per_hour: float, rates) -> float:
    open_hours = sum(hours for hours in shift_hours(pool.days, pool.open_hour, pool.close_hour, rates).values())
    return pool.servers * (capital + open_hours * per_hour * _field(rates, "weeks_per_year"))


def uses_inland_offices(regime) -> bool:
    transit = _field(regime, "transit")
    return bool(_field(transit, "second_declaration")) or any(
        float(_field(transit, k)) > 0 for k in ("export_share_truck", "export_share_rail"))


def resource_costs(port, regime, costs) -> dict[str, float]:
    """CNY a year by pool (`officers`, each station key, `inland_officers`, `inland_bays`) and `total`.

    `port`, `regime`, `costs`: the config's sections (dataclasses or plain mappings)."""
    rates = _field(costs, "resources")
    capital, per_hour = _field(rates, "bay_capital_cny_per_year"), _field(rates, "bay_cny_per_open_hour")
    inland = uses_inland_offices(regime)
    out: dict[str, float] = {}
    for pool in staffed_pools(port, regime):
        if pool.name == OFFICERS:
            out[pool.name] = _staff_cost(pool, _field(rates, "officer_cny_per_hour"), rates)
        elif pool.name == INLAND_OFFICERS:
            out[pool.name] = _staff_cost(pool, _field(rates, "inland_officer_cny_per_hour"), rates) if inland else 0.0
        elif pool.name == INLAND_BAYS:
            out[pool.name] = _bay_cost(pool, _field(rates, "inland_bay_capital_cny_per_year"),
                                       _field(rates, "inland_bay_cny_per_open_hour"), rates) if inland else 0.0
        else:
            out[pool.name] = _bay_cost(pool, _get(capital, pool.name), _get(per_hour, pool.name), rates)
    out["total"] = sum(out.values())
    return out


def resource_cost(cfg) -> float:
    """A run's resource cost, CNY a year: the regime under study priced at the config's rates."""
    return resource_costs(cfg.port, cfg.regime, cfg.costs)["total"]


def _get(mapping, key: str) -> float:
    return float(mapping.get(key, 0.0) if isinstance(mapping, Mapping) else 0.0)
