"""What makes two runs the same: config hash, scenario-point hash, code version, run ids.

Why: re-running a sweep skips points whose results already exist, and the catalog
groups replication chunks of one scenario point. Both need a fingerprint that
covers everything that changes the numbers and nothing that does not (worker
count, catalog location, skip policy).
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import subprocess
from dataclasses import asdict
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import yaml

from sim.config import Config
from sim.config.locations import PACKAGE_DIR, REPO_DIR
from sim.config.snapshot import content_digest, resolve

HASH_CHARS = 16

EXECUTION_ONLY = ("workers", "skip_complete", "catalog")
"""run.* settings that change how a run executes, never its numbers."""
REPLICATION_RANGE = ("first_replication", "replications", "target_half_width", "precision_kpi", "max_replications")
"""run.* settings that choose which replications of a scenario point a run covers."""


def _digest(data) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_CHARS]


def _without(cfg: Config, run_keys) -> dict:
    data = asdict(cfg)
    data.pop("optimise", None)  # a study's objective, not the point: studies share their points
    for key in run_keys:
        data["run"].pop(key, None)
    if data["run"].get("initial_state"):  # a warm start's numbers follow its snapshot's content, not its path
        path = resolve(data["run"]["initial_state"])
        if path.is_file():
            data["run"]["initial_state"] = "sha256:" + content_digest(path)
    return data


def config_hash(cfg: Config) -> str:
    """Everything that determines this run's numbers, its replication range included."""
    return _digest(_without(cfg, EXECUTION_ONLY))


def point_hash(cfg: Config) -> str:
    """The scenario point: like config_hash without the replication range and what the run stores
    (`output`), so the chunks of one point (run.first_replication = 0, 4, ...) share it and can be pooled."""
    data = _without(cfg, EXECUTION_ONLY + REPLICATION_RANGE)
    data.pop("output", None)
    return _digest(data)


@lru_cache(maxsize=1)
def code_hash() -> str:
    """Hash of the simulation's source files: results from other code are never reused."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        h.update(str(path.relative_to(PACKAGE_DIR)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:HASH_CHARS]


@lru_cache(maxsize=1)
def code_version() -> str:
    """The git commit (with -dirty for uncommitted changes) if this is a checkout, else the package version.
    A wheel install never asks git: its site-packages may sit inside some unrelated repository."""
    if REPO_DIR is not None:
        try:
            out = subprocess.run(["git", "-C", str(REPO_DIR), "describe", "--always", "--dirty", "--abbrev=12"],
                                 capture_output=True, text=True, timeout=10)
            if out.returncode == 0 and out.stdout.strip():
                return f"git:{out.stdout.strip()}"
        except (OSError, subprocess.SubprocessError):
            pass
    try:
        from importlib.metadata import version

        return f"portclear {version('portclear')}"
    except Exception:  # noqa: BLE001 - not installed as a package
        return "unknown"


def new_run_id() -> str:
    """Sortable and unique across machines: UTC time plus random bits."""
    return f"{datetime.now(timezone.utc):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def host() -> str:
    return os.uname().nodename if hasattr(os, "uname") else "unknown"


# ------------------------------------------------------------------ pairing
PAIRING_FIELDS = ("scenario", "demand.scale", "demand", "port", "run.horizon_days", "run.warmup_days",
                  "run.drain_days", "run.seed", "run.summary_only", "code")
"""What must agree for replication r of two runs to draw the same random numbers and measure the
same window: the streams are seeded by (run.seed, replication, component) (sim/model/streams.py),
but what is drawn from them depends on the demand (how many calls and boxes), the port's berths,
destinations and handling factor, the horizon, the summary-only week blocks and the code. The
regime and the other port data are not drawn from: they may differ (that is the what-if)."""


def _normal(value):
    """Numbers as floats, so a config read back from YAML digests like the typed one (1 == 1.0)."""
    if isinstance(value, dict):
        return {str(k): _normal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normal(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def pairing_key(config: dict, code: str) -> dict:
    """The PAIRING_FIELDS of a resolved config (asdict(Config) or a run's config.yaml) and code hash."""
    run, demand, port = config.get("run", {}), dict(config.get("demand", {})), config.get("port", {})
    scale = demand.pop("scale", 1.0)
    drawn_port = {"terminals": {name: t.get("berths") for name, t in (port.get("terminals") or {}).items()},
                  "destinations": list(port.get("destinations") or {}),
                  "handling_erlang_k": port.get("handling_erlang_k", 0)}
    return {"scenario": (config.get("scenario") or {}).get("name"), "demand.scale": float(scale),
            "demand": _digest(_normal(demand)), "port": _digest(_normal(drawn_port)),
            "run.horizon_days": float(run.get("horizon_days", math.nan)),
            "run.warmup_days": float(run.get("warmup_days", math.nan)),
            "run.drain_days": float(run.get("drain_days", 0.0)), "run.seed": run.get("seed"),
            "run.summary_only": bool(run.get("summary_only", False)), "code": code}


PAIRING_WORDS = {"demand": "demand data (demand.* other than scale)",
                 "port": "port berths, destinations or handling factor (what the vessel and cargo draws read)",
                 "code": "code version"}


def pairing_differences(a: dict, b: dict) -> list[str]:
    """'what (a vs b)' for every pairing field that differs; empty when replication r pairs with r."""
    out = []
    for name in PAIRING_FIELDS:
        va, vb = a.get(name), b.get(name)
        if va != vb:
            words = PAIRING_WORDS.get(name, name)
            if name in ("demand", "port"):
                out.append(words)
            else:
                out.append(f"{words} ({'code hash ' if name == 'code' else ''}{_show(va)} vs {_show(vb)})")
    return out


def _show(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# ------------------------------------------------------------------ labels
LABEL_DROPPED = tuple(f"run.{k}" for k in EXECUTION_ONLY + REPLICATION_RANGE) + (
    "experiment", "experiment.report", "output.consignments", "output.sample_share", "output.event_log",
    "output.event_log_start", "sweep", "regime", "regime@baseline")
"""Overrides that never name what changed: how a run executes, which replications, which files it
writes, the sweep that launched it, and the regime choices (their names are the label's sides)."""
LABEL_ITEMS = 3
"""Config differences shown in a label before '+N more'."""


def label_key(key: str) -> str:
    """How a config key reads in a label: the regime under study's keys without `regime.`."""
    return key.lstrip("+~").removeprefix("regime.")


def _override_items(overrides) -> list[tuple[str, str]]:
    items = []
    for item in overrides or ():
        key, _, value = str(item).partition("=")
        key = key.lstrip("+~")
        if key.startswith(("hydra.", "hydra/")) or key in LABEL_DROPPED:
            continue
        items.append((key, " ".join(value.split())))
    return items


def _flat(data, prefix: str = "") -> dict:
    if not isinstance(data, dict):
        return {prefix: data}
    out = {}
    for key, value in data.items():
        out.update(_flat(value, f"{prefix}{key}."))
    return {k.rstrip("."): v for k, v in out.items()}


def _compact(items: list[str]) -> str:
    shown = items[:LABEL_ITEMS]
    more = len(items) - len(shown)
    return ", ".join(shown) + (f", +{more} more" if more > 0 else "")


def _value(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return " ".join(json.dumps(value, default=str).split()) if isinstance(value, (dict, list)) else str(value)


def regime_differences(config: dict) -> list[str]:
    """'key=value' (the regime under study's value) for every key where it differs from the baseline."""
    after, before = _flat(config.get("regime") or {}), _flat(config.get("baseline") or {})
    return sorted(f"{k}={_value(after.get(k))}" for k in after.keys() | before.keys()
                  if k not in ("name", "measures") and _normal(after.get(k)) != _normal(before.get(k)))


def side_names(sides: dict, overrides=(), config: dict | None = None) -> dict[str, str]:
    """side -> its regime's name plus what was changed on it: {'before': 'REGIME',
    'after': 'REGIME + officers=50'}. `regime.*` overrides change the regime under study,
    `baseline.*` the baseline; when both sides carry the same regime name and no override says
    what differs, the resolved `config` does (a regime file that keeps its parent's name)."""
    items = _override_items(overrides)
    changed = {"after": [f"{label_key(k)}={v}" for k, v in items if k.startswith("regime.")],
               "before": [f"{k.removeprefix('baseline.')}={v}" for k, v in items if k.startswith("baseline.")]}
    changed["single"] = changed["after"]
    if (sides.get("before") is not None and sides.get("before") == sides.get("after") and config is not None
            and not changed["after"] and not changed["before"]):
        changed["after"] = regime_differences(config)
    return {side: name + (f" + {_compact(changed[side])}" if changed.get(side) else "")
            for side, name in sides.items()}


def make_label(kind: str, sides: dict, overrides=(), config: dict | None = None) -> str:
    """A short name for a run by what changed: 'officers=50', 'no_paperless + officers=50',
    'BASE vs REGIME', 'REGIME vs REGIME + officers=50 (demand.scale=0.1)'.

    `sides`: side -> regime name; `overrides`: the command line's (or a sweep job's) overrides;
    `config`: the resolved config, used when both sides carry the same regime name, so that a
    what-if against its own regime says what differs (from the config, whatever set it).
    Settings that apply to both sides (demand.scale, run.horizon_days, ...) follow in brackets.
    """
    items = _override_items(overrides)
    common = [f"{k}={v}" for k, v in items if not k.startswith(("regime.", "baseline."))]
    if "before" in sides and "after" in sides:
        names = side_names(sides, overrides, config)
        return f"{names['before']} vs {names['after']}" + (f" ({_compact(common)})" if common else "")
    name = next(iter(sides.values()), "") if sides else ""
    changed = [f"{label_key(k)}={v}" for k, v in items if k.startswith("regime.")] + common
    if not changed:
        return name
    chose_regime = any(str(o).lstrip("+~").partition("=")[0] == "regime" for o in overrides or ())
    return (f"{name} + " if chose_regime else "") + _compact(changed)


def run_side_names(run) -> dict[str, str]:
    """side -> name for an opened run directory (sim.store.rundir.Run): its regime's name plus what
    was changed on that side (from run.json's overrides, else from its config)."""
    stored = _read_json(Path(run.path) / "run.json")
    return side_names({str(s): n for s, n in run.regime_names.items()}, stored.get("overrides", ()), run.config)


def run_label(run_or_record) -> str:
    """The label of a run: a RunRecord, a catalog row or run.json dict, or an opened Run directory.

    A stored label wins. An older record (whose `label` was its sweep name) is labelled from its
    overrides and its config.yaml if still on disk; a Run made without the runner (no run.json)
    from its config.
    """
    if hasattr(run_or_record, "config") and hasattr(run_or_record, "path"):  # sim.store.rundir.Run
        path = Path(run_or_record.path) / "run.json"
        stored = _read_json(path)
        if stored.get("label") and "sweep" in stored:
            return str(stored["label"])
        return make_label(run_or_record.kind, {str(s): n for s, n in run_or_record.regime_names.items()},
                          stored.get("overrides", ()), run_or_record.config)
    data = run_or_record if isinstance(run_or_record, dict) else asdict(run_or_record)
    if data.get("label") and "sweep" in data:
        return str(data["label"])
    sides = data.get("sides") or {}
    if isinstance(sides, str):
        sides = json.loads(sides)
    overrides = data.get("overrides") or []
    if isinstance(overrides, str):
        overrides = json.loads(overrides)
    config = stored_config(data["run_dir"]) if data.get("run_dir") else None
    return make_label(data.get("kind") or "", sides, overrides, config)


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def stored_config(run_dir) -> dict | None:
    """A run directory's config.yaml as a dict; None if it is gone or unreadable."""
    path = Path(run_dir) / "config.yaml"
    try:
        data = yaml.safe_load(path.read_text())
    except Exception:  # noqa: BLE001 - a label never fails a listing
        return None
    return data if isinstance(data, dict) else None
