"""A planner's comparisons without traps: refused when the runs do not pair, labelled by what
changed, exported as CSV or Excel, deleted run directories noticed, and `| head` harmless.

Most tests build catalog rows by hand (a run directory that exists, a pairing key, replication
values), so the numbers are known and nothing is simulated; a few make tiny runs to check that
the runner records what the queries rely on.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from sim.cli.results import main
from sim.store.catalog import Catalog, RunRecord
from sim.store.identity import PAIRING_FIELDS, make_label, pairing_differences, pairing_key, run_label, stored_config
from sim.store.queries import NotPaired, collect, compare, list_runs, prune

REPO = Path(__file__).resolve().parents[2]
TINY = ("demand.scale=0.01", "run.horizon_days=3", "run.warmup_days=1", "run.drain_days=1", "run.replications=2",
        "run.workers=1", "experiment.report=false")
KEY = {"scenario": "dalian_2015", "demand.scale": 0.1, "demand": "d" * 16, "port": "p" * 16,
       "run.horizon_days": 14.0, "run.warmup_days": 4.0, "run.drain_days": 5.0, "run.seed": 7,
       "run.summary_only": False, "code": "c" * 16}


def add_run(cat: Catalog, root: Path, run_id: str, values: dict[int, float], key: dict | None = None,
            status: str = "complete", label: str = "", sweep_dir: str | None = None, job: int | None = None,
            overrides=(), point: str | None = None) -> Path:
    """A single-side run with KPI `x` = values[replication], its directory created under root."""
    run_dir = root / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    n = len(list(root.iterdir()))
    stamp = f"2030-01-01T00:{n // 60:02d}:{n % 60:02d}+00:00"
    rec = RunRecord(run_id=run_id, status=status, run_dir=str(run_dir), started_at=stamp, updated_at=stamp,
                    finished_at=stamp, kind="single", label=label or run_id, sweep="s" if sweep_dir else "",
                    sweep_dir=sweep_dir, job_num=job, overrides=list(overrides), seed=(key or KEY)["run.seed"],
                    point_hash=point or run_id, code_hash=(key or KEY)["code"], sides={"single": "after_reform"},
                    pairing=dict(key or KEY))
    reps = [(run_id, "single", "after_reform", r, "x", v) for r, v in values.items()]
    kpis = [(run_id, "single", "after_reform", "x", float(np.mean(list(values.values()))), 0.0, 0.0, len(values))]
    cat.record_run(rec, kpis, reps)
    if sweep_dir is not None:
        cat.record_sweep_job(sweep_dir, job, run_id, False, "s", list(overrides), stamp)
    return run_dir


@pytest.fixture
def cat(tmp_path) -> Catalog:
    return Catalog(tmp_path / "catalog.duckdb")


# ------------------------------------------------------------------ refusing what does not pair
def test_two_runs_that_pair_give_the_paired_interval_by_hand(cat, tmp_path):
    add_run(cat, tmp_path / "runs", "a", {0: 1.0, 1: 2.0, 2: 3.0})
    add_run(cat, tmp_path / "runs", "b", {0: 2.0, 1: 4.0, 2: 7.0})
    row = compare("a", "b", cat).set_index("kpi").loc["x"]
    d = np.array([1.0, 2.0, 4.0])
    half = sps.t.ppf(0.975, 2) * d.std(ddof=1) / math.sqrt(3)
    assert row["paired"] and row["n"] == 3
    assert [row["diff_mean"], row["diff_ci_low"], row["diff_ci_high"]] == pytest.approx(
        [7 / 3, 7 / 3 - half, 7 / 3 + half])


@pytest.mark.parametrize("field", PAIRING_FIELDS)
def test_each_way_two_runs_fail_to_pair_is_refused_and_named(cat, tmp_path, capsys, field):
    other = dict(KEY)
    other[field] = {str: "other", float: 0.25, int: 8, bool: True}[type(KEY[field])]
    add_run(cat, tmp_path / "runs", "a", {0: 1.0, 1: 2.0})
    add_run(cat, tmp_path / "runs", "b", {0: 3.0, 1: 5.0}, key=other)
    with pytest.raises(NotPaired) as refused:
        compare("a", "b", cat)
    words = {"demand": "demand data", "port": "port berths", "code": "code version"}.get(field, field)
    assert len(refused.value.differences) == 1 and refused.value.differences[0].startswith(words)
    assert main(["--catalog", str(cat.path), "compare", "a", "b"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: not paired:") and words in err and "--force" in err and err.count("\n") == 1


def test_a_run_recorded_before_pairing_keys_is_judged_from_its_config_yaml(cat, tmp_path):
    import yaml

    dirs = [add_run(cat, tmp_path / "runs", name, {0: 1.0, 1: 2.0}) for name in ("a", "b", "c")]
    cat.migrate()
    with duckdb.connect(str(cat.path)) as con:
        con.execute("UPDATE runs SET pairing = NULL")
    for run_dir, scale in zip(dirs[:2], (0.1, 0.25)):
        (run_dir / "config.yaml").write_text(yaml.safe_dump(
            {"scenario": {"name": "x"}, "demand": {"scale": scale}, "port": {}, "run": {"horizon_days": 3, "warmup_days": 1, "seed": 7}}))
    with pytest.raises(NotPaired, match=r"demand.scale \(0.1 vs 0.25\)"):
        compare("a", "b", cat)
    with pytest.raises(NotPaired, match="unknown"):
        compare("a", "c", cat)  # no config.yaml: whether they pair cannot be told


def test_force_compares_unpaired_with_a_welch_interval_and_says_so(cat, tmp_path, capsys):
    add_run(cat, tmp_path / "runs", "a", {0: 1.0, 1: 2.0, 2: 3.0})
    add_run(cat, tmp_path / "runs", "b", {0: 2.0, 1: 4.0, 2: 6.0, 3: 8.0}, key={**KEY, "demand.scale": 0.25})
    table = compare("a", "b", cat, force=True)
    row = table.set_index("kpi").loc["x"]
    # Welch by hand: var(a)/3 = 1/3, var(b)/4 = (20/3)/4 = 5/3, se^2 = 2, df = 4 / ((1/3)^2/2 + (5/3)^2/3)
    df = 4 / ((1 / 3) ** 2 / 2 + (5 / 3) ** 2 / 3)
    half = sps.t.ppf(0.975, df) * math.sqrt(2)
    assert not row["paired"] and (row["n_a"], row["n_b"]) == (3, 4) and "n" not in table.columns
    assert [row["diff_mean"], row["diff_ci_low"], row["diff_ci_high"]] == pytest.approx([3.0, 3 - half, 3 + half])
    assert table.attrs["paired"] is False and "Welch" in table.attrs["method"]
    assert main(["--catalog", str(cat.path), "compare", "a", "b", "--force"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert "UNPAIRED" in header and "demand.scale (0.1 vs 0.25)" in header and "paired over" not in header


def test_a_real_config_pairs_across_regime_and_rail_what_ifs_but_not_across_scale_or_berths():
    from conftest import make_config

    def key(*overrides):
        return pairing_key(asdict(make_config(*overrides)), "code")

    base = key()
    assert pairing_differences(base, key("regime.officers=50", "regime@baseline=after_reform")) == []
    assert pairing_differences(base, key("port.destinations.shenyang.rail_departures=[20,44]")) == []
    assert pairing_differences(base, key("demand.scale=0.25")) == ["demand.scale (1 vs 0.25)"]
    berths = key("port.terminals.dct.berths=7")
    assert [d.split(" (")[0] for d in pairing_differences(base, berths)] == ["port berths, destinations or handling factor"]
    assert pairing_differences(base, key("run.seed=1")) == ["run.seed (20150701 vs 1)"]


# ------------------------------------------------------------------ labels
def test_labels_say_what_changed():
    sweep_job = ["+sweep=officers", "regime.officers=50", "run.first_replication=4", "experiment=single",
                 "hydra.sweep.dir=x", "run.workers=1"]
    assert make_label("single", {"single": "after_reform"}, sweep_job) == "officers=50"
    assert make_label("single", {"single": "no_paperless"}, ["regime=no_paperless"]) == "no_paperless"
    assert make_label("compare", {"before": "before_reform", "after": "after_reform"}, []) == \
        "before_reform vs after_reform"
    same = ["regime@baseline=after_reform", "regime.officers=50", "demand.scale=0.1"]
    assert make_label("compare", {"before": "after_reform", "after": "after_reform"}, same) == \
        "after_reform vs after_reform + officers=50 (demand.scale=0.1)"


def test_a_same_regime_what_if_is_labelled_by_its_difference_in_run_json_catalog_and_header(tmp_path):
    from conftest import make_config

    from sim.runs.runner import RunContext, execute
    from sim.store.rundir import load_run
    from sim.viz.report import scenario_section

    overrides = ["regime@baseline=after_reform", "regime.officers=50", *TINY, "output.consignments=none"]
    cfg = make_config(*overrides)
    execute(cfg, RunContext(run_dir=tmp_path / "run", overrides=overrides), progress=False)
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["status"] == "complete"
    assert record["label"].startswith("after_reform vs after_reform + officers=50 (demand.scale=0.01")
    assert list_runs(tmp_path / "catalog.duckdb")["label"].tolist() == [record["label"]]
    # Without overrides (the Python API), the label comes from the config: the same words.
    assert make_label("compare", {"before": "after_reform", "after": "after_reform"}, (), asdict(cfg)) == \
        "after_reform vs after_reform + officers=50"
    run = load_run(tmp_path / "run")
    assert run_label(run) == record["label"]
    # A record without a pairing key (older runs) is judged from its config.yaml: the same key.
    assert pairing_key(stored_config(tmp_path / "run"), record["code_hash"]) == record["pairing"]
    assert "after_reform + officers=50</span> (after)" in scenario_section(run)
    from sim.viz.style import side_label  # figure legends say it too

    assert [side_label(run, s) for s in run.sides] == ["before: after_reform", "after: after_reform + officers=50"]


def test_a_sweep_point_is_labelled_by_its_parameters_in_collect(cat, tmp_path):
    sweep = str(tmp_path / "sweep")
    for job, (officers, first, values) in enumerate([(50, 0, {0: 1.0}), (50, 1, {1: 2.0}), (76, 0, {0: 5.0})]):
        add_run(cat, tmp_path / "runs", f"j{job}", values, sweep_dir=sweep, job=job, point=f"p{officers}",
                overrides=["+sweep=officers", f"regime.officers={officers}", f"run.first_replication={first}"])
    table = collect(sweep, cat)
    assert table[["label", "mean", "n"]].values.tolist() == [["officers=50", 1.5, 2], ["officers=76", 5.0, 1]]


def test_an_older_catalog_is_migrated_and_its_labels_recomputed(tmp_path):
    """Before labels, runs.label held the sweep's name and there was no sweep or pairing column."""
    path = tmp_path / "catalog.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE runs (run_id VARCHAR PRIMARY KEY, status VARCHAR NOT NULL, started_at TIMESTAMP, "
                "finished_at TIMESTAMP, updated_at TIMESTAMP, wall_seconds DOUBLE, run_dir VARCHAR, kind VARCHAR, "
                "label VARCHAR, sweep_dir VARCHAR, job_num INTEGER, overrides VARCHAR, config_hash VARCHAR, "
                "point_hash VARCHAR, code_version VARCHAR, code_hash VARCHAR, seed BIGINT, first_replication "
                "INTEGER, replications INTEGER, sides VARCHAR, host VARCHAR, error VARCHAR, precision VARCHAR)")
    con.execute("INSERT INTO runs (run_id, status, kind, label, overrides, sides) VALUES ('old', 'complete', "
                "'single', 'officers', '[\"+sweep=officers\", \"regime.officers=60\"]', '{\"single\": \"after_reform\"}')")
    con.close()
    runs = Catalog(path).runs()
    assert runs[["label", "sweep"]].values.tolist() == [["officers=60", "officers"]]
    old = RunRecord.from_dict({"run_id": "r", "status": "complete", "run_dir": "/x", "started_at": "2030-01-01",
                               "updated_at": "2030-01-01", "kind": "single", "label": "officers",
                               "overrides": ["regime.officers=40"], "sides": {"single": "after_reform"}})
    assert (old.sweep, run_label(old)) == ("officers", "officers=40")


# ------------------------------------------------------------------ export
@pytest.mark.parametrize("command", ["compare", "collect"])
def test_xlsx_round_trips_and_an_unknown_extension_writes_nothing(cat, tmp_path, capsys, command):
    sweep = str(tmp_path / "sweep")
    add_run(cat, tmp_path / "runs", "a", {0: 1.0, 1: 2.0}, sweep_dir=sweep, job=0, overrides=["regime.officers=50"])
    add_run(cat, tmp_path / "runs", "b", {0: 2.0, 1: 5.0}, sweep_dir=sweep, job=1, overrides=["regime.officers=60"])
    args = ["compare", "a", "b"] if command == "compare" else ["collect", sweep]
    expected = compare("a", "b", cat) if command == "compare" else collect(sweep, cat)
    out = tmp_path / "table.xlsx"
    assert main(["--catalog", str(cat.path), *args, "--out", str(out)]) == 0
    back = pd.read_excel(out, sheet_name="table")
    assert list(back.columns) == list(expected.columns)
    assert back.select_dtypes("number").to_numpy() == pytest.approx(expected.select_dtypes("number").to_numpy().astype(float))
    assert main(["--catalog", str(cat.path), *args, "--out", str(tmp_path / "table.csv")]) == 0
    assert pd.read_csv(tmp_path / "table.csv").shape == expected.shape
    capsys.readouterr()
    assert main(["--catalog", str(cat.path), *args, "--out", str(tmp_path / "table.xls")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "unknown table format '.xls'" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("table", ".table"))) == \
        ["table.csv", "table.xlsx"], "nothing written under the wrong name, no temporary left"


# ------------------------------------------------------------------ deleted run directories
def test_a_deleted_run_directory_is_missing_left_out_and_pruned(cat, tmp_path, capsys):
    sweep = str(tmp_path / "sweep")
    for job, run_id in enumerate(["a", "b", "c"]):
        add_run(cat, tmp_path / "runs", run_id, {0: float(job)}, sweep_dir=sweep, job=job,
                overrides=[f"regime.officers={50 + job}"])
    add_run(cat, tmp_path / "runs", "busy", {0: 9.0}, status="running")
    for run_id in ("b", "busy"):
        shutil.rmtree(tmp_path / "runs" / run_id)
    assert dict(zip(list_runs(cat)["run_id"], list_runs(cat)["status"])) == \
        {"a": "complete", "b": "missing", "c": "complete", "busy": "running"}
    table = collect(sweep, cat)
    assert table["label"].tolist() == ["officers=50", "officers=52"]
    note = capsys.readouterr().err
    assert note.count("\n") == 1 and "1 run(s) left out of collect" in note and "python -m sim.results prune" in note
    with pytest.raises(ValueError, match="directory of run b is gone.*prune"):
        compare("a", "b", cat)
    assert main(["--catalog", str(cat.path), "prune"]) == 0
    assert "1 run(s) would be removed" in capsys.readouterr().out
    assert len(cat.runs()) == 4, "a dry run removes nothing"
    assert main(["--catalog", str(cat.path), "prune", "--yes"]) == 0
    assert sorted(cat.runs()["run_id"]) == ["a", "busy", "c"], "never a running run"
    assert cat.query("SELECT count(*) AS n FROM replication_kpis WHERE run_id = 'b'")["n"][0] == 0
    assert cat.query("SELECT count(*) AS n FROM sweep_jobs WHERE run_id = 'b'")["n"][0] == 0
    assert prune(cat).empty


# ------------------------------------------------------------------ a closed pipe
def _piped(command: list[str], reader: str) -> tuple[int, str]:
    """Run `command | reader` in bash; (the command's exit status, its stderr)."""
    line = " ".join(f"'{c}'" for c in command)
    proc = subprocess.run(["bash", "-c", f"{line} 2>err.txt | {reader}; echo ${{PIPESTATUS[0]}}"],
                          env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True, timeout=300, check=False)
    return int(proc.stdout.strip().splitlines()[-1]), Path("err.txt").read_text()


@pytest.mark.parametrize("reader", ["head -1", "true"])
def test_a_run_piped_into_a_reader_that_stops_early_is_complete(tmp_path, monkeypatch, reader):
    monkeypatch.chdir(tmp_path)
    run_dir = tmp_path / "run"
    code, err = _piped([sys.executable, "-m", "sim", *TINY, f"hydra.run.dir={run_dir}",
                        f"run.catalog={tmp_path / 'c.duckdb'}"], reader)
    assert json.loads((run_dir / "run.json").read_text())["status"] == "complete"
    assert Catalog(tmp_path / "c.duckdb").runs()["status"].tolist() == ["complete"]
    assert code in (0, 141) and "Traceback" not in err and "BrokenPipe" not in err, err
    if reader == "true":  # nobody ever read: the printing certainly met the closed pipe
        assert code == 141


def test_a_sweep_piped_into_a_reader_that_is_gone_completes_every_job_quietly(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, err = _piped([sys.executable, "-m", "sim", "-m", "experiment=single", *TINY, "regime.officers=60,70",
                        f"hydra.sweep.dir={tmp_path / 'sweep'}", f"run.catalog={tmp_path / 'c.duckdb'}"], "true")
    assert [json.loads((tmp_path / "sweep" / j / "run.json").read_text())["status"] for j in "01"] == \
        ["complete", "complete"]
    assert code == 141 and "Traceback" not in err and "Logging error" not in err, err


def test_results_piped_into_a_reader_that_stops_early_exit_quietly(cat, tmp_path, monkeypatch):
    for i in range(3):
        add_run(cat, tmp_path / "runs", f"r{i:03d}", {0: float(i)})
    monkeypatch.chdir(tmp_path)
    code, err = _piped([sys.executable, "-m", "sim.results", "--catalog", str(cat.path), "list"], "true")
    assert code == 141 and err == ""
