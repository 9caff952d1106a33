"""The DuckDB run catalog: records, locking between processes, the spool, ingest, queries.

DuckDB lets one process write at a time and a second process cannot even open the file
meanwhile, so the tests that matter run real concurrent processes.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from sim.store.catalog import Catalog, RunRecord, resolve
from sim.store.identity import now_iso

REPO = Path(__file__).resolve().parents[2]


def record(run_id: str, status: str = "running", **kw) -> RunRecord:
    stamp = kw.pop("updated_at", now_iso())
    return RunRecord(run_id=run_id, status=status, run_dir=f"/nowhere/{run_id}", started_at=stamp,
                     updated_at=stamp, seed=1, sides={"single": "after_reform"}, **kw)


def kpi_rows(run_id: str, value: float):
    kpis = [(run_id, "single", "after_reform", "x", value, value - 1, value + 1, 2)]
    reps = [(run_id, "single", "after_reform", r, "x", value + r) for r in range(2)]
    return kpis, reps


def test_a_run_goes_from_running_to_complete_with_its_kpis(tmp_path):
    cat = Catalog(tmp_path / "catalog.duckdb")
    cat.record_run(record("r1"))
    assert cat.runs()["status"].tolist() == ["running"]
    done = record("r1", "complete", config_hash="abc", code_hash="def")
    assert cat.record_run(done, *kpi_rows("r1", 5.0))
    runs = cat.runs()
    assert runs["status"].tolist() == ["complete"] and len(runs) == 1
    assert cat.query("SELECT count(*) AS n FROM replication_kpis")["n"][0] == 2
    assert cat.query("SELECT mean FROM kpis WHERE kpi = 'x'")["mean"][0] == 5.0
    assert len(cat.complete_runs_like("abc", "def")) == 1
    assert cat.complete_runs_like("abc", "other").empty, "other code never counts as the same run"


def test_an_older_state_never_overwrites_a_newer_one(tmp_path):
    """A spooled 'running' row applied after 'complete' (out of order) must not regress the status."""
    cat = Catalog(tmp_path / "catalog.duckdb")
    cat.record_run(record("r1", "complete", updated_at="2030-01-01T00:00:10+00:00"), *kpi_rows("r1", 1.0))
    cat.record_run(record("r1", "running", updated_at="2030-01-01T00:00:00+00:00"))
    assert cat.runs()["status"].tolist() == ["complete"]


def test_reading_a_missing_catalog_gives_empty_tables(tmp_path):
    cat = Catalog(tmp_path / "none.duckdb")
    assert cat.runs().empty
    assert not (tmp_path / "none.duckdb").exists(), "reading never creates the file"


WRITER = textwrap.dedent("""
    import sys
    from sim.store.catalog import Catalog, RunRecord
    from sim.store.identity import now_iso
    path, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cat = Catalog(path, timeout=60)
    for i in range(n):
        run_id = f"{name}-{i}"
        stamp = now_iso()
        rec = RunRecord(run_id=run_id, status="complete", run_dir="/x", started_at=stamp, updated_at=stamp)
        kpis = [(run_id, "single", "a", f"k{j}", float(j), 0.0, 1.0, 2) for j in range(30)]
        reps = [(run_id, "single", "a", r, f"k{j}", float(r)) for r in range(8) for j in range(30)]
        assert cat.record_run(rec, kpis, reps), "written directly, not spooled"
""")


def test_two_processes_writing_at_once_both_succeed(tmp_path):
    path = tmp_path / "catalog.duckdb"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, "15"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    outcomes = [w.communicate(timeout=120) for w in writers]
    for w, (_, err) in zip(writers, outcomes):
        assert w.returncode == 0, err
    cat = Catalog(path)
    assert len(cat.runs()) == 30
    assert cat.query("SELECT count(*) AS n FROM replication_kpis")["n"][0] == 30 * 8 * 30


def test_a_catalog_held_open_elsewhere_spools_and_the_next_writer_applies(tmp_path):
    """A notebook keeping a read-write connection must not fail a run: its row waits in the spool."""
    path = tmp_path / "catalog.duckdb"
    Catalog(path).record_run(record("first"))
    holder = duckdb.connect(str(path))  # this process holds the lock; the writer is another process
    try:
        code = ("import sys; from sim.store.catalog import Catalog, RunRecord; "
                "r = RunRecord(run_id='late', status='complete', run_dir='/x', started_at='2030-01-01T00:00:00', "
                "updated_at='2030-01-01T00:00:00'); sys.exit(0 if Catalog(sys.argv[1], timeout=0.3).record_run(r) is False else 3)")
        proc = subprocess.run([sys.executable, "-c", code, str(path)], env=dict(os.environ, PYTHONPATH=str(REPO)),
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
    finally:
        holder.close()
    assert len(list((tmp_path / "catalog.duckdb.pending").glob("*.json"))) == 1
    Catalog(path).record_run(record("next"))
    assert set(Catalog(path).runs()["run_id"]) == {"first", "late", "next"}
    assert not list((tmp_path / "catalog.duckdb.pending").glob("*.json")), "the spool is drained"


def test_auto_catalog_sits_in_the_results_tree_or_beside_the_run(tmp_path):
    assert resolve("auto", tmp_path / "results" / "multirun" / "d" / "t" / "3") == tmp_path / "results" / "catalog.duckdb"
    assert resolve("auto", tmp_path / "elsewhere" / "run") == tmp_path / "elsewhere" / "catalog.duckdb"
    assert resolve("", tmp_path) is None
    assert resolve(str(tmp_path / "c.duckdb"), tmp_path / "x") == tmp_path / "c.duckdb"


def test_run_records_round_trip_through_json():
    r = record("r9", "complete", overrides=["a=1"], precision={"met": True})
    assert RunRecord.from_dict(json.loads(json.dumps(r.__dict__))) == r


@pytest.mark.parametrize("bad", ["SELECT nope FROM runs", "DROP TABLE runs"])
def test_queries_are_read_only_and_errors_are_one_line(tmp_path, capsys, bad):
    from sim.cli.results import main

    path = tmp_path / "catalog.duckdb"
    Catalog(path).record_run(record("r1"))
    assert main(["--catalog", str(path), "sql", bad]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert len(Catalog(path).runs()) == 1


def test_compare_two_sides_of_a_run_matches_its_comparison_json(tmp_path):
    """The catalog keeps every replication, so the paired interval is recomputed exactly."""
    from conftest import make_config

    from sim.store.queries import compare
    from sim.runs.runner import RunContext, execute

    cfg = make_config("demand.scale=0.01", "run.horizon_days=3", "run.warmup_days=1", "run.drain_days=1",
                      "run.replications=2", "run.workers=1")
    execute(cfg, RunContext(run_dir=tmp_path / "run"))
    run_id = json.loads((tmp_path / "run" / "run.json").read_text())["run_id"]
    table = compare(f"{run_id}:before", f"{run_id}:after", tmp_path / "catalog.duckdb").set_index("kpi")
    comparison = json.loads((tmp_path / "run" / "comparison.json").read_text())
    expected = comparison["throughput_teu"]["diff"]
    assert table.loc["throughput_teu", "diff_mean"] == pytest.approx(expected["mean"])
    assert table.loc["throughput_teu", "n"] == 2
    # The interval, not only the mean (which any pairing of the replications reproduces).
    checked = 0
    for kpi, entry in comparison.items():
        diff = entry["diff"]
        if diff["ci_low"] is None or not math.isfinite(diff["ci_low"]) or diff["ci_low"] == diff["ci_high"]:
            continue
        assert [table.loc[kpi, c] for c in ("diff_mean", "diff_ci_low", "diff_ci_high")] == \
            pytest.approx([diff["mean"], diff["ci_low"], diff["ci_high"]], rel=1e-9, abs=1e-9), kpi
        checked += 1
    assert checked >= 20
