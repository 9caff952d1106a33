"""Domain vocabulary: the enums every part of the model shares, and the record layout.

Enums are stored in the tables as small integers (their `code`), so a row is
flat numbers; `decode()` turns a column back into names for people.
"""
from __future__ import annotations

from enum import Enum


class _Coded(Enum):
    """An enum whose members carry a stable integer code for columnar storage."""

    def __init__(self, _value: str):
        # The code is the position in declaration order, a plain attribute since hot paths read it.
        self.code: int = len(type(self).__members__)

    @classmethod
    def from_code(cls, code: int):
        return list(cls)[code]

    @classmethod
    def names(cls) -> list[str]:
        return [m.value for m in cls]


class Direction(_Coded):
    IMPORT = "import"
    """Discharged from a vessel, cleared, then removed by truck or rail."""
    EXPORT = "export"
    """Gated in, cleared, then loaded onto a vessel before its cut-off."""
    TRANSSHIPMENT = "transshipment"
    """Discharged from one vessel and, under customs transit supervision, loaded onto another
    vessel or a land-bridge train; never released into China."""


class CargoClass(_Coded):
    GENERAL = "general"
    """Dry general cargo: customs only."""
    REEFER = "reefer"
    """Refrigerated (fruit, meat, aquatic products): quarantine-relevant, perishable."""
    WOOD = "wood"
    """Timber and wood products: quarantine-relevant (fumigation)."""


class Channel(_Coded):
    GREEN = "green"
    """Released on risk assessment alone, no officer check."""
    YELLOW = "yellow"
    """Document check by a customs officer."""
    RED = "red"
    """Document check, then scan or physical inspection."""


class Mode(_Coded):
    TRUCK = "truck"
    """Import: collected at the out-gate after release. Export: arrives by truck at the in-gate."""
    RAIL = "rail"
    """Import: leaves on the next train with room to its destination. Export: arrives by train."""
    VESSEL = "vessel"
    """Transshipment: leaves on the connecting vessel."""


class Station(_Coded):
    NONE = "none"
    """No inspection."""
    SCAN = "scan"
    """Non-intrusive X-ray scan."""
    PHYSICAL = "physical"
    """Box opened and examined in an inspection bay."""
    QUARANTINE = "quarantine"
    """CIQ quarantine inspection, in its own area (before the joint "3 + 1" model)."""
    FUMIGATION = "fumigation"
    """Fumigation of timber."""


class Trade(_Coded):
    FOREIGN = "foreign"
    """International trade: declared to customs."""
    DOMESTIC = "domestic"
    """Coastal (domestic) trade: handled at the quay, no customs."""


# Milestone columns (hours from scenario start; NaN = did not happen / not yet).
# Import: vessel_arrival -> berthed -> in_yard (-> plugged, reefers); lodged -> accepted ->
#   doc_check_start -> doc_check_end -> inspection_ordered -> inspection_queued (box at the
#   station) -> inspection_start -> inspection_end (customs, or the joint visit) ->
#   quarantine_start -> quarantine_end (separate CIQ visit, fumigation) -> duty_paid ->
#   released (customs release at the port; for a transit box, the transit release) ->
#   transit_ready (transit formalities done) -> out (gate-out or train departure) ->
#   inland_arrival -> inland_lodged -> inland_released (second declaration, transit only) ->
#   delivered (at the consignee's door).
# Export: gate_arrival -> gate_in -> lodged -> ... -> released -> loaded -> out (vessel departure).
# Transshipment: vessel_arrival -> berthed -> in_yard -> released (under transit supervision)
#   -> loaded -> out (connecting vessel departs or land-bridge train leaves).
# A step a consignment skips stays NaN; so does one that had not happened when the run ended.
MILESTONES = (
    "vessel_arrival", "berthed", "in_yard", "gate_arrival", "gate_in", "plugged",
    "lodged", "accepted", "doc_check_start", "doc_check_end",
    "inspection_ordered", "inspection_queued", "inspection_start", "inspection_end",
    "quarantine_start", "quarantine_end", "duty_paid", "released", "transit_ready",
    "loaded", "out", "inland_arrival", "inland_lodged", "inland_released", "delivered",
)

# Attribute columns (integers or floats that do not change during the run).
ATTRIBUTES_INT = (  # int32: ids, counts, and the codes demand draws
    "consignment_id", "call_id", "direction", "trade", "cargo_class", "destination", "boxes",
    "rolled_calls", "connect_call_id",
)
ATTRIBUTES_CODE = (  # int8: codes, flags and small counts the regime decides
    "channel", "station", "mode", "inland", "pre_arrival", "transit", "transit_formalities",
    "declarations", "quarantine", "joint_inspection", "fumigation", "certificate",
)
ATTRIBUTES_FLOAT = ("teu", "value_cny", "distance_km")

# Vessel-call columns: one row per call.
CALL_COLUMNS_INT = ("call_id", "service", "terminal", "import_boxes", "export_boxes", "loaded_boxes")
CALL_TIMES = ("arrival", "berthed", "discharge_end", "departed")
CALL_COLUMNS_FLOAT = ("scheduled",) + CALL_TIMES + ("import_teu", "loaded_teu")

ENUM_COLUMNS = {
    "direction": Direction, "trade": Trade, "cargo_class": CargoClass,
    "channel": Channel, "station": Station, "mode": Mode,
}
