"""What a warm start does with each status of the example snapshot, read off one short run.

scenarios/dalian/snapshot_example.csv is taken on Wednesday 8 July 2015, 06:00: hour 54 of the
model's week (output.event_log_start is Monday 6 July). `snapshot_box` names each box row by its
position among the file's box rows."""
from __future__ import annotations

import csv

import numpy as np
import pytest
from conftest import REPO

import sim
from sim.domain import Channel, Station
from sim.model.port import simulate

EXAMPLE = REPO / "scenarios" / "dalian" / "snapshot_example.csv"
T0 = 54.0


@pytest.fixture(scope="module")
def run():
    cfg = sim.load_config(overrides=[f"run.initial_state={EXAMPLE}", "run.warmup_days=0", "run.horizon_days=2",
                                     "run.drain_days=2"])
    rep = simulate(cfg, cfg.regime, 0)
    table = rep.consignments.to_pandas()
    lines = [line for line in EXAMPLE.read_text().splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(lines))
    boxes = [r["id"] for r in rows if r["item"] == "box"]
    named = table[table["snapshot_box"] >= 0].sort_values("snapshot_box")
    assert list(named["snapshot_box"]) == list(range(len(boxes)))
    by_id = dict(zip(boxes, named.to_dict("records")))
    return rep, table, by_id, rows


def test_the_run_starts_when_the_snapshot_was_taken(run):
    rep, table, by_id, _ = run
    assert rep.start_hours == rep.warmup_hours == T0
    assert rep.end_hours == T0 + 4 * 24
    assert int(table["from_snapshot"].sum()) > len(by_id)  # the boxes and what the vessels still discharge


def test_a_box_at_a_station_is_served_there_from_the_snapshot_without_drayage(run):
    _, _, by_id, _ = run
    b = by_id["I-0006"]  # physical inspection, red channel
    assert b["channel"] == Channel.RED.code and b["station"] == Station.PHYSICAL.code
    assert b["inspection_ordered"] == b["inspection_queued"] == T0
    assert b["inspection_start"] >= T0 and b["released"] > b["inspection_end"] >= b["inspection_start"]
    q = by_id["I-0008"]  # at CIQ's quarantine station alone: no customs visit
    assert q["quarantine_queued"] == T0 and np.isnan(q["inspection_start"]) and q["channel"] != Channel.RED.code
    j = by_id["I-0009"]  # the joint visit
    assert j["joint_inspection"] == 1 and j["inspection_queued"] == T0


def test_lodged_declarations_are_checked_after_the_snapshot_and_released_ones_are_not_checked_again(run):
    _, _, by_id, _ = run
    lodged = by_id["I-0004"]
    assert lodged["lodged"] == T0 - 2.0 and lodged["accepted"] >= T0 and lodged["doc_check_start"] >= T0
    waiting = by_id["I-0001"]
    assert waiting["lodged"] >= T0
    done = by_id["I-0010"]
    assert done["released"] == T0 - 4.0 and done["lodged"] == T0 - 20.0
    assert np.isnan(done["doc_check_start"]) and np.isnan(done["inspection_ordered"])
    assert done["out"] > T0 and done["in_yard"] == T0 - 50.0


def test_vessels_keep_their_berth_or_queue_and_load_their_exports(run):
    rep, table, by_id, rows = run
    calls = rep.calls.to_pandas()
    at_berth = calls[(calls["berthed"] < T0)]
    assert sorted(at_berth["berthed"].round(6)) == [T0 - 5.5, T0 - 1.0]
    anchor = calls[np.isclose(calls["arrival"], T0 - 3.0)]
    assert len(anchor) == 1 and anchor["berthed"].iloc[0] >= T0
    jp = calls[np.isclose(calls["berthed"], T0 - 1.0)].iloc[0]
    cargo = table[(table["call_id"] == jp["call_id"]) & (table["direction"] != 1)]
    assert int(cargo["boxes"].sum()) == 180 and (cargo["in_yard"] >= T0).all() and (cargo["from_snapshot"] == 1).all()
    e = by_id["E-0005"]  # released, on V-JP1-0708 at berth
    assert e["call_id"] == jp["call_id"] and T0 <= e["loaded"] <= jp["departed"]
    # it still makes all its 150 loading moves at the rate it discharged its 180 (not just the snapshot's boxes)
    assert jp["departed"] - jp["discharge_end"] >= 150 / 180 * (jp["discharge_end"] - T0)


def test_the_config_hash_follows_the_snapshots_content_not_its_path(tmp_path):
    from sim.store.identity import config_hash

    copy = tmp_path / "copy.csv"
    copy.write_text(EXAMPLE.read_text())
    same = [sim.load_config(overrides=[f"run.initial_state={p}", "run.warmup_days=0"]) for p in (EXAMPLE, copy)]
    assert config_hash(same[0]) == config_hash(same[1])
    copy.write_text(EXAMPLE.read_text().replace("I-0001,awaiting_declaration,2015-07-08T06:00,20.0",
                                                "I-0001,awaiting_declaration,2015-07-08T06:00,19.0"))
    changed = sim.load_config(overrides=[f"run.initial_state={copy}", "run.warmup_days=0"])
    assert config_hash(changed) != config_hash(same[0])


def test_a_parquet_snapshot_reads_as_its_csv(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sim.config.snapshot import read_snapshot

    lines = [line for line in EXAMPLE.read_text().splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(lines))
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "snapshot.parquet")
    a, b = (read_snapshot(sim.load_config(overrides=[f"run.initial_state={p}", "run.warmup_days=0"]))
            for p in (EXAMPLE, tmp_path / "snapshot.parquet"))
    assert a.start_hours == b.start_hours == T0 and a.box_id == b.box_id and a.vessel_id == b.vessel_id
    for name in ("status", "hours_in_status", "hours_in_port", "channel", "mode", "export_vessel", "discharge_moves"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
