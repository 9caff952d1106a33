"""Domain vocabulary: the enums every part of the model shares, and the record layout.

Enums are stored in the tables as small integers (their `code`), so a row is
flat numbers; `decode()` turns a column back into names for people.
"""
from __future__ import annotations

from enum import Enum


class _Coded(Enum):
    """An enum whose members carry a stable integer code for columnar storage."""

    @property
    def code(self) -> int:
        return _CODES[self]

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
    """Collected at the terminal gate after release."""
    RAIL = "rail"
    """Leaves on the next scheduled train to the destination after release."""
    VESSEL = "vessel"
    """Export: leaves on the vessel it is loaded onto."""


class Station(_Coded):
    NONE = "none"
    """No inspection."""
    SCAN = "scan"
    """Non-intrusive X-ray scan."""
    PHYSICAL = "physical"
    """Box opened and examined in an inspection bay."""


class Trade(_Coded):
    FOREIGN = "foreign"
    """International trade: declared to customs."""
    DOMESTIC = "domestic"
    """Coastal (domestic) trade: handled at the quay, no customs."""


# Codes are positions in declaration order, looked up in a dict (hot paths use them).
_CODES = {member: i for cls in (Direction, CargoClass, Channel, Mode, Station, Trade) for i, member in enumerate(cls)}

# Milestone columns (hours from scenario start; NaN = did not happen / not yet).
# Import: vessel_arrival -> berthed -> in_yard; lodged -> accepted -> doc_check_start ->
#   doc_check_end -> inspection_ordered -> inspection_queued (box at the station) ->
#   inspection_start -> inspection_end -> duty_paid -> released -> out (truck gate-out or
#   train departure) -> inland_arrival.
# Export: gate_in -> lodged -> ... -> released -> loaded -> out (vessel departure).
# A step a consignment skips stays NaN; so does one that had not happened when the run ended.
MILESTONES = (
    "vessel_arrival", "berthed", "in_yard", "gate_in",
    "lodged", "accepted", "doc_check_start", "doc_check_end",
    "inspection_ordered", "inspection_queued", "inspection_start", "inspection_end", "duty_paid", "released",
    "loaded", "out", "inland_arrival",
)

# Attribute columns (integers or floats that do not change during the run).
ATTRIBUTES_INT = (
    "consignment_id", "call_id", "direction", "trade", "cargo_class", "channel",
    "station", "mode", "destination", "inland", "boxes", "pre_arrival", "rolled_calls",
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
