"""Open a stored run directory: config, tables and KPIs, without re-simulating.

Why a loader: notebooks, figures and the report all read the same files, and every
one of them must fail the same way on a broken directory (one line naming the file
and the problem). Tables are read lazily and column by column, because a full-scale
run's `consignments.parquet` has millions of rows and most figures need a handful
of its columns.
"""
from __future__ import annotations

import json
import math
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim.domain.sides import PAIRED, SIDE_ORDER, Side, main_side
from sim.domain.units import HOURS_PER_DAY
from sim.outputs.frame import Frame
from sim.outputs.kpi import Window

REGIMES_FILE = "regimes.json"
"""side -> {regime, changed}: where each side's regime departs from the file it is named after
(written at run time by sim.cli.published; absent in runs made without the command line)."""


class RunDirError(Exception):
    """A run directory (or one of its files) that cannot be read; `path` names the culprit."""

    def __init__(self, path: Path | str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise RunDirError(path, f"not valid JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise RunDirError(path, f"cannot read: {getattr(e, 'strerror', None) or e}") from None
    if not isinstance(data, dict):
        raise RunDirError(path, "expected a JSON object of KPIs")
    return data


def _parquet(path: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as e:
        raise RunDirError(path, f"not a readable Parquet file ({' '.join(str(e).split())})") from None


INITIAL_STATE_FILE = "initial_state.json"
"""A warm start's snapshot moment (model hours) and where it came from."""


class Run:
    """One run directory. `comparison` (compare runs) or `kpis` per side, `config` as a dict,
    and the tables: `consignments` / `calls` (pandas, whole) or `frame(columns)` (numpy, lazy)."""

    def __init__(self, path: Path, config: dict, kpis: dict[str, dict], comparison: dict | None):
        self.path = path
        self.config = config
        self.kpis = kpis
        self.comparison = comparison
        self._columns: dict[str, np.ndarray] = {}

    # ---------------------------------------------------------------- scenario
    @property
    def kind(self) -> str:
        return "compare" if self.comparison is not None else "single"  # experiment kinds, not sides

    @property
    def sides(self) -> list[Side]:
        return [s for s in SIDE_ORDER if s in self.kpis]

    @property
    def regime_names(self) -> dict[str, str]:
        """side -> regime name (the 'after' side is the regime under study)."""
        return {s: str(self.config.get(s.config_key, {}).get("name", s)) for s in self.sides}

    @cached_property
    def regime_changes(self) -> dict | None:
        """side -> {regime key: [published, this run]} (None for a side or a run where it is not
        known): from regimes.json, else from run.json's command-line overrides of a regime."""
        path = self.path / REGIMES_FILE
        if path.is_file():
            try:
                return {side: entry.get("changed") for side, entry in json.loads(path.read_text()).items()}
            except (OSError, ValueError, AttributeError):
                return None
        try:
            overrides = json.loads((self.path / "run.json").read_text()).get("overrides") or []
        except (OSError, ValueError, AttributeError):
            return None
        pairs = [o.lstrip("+~").split("=", 1) + [None] for o in overrides]
        out = {}
        for side, name in self.regime_names.items():
            prefix, group = f"{side.config_key}.", "regime@baseline" if side == Side.BEFORE else "regime"
            changed = {k[len(prefix):]: [None, v] for k, v, *_ in pairs if k.startswith(prefix)}
            chosen = [v for k, v, *_ in pairs if k == group and v != name]
            if chosen:  # a file that calls itself by another regime's name: what it changes is not known here
                out[str(side)] = None
            else:
                out[str(side)] = changed
        return out

    @cached_property
    def initial_state(self) -> dict | None:
        """A warm start's initial_state.json (source, start_hours, boxes, vessels); None for a run from an empty port."""
        marker = self.path / INITIAL_STATE_FILE
        return json.loads(marker.read_text()) if marker.is_file() else None

    @property
    def window(self) -> Window:
        """The KPI window: from hour 0, or from the moment of a warm start's snapshot (initial_state.json)."""
        r = self.config.get("run", {})
        start = float(self.initial_state["start_hours"]) if self.initial_state else 0.0
        horizon = start + float(r["horizon_days"]) * HOURS_PER_DAY
        return Window(start + float(r["warmup_days"]) * HOURS_PER_DAY, horizon,
                      horizon + float(r.get("drain_days", 0.0)) * HOURS_PER_DAY, start)

    @property
    def replications(self) -> int:
        return int(self.config.get("run", {}).get("replications", 1))

    def regime_config(self, side: str) -> dict:
        return self.config.get(Side(side).config_key, {})

    # ---------------------------------------------------------------- tables
    @property
    def has_table(self) -> bool:
        return (self.path / "consignments.parquet").is_file()

    @cached_property
    def stored_table(self) -> str:
        """What the run kept of its consignment table: full, sample or none (output.consignments).

        From run.json; a run without one (or from before the choice) by its config, else by the file."""
        try:
            stored = json.loads((self.path / "run.json").read_text()).get("consignments")
        except (OSError, ValueError, AttributeError):
            stored = None
        if stored not in ("full", "sample", "none"):
            stored = (self.config.get("output") or {}).get("consignments")
        if stored not in ("full", "sample", "none"):
            stored = "full" if self.has_table else "none"
        return stored if self.has_table else "none"

    @property
    def sample_share(self) -> float:
        """The share of consignments its table holds (1 for a full table)."""
        if self.stored_table != "sample":
            return 1.0
        return float((self.config.get("output") or {}).get("sample_share", 1.0))

    def describe_table(self) -> str:
        """One line for people: what the run kept of its consignment table."""
        if self.stored_table == "full":
            return "full: every consignment of every replication (consignments.parquet)"
        if self.stored_table == "sample":
            return (f"sample: {self.sample_share:.0%} of the consignments of each replication, the same ones on "
                    "every side (output.consignments=sample); figures of distributions use it, figures of counts "
                    "are left out")
        why = "run.summary_only=true" if (self.config.get("run") or {}).get("summary_only") else "output.consignments=none"
        return f"none: no consignment table was kept ({why}); the KPIs were computed during the run"

    def _file(self, name: str) -> pq.ParquetFile:
        path = self.path / name
        if not path.is_file():
            raise RunDirError(path, "missing (the run was made with output.consignments=none?)")
        return _parquet(path)

    def _read(self, name: str, columns=None) -> pa.Table:
        path = self.path / name
        try:
            return self._file(name).read(columns=columns)
        except (OSError, pa.ArrowException) as e:
            raise RunDirError(path, f"not a readable Parquet file ({' '.join(str(e).split())})") from None

    @cached_property
    def table_columns(self) -> frozenset[str]:
        """The consignment table's column names (a run stored by an older version may lack some)."""
        return frozenset(self._file("consignments.parquet").schema_arrow.names)

    @cached_property
    def consignments(self) -> pd.DataFrame:
        """Every column of every consignment (fine for small runs; use `frame` for big ones)."""
        return self._read("consignments.parquet").to_pandas()

    @cached_property
    def calls(self) -> pd.DataFrame:
        return self._read("calls.parquet").to_pandas()

    @cached_property
    def call_frame(self) -> Frame:
        return Frame(_numpy_columns(self._read("calls.parquet")))

    def frame(self, columns) -> Frame:
        """The consignment table restricted to `columns` (plus `side`, `replication`), read once each."""
        wanted = list(dict.fromkeys([*columns, "side", "replication"]))
        missing = [c for c in wanted if c not in self._columns]
        if missing:
            schema = self._file("consignments.parquet").schema_arrow
            absent = [c for c in missing if c not in schema.names]
            if absent:
                raise RunDirError(self.path / "consignments.parquet", f"no column {absent[0]!r}")
            self._columns.update(_numpy_columns(self._read("consignments.parquet", missing)))
        return Frame({c: self._columns[c] for c in wanted})

    # ---------------------------------------------------------------- names
    def names(self, group: str) -> list[str]:
        """Index -> name for coded columns: 'destination', 'terminal' or 'service'."""
        if group == "destination":
            return list(self.config.get("port", {}).get("destinations", {}))
        if group == "terminal":
            return list(self.config.get("port", {}).get("terminals", {}))
        if group == "service":
            return list(self.config.get("demand", {}).get("services", {})) + ["irregular"]
        raise KeyError(group)


def _numpy_columns(table: pa.Table) -> dict[str, np.ndarray]:
    """Numpy columns; dictionary (string) columns become object arrays of their values."""
    columns = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_dictionary(col.type):
            parts = [np.asarray(c.dictionary.to_pylist(), dtype=object)[c.indices.to_numpy(zero_copy_only=False)]
                     for c in col.chunks]
            columns[name] = np.concatenate(parts) if parts else np.zeros(0, dtype=object)
        else:
            columns[name] = col.to_numpy()
    return columns


def load_run(path) -> Run:
    """Open a finished run directory, or raise RunDirError naming the file and the problem."""
    path = Path(path)
    if not path.exists():
        raise RunDirError(path, "no such directory")
    if not path.is_dir():
        raise RunDirError(path, "not a directory")
    config_path = path / "config.yaml"
    comparison_path = path / "comparison.json"
    kpis_path = path / "kpis.json"
    if not (comparison_path.is_file() or kpis_path.is_file()):
        raise RunDirError(path, "no results here (neither comparison.json nor kpis.json): not a finished run directory")
    if not config_path.is_file():
        raise RunDirError(config_path, "missing: the run directory has results but no resolved config")
    try:
        config = yaml.safe_load(config_path.read_text())
    except (yaml.YAMLError, OSError, UnicodeDecodeError) as e:
        raise RunDirError(config_path, f"not valid YAML ({' '.join(str(e).split())[:200]})") from None
    if not isinstance(config, dict) or not isinstance(config.get("run"), dict):
        raise RunDirError(config_path, "not a resolved portclear config (no 'run' section)")
    for key in ("horizon_days", "warmup_days"):
        if not isinstance(config["run"].get(key), (int, float)):
            raise RunDirError(config_path, f"run.{key} is missing or not a number")
    comparison = None
    if comparison_path.is_file():
        comparison = _read_json(comparison_path)
        kpis = {side: {k: v[side] for k, v in comparison.items() if isinstance(v, dict) and side in v}
                for side in PAIRED}
        if not all(kpis.values()):
            raise RunDirError(comparison_path, "no 'before'/'after' entries: not a comparison")
    else:
        kpis = {Side.SINGLE: _read_json(kpis_path)}
    for name in ("consignments.parquet", "calls.parquet"):
        if (path / name).is_file():
            _parquet(path / name)  # fail now, not half-way through a report
    return Run(path, config, kpis, comparison)


def sweep_table(runs, kpis=None, side: str | None = None) -> pd.DataFrame:
    """One row per (run, KPI): the run's factor values, then `mean`, `ci_low`, `ci_high`, `n`.

    `runs`: (factors dict, run directory or Run) pairs. `side`: which side's KPIs (default:
    'after' of a comparison, the only one of a single run).
    """
    rows = []
    for factors, run in runs:
        run = run if isinstance(run, Run) else load_run(run)
        values = run.kpis[side or main_side(run.sides)]
        for name in kpis or values:
            k = values.get(name)
            if isinstance(k, dict):
                rows.append({**factors, "kpi": name, **{s: math.nan if k.get(s) is None else float(k.get(s)) for s in ("mean", "ci_low", "ci_high")},
                             "n": k.get("n"), "run_dir": str(run.path)})
    return pd.DataFrame(rows)


def sweep_replications(runs, kpis=None, side: str | None = None) -> pd.DataFrame:
    """One row per (run, KPI, replication): the run's factor values, `kpi`, `replication`, `value`,
    `seed`, `as_configured` (the side's regime as published: regimes.json records no change) and
    `run_dir`; the input of `sim.outputs.sweeps.paired_sweep`. `runs` and `side` as `sweep_table`."""
    frames = []
    for factors, run in runs:
        run = run if isinstance(run, Run) else load_run(run)
        which = side or main_side(run.sides)
        path = run.path / "replications.csv"
        try:
            table = pd.read_csv(path)
        except (OSError, ValueError) as e:
            raise RunDirError(path, f"cannot read the replications ({' '.join(str(e).split())[:200]})") from None
        table = table[table["side"].astype(str) == str(which)]
        if kpis is not None:
            table = table[table["kpi"].isin(list(kpis))]
        changes = run.regime_changes
        configured = changes is not None and changes.get(str(which)) == {}
        frames.append(table.drop(columns="side").assign(
            **factors, seed=run.config.get("run", {}).get("seed"), as_configured=configured, run_dir=str(run.path)))
    if not frames:
        return pd.DataFrame(columns=["kpi", "replication", "value", "seed", "as_configured", "run_dir"])
    return pd.concat(frames, ignore_index=True)
