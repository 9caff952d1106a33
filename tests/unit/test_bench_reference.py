"""The benchmarks' own reference model (benchmarks/reference.py) is right and self-contained.

Its doc-check station is M/M/3 at load 0.8, so its mean wait in queue is the Erlang-C
value. Tolerance from replication variance: independent replications (6 seeds for SimPy,
16 for the faster heapq loop), a 99 % t-interval on their means must cover the analytic value. Fixed seeds keep the test
reproducible; the interval's half-width must also stay under 15 % of the value, so a
covering interval means something (a model with one server fewer, or 10 % longer service,
is off by far more than that).
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "benchmarks"
sys.path.insert(0, str(BENCH))

import reference  # noqa: E402

HOURS, WARMUP_HOURS = 200.0, 10.0  # warm-up: hundreds of doc-check service times from empty


def doc_check_mean_waits(run, seeds: int) -> np.ndarray:
    means = []
    for seed in range(seeds):
        records = np.asarray(run(HOURS, WARMUP_HOURS, seed)[0])
        means.append(records[records[:, 0] >= WARMUP_HOURS * 60.0, 1].mean())
    return np.array(means)


@pytest.mark.parametrize("engine, seeds", [("run_simpy", 6), ("run_heapq", 16)])
def test_doc_check_wait_matches_erlang_c(engine, seeds):
    expected = reference.analytic_waits()["doc_check"]
    assert expected == pytest.approx(1.5533, abs=1e-4)  # M/M/3, a = 2.4: P(wait) 0.647 x 1.44 / 0.6
    means = doc_check_mean_waits(getattr(reference, engine), seeds)
    half = stats.t.ppf(0.995, len(means) - 1) * means.std(ddof=1) / math.sqrt(len(means))
    assert abs(means.mean() - expected) <= half, (means.mean(), half, expected)
    assert half < 0.15 * expected


def test_erlang_c_edge_cases():
    assert reference.erlang_c_wait(0.5, 1.0, 1) == pytest.approx(1.0)  # M/M/1: rho / (mu - lambda)
    assert reference.erlang_c_wait(2.0, 1.0, 2) == math.inf


def test_benchmark_scripts_need_nothing_outside_the_repository():
    """run.py and visits.py import, and the reference runs, with only the repository and
    installed packages: every module loaded comes from the repo or the Python installation."""
    code = (
        "import sys, json\n"
        "import run, visits\n"
        "out = visits.reference_run('simpy', 2.0), visits.reference_run('heapq', 2.0)\n"
        "assert all(r['visits'] > 0 for r in out), out\n"
        "roots = [sys.argv[1], sys.prefix, sys.base_prefix, sys.exec_prefix]\n"
        "files = [getattr(m, '__file__', None) for m in list(sys.modules.values())]\n"
        "print(json.dumps([f for f in files if f and not any(f.startswith(r) for r in roots)]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
    env["PYTHONPATH"] = str(BENCH)
    proc = subprocess.run([sys.executable, "-c", code, str(REPO)], cwd=BENCH, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]"
