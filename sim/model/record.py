"""Columnar milestone recorder: preallocated numpy columns written by index.

Why: the consignment count is known before the run (traffic is drawn up front),
so each milestone is one array and recording is a single item assignment in
the event loop: no per-event objects, no pandas, no logging.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from sim.domain import (ATTRIBUTES_CODE, ATTRIBUTES_FLOAT, ATTRIBUTES_INT, CALL_COLUMNS_FLOAT, CALL_COLUMNS_INT,
                        MILESTONES)

NOT_APPLICABLE = -1


class Columns:
    """Named numpy columns of equal length (floats start as NaN, ints as -1).

    Ids and counts are int32 (< 2**31), small codes and flags int8: a full-year table has
    ~4 M rows, so every byte per row is 4 MB."""

    def __init__(self, n: int, int_names, float_names, code_names=(), shared=None, deferred=()):
        """`shared`: arrays to use as columns as they are (no copy), by name. `deferred`: float
        columns left unallocated (None) until `allocate_deferred`."""
        self.n = n
        self.names = tuple(int_names) + tuple(code_names) + tuple(float_names)
        self.deferred = tuple(deferred)
        shared = shared or {}
        for names, dtype, empty in ((int_names, np.int32, NOT_APPLICABLE), (code_names, np.int8, NOT_APPLICABLE),
                                    (float_names, np.float64, np.nan)):
            for name in names:
                column = shared.get(name)
                if name in self.deferred:
                    column = None
                elif column is None:
                    column = np.full(n, empty, dtype=dtype)
                elif column.dtype != dtype or len(column) != n:
                    raise ValueError(f"shared column {name}: {column.dtype}[{len(column)}], expected {np.dtype(dtype)}[{n}]")
                setattr(self, name, column)

    def allocate_deferred(self, names=None) -> None:
        """Allocate the deferred float columns (all NaN): `names` of them, or all."""
        for name in self.deferred if names is None else names:
            if getattr(self, name) is None:
                setattr(self, name, np.full(self.n, np.nan))

    def to_arrow(self, **constant_columns) -> pa.Table:
        data = {name: getattr(self, name) for name in self.names}
        for name, value in constant_columns.items():
            data[name] = np.full(self.n, value, dtype=np.int32)
        return pa.table(data)


def consignment_columns(n: int, shared=None, deferred=()) -> Columns:
    return Columns(n, ATTRIBUTES_INT, ATTRIBUTES_FLOAT + MILESTONES, ATTRIBUTES_CODE, shared, deferred)


def call_columns(n: int) -> Columns:
    return Columns(n, CALL_COLUMNS_INT, CALL_COLUMNS_FLOAT)
