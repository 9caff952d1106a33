"""Writing results so that an interrupted run never leaves a file that looks complete.

Every file is written under a temporary name in the same directory and renamed
into place (an atomic step on POSIX), so a reader sees the old file, the new
file, or none: never half of one.
"""
from __future__ import annotations

import json
import math
import os
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

PARQUET_COMPRESSION = "zstd"
ROW_GROUP_ROWS = 262_144
"""Rows per Parquet row group: bounds the memory of concatenating parts (one group at a time)."""


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


@contextmanager
def atomic_path(path: Path):
    """A temporary name to write a file under, renamed to `path` only if the block completes."""
    path = Path(path)
    tmp = _tmp(path)
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(path: Path, text: str) -> None:
    tmp = _tmp(path)
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """For outputs built in memory (a collected table as Parquet): the same temporary-then-rename step."""
    tmp = _tmp(Path(path))
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _json_safe(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None  # JSON has no NaN; null means "not defined for this run"
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    return obj


def atomic_write_json(path: Path, data) -> None:
    atomic_write_text(path, json.dumps(_json_safe(data), indent=2, allow_nan=False) + "\n")


def atomic_write_parquet(path: Path, part_files: list[Path]) -> None:
    """Concatenate Parquet parts into one file, one row group in memory at a time.
    A single part is already the whole file: it is moved into place, not re-encoded."""
    if len(part_files) == 1:
        os.replace(part_files[0], path)
        return
    tmp = _tmp(path)
    writer = None
    try:
        for part in part_files:
            source = pq.ParquetFile(part)
            if writer is None:
                writer = pq.ParquetWriter(tmp, source.schema_arrow, compression=PARQUET_COMPRESSION)
            for group in range(source.num_row_groups):  # one row group in memory at a time
                writer.write_table(source.read_row_group(group))
        if writer is None:
            raise ValueError(f"no parts to write into {path}")
        writer.close()
        writer = None
        os.replace(tmp, path)
    finally:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)


def write_part(path: Path, table: pa.Table) -> None:
    tmp = _tmp(path)
    try:
        pq.write_table(table, tmp, compression=PARQUET_COMPRESSION, row_group_size=ROW_GROUP_ROWS)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def unwritable_dir(path: Path) -> str | None:
    """Why a results directory cannot be created or written at `path`, as one line; None if it can.

    Checked before a run starts so that a read-only or mistyped location is one clear line, not
    a traceback from deep inside Hydra's or the writer's mkdir. Nothing is created: the nearest
    existing ancestor decides (a regular file there, or no write permission, or a read-only mount).
    """
    path = Path(path).absolute()
    existing = next(p for p in (path, *path.parents) if p.exists() or p.is_symlink())
    if not existing.is_dir():
        return f"{path}: cannot create the results directory: {existing} is not a directory"
    if os.access(existing, os.W_OK | os.X_OK):
        return None
    read_only = bool(os.statvfs(existing).f_flag & os.ST_RDONLY)
    return (f"{path}: cannot create the results directory: {existing} is not writable "
            f"({'read-only file system' if read_only else 'permission denied'})")


TABLE_FORMATS = (".csv", ".xlsx", ".parquet")
"""File types a results table can be exported to, by extension."""


def table_format(path: Path) -> str:
    """The extension of an export path, or ValueError naming the ones understood (before any writing)."""
    suffix = Path(path).suffix.lower()
    if suffix not in TABLE_FORMATS:
        raise ValueError(f"{path}: unknown table format {suffix or '(no extension)'!r}; "
                         f"use {', '.join(TABLE_FORMATS)}")
    return suffix


def atomic_write_table(path: Path, frame, about: dict | None = None) -> None:
    """A pandas table as CSV, Excel (openpyxl; `about` on a second sheet) or Parquet, chosen by the
    extension; written under a temporary name and renamed, so a reader never sees half a file."""
    import io

    path = Path(path)
    suffix = table_format(path)
    if suffix == ".csv":
        atomic_write_text(path, frame.to_csv(index=False))
    elif suffix == ".parquet":
        atomic_write_bytes(path, frame.to_parquet(index=False))
    else:
        import pandas as pd

        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name="table", index=False)
            if about:
                pd.DataFrame({"item": list(about), "value": [str(v) for v in about.values()]}).to_excel(
                    writer, sheet_name="about", index=False)
        atomic_write_bytes(path, buffer.getvalue())
