"""A snapshot of a simulated run at a given hour, in the `run.initial_state` schema (sim.config.snapshot).

Why: to check a warm start against the run it was taken from (restarted with the same random
numbers, the new arrivals must see what they saw), and to let a planner start plan A and plan B
from a state the model itself produced. A pure function of one replication's tables.
"""
from __future__ import annotations

from datetime import timedelta

import numpy as np

from sim.domain import CargoClass, Channel, Direction, Mode, Station, Trade
from sim.domain.calendar import hour_zero

VESSEL_PREFIX, BOX_PREFIX = "V", "C"


def snapshot_rows(consignments, calls, t: float, destinations: list, services: list, terminals: list,
                  event_log_start: str) -> list[dict]:
    """Rows of the port at hour `t` of one replication (pandas frames of its tables): vessels arrived
    and not departed, import boxes in the yard and not gone, exports through the gate and not loaded.
    Transshipment boxes are left out (the schema has no status for them). Ids: V<call_id>, C<consignment_id>."""
    taken_at = (hour_zero(event_log_start) + timedelta(hours=float(t))).isoformat(timespec="seconds")
    c, k = consignments, calls
    rows = []
    here = (k["arrival"] <= t) & ~(k["departed"] <= t)
    docked = {}
    service_of = dict(zip(k["call_id"].tolist(), k["service"].tolist()))
    for _, v in k[here].iterrows():
        j = int(v["call_id"])
        on = c[c["call_id"] == j]
        arriving = on[on["direction"] != Direction.EXPORT.code]
        left = int(arriving.loc[~(arriving["in_yard"] <= t), "boxes"].sum())
        loading = c[((c["direction"] == Direction.EXPORT.code) & (c["call_id"] == j))
                    | ((c["direction"] == Direction.TRANSSHIPMENT.code) & (c["connect_call_id"] == j))]
        to_load = int(loading.loc[~(loading["loaded"] <= t), "boxes"].sum())
        berthed = v["berthed"] <= t
        docked[j] = f"{VESSEL_PREFIX}{j}"
        rows.append({"item": "vessel", "id": docked[j], "status": "at_berth" if berthed else "at_anchor",
                     "taken_at": taken_at, "hours_in_status": t - (v["berthed"] if berthed else v["arrival"]),
                     "terminal": terminals[int(v["terminal"])], "service": services[int(v["service"])],
                     "discharge_moves": left, "load_moves": to_load})
    imports = c[(c["direction"] == Direction.IMPORT.code) & (c["in_yard"] <= t) & ~(c["out"] <= t)]
    exports = c[(c["direction"] == Direction.EXPORT.code) & (c["gate_in"] <= t) & ~(c["loaded"] <= t)]
    for direction, frame, entered_col in ((Direction.IMPORT, imports, "in_yard"), (Direction.EXPORT, exports, "gate_in")):
        for r in frame.to_dict("records"):
            rows.append(_box(r, t, direction, r[entered_col], taken_at, destinations, services, service_of, docked))
    return rows


def _box(r, t, direction, entered, taken_at, destinations, services, service_of, docked) -> dict:
    status, since, station = _status(r, t, direction)
    row = {"item": "box", "id": f"{BOX_PREFIX}{int(r['consignment_id'])}", "status": status, "taken_at": taken_at,
           "hours_in_status": t - max(since, entered), "direction": direction.value, "hours_in_port": t - entered,
           "boxes": int(r["boxes"]), "teu": float(r["teu"]), "cargo_class": CargoClass.from_code(int(r["cargo_class"])).value,
           "destination": destinations[int(r["destination"])], "value_cny": float(r["value_cny"]),
           "trade": Trade.from_code(int(r["trade"])).value, "station": station,
           "mode": Mode.from_code(int(r["mode"])).value if int(r["mode"]) in (Mode.TRUCK.code, Mode.RAIL.code) else ""}
    if int(r["channel"]) >= 0:
        row["channel"] = Channel.from_code(int(r["channel"])).value
    if r["lodged"] <= t and status != "awaiting_declaration":
        row["lodged_hours_ago"] = max(t - r["lodged"], row["hours_in_status"])
    if direction is Direction.EXPORT:
        j = int(r["call_id"])
        if j in docked:
            row["vessel"] = docked[j]
        elif j >= 0:
            row["service"] = services[int(service_of[j])]
    return row


def _status(r, t, direction) -> tuple[str, float, str]:
    """(status, when it began, station) of a box in the port at t."""
    if r["released"] <= t or (r["trade"] == Trade.DOMESTIC.code):
        done = "released_awaiting_pickup" if direction is Direction.IMPORT else "released_awaiting_loading"
        return done, r["released"] if r["released"] <= t else r["in_yard" if direction is Direction.IMPORT else "gate_in"], ""
    if r["inspection_ordered"] <= t:
        return "at_inspection", r["inspection_ordered"], _station(r, t)
    if r["lodged"] <= t:
        return "lodged", r["lodged"], ""
    return "awaiting_declaration", -np.inf, ""


def _station(r, t) -> str:
    """The visit under way (or next) at t: the customs (or joint) one, then CIQ's, then fumigation."""
    if r["joint_inspection"] == 1 and not r["inspection_end"] <= t:
        return "joint"
    if r["station"] != Station.NONE.code and not r["inspection_end"] <= t:
        return Station.from_code(int(r["station"])).value
    if r["quarantine"] == 1 and not r["quarantine_end"] <= t and r["joint_inspection"] != 1:
        return Station.QUARANTINE.value
    if r["fumigation"] == 1:
        return Station.FUMIGATION.value
    return Station.QUARANTINE.value if r["quarantine"] == 1 else Station.PHYSICAL.value
