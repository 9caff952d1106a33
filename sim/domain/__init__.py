"""Shared vocabulary, below every other layer: codes, column lists, the working calendar.

Import names from here (`from sim.domain import Direction, MILESTONES`), so KPIs, costs
and figures learn a code without importing the model.
"""
from sim.domain.codes import DECLARED, CargoClass, Channel, Direction, Mode, Station, Trade
from sim.domain.columns import (ATTRIBUTES_CODE, ATTRIBUTES_FLOAT, ATTRIBUTES_INT, CALL_COLUMNS_FLOAT, CALL_COLUMNS_INT,
                                CALL_TIMES, MILESTONES, SNAPSHOT_BOX, SNAPSHOT_FLAG)

__all__ = [
    "DECLARED", "CargoClass", "Channel", "Direction", "Mode", "Station", "Trade",
    "ATTRIBUTES_CODE", "ATTRIBUTES_FLOAT", "ATTRIBUTES_INT", "CALL_COLUMNS_FLOAT", "CALL_COLUMNS_INT", "CALL_TIMES",
    "MILESTONES", "SNAPSHOT_BOX", "SNAPSHOT_FLAG",
]
