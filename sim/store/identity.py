"""What makes two runs the same: config hash, scenario-point hash, code version, run ids.

Why: re-running a sweep skips points whose results already exist, and the catalog
groups replication chunks of one scenario point. Both need a fingerprint that
covers everything that changes the numbers and nothing that does not (worker
count, catalog location, skip policy).
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
from dataclasses import asdict
from datetime import datetime, timezone
from functools import lru_cache

from sim.config import Config
from sim.config.locations import PACKAGE_DIR, REPO_DIR

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
    for key in run_keys:
        data["run"].pop(key, None)
    return data


def config_hash(cfg: Config) -> str:
    """Everything that determines this run's numbers, its replication range included."""
    return _digest(_without(cfg, EXECUTION_ONLY))


def point_hash(cfg: Config) -> str:
    """The scenario point: like config_hash without the replication range, so the chunks of
    one point (run.first_replication = 0, 4, ...) share it and can be pooled."""
    return _digest(_without(cfg, EXECUTION_ONLY + REPLICATION_RANGE))


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
