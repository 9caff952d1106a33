"""Two closed-form pieces of the model on hand-built inputs: reefer plugs in the yard (who asks,
when a plug frees, who never gets one) and a declaration's station visits (customs, the joint
"3 + 1" visit, separate CIQ and fumigation visits)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from sim.domain import CargoClass, Direction, Station
from sim.model.plan import ClearancePlan
from sim.model.record import consignment_columns
from sim.model.yard import plug_reefers

IMPORT, EXPORT = Direction.IMPORT.code, Direction.EXPORT.code
REEFER, GENERAL = CargoClass.REEFER.code, CargoClass.GENERAL.code
NAN = math.nan


def yard(rows, boxes=None):
    """rows: (direction, cargo class, in_yard, gate_in, loaded, out); one box each unless `boxes`."""
    rec = consignment_columns(len(rows))
    rec.boxes[:] = 1 if boxes is None else boxes
    for i, (d, c, in_yard, gate_in, loaded, out) in enumerate(rows):
        rec.direction[i], rec.cargo_class[i] = d, c
        rec.in_yard[i], rec.gate_in[i], rec.loaded[i], rec.out[i] = in_yard, gate_in, loaded, out
    return rec


def test_one_plug_passes_from_reefer_to_reefer_until_the_end_of_the_run():
    """One plug, run ends at 10. r2 (in the yard at 0, out at 0.5) first; r0 1-5; export r1 gated in
    at 2, plugged when r0 leaves (5), holds it until loaded at 8; r6 (6) gets it at 8 until 9; r7 at
    9.5 until it leaves at 10, the end; then r4 (9.99, still in the yard) gets it at 10 and r8
    (9.995) never does. Not asking: export r3 gated in before the run, r5 reaching the yard at
    the end, and the general box g."""
    rec = yard([
        (IMPORT, REEFER, 1.0, NAN, NAN, 5.0),      # r0
        (EXPORT, REEFER, NAN, 2.0, 8.0, 9.0),      # r1: leaves when loaded, not when the vessel sails
        (IMPORT, REEFER, 0.0, NAN, NAN, 0.5),      # r2
        (EXPORT, REEFER, NAN, -3.0, 0.2, 0.3),     # r3: gated in before t = 0
        (IMPORT, REEFER, 9.99, NAN, NAN, NAN),     # r4
        (IMPORT, REEFER, 10.0, NAN, NAN, NAN),     # r5
        (IMPORT, REEFER, 6.0, NAN, NAN, 9.0),      # r6
        (IMPORT, REEFER, 9.5, NAN, NAN, 10.0),     # r7
        (IMPORT, REEFER, 9.995, NAN, NAN, NAN),    # r8
        (IMPORT, GENERAL, 0.5, NAN, NAN, 3.0),     # g
    ])
    plug_reefers(rec, 1, 10.0)
    expected = [1.0, 5.0, 0.0, NAN, 10.0, NAN, 8.0, 9.5, NAN, NAN]
    assert rec.plugged.tolist() == pytest.approx(expected, nan_ok=True)


def test_a_reefer_reaching_the_yard_at_the_end_asks_for_no_plug():
    rec = yard([(IMPORT, REEFER, 10.0, NAN, NAN, NAN), (IMPORT, REEFER, 9.0, NAN, NAN, 9.5)])
    plug_reefers(rec, 1, 10.0)
    assert math.isnan(rec.plugged[0]) and rec.plugged[1] == 9.0


def test_two_plugs_a_reefer_still_in_the_yard_keeps_its_plug():
    """Plugs 2: a (0, never leaves) and b (1, out 3) plugged at once; c (2) waits for b (3); d (4)
    waits for c, which never leaves either: no plug."""
    rec = yard([(IMPORT, REEFER, 0.0, NAN, NAN, NAN), (IMPORT, REEFER, 1.0, NAN, NAN, 3.0),
                (IMPORT, REEFER, 2.0, NAN, NAN, 50.0), (IMPORT, REEFER, 4.0, NAN, NAN, 5.0)])
    plug_reefers(rec, 2, 10.0)   # c leaves after the end: holds its plug to the end
    assert rec.plugged.tolist() == pytest.approx([0.0, 1.0, 3.0, NAN], nan_ok=True)


def test_a_plug_is_per_box_and_a_consignment_is_plugged_when_its_last_box_is():
    """Three plugs. a (2 boxes, 0 to 4) takes two; b (2 boxes at 1, out 6) gets one at 1 and its
    second when a leaves at 4: plugged at 4. c (1 box at 2, out 3) waits behind b's second box
    and leaves at 3 without one: NaN. Of the two plugs a frees at 4, b takes one; d (3 boxes at 5)
    takes the other at 5 and both of b's when b leaves at 6: plugged at 6."""
    rec = yard([(IMPORT, REEFER, 0.0, NAN, NAN, 4.0), (IMPORT, REEFER, 1.0, NAN, NAN, 6.0),
                (IMPORT, REEFER, 2.0, NAN, NAN, 3.0), (IMPORT, REEFER, 5.0, NAN, NAN, NAN)],
               boxes=[2, 2, 1, 3])
    plug_reefers(rec, 3, 10.0)
    assert rec.plugged.tolist() == pytest.approx([0.0, 4.0, NAN, 6.0], nan_ok=True)


# ------------------------------------------------------------------ station visits
def plan(station, customs_work, quarantine, joint, quarantine_work, fumigation, fumigation_work) -> ClearancePlan:
    fields = {name: None for name in ClearancePlan.__dataclass_fields__}
    fields.update(station=np.array(station, dtype=np.int8), customs_work=np.array(customs_work, dtype=float),
                  quarantine=np.array(quarantine, dtype=bool), joint=np.array(joint, dtype=bool),
                  quarantine_work=np.array(quarantine_work, dtype=float),
                  fumigation=np.array(fumigation, dtype=bool), fumigation_work=np.array(fumigation_work, dtype=float))
    return ClearancePlan(**fields)


SCAN, PHYSICAL, QUARANTINE, FUMIGATION, NONE = (Station.SCAN.code, Station.PHYSICAL.code, Station.QUARANTINE.code,
                                                Station.FUMIGATION.code, Station.NONE.code)


def test_visits_in_order_with_the_joint_visit_replacing_customs_and_ciq():
    """c0 scanned only; c1 physical and CIQ jointly: one visit at the physical bay lasting the
    longer (4 h); c2 CIQ jointly without a customs visit: the bay, CIQ's 0.5 h; c3 scanned, then CIQ
    separately, then fumigation; c4 marked joint but not inspected by CIQ: fumigation only; c5 none."""
    p = plan(station=[SCAN, PHYSICAL, NONE, SCAN, NONE, NONE],
             customs_work=[2.0, 4.0, NAN, 1.5, NAN, NAN],
             quarantine=[False, True, True, True, False, False],
             joint=[False, True, True, False, True, False],
             quarantine_work=[NAN, 3.0, 0.5, 2.5, NAN, NAN],
             fumigation=[False, False, False, True, True, False],
             fumigation_work=[NAN, NAN, NAN, 6.0, 7.0, NAN])
    visits = [[(code, work) for code, work, _ in p.visits(i)] for i in range(6)]
    assert visits == [
        [(SCAN, 2.0)],
        [(PHYSICAL, 4.0)],
        [(PHYSICAL, 0.5)],
        [(SCAN, 1.5), (QUARANTINE, 2.5), (FUMIGATION, 6.0)],
        [(FUMIGATION, 7.0)],
        [],
    ]
