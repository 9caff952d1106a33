"""What traders do, worked out by hand: when an importer can lodge, when an exporter lodges, when a
consignee's truck comes (sim/model/traders.py).

Office hours are the bundled traders' calendar, Monday to Friday 8:30-17:30; time 0 is Monday
00:00. Durations are made fixed (cv 0) unless a test is about their spread, so each time below
is a sum of steps, each step pushed to office hours where it is working time.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.config import DurationConfig
from sim.model.traders import Consignees, export_lodging, import_lodging, lognormal, storage_wish
from tests.conftest import SMALL, make_config

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def at(day: int, hour: float, week: int = 0) -> float:
    return week * 168.0 + 24.0 * day + hour


@pytest.fixture(scope="module")
def config():
    return make_config(*SMALL, "traders.delivery_order.cv=0", "traders.broker.cv=0", "traders.courier.cv=0",
                       "traders.licence.cv=0", "traders.inspection_application.cv=0",
                       "traders.terminal_release.cv=0", "traders.truck_booking.cv=0", "traders.storage_user_share=0.4",
                       "costs.storage_free_days=3")


def take_from(values: dict, n: int):
    """A `Consignments.take` stand-in: each variate handed over once (default: no branch taken)."""
    def take(name):
        default = 0.99 if name.startswith("u_") else 0.0
        return np.asarray(values.pop(name, np.full(n, default)), dtype=float)
    return take


def lodge(cfg, regime, arrival, voyage_hours, legal=None, wish=None, **variates):
    n = len(arrival)
    legal = np.zeros(n, bool) if legal is None else np.asarray(legal)
    wish = np.full(n, np.nan) if wish is None else np.asarray(wish, dtype=float)
    return import_lodging(cfg, regime, np.asarray(arrival, float), np.asarray(voyage_hours, float), legal, wish,
                          np.zeros(n), take_from(dict(variates), n))


def test_lognormal_has_the_configured_mean_and_cv():
    z = np.random.default_rng(3).standard_normal(400_000)
    x = lognormal(z, DurationConfig(mean=10.0, cv=1.5))
    # SE of the mean: 10 * 1.5 / sqrt(4e5) = 0.024; of the cv more (heavy tail): 5 % is ~3 SE here
    assert x.mean() == pytest.approx(10.0, abs=4 * 0.024)
    assert x.std() / x.mean() == pytest.approx(1.5, rel=0.05)
    assert lognormal(z[:3], DurationConfig(mean=4.0, cv=0.0)).tolist() == [4.0, 4.0, 4.0]
    assert lognormal(z[:3], DurationConfig(mean=0.0, cv=1.0)).tolist() == [0.0, 0.0, 0.0]


def test_an_import_lodges_after_the_delivery_order_and_the_broker_in_office_hours(config):
    """Arrival Monday 10:00: delivery order 3 h (to 13:00), broker 4 h (to 17:00). Arrival Friday
    16:00: 1.5 h of the order on Friday, 1.5 h on Monday from 8:30 (to 10:00), broker to 14:00."""
    lodged = lodge(config, config.baseline, [at(MON, 10), at(FRI, 16)], [48.0, 48.0])
    assert lodged.tolist() == pytest.approx([at(MON, 17), at(MON, 14, week=1)])


def test_original_papers_come_by_courier_from_the_loading_port(config):
    """Courier 120 h from sailing. A 2-day voyage arriving Monday 10:00 sailed Saturday 10:00: the
    papers come on Thursday 10:00 (after the box), then order and broker: Thursday 17:00. A 30-day
    voyage: the papers are there long before the box, so it lodges as if telex-released."""
    arrival = [at(MON, 10, week=5), at(MON, 10, week=5)]
    lodged = lodge(config, config.baseline, arrival, [48.0, 720.0], u_original=[0.0, 0.0])
    assert lodged.tolist() == pytest.approx([at(THU, 17, week=5), at(MON, 17, week=5)])


def test_an_advance_lodger_lodges_before_arrival_only_when_its_papers_allow(config):
    """The advance lodger (u below the regime's share) starts when its papers are in hand and needs
    no delivery order to lodge. Long voyage, telex: papers at sailing, broker 4 h in office hours.
    Short voyage with originals: papers come after arrival, so it cannot lodge before."""
    arrival = [at(MON, 10, week=5), at(MON, 10, week=5)]
    voyage = [720.0, 48.0]
    lodged = lodge(config, config.regime, arrival, voyage, u_pre_arrival=[0.0, 0.0], u_original=[0.99, 0.0])
    # 30 days before Monday 10:00 of week 5 is Saturday 10:00 of week 0: the broker's 4 h end Monday 12:30.
    assert lodged[0] == pytest.approx(at(MON, 12.5, week=1))
    # Originals sent Saturday 10:00 of week 4 arrive Thursday 10:00 of week 5; the broker ends 14:00.
    assert lodged[1] == pytest.approx(at(THU, 14, week=5))


def test_goods_under_legal_inspection_apply_to_ciq_first_while_the_regime_requires_it(config):
    """CIQ application 8 working hours on the CIQ calendar (before the reform: Mon-Fri 8:30-17:00)
    after the delivery order (Monday 13:00): 4 h Monday, 4 h Tuesday to 12:30; broker to 16:30.
    Without the rule (after 1 June 2018) it lodges Monday 17:00 like any other import."""
    regime = config.baseline
    lodged = lodge(config, regime, [at(MON, 10)], [720.0], legal=[True])
    assert lodged.tolist() == pytest.approx([at(TUE, 16.5)])
    merged = dataclasses.replace(regime, quarantine=dataclasses.replace(regime.quarantine,
                                                                        application_before_lodging=False))
    assert lodge(config, merged, [at(MON, 10)], [720.0], legal=[True]).tolist() == pytest.approx([at(MON, 17)])


def test_a_licence_holds_the_declaration_until_it_is_in_hand(config):
    """Licence 120 h from sailing; a 30-day voyage has it long before; a 2-day one waits for it
    (sailed Saturday 10:00, licence Thursday 10:00), then the broker (to 14:00)."""
    arrival = [at(MON, 10, week=5)] * 2
    lodged = lodge(config, config.baseline, arrival, [720.0, 48.0], u_licence=[0.0, 0.0])
    assert lodged.tolist() == pytest.approx([at(MON, 17, week=5), at(THU, 14, week=5)])


def test_a_storage_user_lodges_a_day_before_it_wants_the_box_and_nobody_after_the_window(config):
    """Free storage 3 days; a storage user (u < 0.4) wants the box on the last free day: u / 0.4 of
    a day before its end. u = 0.2: 72 - 12 = 60 h after arrival, so it lodges at 36 h. The window
    (14 days) caps a declaration whose papers would come later."""
    wish = storage_wish(config, np.array([0.2, 0.99]))
    assert wish[0] == pytest.approx(60.0) and np.isnan(wish[1])
    lodged = lodge(config, config.baseline, [at(MON, 10)], [720.0], wish=wish[:1])
    assert lodged.tolist() == pytest.approx([at(MON, 10) + 60.0 - 24.0])
    slow = dataclasses.replace(config, traders=dataclasses.replace(config.traders,
                                                                   courier=DurationConfig(mean=500.0, cv=0.0)))
    late = lodge(slow, config.baseline, [at(MON, 10)], [0.0], u_original=[0.0])
    assert late.tolist() == pytest.approx([at(MON, 10) + 14 * 24.0])


def test_an_export_lodges_at_gate_in_at_the_earliest_and_rushes_for_the_cut_off(config):
    """Broker 4 h from the time the box left the shipper. Shipped Monday 9:00: papers ready 13:00,
    gate-in 11:00: lodged 13:00. Shipped Friday 16:00, cut-off Saturday 20:00: office hours would
    end Monday 11:00, past the cut-off, so the broker works through: 20:00 Friday. The same box with
    a cut-off a week later keeps to office hours."""
    shipped = np.array([at(MON, 9), at(FRI, 16), at(FRI, 16)])
    gate_in = np.array([at(MON, 11), at(FRI, 18), at(FRI, 18)])
    cutoff = np.array([at(FRI, 0), at(SAT, 20), at(SAT, 20, week=1)])
    lodged = export_lodging(config, shipped, gate_in, cutoff, np.zeros(3))
    assert lodged.tolist() == pytest.approx([at(MON, 13), at(FRI, 20), at(MON, 11, week=1)])


def test_a_consignee_collects_in_its_own_hours(config):
    """Ready Friday 16:00: terminal release 2 h (1.5 h Friday, 0.5 h Monday: 9:00), booking 12 h
    (21:00), 6 h drive: the warehouse opens Tuesday 8:00, so the truck leaves the gate Tuesday 2:00.
    A storage user (wish 60 h after the box reached the yard on Monday 0:00) keeps it until
    Wednesday 12:00, then 12 h booking: midnight; it arrives at 6:00, before opening at 8:00: 2:00."""
    n = 2
    cons = Consignees(config, np.full(n, 2.0), np.full(n, 12.0), np.array([np.nan, 60.0]), np.full(n, 6.0))
    got = cons.at_gate(np.arange(n), np.array([at(FRI, 16), at(MON, 1)]), np.array([at(MON, 0), at(MON, 0)]))
    assert got.tolist() == pytest.approx([at(TUE, 2, week=1), at(THU, 2)])
