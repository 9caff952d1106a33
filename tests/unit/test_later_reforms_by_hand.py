"""The rules of the later national reforms (2017-2019), each on hand-made consignments.

(a) Tax review after release (`regime.tax_review`): the duty leaves the release path; a share of
    import declarations gets a post-release audit, officers' work queued with the document checks
    that never holds its own goods.
(b) Two-step declaration (`regime.two_step`): a summary declaration (a share of the broker's and
    the document check's work) releases the goods; the rest of the check, on the full declaration,
    reaches the officers later and holds nothing; the duty goes with the full declaration.
(c) Ship-side pickup and loading on arrival (`regime.direct_delivery`): an import box released by
    the time it comes off the ship leaves then; an export declaration lodged ahead is released as
    the box arrives.

Traders work round the clock with fixed times and the officers are one, always on duty, so each
expected time is a sum worked out from the regime's means; every variate not named is 0.5 (a
draw) or 1 (a unit-mean duration), as in test_plan_edges_by_hand.py. Every check compares the
rule on against the same consignments with the rule off (the default), so a rule that does
nothing, or too much, fails.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.config.schema import CalendarConfig, DirectDeliveryConfig, TaxReviewConfig, TwoStepConfig
from sim.domain import Channel, Direction, Mode
from sim.model.plan import plan
from sim.model.traders import Consignees
from tests.conftest import SMALL, make_config
from tests.unit.test_plan_by_hand import TRADERS
from tests.unit.test_plan_edges_by_hand import calls, consignments

IMP, EXP = Direction.IMPORT.code, Direction.EXPORT.code
LATER = ("u_audit", "e_audit", "u_two_step", "u_direct")


@pytest.fixture(scope="module")
def config():
    return make_config(*SMALL, *TRADERS)


def cons_with(cfg, rows):
    """test_plan_edges_by_hand's consignments plus the later reforms' draws (0.5, e_audit 1), and
    any unit-mean duration a row names."""
    c = consignments(cfg, rows)
    for name in LATER:
        setattr(c, name, np.array([r.get(name, 1.0 if name.startswith("e_") else 0.5) for r in rows]))
    for name in {k for r in rows for k in r if k.startswith("e_")}:  # the helper sets every duration to 1
        setattr(c, name, np.array([r.get(name, 1.0) for r in rows], dtype=float))
    return c


def one_officer(regime, **changes):
    """The regime with one officer on duty round the clock (a queue worked out by hand)."""
    return dataclasses.replace(regime, officers=1, officer_calendar=CalendarConfig(), **changes)


# Two general imports on call 0, both yellow (checked, 0.7 between green .6 and yellow .94 before
# the reform), no query (0.5 above 40 %). B's acceptance takes 3 times the mean (2.85 h, 0.95 h
# before the reform), so it reaches the officers after customs is done with A's papers (A's check
# is 0.75 h) but within 4 h of that.
A = {"u_channel": 0.7}
B = {"u_channel": 0.7, "e_acceptance": 3.0, "u_audit": 0.9, "u_two_step": 0.9}


# ---------------------------------------------------------------- (a) tax review after release
def test_duty_after_release_takes_the_duty_off_the_release_path(config):
    before = one_officer(config.baseline)
    after = one_officer(config.baseline, tax_review=TaxReviewConfig(after_release=True))
    p0 = plan(config, before, cons_with(config, [A]), calls(config))
    p1 = plan(config, after, cons_with(config, [A]), calls(config))
    assert p0.duty[0] == pytest.approx(before.duty_hours_mean)  # e_duty 1
    assert p1.duty[0] == 0.0
    assert p1.checked_out[0] == pytest.approx(p0.checked_out[0])
    assert p0.released[0] - p1.released[0] == pytest.approx(before.duty_hours_mean)


def test_a_post_release_audit_takes_officer_time_not_the_goods_time(config):
    """A is audited (draw 0.5 < share 1): its audit (4 h) joins the one officer's queue when customs
    is done with A's papers; A is released without waiting for it; B, accepted after that, waits
    for the audit before its own check starts. Audit share 0: B's check starts on acceptance."""
    audit = TaxReviewConfig(after_release=True, audit_share=1.0, audit_hours_mean=4.0)
    on = plan(config, one_officer(config.baseline, tax_review=audit), cons_with(config, [A, B]), calls(config))
    off = plan(config, one_officer(config.baseline, tax_review=dataclasses.replace(audit, audit_share=0.0)),
               cons_with(config, [A, B]), calls(config))
    assert on.channel.tolist() == [Channel.YELLOW.code] * 2
    assert on.checked_out[0] + 0.5 < on.accepted[1] < on.checked_out[0] + 4.0   # during A's audit
    assert on.released[0] == pytest.approx(off.released[0])    # the audit never holds A
    assert off.doc_check_start[1] == pytest.approx(off.accepted[1])
    assert on.doc_check_start[1] == pytest.approx(on.checked_out[0] + 4.0)
    assert on.released[1] - off.released[1] == pytest.approx(on.checked_out[0] + 4.0 - on.accepted[1])


def test_audits_skip_exports(config):
    """Post-release audits are of import duty: an export with the same draws queues nothing."""
    audit = TaxReviewConfig(after_release=True, audit_share=1.0, audit_hours_mean=400.0)
    export = {"direction": EXP, "call": 1, "lead": 30.0, "u_channel": 0.9}
    late = {"direction": EXP, "call": 1, "lead": 30.0, "u_channel": 0.9, "e_acceptance": 30.0}
    p = plan(config, one_officer(config.baseline, tax_review=audit), cons_with(config, [export, late]),
             calls(config))
    assert p.doc_check_start[1] == pytest.approx(p.accepted[1])


# ---------------------------------------------------------------- (b) two-step declaration
def test_a_summary_declaration_releases_on_part_of_the_work_and_without_the_duty(config):
    """A in two steps (draw 0.5 < share 1, summary 40 % of the work): lodged 60 % of the broker's
    4 h earlier, its document check 40 % as long, no duty before release."""
    two = TwoStepConfig(share=1.0, summary_work_share=0.4, full_lag_hours=0.0)
    one = plan(config, one_officer(config.baseline), cons_with(config, [A]), calls(config))
    p = plan(config, one_officer(config.baseline, two_step=two), cons_with(config, [A]), calls(config))
    assert one.lodged[0] - p.lodged[0] == pytest.approx(0.6 * config.traders.broker.mean)
    assert p.doc_check_work[0] == pytest.approx(0.4 * one.doc_check_work[0])
    assert p.duty[0] == 0.0 and one.duty[0] > 0
    assert p.released[0] == pytest.approx(p.checked_out[0])


def test_the_full_declaration_is_officer_work_after_release(config):
    """A's full declaration (the other 60 % of its check, 0.75 h before the reform) reaches the one
    officer `full_lag_hours` (2 h) after customs is done with the summary; B (one step, draw 0.9),
    accepted after that, waits for it."""
    two = TwoStepConfig(share=0.8, summary_work_share=0.4, full_lag_hours=2.0)
    regime = one_officer(config.baseline, two_step=two)
    rows = [A, dict(B, e_acceptance=1.1)]  # B accepted at 20.045 h; A's full declaration 19.85-20.3 h
    p = plan(config, regime, cons_with(config, rows), calls(config))
    full = 0.6 * regime.doc_check_hours_mean["import"]
    arrives = p.checked_out[0] + 2.0
    assert arrives < p.accepted[1] < arrives + full
    assert p.doc_check_start[1] == pytest.approx(arrives + full)
    no_lag = plan(config, one_officer(config.baseline, two_step=dataclasses.replace(two, full_lag_hours=200.0)),
                  cons_with(config, rows), calls(config))
    assert no_lag.doc_check_start[1] == pytest.approx(no_lag.accepted[1])   # the full one comes after B


# ---------------------------------------------------------------- (c) ship-side pickup, loading on arrival
def test_a_ship_side_box_leaves_as_it_comes_off_the_ship_if_released(config):
    """Three trucks of boxes discharged at 20: a ship-side box released at 18 leaves at 20 (no
    terminal release, truck booking or receiving hours); one released at 30 goes the usual way,
    as does a box not arranged for ship-side pickup."""
    n = 3
    cons = Consignees(config, np.full(n, 2.0), np.full(n, 12.0), np.full(n, np.nan), np.full(n, 6.0),
                      direct=np.array([True, True, False]))
    usual = Consignees(config, np.full(n, 2.0), np.full(n, 12.0), np.full(n, np.nan), np.full(n, 6.0))
    ready, in_yard = np.array([20.0, 30.0, 20.0]), np.full(n, 20.0)
    got = cons.at_gate(np.arange(n), ready, in_yard)
    expected = usual.at_gate(np.arange(n), ready, in_yard)
    assert got[0] == 20.0 and expected[0] >= 20.0 + 2.0 + 12.0
    assert got[1:].tolist() == pytest.approx(expected[1:].tolist())


def test_ship_side_pickup_is_for_trucks_not_under_transit(config):
    """Share 1: an import to the port city by truck is arranged for ship-side pickup; a rail import
    (Shenyang, 0.01 below its rail share) is not; nothing at share 0."""
    rows = [{}, {"dest": "shenyang", "u_mode": 0.01}]
    on = plan(config, dataclasses.replace(config.regime, direct_delivery=DirectDeliveryConfig(import_share=1.0)),
              cons_with(config, rows), calls(config))
    off = plan(config, config.regime, cons_with(config, rows), calls(config))
    assert on.mode.tolist() == [Mode.TRUCK.code, Mode.RAIL.code]
    assert on.consignees.direct.tolist() == [True, False]
    assert off.consignees.direct is None


def test_an_export_lodged_ahead_is_released_as_the_box_arrives(config):
    """A green export from Shenyang by truck (call at 300, at the gate 30 h before): its broker is
    done before the box arrives. Lodged ahead (share 1), customs has finished with it by then, so
    it is released at gate-in; the usual way it is lodged at gate-in and released an acceptance later."""
    row = [{"direction": EXP, "call": 1, "lead": 30.0, "dest": "shenyang", "u_channel": 0.1}]
    ahead = plan(config, dataclasses.replace(config.regime, direct_delivery=DirectDeliveryConfig(export_share=1.0)),
                 cons_with(config, row), calls(config))
    usual = plan(config, config.regime, cons_with(config, row), calls(config))
    assert usual.channel[0] == Channel.GREEN.code and usual.mode[0] == Mode.TRUCK.code
    assert ahead.lodged[0] == pytest.approx(ahead.origin_ready[0] + config.traders.broker.mean)
    assert ahead.accepted[0] < ahead.gate_in[0]
    assert ahead.released[0] == pytest.approx(ahead.gate_in[0])
    assert usual.lodged[0] == pytest.approx(usual.gate_in[0])
    assert usual.released[0] == pytest.approx(usual.gate_in[0] + usual.acceptance[0])
    assert usual.released[0] > ahead.released[0]


def test_the_rules_are_off_by_default(config):
    """The schema's defaults leave every rule off: no draw of the later reforms is even taken."""
    rows = [A, B, {"direction": EXP, "call": 1, "lead": 30.0}]
    c = cons_with(config, rows)
    plan(config, config.baseline, c, calls(config))
    assert all(getattr(c, name) is not None for name in LATER)
    r = config.baseline
    assert (r.tax_review, r.two_step, r.direct_delivery) == (TaxReviewConfig(), TwoStepConfig(), DirectDeliveryConfig())
