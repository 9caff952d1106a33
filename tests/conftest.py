"""Shared test helpers: build typed configs from the bundled YAML via Hydra's compose API."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.config import Config

REPO = Path(__file__).resolve().parent.parent

# A small but complete Dalian run: 5 % of the boxes, 10 days (2 warm-up) + 4 drain.
SMALL = (
    "demand.scale=0.05", "run.horizon_days=10", "run.warmup_days=2", "run.drain_days=4",
    "run.replications=2", "run.workers=1",
)


def make_config(*overrides: str) -> Config:
    """Compose configs/config.yaml with overrides and validate it, as `python -m sim` does."""
    return sim.load_config(overrides)


def run_cli(*args: str, cwd: Path = REPO, timeout: float = 600) -> subprocess.CompletedProcess:
    """`python -m sim ARGS` in a subprocess, as a planner would type it."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def small_config() -> Config:
    return make_config(*SMALL)


# The slowest test files (measured: --durations=40, 2026-12-03), started first: with one file per
# xdist worker at a time (--dist loadfile), a long file left for the end would keep one core busy
# while the other idles. Only the order changes; each file's own order is kept.
SLOW_FILES_FIRST = (
    "integration/test_notebooks.py", "validation/test_long_runs.py", "validation/test_properties.py",
    "integration/test_faults.py", "validation/test_queueing.py", "integration/test_optimise.py",
    "regression/test_mutations.py", "integration/test_study.py", "integration/test_sensitivity_cli.py",
    "integration/test_eventlog.py", "integration/test_sweeps.py", "regression/test_baseline.py",
    "integration/test_wheel.py", "integration/test_bad_input.py", "validation/test_warm_start.py",
)


def pytest_collection_modifyitems(items):
    rank = {name: k for k, name in enumerate(SLOW_FILES_FIRST)}

    def slow_rank(item) -> int:
        tests = REPO / "tests"
        return rank.get(item.path.relative_to(tests).as_posix(), len(rank)) if item.path.is_relative_to(tests) else len(rank)

    items.sort(key=slow_rank)  # stable: the rest keep their order
