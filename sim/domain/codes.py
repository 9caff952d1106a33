"""Domain codes: the enums every layer shares (model, outputs, figures).

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


DECLARED = (Direction.IMPORT, Direction.EXPORT)
"""Directions that carry a customs declaration (transshipment moves under transit supervision)."""


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
