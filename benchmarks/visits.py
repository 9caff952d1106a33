"""Resource visits per second: one portclear replication vs the SimPy reference model.

usage: python benchmarks/visits.py OVERRIDES_JSON REF_HOURS REPEATS ENGINES_DIR

A *resource visit* is one completed service at a capacity-limited SimPy resource:
  - berth: a vessel call that berthed and departed (one berth request per call),
  - officer: a document check (yellow and red declarations) that finished,
  - inspection: a scan or physical inspection that finished (one bay visit each).
They are counted from the replication's own tables. The reference (shared/bench/engines,
a tandem customs network) counts visits the same way: doc check + release per departed
entity, plus inspection for routed ones. Both timed regions cover building the model,
simulating and collecting one record per entity; imports are excluded. Our region also
draws all random numbers and builds the Arrow tables (simulate() does both).
For context it also reports SimPy events scheduled per second (every timeout, request,
release and process step the engine handles), read from each Environment's event counter.
Prints one JSON object.
"""
import gc
import json
import statistics
import sys
import time
from pathlib import Path

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
    from hydra import compose, initialize_config_dir

    from sim.__main__ import CONFIG_DIR, to_config
    from sim.model.port import simulate

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = to_config(compose(config_name="config", overrides=overrides))
    gc.collect()
    started = time.perf_counter()
    rep = simulate(cfg, cfg.regime, 0)
    wall = time.perf_counter() - started
    cons = rep.consignments.select(["doc_check_end", "inspection_end"]).to_pandas()
    calls = rep.calls.select(["departed"]).to_pandas()
    visits = {"berth": int(calls["departed"].notna().sum()),
              "officer": int(cons["doc_check_end"].notna().sum()),
              "inspection": int(cons["inspection_end"].notna().sum())}
    return {"wall_s": wall, "visits": visits, "consignments": rep.consignments.num_rows, "calls": rep.calls.num_rows,
            "simpy_events": _events(ENVIRONMENTS.pop())}


def reference(engine: str, hours: float) -> dict:
    import common

    eng = __import__(f"eng_{engine}")
    gc.collect()
    started = time.perf_counter()
    records, n_arrivals = eng.run(hours, common.WARMUP_HOURS, 12345)
    wall = time.perf_counter() - started
    a = np.asarray(records, dtype=float)
    visits = 2 * a.shape[0] + int(np.count_nonzero(~np.isnan(a[:, 2])))
    return {"wall_s": wall, "visits": visits, "entities": int(a.shape[0]),
            "simpy_events": _events(ENVIRONMENTS.pop()) if engine == "simpy" else None}


def main() -> None:
    overrides, ref_hours, repeats, engines = json.loads(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    have_ref = Path(engines, "eng_simpy.py").is_file()
    if have_ref:
        sys.path.insert(0, engines)
    runs = {"ours": [], "simpy": [], "heapq": []}
    for _ in range(repeats):  # interleaved, so drifting machine load hits all alike
        runs["ours"].append(our_replication(overrides))
        if have_ref:
            runs["simpy"].append(reference("simpy", ref_hours))
            runs["heapq"].append(reference("heapq", ref_hours))
    out = {}
    for name, results in runs.items():
        if not results:
            continue
        rates = [sum(r["visits"].values()) / r["wall_s"] if name == "ours" else r["visits"] / r["wall_s"] for r in results]
        out[name] = {"visits_per_s": statistics.median(rates), "runs": results}
        if results[0]["simpy_events"]:
            out[name]["events_per_s"] = statistics.median(r["simpy_events"] / r["wall_s"] for r in results)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
