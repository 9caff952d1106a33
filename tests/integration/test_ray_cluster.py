"""`hydra/launcher=ray_cluster` against a real Ray cluster this test starts on 127.0.0.1: a head and
one worker node (one CPU each), a two-point sweep, both points complete and in the catalog, the
cluster stopped at the end.

Skipped unless the optional extra is installed (`pip install -c constraints.txt -e '.[ray]'`:
hydra-ray-launcher and ray; CI installs only `.[test]`). Run it with
`python -m pytest tests/integration/test_ray_cluster.py` once the extra is in the environment
(or on PYTHONPATH). The nodes are started with `ray start --block` in their own process groups,
which the test alone ends (never `ray stop`, which would stop every Ray on the machine).
"""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None or importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is None,
    reason="the Ray launcher is an optional extra: pip install -c constraints.txt -e '.[ray]'")

RAY = "import sys; from ray.scripts.scripts import main; sys.argv = ['ray'] + sys.argv[1:]; main()"
TINY = ("experiment=single", "demand.scale=0.01", "run.horizon_days=3", "run.warmup_days=1", "run.drain_days=1",
        "run.replications=1", "run.workers=1")
PATIENCE_SECONDS = 180


def _env() -> dict:
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")]))
    return dict(os.environ, PYTHONPATH=path, RAY_USAGE_STATS_ENABLED="0")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", RAY, *args], env=_env(), capture_output=True, text=True,
                          timeout=timeout)


def _alive_nodes(address: str) -> int:
    proc = _ray("status", f"--address={address}")
    if proc.returncode != 0:
        return 0
    active = proc.stdout.split("Active:", 1)[-1].split("Pending:", 1)[0]
    return sum(line.strip().startswith("1 node_") for line in active.splitlines())


@pytest.fixture
def cluster():
    """A head and one worker node on 127.0.0.1 (one CPU each); yields the address; stops both."""
    port = _free_port()
    address = f"127.0.0.1:{port}"
    temp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # short: Ray's socket paths must stay under 107 bytes
    common = ["--node-ip-address=127.0.0.1", "--num-cpus=1", "--disable-usage-stats", "--block"]
    nodes = []
    try:
        nodes.append(subprocess.Popen(
            [sys.executable, "-c", RAY, "start", "--head", f"--port={port}", "--include-dashboard=false",
             f"--temp-dir={temp}", *common], env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True))
        deadline = time.monotonic() + PATIENCE_SECONDS
        while _alive_nodes(address) < 1:
            assert time.monotonic() < deadline and nodes[0].poll() is None, "the Ray head did not start"
            time.sleep(1)
        nodes.append(subprocess.Popen([sys.executable, "-c", RAY, "start", f"--address={address}", *common],
                                      env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      start_new_session=True))
        while _alive_nodes(address) < 2:
            assert time.monotonic() < deadline and nodes[1].poll() is None, "the Ray worker did not join"
            time.sleep(1)
        yield address
    finally:
        for node in reversed(nodes):  # `ray start --block` stops its node's processes on SIGTERM ...
            node.send_signal(signal.SIGTERM)
        for node in reversed(nodes):
            try:
                node.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
            try:  # ... and whatever of its group is left goes with the group
                os.killpg(node.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_a_two_point_sweep_runs_on_a_local_ray_cluster(cluster, tmp_path):
    sweep_dir, catalog = tmp_path / "sweep", tmp_path / "catalog.duckdb"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "-m", *TINY, "regime.officers=70,76", "hydra/launcher=ray_cluster",
         f"hydra.sweep.dir={sweep_dir}", f"run.catalog={catalog}"],
        cwd=REPO, env=dict(_env(), RAY_ADDRESS=cluster), capture_output=True, text=True, timeout=PATIENCE_SECONDS)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Connected to Ray cluster" in proc.stdout + proc.stderr, "joined the running cluster, not a new one"
    records = {p.parent.name: json.loads(p.read_text()) for p in sweep_dir.glob("[0-9]*/run.json")}
    assert sorted(records) == ["0", "1"] and {r["status"] for r in records.values()} == {"complete"}
    assert {r["consignments"] for r in records.values()} == {"none"}, "sweep points keep no table by default"
    con = duckdb.connect(str(catalog), read_only=True)
    runs = con.execute("SELECT run_id, status FROM runs").fetchall()
    assert sorted(runs) == sorted((r["run_id"], "complete") for r in records.values())
    assert con.execute("SELECT count(DISTINCT run_id) FROM kpis").fetchone()[0] == 2
    jobs = con.execute("SELECT job_num FROM sweep_jobs WHERE sweep_dir = ? ORDER BY job_num",
                       [str(sweep_dir.resolve())]).fetchall()
    assert jobs == [(0,), (1,)]
