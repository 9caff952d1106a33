"""`demand.mode_choice=cost`: each import goes by rail when its expected door cost per TEU is lower.

Expected door cost = transport + time value of the cargo. By truck: fixed + per km, with the
bonded surcharge on the share moving under transit, for the truck hours plus the consignee's
mean terminal release and truck booking times. By rail: fixed + per km, for the train hours, the cut-off, half the headway between
departures (the mean wait for a train) and, for the share under transit, the transit
formalities unless a rail supervision centre waives them. Time value per hour: cargo value per
TEU x (inventory rate per hour + spoilage share per hour).

Rail is slower and cheaper to run, so for each destination and cargo class there is a cargo
value at which the two cost the same: 1 % below it rail wins, 1 % above it the truck.
"""
from __future__ import annotations

import numpy as np
import pytest

from sim.domain import CargoClass, Direction, Mode, Trade
from sim.domain.units import HOURS_PER_WEEK, HOURS_PER_YEAR
from sim.model.demand import Consignments
from sim.model.plan import choose_mode
from tests.conftest import SMALL, make_config


@pytest.fixture(scope="module")
def config():
    return make_config(*SMALL, "demand.mode_choice=cost")


def consignments(cfg, rows) -> Consignments:
    """Imports with the given (destination name, cargo class, TEU, value per TEU); no variates."""
    names = list(cfg.port.destinations)
    n = len(rows)
    fields = {name: None for name in Consignments.__dataclass_fields__}
    fields.update(
        call=np.zeros(n, dtype=np.int64), direction=np.full(n, Direction.IMPORT.code),
        trade=np.full(n, Trade.FOREIGN.code), cargo_class=np.array([c.code for _, c, _, _ in rows]),
        boxes=np.ones(n, dtype=np.int64), teu=np.array([t for _, _, t, _ in rows], dtype=float),
        value_cny=np.array([t * v for _, _, t, v in rows], dtype=float),
        destination=np.array([names.index(d) for d, _, _, _ in rows]),
        connect_service=np.full(n, -1), destination_names=names,
    )
    return Consignments(**fields)


def break_even_value(cfg, regime, dest_name: str, cargo: CargoClass) -> float:
    """Cargo value per TEU at which rail and truck cost the same (rail is slower here)."""
    c, d, t = cfg.costs, cfg.port.destinations[dest_name], regime.transit
    truck_transport = ((c.truck_fixed_cny_per_teu + c.truck_cny_per_teu_km * d.distance_km)
                       * (1 + t.share_truck * c.bonded_truck_surcharge_share))
    rail_transport = c.rail_fixed_cny_per_teu + c.rail_cny_per_teu_km * d.distance_km
    truck_hours = d.truck_hours + cfg.traders.terminal_release.mean + cfg.traders.truck_booking.mean
    formalities = 0.0 if t.rail_supervision_centre else t.formalities_hours_mean
    rail_hours = (d.rail_hours + d.rail_cutoff_hours + HOURS_PER_WEEK / len(d.rail_departures) / 2
                  + t.share_rail * formalities)
    per_hour = (c.inventory_rate_per_year / HOURS_PER_YEAR
                + c.spoilage_rates()[cargo.value] / 24.0)
    assert rail_hours > truck_hours and truck_transport > rail_transport
    return (truck_transport - rail_transport) / (per_hour * (rail_hours - truck_hours))


@pytest.mark.parametrize("side", ["baseline", "regime"])
def test_rail_below_the_break_even_value_truck_above(config, side):
    """Both regimes (transit shares, formalities and the supervision centre differ), every
    destination with trains, a general and a reefer class (spoilage adds to the time value),
    consignments of 1 and 2 TEU."""
    regime = getattr(config, side)
    rows, expected = [], []
    for dest, d in config.port.destinations.items():
        if not d.rail_departures:
            continue
        for cargo in (CargoClass.GENERAL, CargoClass.REEFER):
            v = break_even_value(config, regime, dest, cargo)
            for teu in (1.0, 2.0):
                rows += [(dest, cargo, teu, 0.99 * v), (dest, cargo, teu, 1.01 * v)]
                expected += [Mode.RAIL.code, Mode.TRUCK.code]
    mode = choose_mode(config, regime, consignments(config, rows))
    assert mode.tolist() == expected


def test_no_rail_where_no_train_runs_and_none_larger_than_a_train(config):
    """The port city has no trains: even worthless cargo goes by truck. A consignment larger than
    a whole train goes by road too."""
    regime = config.regime
    capacity = config.port.destinations["shenyang"].rail_capacity_teu
    rows = [("dalian", CargoClass.GENERAL, 1.0, 1.0), ("shenyang", CargoClass.GENERAL, 1.0, 1.0),
            ("shenyang", CargoClass.GENERAL, capacity + 1.0, 1.0)]
    mode = choose_mode(config, regime, consignments(config, rows))
    assert mode.tolist() == [Mode.TRUCK.code, Mode.RAIL.code, Mode.TRUCK.code]


def test_a_single_weekly_train_means_half_a_week_of_waiting():
    """With one departure a week the mean wait for the train is 84 h: the break-even value falls
    accordingly, and the choice follows it."""
    config = make_config(*SMALL, "demand.mode_choice=cost", "port.destinations.tongliao.rail_departures=[40]")
    regime = config.baseline
    rows = []
    for cargo in (CargoClass.GENERAL, CargoClass.REEFER):
        v = break_even_value(config, regime, "tongliao", cargo)
        rows += [("tongliao", cargo, 1.0, 0.99 * v), ("tongliao", cargo, 1.0, 1.01 * v)]
    mode = choose_mode(config, regime, consignments(config, rows))
    assert mode.tolist() == [Mode.RAIL.code, Mode.TRUCK.code] * 2


def test_at_equal_cost_the_truck_rail_only_when_strictly_cheaper(config):
    """No time value (no inventory rate, no spoilage) and the same rates by rail and road (300 CNY
    fixed + 3 CNY per km, no bonded surcharge): rail and truck cost exactly the same, and the
    consignment stays on the truck; one yuan less by rail and it takes the train."""
    import dataclasses

    from sim.config.schema import ClassSharesConfig

    same = dataclasses.replace(
        config.costs, inventory_rate_per_year=0.0, spoilage_share_per_day=ClassSharesConfig(),
        bonded_truck_surcharge_share=0.0, truck_fixed_cny_per_teu=300.0, truck_cny_per_teu_km=3.0,
        rail_fixed_cny_per_teu=300.0, rail_cny_per_teu_km=3.0)
    cheaper = dataclasses.replace(same, rail_fixed_cny_per_teu=299.0)
    rows = [("shenyang", CargoClass.GENERAL, 1.0, 1e5)]
    for costs, expected in ((same, Mode.TRUCK.code), (cheaper, Mode.RAIL.code)):
        cfg = dataclasses.replace(config, costs=costs)
        assert choose_mode(cfg, cfg.baseline, consignments(cfg, rows)).tolist() == [expected]
