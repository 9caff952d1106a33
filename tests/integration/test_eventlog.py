"""`python -m sim.eventlog`: a stored run as an OCEL 2.0 log (SQLite) and an XES log of the
declarations, read back with pm4py: every milestone of the table is an event, the declarations'
directly-follows graph shows each regime's process as its config says, and a held-out half of the
declarations replays on a model discovered from the other half."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from sim.domain import MILESTONES, CargoClass
from sim.store.eventlog import DECLARATION_EVENTS, write_ocel, write_xes
from sim.store.rundir import load_run
from tests.conftest import REPO, run_cli
from tests.stored_runs import copy_of

pm4py = pytest.importorskip("pm4py")

SMALL_7_DAYS = ("demand.scale=0.05", "run.horizon_days=7", "run.warmup_days=1", "run.drain_days=2",
                "run.replications=2", "run.workers=1")


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    out = tmp_path_factory.mktemp("eventlog") / "run"
    proc = run_cli(*SMALL_7_DAYS, f"hydra.run.dir={out}")
    assert proc.returncode == 0, proc.stderr
    run = load_run(out)
    ocel_path = write_ocel(run, chunk_rows=3_000).path  # several chunks: the streaming path
    xes_path = write_xes(run, chunk_rows=3_000).path
    ocel = _quiet(pm4py.read_ocel2_sqlite, str(ocel_path))
    xes = _quiet(pm4py.read_xes, str(xes_path), show_progress_bar=False)
    return run, ocel, xes


def test_every_milestone_of_the_table_is_an_event(logs):
    run, ocel, _ = logs
    table = run.consignments
    expected = {m: int(table[m].notna().sum()) for m in MILESTONES if table[m].notna().any()}
    got = ocel.events["ocel:activity"].value_counts().to_dict()
    assert got == expected
    # each at its calendar time: hour 0 is the configured Monday
    start = pd.Timestamp(run.config["output"]["event_log_start"], tz="UTC")
    first = table.iloc[int(np.nanargmin(table["lodged"].to_numpy()))]
    eid = f"{first['side']}/{first['replication']}/c{first['consignment_id']}/lodged"
    stamp = ocel.events.set_index("ocel:eid").loc[eid, "ocel:timestamp"]
    assert abs((stamp - start).total_seconds() / 3600 - first["lodged"]) < 1e-3


def test_objects_and_their_links(logs):
    run, ocel, _ = logs
    types = set(ocel.objects["ocel:type"])
    assert {"consignment", "declaration", "vessel_call", "train", "station"} <= types
    table = run.consignments
    with sqlite3.connect(run.path / "eventlog.sqlite") as db:
        stored = dict(db.execute("SELECT ocel_type, count(*) FROM object GROUP BY ocel_type").fetchall())
    assert stored["consignment"] == len(table)
    assert stored["container"] == int(table["boxes"].sum())
    # pm4py keeps the objects some event involves (boxes are linked to their consignment only)
    with_events = int(table[list(MILESTONES)].notna().any(axis=1).sum())
    assert (ocel.objects["ocel:type"] == "consignment").sum() == with_events
    declared = int(table["lodged"].notna().sum() + table["inland_lodged"].notna().sum())
    assert stored["declaration"] == (ocel.objects["ocel:type"] == "declaration").sum() == declared
    rel = ocel.relations
    # every lodgement is linked to its consignment and its declaration
    lodged = rel[rel["ocel:activity"] == "lodged"]
    assert set(lodged["ocel:type"]) == {"consignment", "declaration"}
    assert len(lodged) == 2 * int(table["lodged"].notna().sum())


def _declarations(xes: pd.DataFrame, side: str, cargo=None) -> pd.DataFrame:
    keep = xes["case:side"] == side
    if cargo is not None:
        keep &= xes["case:cargo_class"] == cargo
    return xes[keep]


def test_xes_holds_every_declaration_milestone(logs):
    run, _, xes = logs
    table = run.consignments
    expected = {m: int(table[m].notna().sum()) for m in DECLARATION_EVENTS if table[m].notna().any()}
    assert xes["concept:name"].value_counts().to_dict() == expected


def test_directly_follows_graph_shows_each_regimes_process(logs):
    """The inland second declaration appears in the side whose regime has one (transit.second_declaration)
    and in no other; reefers see a separate CIQ visit (quarantine_*) only where the regime makes none of
    them jointly (quarantine.joint.reefer), and joint customs inspections only where it does."""
    run, ocel, xes = logs
    reefer = CargoClass.REEFER.value
    for side in run.sides:
        regime = run.regime_config(side)
        dfg, starts, _ = pm4py.discover_dfg(_declarations(xes, str(side)))
        activities = {a for edge in dfg for a in edge} | set(starts)
        assert ("inland_lodged" in activities) == bool(regime["transit"]["second_declaration"]), side
        reefer_dfg, _, _ = pm4py.discover_dfg(_declarations(xes, str(side), reefer))
        reefer_activities = {a for edge in reefer_dfg for a in edge}
        joint_share = float(regime["quarantine"]["joint"][reefer])
        events = ocel.events
        joint_reefer = events[(events["side"] == str(side)) & (events["cargo_class"] == reefer)
                              & (events["ocel:activity"] == "inspection_start")]["joint"].astype(int)
        if joint_share == 1.0:
            assert "quarantine_start" not in reefer_activities, side
            assert joint_reefer.sum() > 0, side
        elif joint_share == 0.0:
            assert ("quarantine_start", "quarantine_end") in reefer_dfg, side
            assert joint_reefer.sum() == 0, side


def test_held_out_declarations_replay_on_the_regimes_discovered_model(logs):
    """Inductive miner (no noise filtering: every trace of the half it learns from fits) on the
    declarations of even consignment ids of one side; the odd ones, drawn from the same process,
    replay with fitness near 1. The other side's declarations fit worse where its process differs."""
    run, _, xes = logs
    ids = xes["case:concept:name"].str.extract(r"/c(\d+)/")[0].astype(int)
    fitness = {}
    for side in run.sides:
        own = xes["case:side"] == str(side)
        learn, check = xes[own & (ids % 2 == 0)], xes[own & (ids % 2 == 1)]
        net, im, fm = _quiet(pm4py.discover_petri_net_inductive, learn, noise_threshold=0.0)
        fitness[side] = _quiet(pm4py.fitness_token_based_replay, check, net, im, fm)
        assert fitness[side]["log_fitness"] > 0.98, (side, fitness[side])


def run_eventlog(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "sim.eventlog", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def test_run_without_a_table_gets_one_line(logs, tmp_path):
    run, _, _ = logs
    bare = copy_of(run.path, tmp_path / "bare", without=("consignments.parquet", "calls.parquet", "eventlog.*"))
    proc = run_eventlog(str(bare))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: ")
    assert "no consignment table" in proc.stderr and "output.consignments=none" in proc.stderr
    assert not list(bare.glob("eventlog*")) and not list(bare.glob(".eventlog*"))


def test_a_start_that_is_not_a_monday_is_refused(logs, tmp_path):
    run, _, _ = logs
    out = tmp_path / "log.sqlite"
    proc = run_eventlog(str(run.path), "--out", str(out), "--start", "2015-07-07")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "output.event_log_start" in proc.stderr and "Tuesday" in proc.stderr
    assert not out.exists() and not list(tmp_path.iterdir())


# ------------------------------------------------------------------ output.event_log: written by the run
TINY_3_DAYS = ("demand.scale=0.05", "run.horizon_days=3", "run.warmup_days=0", "run.drain_days=1", "run.workers=1")


def _counts(path) -> dict:
    with sqlite3.connect(path) as db:
        return {"events": dict(db.execute("SELECT ocel_type, count(*) FROM event GROUP BY ocel_type").fetchall()),
                "objects": dict(db.execute("SELECT ocel_type, count(*) FROM object GROUP BY ocel_type").fetchall()),
                "links": db.execute("SELECT count(*) FROM event_object").fetchone()[0]}


def test_a_run_with_output_event_log_writes_the_logs_the_command_would(tmp_path):
    out = tmp_path / "run"
    proc = run_cli(*TINY_3_DAYS, "run.replications=2", "output.event_log=both", f"hydra.run.dir={out}")
    assert proc.returncode == 0, proc.stderr
    record = json.loads((out / "run.json").read_text())
    assert record["status"] == "complete" and record["event_log"] == ["eventlog.sqlite", "eventlog.xes"]
    assert sorted(p.name for p in out.glob("*eventlog*")) == ["eventlog.sqlite", "eventlog.xes"]  # no temp files
    assert proc.stdout.count("event log: ") == 2
    assert "<th>Event log</th><td style='text-align:left'><code>eventlog.sqlite</code>, <code>eventlog.xes</code>" \
        in (out / "report.html").read_text()
    for flag, name in (((), "cmd.sqlite"), (("--xes",), "cmd.xes")):
        made = run_eventlog(str(out), *flag, "--out", str(tmp_path / name))
        assert made.returncode == 0, made.stderr
    by_run, by_command = _counts(out / "eventlog.sqlite"), _counts(tmp_path / "cmd.sqlite")
    assert by_run == by_command
    table = load_run(out).consignments
    assert by_run["events"] == {m: int(table[m].notna().sum()) for m in MILESTONES if table[m].notna().any()}
    assert sum(by_run["events"].values()) > 0
    assert (out / "eventlog.xes").read_text() == (tmp_path / "cmd.xes").read_text()


def test_without_the_switch_a_run_writes_no_event_log(tmp_path):
    import sim

    out = tmp_path / "run"
    cfg = sim.load_config([*TINY_3_DAYS, "run.replications=1", "experiment=single"])
    assert cfg.output.event_logs() == ()
    sim.run_experiment(cfg, out, echo=False)
    assert (out / "consignments.parquet").is_file()
    assert not list(out.glob("*eventlog*"))
    assert json.loads((out / "run.json").read_text())["event_log"] == []
