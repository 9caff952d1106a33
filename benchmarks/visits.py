"""Resource visits per second: one portclear replication vs the SimPy reference model.

usage: python benchmarks/visits.py CASES_JSON REF_HOURS REPEATS

CASES_JSON: {case name: overrides} - one portclear replication per case (e.g. per regime).

A *resource visit* is one completed service at a capacity-limited server, whichever way
the model runs it (SimPy resource, or a closed-form queue where nothing feeds back):
  - berth: a vessel call that berthed and departed (one berth request per call),
  - officer: a document check (yellow and red declarations) at the port that finished,
  - inspection: a customs scan or physical (or joint) inspection that finished,
  - ciq_fumigation: a separate CIQ quarantine visit or a fumigation that finished,
  - inland_office: a second declaration cleared at an inland customs office (at least one
    service there; the table does not say whether it also saw an inspection bay),
  - in_gate / out_gate: a truck through an in-gate or out-gate lane (FIFO lanes),
  - reefer_plug: a reefer box that got a plug (a plug is held until the box leaves),
  - rail_loading: a block train loaded on one of the port's loading tracks.
The first three are the customs steps (the only ones counted before 2026-11-27); the
reference (benchmarks/reference.py, with a hand-written heapq loop of the same network for
context) counts the same kind of thing for its entities: doc check + release per departed
entity, plus inspection for routed ones. All counts come from the replication's own tables.
Both timed regions cover building the model, simulating and collecting one record per
entity; imports are excluded. Ours also draws all random numbers and builds the Arrow
tables (simulate() does both).
For context it also reports SimPy events scheduled per second (every timeout, request,
release and process step the engine handles), read from each Environment's event counter.
Prints one JSON object.
"""
import gc
import json
import statistics
import sys
import time

import numpy as np


def _capture_environments() -> list:
    """Keep every simpy.Environment created from now on (benchmark-only instrumentation)."""
    import simpy

    created = []
    init = simpy.Environment.__init__

    def keep(self, *args, **kwargs):
        init(self, *args, **kwargs)
        created.append(self)

    simpy.Environment.__init__ = keep
    return created


ENVIRONMENTS = _capture_environments()


def _events(env) -> int:
    return next(env._eid)  # SimPy's running event id: events scheduled so far


def our_replication(overrides: list[str]) -> dict:
    import sim

    cfg = sim.load_config(overrides)
    gc.collect()
    started = time.perf_counter()
    rep = sim.simulate(cfg, cfg.regime, 0)
    wall = time.perf_counter() - started
    return {"wall_s": wall, "visits": count_visits(rep), "consignments": rep.consignments.num_rows,
            "calls": rep.calls.num_rows, "simpy_events": _events(ENVIRONMENTS.pop())}


CUSTOMS_STEPS = ("berth", "officer", "inspection")


def count_visits(rep) -> dict:
    """Completed services per capacity-limited server (see the module docstring)."""
    from sim.domain import Direction, Mode

    c = {name: rep.consignments[name].to_numpy(zero_copy_only=False) for name in (
        "direction", "mode", "destination", "quarantine", "joint_inspection", "fumigation", "doc_check_end",
        "inspection_end", "quarantine_end", "fumigation_end", "inland_released", "gate_in", "out", "plugged")}
    done = {name: ~np.isnan(c[name]) for name in ("doc_check_end", "inspection_end", "quarantine_end",
                                                   "fumigation_end", "inland_released", "gate_in", "out", "plugged")}
    export = c["direction"] == Direction.EXPORT.code
    truck, rail = c["mode"] == Mode.TRUCK.code, c["mode"] == Mode.RAIL.code
    trains = ~export & rail & done["out"]  # boxes that left on a train: one train per (corridor, departure)
    return {
        "berth": int(np.count_nonzero(~np.isnan(rep.calls["departed"].to_numpy(zero_copy_only=False)))),
        "officer": int(done["doc_check_end"].sum()),
        "inspection": int(done["inspection_end"].sum()),
        "ciq_fumigation": int((done["quarantine_end"] & (c["quarantine"] == 1) & (c["joint_inspection"] == 0)).sum()
                              + (done["fumigation_end"] & (c["fumigation"] == 1)).sum()),
        "inland_office": int(done["inland_released"].sum()),
        "in_gate": int((export & truck & done["gate_in"] & (c["gate_in"] >= 0)).sum()),
        "out_gate": int((~export & truck & done["out"]).sum()),
        "reefer_plug": int(done["plugged"].sum()),
        "rail_loading": len(set(zip(c["destination"][trains].tolist(), c["out"][trains].tolist()))),
    }


def reference_run(engine: str, hours: float) -> dict:
    import reference

    run = {"simpy": reference.run_simpy, "heapq": reference.run_heapq}[engine]
    gc.collect()
    started = time.perf_counter()
    records, n_arrivals = run(hours, reference.WARMUP_HOURS, 12345)
    wall = time.perf_counter() - started
    a = np.asarray(records, dtype=float)
    visits = 2 * a.shape[0] + int(np.count_nonzero(~np.isnan(a[:, 2])))
    return {"wall_s": wall, "visits": visits, "entities": int(a.shape[0]),
            "simpy_events": _events(ENVIRONMENTS.pop()) if engine == "simpy" else None}


def main() -> None:
    cases, ref_hours, repeats = json.loads(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    runs = {**{f"ours:{case}": [] for case in cases}, "simpy": [], "heapq": []}
    our_replication(next(iter(cases.values())))  # untimed: lazy imports and first-call costs
    for _ in range(repeats):  # interleaved, so drifting machine load hits all alike
        for case, overrides in cases.items():
            runs[f"ours:{case}"].append(our_replication(overrides))
        runs["simpy"].append(reference_run("simpy", ref_hours))
        runs["heapq"].append(reference_run("heapq", ref_hours))
    out = {}
    for name, results in runs.items():
        if not results:
            continue
        ours = name.startswith("ours:")
        rates = [sum(r["visits"].values()) / r["wall_s"] if ours else r["visits"] / r["wall_s"] for r in results]
        out[name] = {"visits_per_s": statistics.median(rates), "runs": results}
        if ours:
            out[name]["customs_visits_per_s"] = statistics.median(
                sum(r["visits"][k] for k in CUSTOMS_STEPS) / r["wall_s"] for r in results)
        if results[0]["simpy_events"]:
            out[name]["events_per_s"] = statistics.median(r["simpy_events"] / r["wall_s"] for r in results)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
