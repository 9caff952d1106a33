"""The clearance plan of eight hand-made consignments under the pre-reform regime.

`plan` turns regime-free variates into routes and durations: a uniform below a share takes that
branch, and a duration is the regime's mean times a unit-mean exponential. The variates here are
chosen to send each consignment down a known route, so every column is checked against the rule
it follows, row by row.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim.domain import CargoClass, Channel, Direction, Mode, Station, Trade
from sim.domain.calendar import WorkingCalendar
from sim.model.demand import TRADERS_VARIATES, Calls, Consignments
from sim.model.plan import plan
from tests.conftest import SMALL, make_config

IMP, EXP, TX = Direction.IMPORT.code, Direction.EXPORT.code, Direction.TRANSSHIPMENT.code
FOR, DOM = Trade.FOREIGN.code, Trade.DOMESTIC.code
GEN, REEF, WOOD = CargoClass.GENERAL.code, CargoClass.REEFER.code, CargoClass.WOOD.code
NAN = math.nan
N = 8


# Traders work round the clock with fixed times here (delivery order 3 h, broker 4 h, terminal
# release 2 h, truck booking 12 h), so lodging and pickup are simple sums; their calendars, tails
# and choices are tested in test_traders_by_hand.py.
ALWAYS = ("days=[0,1,2,3,4,5,6]", "open_hour=0", "close_hour=24")
TRADERS = (*(f"traders.calendar.{a}" for a in ALWAYS), *(f"traders.receiving_calendar.{a}" for a in ALWAYS),
           "traders.delivery_order.cv=0", "traders.broker.cv=0", "traders.terminal_release.cv=0",
           "traders.truck_booking.cv=0", "traders.original_documents_share=0", "traders.storage_user_share=0",
           "traders.licence_share=0", "traders.inspection_application.mean=0")


@pytest.fixture(scope="module")
def config():
    return make_config(*SMALL, *TRADERS)


@pytest.fixture(scope="module")
def case(config):
    """(config, regime, variates, plan). Calls: 0 scheduled at 10, arrives at 12; 1 at 300 / 301."""
    names = list(config.port.destinations)
    d = {n: names.index(n) for n in names}
    rng = np.random.default_rng(7)
    e = {name: rng.uniform(0.5, 1.5, N) for name in (
        "e_acceptance", "e_doc_check", "e_query", "e_inspection", "e_duty",
        "e_transit", "e_quarantine", "e_fumigation", "e_certificate", "e_inland_preparation",
        "e_inland_doc_check", "e_inland_inspection", "e_bonded_wait", "e_export_transit")}
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
        "u_export_transit":    [0.5] * N,
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
        **{k: np.full(N, 0.5 if k.startswith("u_") else 0.0) for k in TRADERS_VARIATES},
    )
    calls = Calls(service=np.array([0, 0]), terminal=np.array([0, 0]), scheduled=np.array([10.0, 300.0]),
                  arrival=np.array([12.0, 301.0]), import_boxes=np.array([5, 5]), export_boxes=np.array([5, 5]),
                  service_names=["s"], terminal_names=list(config.port.terminals)[:1])
    # Export transit is checked on its own (`export_case`): here the exporters declare at the port only.
    regime = dataclasses.replace(config.baseline, transit=dataclasses.replace(
        config.baseline.transit, export_share_truck=0.0, export_share_rail=0.0))
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
    """Imports lodge after the delivery order (3 h) and the broker (4 h) from arrival; the advance
    lodger (import 1) as soon as its papers are in hand, when its vessel sailed (7 days before
    arrival, an irregular call), so before t = 0: counted as 0. Exports: the broker starts when
    the box is ready at the shipper and lodges at gate-in at the earliest. Not declared: domestic,
    transshipment, exports cleared before the run. Channel: the uniform against the cumulative
    shares (general import .6/.94: 0.99 red; reefer green .3: 0.1 green; wood .3/.8: 0.5 yellow;
    general export .8/.98: 0.9 yellow, 0.01 green)."""
    cfg, regime, e, p = case
    expected = [12.0 + 3.0 + 4.0, 0.0, 301.0 + 3.0 + 4.0, max(270.15, p.origin_ready[3] + 4.0), max(266.0, p.origin_ready[4] + 4.0),
                NAN, NAN, NAN]
    assert p.lodged.tolist() == pytest.approx(expected, nan_ok=True)
    assert p.pre_arrival.tolist() == [0, 1, 0, 0, 0, 0, 0, 0]
    assert p.channel.tolist() == [Channel.RED.code, Channel.GREEN.code, Channel.YELLOW.code, Channel.YELLOW.code,
                                  Channel.GREEN.code, -1, -1, -1]
    acc_mean = np.where(np.array([d == IMP for d in (IMP, IMP, IMP, EXP, EXP, IMP, TX, EXP)]),
                        regime.acceptance_hours_mean["import"], regime.acceptance_hours_mean["export"])
    assert p.acceptance.tolist() == pytest.approx((acc_mean * e["e_acceptance"]).tolist())
    assert p.accepted.tolist() == pytest.approx((p.lodged + acc_mean * e["e_acceptance"]).tolist(), nan_ok=True)


def test_document_check_query_and_papers_done(case):
    """Yellow and red are checked: work 0.75 h (import) or 0.3 h (export) x the variate, on the
    officers' office hours (300 officers: nobody queues); a query (40 %) adds its response time
    (24 h mean). Papers are done when the check and any query are, or at acceptance when green."""
    cfg, regime, e, p = case
    cal = WorkingCalendar.from_config(regime.officer_calendar)
    checked = [0, 2, 3]
    work = {0: 0.75 * e["e_doc_check"][0], 2: 0.75 * e["e_doc_check"][2], 3: 0.3 * e["e_doc_check"][3]}
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
    ready, in_yard = np.array([100.0, 200.0]), np.array([90.0, 210.0])
    assert p.consignees.at_gate(np.array([1, 2]), ready, in_yard).tolist() == pytest.approx([114.0, 214.0])
    # Only transit by road waits for a bonded carrier (12 h mean): import 2, not the rail import 0.
    assert p.bonded_wait.tolist() == pytest.approx([0.0, 0.0, 12.0 * e["e_bonded_wait"][2]] + [0.0] * 5)
    assert p.inland_inspection.tolist() == [False, False, True] + [False] * 5
    assert p.closed_form.tolist() == [False, False, False, True, True, False, False, False]
    assert p.released.tolist() == pytest.approx([NAN, NAN, NAN, p.checked_out[3], p.checked_out[4], NAN, NAN, NAN],
                                                nan_ok=True)


def test_aquatic_certificates_for_transshipped_reefers(case):
    """30 % of transshipped reefers carry aquatic entrepot cargo needing certificates (72 h mean)."""
    cfg, regime, e, p = case
    assert p.certificate.tolist() == [False] * 6 + [True, False]
    assert p.certificate_hours.tolist() == pytest.approx([0.0] * 6 + [72.0 * e["e_certificate"][6], 0.0])


@pytest.fixture(scope="module")
def export_case(config):
    """Three foreign general exports from Shenyang under the pre-reform regime (export transit: half
    of truck exports, every rail export), booked on a call scheduled at 300 with gate-in leads of 40 h."""
    names = list(config.port.destinations)
    n = 3
    ones = np.ones(n)
    cons = Consignments(
        call=np.zeros(n, dtype=int), direction=np.full(n, EXP), trade=np.full(n, FOR), cargo_class=np.full(n, GEN),
        boxes=np.ones(n, dtype=int), teu=ones.copy(), value_cny=np.full(n, 1e5),
        destination=np.full(n, names.index("shenyang")), connect_service=np.full(n, -1), discharge_rank=np.zeros(n),
        gate_in_lead=np.full(n, 40.0), destination_names=names,
        #                0 truck, transit  1 truck, not  2 rail, transit
        u_mode=np.array([0.9, 0.9, 0.01]), u_export_transit=np.array([0.2, 0.7, 0.99]),
        e_export_transit=np.array([0.5, 1.0, 1.0]), e_bonded_wait=np.array([0.25, 2.0, 2.0]),
        **{k: np.full(n, 0.5) for k in (
            "u_pre_arrival", "u_channel", "u_scan", "u_query", "u_transit", "u_quarantine", "u_joint", "u_fumigation",
            "u_aquatic", "u_inland_check", "u_inland_inspection")},
        **{k: ones.copy() for k in (
            "e_acceptance", "e_doc_check", "e_query", "e_inspection", "e_duty",
            "e_transit", "e_quarantine", "e_fumigation", "e_certificate", "e_inland_preparation",
            "e_inland_doc_check", "e_inland_inspection")},
        **{k: np.full(n, 0.5 if k.startswith("u_") else 0.0) for k in TRADERS_VARIATES},
    )
    calls = Calls(service=np.array([0]), terminal=np.array([0]), scheduled=np.array([300.0]),
                  arrival=np.array([300.0]), import_boxes=np.array([0]), export_boxes=np.array([3]),
                  service_names=["s"], terminal_names=list(config.port.terminals)[:1])
    return plan(config, config.baseline, cons, calls)


def test_export_transit_holds_the_box_at_its_inland_origin(export_case):
    """Each exporter aims to reach the port at 300 - 40 = 260: by truck (6 h from Shenyang) it would
    leave at 254. Export 0 is under transit, so its box is ready 48 h earlier, at 206 (Tuesday 14:00 of
    week 2): 6 h x 0.5 = 3 h of formalities on the inland office hours (8:30-17:00) end at 209, then
    12 h x 0.25 = 3 h waiting for a bonded truck: it leaves at 212 and reaches the port at 218, in the
    gate 0.05 h later. Export 1 (0.7 > 0.5) is ready at 254 and at the port at 260. Export 2 by rail
    (12 h) under transit (share 1) is ready at 248 - 48 = 200 (Tuesday 8:00): 6 h from the office's
    opening at 200.5 to 206.5, too late for the train leaving Shenyang at 206 (cut-off 4 h before), so
    on the next (hour 50 of week 2 = 218), at the port at 230; no bonded truck by rail. Both transit
    exports are declared twice."""
    p = export_case
    assert p.origin_ready.tolist() == pytest.approx([206.0, 254.0, 200.0])
    assert p.gate_arrival.tolist() == pytest.approx([218.0, 260.0, 230.0])
    assert p.gate_in.tolist() == pytest.approx([218.05, 260.05, 230.0])
    assert p.export_transit.tolist() == [True, False, True]
    assert p.export_transit_work.tolist() == pytest.approx([3.0, 0.0, 6.0])
    assert p.declarations.tolist() == [2, 1, 2]
    assert not p.transit.any()  # the import transit flag; the record ORs the two
    assert p.bonded_wait.tolist() == [0.0, 0.0, 0.0]  # the export's wait is applied before it leaves


def test_customs_own_working_time_per_declaration(case):
    """customs_work_hours (T3): acceptance (per direction) + document check (per direction,
    yellow and red) + the customs inspection (import 0 scanned, 0.25 h mean). Not the
    query (imports 0 and 3 have one), duty, CIQ's visits (1, 2) or fumigation (2), nor any wait.
    Nothing declared at the port: NaN (domestic 5, transshipment 6, export 7 cleared before t = 0)."""
    cfg, regime, e, p = case
    ai, ae = regime.acceptance_hours_mean["import"], regime.acceptance_hours_mean["export"]
    di, de = regime.doc_check_hours_mean["import"], regime.doc_check_hours_mean["export"]
    acc, doc, insp = e["e_acceptance"], e["e_doc_check"], 0.25 * e["e_inspection"]
    expected = [ai * acc[0] + di * doc[0] + insp[0], ai * acc[1], ai * acc[2] + di * doc[2],
                ae * acc[3] + de * doc[3], ae * acc[4], NAN, NAN, NAN]
    assert p.customs_work_hours.tolist() == pytest.approx(expected, nan_ok=True)
