"""The clearance plan of eight hand-made consignments under the pre-reform regime.

`plan` turns regime-free variates into routes and durations: a uniform below a share takes that
branch, and a duration is the regime's mean times a unit-mean exponential. The variates here are
chosen to send each consignment down a known route, so every column is checked against the rule
it follows, row by row.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from sim.domain import CargoClass, Channel, Direction, Mode, Station, Trade
from sim.domain.calendar import WorkingCalendar
from sim.model.demand import Calls, Consignments
from sim.model.plan import plan
from tests.conftest import SMALL, make_config

IMP, EXP, TX = Direction.IMPORT.code, Direction.EXPORT.code, Direction.TRANSSHIPMENT.code
FOR, DOM = Trade.FOREIGN.code, Trade.DOMESTIC.code
GEN, REEF, WOOD = CargoClass.GENERAL.code, CargoClass.REEFER.code, CargoClass.WOOD.code
NAN = math.nan
N = 8


@pytest.fixture(scope="module")
def config():
    return make_config(*SMALL)


@pytest.fixture(scope="module")
def case(config):
    """(config, regime, variates, plan). Calls: 0 scheduled at 10, arrives at 12; 1 at 300 / 301."""
    names = list(config.port.destinations)
    d = {n: names.index(n) for n in names}
    rng = np.random.default_rng(7)
    e = {name: rng.uniform(0.5, 1.5, N) for name in (
        "e_preparation", "e_acceptance", "e_doc_check", "e_query", "e_inspection", "e_duty", "e_pickup",
        "e_transit", "e_quarantine", "e_fumigation", "e_certificate", "e_inland_preparation",
        "e_inland_doc_check", "e_inland_inspection")}
    e["e_preparation"][1] = 1.0   # the pre-arrival import: lodged 24 h before arrival at 12 -> before t = 0
    #            0 imp rail  1 imp pre  2 imp wood  3 exp truck  4 exp rail  5 domestic  6 tx reefer  7 exp early
    u = {
        "u_pre_arrival":       [0.5, 0.05, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
        "u_channel":           [0.99, 0.1, 0.5, 0.9, 0.01, 0.5, 0.5, 0.5],
        "u_scan":              [0.1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
        "u_query":             [0.1, 0.5, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1],
        "u_mode":              [0.01, 0.5, 0.9, 0.5, 0.01, 0.5, 0.5, 0.5],
        "u_transit":           [0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
        "u_quarantine":        [0.5, 0.1, 0.1, 0.01, 0.01, 0.01, 0.01, 0.01],
        "u_joint":             [0.5] * N,
        "u_fumigation":        [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
        "u_aquatic":           [0.1] * N,
        "u_inland_check":      [0.1, 0.1, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1],
        "u_inland_inspection": [0.9, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01],
    }
    cons = Consignments(
        call=np.array([0, 0, 1, 1, 1, 0, 0, 0]),
        direction=np.array([IMP, IMP, IMP, EXP, EXP, IMP, TX, EXP]),
        trade=np.array([FOR, FOR, FOR, FOR, FOR, DOM, FOR, FOR]),
        cargo_class=np.array([GEN, REEF, WOOD, GEN, GEN, GEN, REEF, GEN]),
        boxes=np.array([1, 2, 1, 3, 1, 1, 1, 1]), teu=np.array([1.0, 2.0, 1.0, 4.0, 2.0, 1.0, 1.0, 1.0]),
        value_cny=np.full(N, 1e5),
        destination=np.array([d["shenyang"], d["dalian"], d["changchun"], d["dalian"], d["shenyang"], d["dalian"],
                              d["dalian"], d["dalian"]]),
        connect_service=np.array([-1, -1, -1, -1, -1, -1, 0, -1]), discharge_rank=np.zeros(N),
        gate_in_lead=np.array([0.0, 0.0, 0.0, 30.0, 40.0, 0.0, 0.0, 150.0]),
        destination_names=names,
        **{k: np.array(v) for k, v in u.items()}, **{k: v.copy() for k, v in e.items()},
    )
    calls = Calls(service=np.array([0, 0]), terminal=np.array([0, 0]), scheduled=np.array([10.0, 300.0]),
                  arrival=np.array([12.0, 301.0]), import_boxes=np.array([5, 5]), export_boxes=np.array([5, 5]),
                  service_names=["s"], terminal_names=list(config.port.terminals)[:1])
    regime = config.baseline
    return config, regime, e, plan(config, regime, cons, calls)


def test_modes_gates_and_exports_before_the_run(case):
    """Rail below the destination's rail share (Shenyang general 5 %), else truck; the port city
    has no trains; transshipment onto its connecting vessel. Export 3 by truck through the in-gate
    (24 lanes, 0.05 h per box): at 300 - 30, in 3 x 0.05 later. Export 4 by rail from Shenyang,
    ready there at 300 - 40 - 12 = 248, on the first train leaving 4 h later (hour 86 of week 2,
    254), at the port 12 h on. Export 7 gated in before t = 0: cleared before the run."""
    cfg, regime, e, p = case
    assert p.mode.tolist() == [Mode.RAIL.code, Mode.TRUCK.code, Mode.TRUCK.code, Mode.TRUCK.code, Mode.RAIL.code,
                               Mode.TRUCK.code, Mode.VESSEL.code, Mode.TRUCK.code]
    assert p.gate_arrival[[3, 4, 7]].tolist() == pytest.approx([270.0, 266.0, -140.0])
    assert p.gate_in[[3, 4, 7]].tolist() == pytest.approx([270.15, 266.0, -139.95])
    assert np.isnan(p.gate_in[[0, 1, 2, 5, 6]]).all()
    assert p.pre_run.tolist() == [False] * 7 + [True]


def test_lodgement_and_channels(case):
    """Imports lodge the preparation time after arrival (24 h mean), the pre-arrival one before it
    (24 h lead; before t = 0 it counts as 0); exports after gate-in (6 h). Not declared: domestic,
    transshipment, exports cleared before the run. Channel: the uniform against the cumulative
    shares (general import .6/.94: 0.99 red; reefer green .3: 0.1 green; wood .3/.8: 0.5 yellow;
    general export .8/.98: 0.9 yellow, 0.01 green)."""
    cfg, regime, e, p = case
    ep = e["e_preparation"]
    expected = [12.0 + 24.0 * ep[0], 0.0, 301.0 + 24.0 * ep[2], 270.15 + 6.0 * ep[3], 266.0 + 6.0 * ep[4],
                NAN, NAN, NAN]
    assert p.lodged.tolist() == pytest.approx(expected, nan_ok=True)
    assert p.pre_arrival.tolist() == [0, 1, 0, 0, 0, 0, 0, 0]
    assert p.channel.tolist() == [Channel.RED.code, Channel.GREEN.code, Channel.YELLOW.code, Channel.YELLOW.code,
                                  Channel.GREEN.code, -1, -1, -1]
    assert p.acceptance.tolist() == pytest.approx((0.5 * e["e_acceptance"]).tolist())
    assert p.accepted.tolist() == pytest.approx((p.lodged + 0.5 * e["e_acceptance"]).tolist(), nan_ok=True)


def test_document_check_query_and_papers_done(case):
    """Yellow and red are checked: work 0.75 h (import) or 0.5 h (export) x the variate, on the
    officers' office hours (300 officers: nobody queues); a query (40 %) adds its response time
    (24 h mean). Papers are done when the check and any query are, or at acceptance when green."""
    cfg, regime, e, p = case
    cal = WorkingCalendar.from_config(regime.officer_calendar)
    checked = [0, 2, 3]
    work = {0: 0.75 * e["e_doc_check"][0], 2: 0.75 * e["e_doc_check"][2], 3: 0.5 * e["e_doc_check"][3]}
    assert p.doc_check_work.tolist() == pytest.approx([work.get(i, NAN) for i in range(N)], nan_ok=True)
    query = {0: 24.0 * e["e_query"][0], 3: 24.0 * e["e_query"][3]}
    assert p.query.tolist() == pytest.approx([query.get(i, 0.0) for i in range(N)])
    for i in checked:
        assert p.doc_check_start[i] == pytest.approx(cal.next_open(p.accepted[i]))
        assert p.doc_check_end[i] == pytest.approx(cal.finish(p.accepted[i], work[i]))
        assert p.checked_out[i] == pytest.approx(p.doc_check_end[i] + query.get(i, 0.0))
    for i in (1, 4):
        assert np.isnan(p.doc_check_start[i]) and p.checked_out[i] == pytest.approx(p.accepted[i])


def test_inspections_and_visits(case):
    """Import 0 (red) scanned (uniform 0.1 below the 30 % scan share), 0.25 h x variate. CIQ
    inspects the reefer (40 %) and the wood (60 %), never jointly before the reform (2 h mean);
    the wood is fumigated too (30 %, 24 h mean). Visits: 1, 1, 2."""
    cfg, regime, e, p = case
    assert p.station.tolist() == [Station.SCAN.code] + [Station.NONE.code] * 7
    assert p.customs_work.tolist() == pytest.approx([0.25 * e["e_inspection"][0]] + [NAN] * 7, nan_ok=True)
    assert p.quarantine.tolist() == [False, True, True, False, False, False, False, False]
    assert not p.joint.any()
    assert p.quarantine_work.tolist() == pytest.approx(
        [NAN, 2.0 * e["e_quarantine"][1], 2.0 * e["e_quarantine"][2]] + [NAN] * 5, nan_ok=True)
    assert p.fumigation.tolist() == [False, False, True, False, False, False, False, False]
    assert p.fumigation_work.tolist() == pytest.approx([NAN, NAN, 24.0 * e["e_fumigation"][2]] + [NAN] * 5,
                                                       nan_ok=True)
    assert p.inspection_visits.tolist() == [1, 1, 2, 0, 0, 0, 0, 0]


def test_transit_second_declaration_duty_and_release(case):
    """Before the reform, inland-bound imports move under transit (all by rail, half by truck):
    imports 0 (rail) and 2 (truck), with 6 h of formalities each (no supervision centre), declared
    again inland (2 declarations) and paying duty there, not at the port. Import 1 pays duty at
    the port (8 h mean). Inland: 0's document check (40 %: 0.75 h mean), 2's inspection (6 %: 3 h).
    Declarations without a station visit are released in closed form: papers done + duty."""
    cfg, regime, e, p = case
    assert p.transit.tolist() == [True, False, True, False, False, False, False, False]
    assert p.transit_formalities.tolist() == pytest.approx(
        [6.0 * e["e_transit"][0], 0.0, 6.0 * e["e_transit"][2]] + [0.0] * 5)
    assert p.second_declaration.tolist() == [True, False, True, False, False, False, False, False]
    assert p.declarations.tolist() == [2, 1, 2, 1, 1, 0, 0, 1]
    assert p.duty.tolist() == pytest.approx([0.0, 8.0 * e["e_duty"][1]] + [0.0] * 6)
    assert p.inland_doc_check_work.tolist() == pytest.approx([0.75 * e["e_inland_doc_check"][0]] + [NAN] * 7,
                                                             nan_ok=True)
    assert p.inland_inspection_work.tolist() == pytest.approx(
        [NAN, NAN, 3.0 * e["e_inland_inspection"][2]] + [NAN] * 5, nan_ok=True)
    assert p.inland_preparation.tolist() == pytest.approx((12.0 * e["e_inland_preparation"]).tolist())
    assert p.pickup.tolist() == pytest.approx((18.0 * e["e_pickup"]).tolist())
    assert p.closed_form.tolist() == [False, False, False, True, True, False, False, False]
    assert p.released.tolist() == pytest.approx([NAN, NAN, NAN, p.checked_out[3], p.checked_out[4], NAN, NAN, NAN],
                                                nan_ok=True)


def test_aquatic_certificates_for_transshipped_reefers(case):
    """30 % of transshipped reefers carry aquatic entrepot cargo needing certificates (72 h mean)."""
    cfg, regime, e, p = case
    assert p.certificate.tolist() == [False] * 6 + [True, False]
    assert p.certificate_hours.tolist() == pytest.approx([0.0] * 6 + [72.0 * e["e_certificate"][6], 0.0])


def test_customs_own_working_time_per_declaration(case):
    """customs_work_hours (T3): acceptance (0.5 h mean) + document check (0.75 h import, 0.5 h
    export, yellow and red) + the customs inspection (import 0 scanned, 0.25 h mean). Not the
    query (imports 0 and 3 have one), duty, CIQ's visits (1, 2) or fumigation (2), nor any wait.
    Nothing declared at the port: NaN (domestic 5, transshipment 6, export 7 cleared before t = 0)."""
    cfg, regime, e, p = case
    acc, doc, insp = 0.5 * e["e_acceptance"], e["e_doc_check"], 0.25 * e["e_inspection"]
    expected = [acc[0] + 0.75 * doc[0] + insp[0], acc[1], acc[2] + 0.75 * doc[2], acc[3] + 0.5 * doc[3], acc[4],
                NAN, NAN, NAN]
    assert p.customs_work_hours.tolist() == pytest.approx(expected, nan_ok=True)
