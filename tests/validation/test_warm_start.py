"""A warm start reproduces the run its snapshot was taken from (issue: observed state in).

A run drawn week by week (as a warm start draws its new traffic) is snapshotted at hour T
(`sim.outputs.snapshot`) and restarted from that snapshot with the same seed. The new arrivals
must be the same ships and cargo; their milestones may move only through what the snapshot cannot
carry (sim/model/warmstart.py): the snapshot's items restart the step they are in with a fresh
draw, and the vessels at berth work at a freshly drawn rate, so the berths, the officers and the
out-gate they share with the new arrivals shift some of those a little. The tolerance on that
shift is a fraction of the replication-to-replication spread of the same mean, measured here."""
from __future__ import annotations

import csv

import numpy as np
import pytest

import sim
from sim.model.demand import generate_weeks
from sim.model.port import simulate
from sim.outputs.snapshot import snapshot_rows

T = 200.0  # Tuesday of the second week, 08:00
BASE = ["run.warmup_days=0", "run.horizon_days=10", "run.drain_days=4"]
WARM = ["run.warmup_days=0", "run.horizon_days=3", "run.drain_days=1"]
REPLICATIONS = (0, 1, 2)


def _original(cfg, rep):
    calls, cons, _ = generate_weeks(cfg.demand, cfg.port, 0, 3, cfg.run.seed, rep)
    return simulate(cfg, cfg.regime, rep, traffic=(calls, cons))


def _write(rows, path):
    cols = sorted({k for r in rows for k in r})
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)


def _new_imports(cons, calls, lo, hi):
    m = cons[cons["direction"] == 0].merge(calls[["call_id", "service", "scheduled"]], on="call_id")
    m = m[(m["vessel_arrival"] >= lo) & (m["vessel_arrival"] < hi)]
    return m.sort_values(["service", "scheduled", "consignment_id"]).reset_index(drop=True)  # ids keep a call's order


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    cfg = sim.load_config(overrides=BASE)
    out = []
    for rep in REPLICATIONS:
        o = _original(cfg, rep)
        oc, ok = o.consignments.to_pandas(), o.calls.to_pandas()
        rows = snapshot_rows(oc, ok, T, list(cfg.port.destinations), list(cfg.demand.services) + ["irregular"],
                             list(cfg.port.terminals), cfg.output.event_log_start)
        path = tmp_path_factory.mktemp(f"snap{rep}") / "snapshot.csv"
        _write(rows, path)
        wcfg = sim.load_config(overrides=WARM + [f"run.initial_state={path}"])
        w = simulate(wcfg, wcfg.regime, rep)
        out.append((oc, ok, w.consignments.to_pandas(), w.calls.to_pandas(), w, rows))
    return out


def test_the_restart_starts_at_the_snapshot_and_carries_its_items(pairs):
    for oc, ok, wc, wk, w, rows in pairs:
        assert w.start_hours == pytest.approx(T) and w.warmup_hours == pytest.approx(T)
        boxes = sum(r["item"] == "box" for r in rows)
        assert boxes > 1000
        in_yard = (wc["from_snapshot"] == 1) & ((wc["call_id"] == -1) | (wc["direction"] == 1))
        assert int(in_yard.sum()) == boxes
        # nothing of theirs happens before the snapshot that the snapshot did not say
        for col in ("out", "loaded", "inspection_start", "doc_check_start"):
            assert not (wc.loc[in_yard, col] < T).any(), col


def test_new_arrivals_are_the_same_ships_and_cargo(pairs):
    for oc, ok, wc, wk, w, _ in pairs:
        on = ok[(ok["arrival"] >= T) & (ok["arrival"] < w.end_hours)].sort_values(["service", "scheduled"])
        wn = wk[(wk["arrival"] >= T) & (wk["arrival"] < w.end_hours)].sort_values(["service", "scheduled"])
        np.testing.assert_array_equal(on["arrival"].to_numpy(), wn["arrival"].to_numpy())
        oi = _new_imports(oc, ok, T, w.end_hours)
        wi = _new_imports(wc[wc["from_snapshot"] == 0], wk, T, w.end_hours)
        assert len(oi) == len(wi) > 1000
        np.testing.assert_array_equal(oi["boxes"].to_numpy(), wi["boxes"].to_numpy())
        np.testing.assert_array_equal(oi["cargo_class"].to_numpy(), wi["cargo_class"].to_numpy())
        # lodging depends on the arrival and the trader's own draws only (a few on the discharge time)
        both = oi["lodged"].notna() & wi["lodged"].notna()
        assert np.isclose(oi.loc[both, "lodged"], wi.loc[both, "lodged"], atol=1e-6).mean() > 0.98


def test_new_arrivals_milestones_move_only_within_the_replication_spread(pairs):
    """Mean hours from vessel arrival to customs release and to leaving the port, of the new imports
    done before the restart's end in both runs: the restart's minus the original's, per replication,
    must be under a quarter of the original's replication-to-replication SD of that mean."""
    for col in ("released", "out"):
        means, shifts = [], []
        for oc, ok, wc, wk, w, _ in pairs:
            oi = _new_imports(oc, ok, T, w.end_hours)
            wi = _new_imports(wc[wc["from_snapshot"] == 0], wk, T, w.end_hours)
            done = (oi[col] < w.end_hours) & (wi[col] < w.end_hours)
            a = (oi.loc[done, col] - oi.loc[done, "vessel_arrival"]).to_numpy()
            b = (wi.loc[done, col] - wi.loc[done, "vessel_arrival"]).to_numpy()
            means.append(a.mean())
            shifts.append(b.mean() - a.mean())
        spread = float(np.std(means, ddof=1))
        print(col, "means", np.round(means, 3), "shifts", np.round(shifts, 3), "spread", round(spread, 3))
        assert max(abs(s) for s in shifts) < 0.25 * spread, (col, shifts, spread)
