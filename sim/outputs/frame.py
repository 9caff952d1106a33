"""A minimal column frame: named numpy columns, row selections taken lazily.

Why not pandas here: a full-year replication has millions of rows and ~60 columns;
every boolean selection of a DataFrame copies every column. KPIs read a handful of
columns of a handful of cohorts, so a selection here copies only the columns that
are actually read, once.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np


class Frame:
    def __init__(self, columns: Mapping[str, np.ndarray], rows: np.ndarray | None = None):
        self._columns = columns
        self._rows = rows
        self._cache: dict[str, np.ndarray] = {}

    @classmethod
    def of(cls, table) -> "Frame":
        """Wrap a Frame, a pandas DataFrame, a pyarrow Table or a sim.model.record.Columns (no copy
        for numeric columns)."""
        if isinstance(table, Frame):
            return table
        if hasattr(table, "column_names"):  # pyarrow.Table
            return cls({name: table.column(name).to_numpy() for name in table.column_names})
        if hasattr(table, "columns") and hasattr(table, "to_numpy"):  # pandas.DataFrame
            return cls({name: table[name].to_numpy() for name in table.columns})
        return cls({name: getattr(table, name) for name in table.names})  # record.Columns

    def __getitem__(self, name):
        """A column by name, or (like pandas) the rows where a boolean array is true."""
        if not isinstance(name, str):
            return self.select(np.asarray(name))
        col = self._cache.get(name)
        if col is None:
            base = self._columns[name]
            col = base if self._rows is None else base[self._rows]
            self._cache[name] = col
        return col

    def __contains__(self, name: str) -> bool:
        return name in self._columns

    def __len__(self) -> int:
        if self._rows is not None:
            return len(self._rows)
        return len(next(iter(self._columns.values()))) if self._columns else 0

    @property
    def names(self) -> list[str]:
        return list(self._columns)

    def to_pandas(self):
        """All columns of these rows as a DataFrame (for people and notebooks, not hot paths)."""
        import pandas as pd

        return pd.DataFrame({name: self[name] for name in self._columns})

    def select(self, mask: np.ndarray) -> "Frame":
        """Rows where mask is true (a boolean array over this frame's rows)."""
        picked = np.flatnonzero(mask)
        rows = picked if self._rows is None else self._rows[picked]
        return Frame(self._columns, rows)

    def chunks(self, rows: int):
        """Consecutive row blocks of at most `rows` rows, for KPIs whose temporaries would
        otherwise scale with the whole table (each block caches only its own columns)."""
        for start in range(0, len(self), rows):
            picked = np.arange(start, min(start + rows, len(self)))
            yield Frame(self._columns, picked if self._rows is None else self._rows[picked])

    @staticmethod
    def concat(*frames: "Frame") -> "Frame":
        """Rows of several selections of the same base table, in order."""
        base = frames[0]._columns
        if any(f._columns is not base for f in frames):
            raise ValueError("Frame.concat joins selections of one table only")
        rows = [f._rows if f._rows is not None else np.arange(len(f)) for f in frames]
        return Frame(base, np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64))
