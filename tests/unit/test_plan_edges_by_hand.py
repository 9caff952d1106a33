"""The clearance plan at its edges: a draw exactly at a share, a box exactly a train's size, an
export gated in exactly at t = 0, the reform's joint inspection, a certificate of 0 hours.

`plan` sends a consignment down a branch when its uniform draw u in [0, 1) is below the share,
so P(branch) = share; a draw exactly at the share does not take it (and a draw at a channel's
cumulative threshold falls in the next channel). Each case below is worked out from the
configured shares of tests.conftest.SMALL.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim.domain import CargoClass, Channel, Direction, Mode, Station, Trade
from sim.model.demand import TRADERS_VARIATES, Calls, Consignments
from sim.model.plan import choose_mode, plan
from tests.conftest import SMALL, make_config

IMP, EXP, TX = Direction.IMPORT.code, Direction.EXPORT.code, Direction.TRANSSHIPMENT.code
GEN, REEF, WOOD = CargoClass.GENERAL.code, CargoClass.REEFER.code, CargoClass.WOOD.code
TRADERS_U = tuple(v for v in TRADERS_VARIATES if v.startswith("u_"))  # at 0.5: no original papers, no licence
U_NAMES = ("u_pre_arrival", "u_channel", "u_scan", "u_query", "u_mode", "u_transit", "u_quarantine", "u_joint",
           "u_fumigation", "u_aquatic", "u_inland_check", "u_inland_inspection")
E_NAMES = ("e_acceptance", "e_doc_check", "e_query", "e_inspection", "e_duty",
           "e_transit", "e_quarantine", "e_fumigation", "e_certificate", "e_inland_preparation",
           "e_inland_doc_check", "e_inland_inspection", "e_bonded_wait", "e_export_transit")


@pytest.fixture(scope="module")
def config():
    return make_config(*SMALL)


def consignments(cfg, rows: list[dict]) -> Consignments:
    """Foreign consignments on call 0; every draw 0.5 (the export-transit draw 1: none) and every
    unit-mean variate 1 unless a row says otherwise (row keys: direction, cargo_class, dest, teu, boxes, lead, service, u_*)."""
    names = list(cfg.port.destinations)
    n = len(rows)
    col = lambda key, default: np.array([r.get(key, default) for r in rows])
    return Consignments(
        call=col("call", 0), direction=col("direction", IMP), trade=col("trade", Trade.FOREIGN.code),
        cargo_class=col("cargo_class", GEN), boxes=col("boxes", 1), teu=col("teu", 1.0).astype(float),
        value_cny=np.full(n, 1e5), destination=np.array([names.index(r.get("dest", "dalian")) for r in rows]),
        connect_service=col("service", -1), discharge_rank=np.zeros(n), gate_in_lead=col("lead", 0.0).astype(float),
        destination_names=names,
        **{u: col(u, 0.5).astype(float) for u in U_NAMES + TRADERS_U}, **{e: np.ones(n) for e in E_NAMES},
        **{z: np.zeros(n) for z in TRADERS_VARIATES if z not in TRADERS_U},
        u_export_transit=col("u_export_transit", 1.0).astype(float),  # 1: no export transit even at share 1
    )


def calls(cfg, scheduled=(10.0, 300.0)) -> Calls:
    return Calls(service=np.zeros(2, int), terminal=np.zeros(2, int), scheduled=np.array(scheduled),
                 arrival=np.array(scheduled) + 2.0, import_boxes=np.array([5, 5]), export_boxes=np.array([5, 5]),
                 service_names=["s"], terminal_names=list(cfg.port.terminals)[:1])


def at_shares(step=0.0):
    """Rows whose draws sit at the pre-reform shares (step = 0) or just below them (step < 0)."""
    at = lambda share: np.nextafter(share, 0.0) if step < 0 else share
    return [
        # general import to Shenyang: rail 5 %, pre-arrival 10 %, red from 0.94, scan 30 %, query 40 %,
        # CIQ 2 %, transit by truck 50 %
        {"dest": "shenyang", "u_mode": at(0.05), "u_pre_arrival": at(0.1), "u_channel": 0.94, "u_scan": at(0.3),
         "u_query": at(0.4), "u_quarantine": at(0.02), "u_transit": at(0.5)},
        # wood import to the port city (no CIQ draw below 0.6): fumigation 30 %
        {"cargo_class": WOOD, "u_quarantine": 0.9, "u_fumigation": at(0.3), "u_channel": 0.1},
        # reefer import to Changchun by truck: CIQ (0.1 < 40 %), joint 0 % before the reform, transit
        # (0.1 < 50 %), inland document check 40 %, inland inspection 6 %
        {"cargo_class": REEF, "dest": "changchun", "u_mode": 0.9, "u_channel": 0.1, "u_quarantine": 0.1,
         "u_joint": 0.0, "u_transit": 0.1, "u_inland_check": at(0.4), "u_inland_inspection": at(0.06)},
        # transshipped reefer onto service 0: aquatic certificates 30 %
        {"direction": TX, "cargo_class": REEF, "service": 0, "u_aquatic": at(0.3)},
    ]


def test_a_draw_exactly_at_a_share_does_not_take_the_branch(config):
    p = plan(config, config.baseline, consignments(config, at_shares()), calls(config))
    assert p.mode[0] == Mode.TRUCK.code
    assert p.pre_arrival[0] == 0
    assert p.channel[0] == Channel.RED.code          # 0.94 is the first draw of the red channel
    assert p.station[0] == Station.PHYSICAL.code     # not scanned
    assert p.query[0] == 0.0
    assert not p.quarantine[0] and not p.transit[0]
    assert not p.fumigation[1]
    assert p.quarantine[2] and not p.joint[2]        # a zero share never joins, even for a draw of 0
    assert p.transit[2] and p.second_declaration[2]
    assert math.isnan(p.inland_doc_check_work[2]) and math.isnan(p.inland_inspection_work[2])
    assert not p.certificate[3]
    assert p.inspection_visits.tolist() == [1, 0, 1, 0]


def test_a_draw_just_below_each_share_takes_the_branch(config):
    """The same rows with every draw one float below its share: each branch is taken (so the test
    above reaches every decision)."""
    p = plan(config, config.baseline, consignments(config, at_shares(step=-1)), calls(config))
    assert p.mode[0] == Mode.RAIL.code
    assert p.pre_arrival[0] == 1
    assert p.station[0] == Station.SCAN.code
    assert p.query[0] == pytest.approx(config.baseline.query_response_hours_mean)
    assert p.quarantine[0] and p.transit[0]
    assert p.fumigation[1]
    assert not np.isnan(p.inland_doc_check_work[2]) and not np.isnan(p.inland_inspection_work[2])
    assert p.certificate[3]
    assert p.inspection_visits.tolist() == [2, 1, 1, 0]


def test_channel_draw_just_below_the_red_threshold_is_yellow(config):
    p = plan(config, config.baseline, consignments(config, [{"u_channel": np.nextafter(0.94, 0.0)},
                                                             {"u_channel": 0.6}]), calls(config))
    assert p.channel.tolist() == [Channel.YELLOW.code, Channel.YELLOW.code]


def test_imports_and_exports_each_have_their_own_query_share(config):
    """Query shares 40 % for imports and 10 % for exports: a checked import and a checked export
    (yellow) with the draw 0.2: the import is queried, the export is not."""
    regime = dataclasses.replace(config.baseline, query_share={"import": 0.4, "export": 0.1})
    rows = [{"u_channel": 0.7, "u_query": 0.2}, {"direction": EXP, "call": 1, "lead": 30.0,
                                                    "u_channel": 0.9, "u_query": 0.2}]
    p = plan(config, regime, consignments(config, rows), calls(config))
    assert p.channel.tolist() == [Channel.YELLOW.code, Channel.YELLOW.code]
    assert p.query.tolist() == [regime.query_response_hours_mean, 0.0]


def test_the_reform_joint_inspection_is_one_visit(config):
    """After the reform every CIQ inspection of a reefer is joint with customs (share 100 %): a red
    reefer inspected by CIQ visits one bay, not two; a green one, one; a red general box that CIQ
    does not inspect, one."""
    rows = [{"cargo_class": REEF, "u_channel": 0.99, "u_quarantine": 0.1},
            {"cargo_class": REEF, "u_channel": 0.1, "u_quarantine": 0.1},
            {"u_channel": 0.99, "u_quarantine": 0.9}]
    p = plan(config, config.regime, consignments(config, rows), calls(config))
    assert p.channel.tolist() == [Channel.RED.code, Channel.GREEN.code, Channel.RED.code]
    assert p.joint.tolist() == [True, True, False]
    assert p.inspection_visits.tolist() == [1, 1, 1]


def test_certificates_only_when_they_take_time(config):
    """A transshipped reefer with aquatic cargo (draw 0.1 < 30 %) needs certificates when the regime
    gives them a duration: half an hour counts; 0 hours means no certificate step."""
    rows = [{"direction": TX, "cargo_class": REEF, "service": 0, "u_aquatic": 0.1}]
    half = plan(config, dataclasses.replace(config.baseline, certificate_hours_mean=0.5),
                consignments(config, rows), calls(config))
    none = plan(config, dataclasses.replace(config.baseline, certificate_hours_mean=0.0),
                consignments(config, rows), calls(config))
    assert half.certificate.tolist() == [True] and half.certificate_hours.tolist() == [0.5]
    assert none.certificate.tolist() == [False] and none.certificate_hours.tolist() == [0.0]


def test_exports_gated_in_at_or_after_zero_are_cleared_in_the_run(config):
    """Call 0 scheduled at 0, call 1 at 300; exports by truck (0.05 h at the gate, no queue):
    lead 0.05 h on call 0 -> gate-in exactly at 0; lead 299.5 h on call 1 -> gate-in at 0.55; lead
    0.1 h on call 0 -> gate-in at -0.05, before the run (cleared before it, not declared in it)."""
    rows = [{"direction": EXP, "call": 0, "lead": 0.05}, {"direction": EXP, "call": 1, "lead": 299.5},
            {"direction": EXP, "call": 0, "lead": 0.1}]
    p = plan(config, config.baseline, consignments(config, rows), calls(config, scheduled=(0.0, 300.0)))
    assert p.gate_in.tolist() == pytest.approx([0.0, 0.55, -0.05])
    assert p.gate_in[0] == 0.0
    assert p.pre_run.tolist() == [False, False, True]
    assert not np.isnan(p.lodged[:2]).any() and np.isnan(p.lodged[2])


def test_rail_shares_are_per_destination(config):
    """General cargo by rail: Shenyang 5 %, Changchun 7 %, Harbin 8 %, Tongliao 7 %. Draw 0.06:
    truck to Shenyang, rail to Changchun; draw 0.075: rail to Harbin, truck to Tongliao."""
    rows = [{"dest": "shenyang", "u_mode": 0.06}, {"dest": "changchun", "u_mode": 0.06},
            {"dest": "harbin", "u_mode": 0.075}, {"dest": "tongliao", "u_mode": 0.075}]
    mode = choose_mode(config, config.baseline, consignments(config, rows))
    assert mode.tolist() == [Mode.TRUCK.code, Mode.RAIL.code, Mode.RAIL.code, Mode.TRUCK.code]


def test_a_consignment_exactly_a_trains_size_goes_by_rail(config):
    """Shenyang's trains carry 120 TEU: a 120-TEU consignment drawn for rail fits; 121 TEU goes by road."""
    rows = [{"dest": "shenyang", "u_mode": 0.0, "teu": 120.0}, {"dest": "shenyang", "u_mode": 0.0, "teu": 121.0}]
    mode = choose_mode(config, config.baseline, consignments(config, rows))
    assert mode.tolist() == [Mode.RAIL.code, Mode.TRUCK.code]


def test_exports_need_trains_to_the_port_and_imports_trains_from_it(config):
    """A destination with trains from the port (departures) but none to it (arrivals): its imports
    can go by rail, its exports cannot; with arrivals only, the other way round."""
    cfg = dataclasses.replace(config, port=dataclasses.replace(config.port, destinations={
        **config.port.destinations,
        "shenyang": dataclasses.replace(config.port.destinations["shenyang"], rail_arrivals=[]),
        "changchun": dataclasses.replace(config.port.destinations["changchun"], rail_departures=[]),
    }))
    rows = [{"dest": "shenyang", "u_mode": 0.0}, {"dest": "shenyang", "u_mode": 0.0, "direction": EXP},
            {"dest": "changchun", "u_mode": 0.0}, {"dest": "changchun", "u_mode": 0.0, "direction": EXP}]
    mode = choose_mode(cfg, cfg.baseline, consignments(cfg, rows))
    assert mode.tolist() == [Mode.RAIL.code, Mode.TRUCK.code, Mode.TRUCK.code, Mode.RAIL.code]


def test_plan_chooses_modes_by_cost_under_its_regime():
    """With demand.mode_choice=cost the plan's modes are the cost-based choice under the regime
    it is given (a reefer worth 100 000 CNY to Shenyang, general cargo to Changchun, the port city)."""
    cfg = make_config(*SMALL, "demand.mode_choice=cost")
    rows = [{"dest": "shenyang", "cargo_class": REEF}, {"dest": "changchun"}, {"dest": "dalian"}]
    for regime in (cfg.baseline, cfg.regime):
        p = plan(cfg, regime, consignments(cfg, rows), calls(cfg))
        assert p.mode.tolist() == choose_mode(cfg, regime, consignments(cfg, rows)).tolist()
        assert p.mode[2] == Mode.TRUCK.code


def test_customs_work_counts_the_joint_visit_only_when_customs_takes_part(config):
    """After the reform (every variate 1): a red reefer inspected jointly with CIQ counts the joint
    visit in full (the longer of the physical inspection and CIQ's); a green reefer that CIQ
    inspects at the joint bay counts acceptance only; a red general box scanned alone counts the scan."""
    r = config.regime
    rows = [{"cargo_class": REEF, "u_channel": 0.99, "u_quarantine": 0.1, "u_scan": 0.99},
            {"cargo_class": REEF, "u_channel": 0.1, "u_quarantine": 0.1},
            {"u_channel": 0.99, "u_quarantine": 0.9, "u_scan": 0.0}]
    p = plan(config, r, consignments(config, rows), calls(config))
    assert p.station.tolist() == [Station.PHYSICAL.code, Station.NONE.code, Station.SCAN.code]
    acc, doc = r.acceptance_hours_mean["import"], r.doc_check_hours_mean["import"]
    joint = max(r.inspection_hours_mean["physical"], r.quarantine.hours_mean)
    assert p.customs_work_hours.tolist() == pytest.approx(
        [acc + doc + joint, acc, acc + doc + r.inspection_hours_mean["scan"]])
