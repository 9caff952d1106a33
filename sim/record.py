"""Columnar milestone recorder: preallocated numpy columns written by index.

Why: the consignment count is known before the run (traffic is drawn up front),
so each milestone is one array and recording is a single item assignment in
the event loop: no per-event objects, no pandas, no logging.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from sim.model.cargo import (ATTRIBUTES_FLOAT, ATTRIBUTES_INT, CALL_COLUMNS_FLOAT, CALL_COLUMNS_INT,
                             MILESTONES)

NOT_APPLICABLE = -1


class Columns:
    """Named numpy columns of equal length (floats start as NaN, ints as -1)."""

    def __init__(self, n: int, int_names, float_names):
        self.n = n
        self.names = tuple(int_names) + tuple(float_names)
        for name in int_names:
            setattr(self, name, np.full(n, NOT_APPLICABLE, dtype=np.int32))  # codes, counts, ids < 2**31
        for name in float_names:
            setattr(self, name, np.full(n, np.nan))

    def to_arrow(self, **constant_columns) -> pa.Table:
        data = {name: getattr(self, name) for name in self.names}
        for name, value in constant_columns.items():
            data[name] = np.full(self.n, value, dtype=np.int32)
        return pa.table(data)


def consignment_columns(n: int) -> Columns:
    return Columns(n, ATTRIBUTES_INT, ATTRIBUTES_FLOAT + MILESTONES)


def call_columns(n: int) -> Columns:
    return Columns(n, CALL_COLUMNS_INT, CALL_COLUMNS_FLOAT)
