"""portclear benchmarks: measure, in one run, everything the "sweeps at scale" targets name,
and write benchmarks/RESULTS.md.

    make bench                    # full (~10 min on 2 cores): full-year, full-scale replication, ...
    BENCH_QUICK=1 make bench      # smoke run (~1-2 min), writes $TMPDIR/portclear-bench/RESULTS-quick.md

(a) a full-year, full-scale replication (`experiment=single regime=after_reform
    run.horizon_days=365 run.replications=1 run.workers=1`) as a planner runs it: wall time
    and peak RSS of the whole `python -m sim` process;
(b) resource visits per second of one replication vs the idiomatic SimPy reference model
    of a customs tandem network (benchmarks/reference.py, with a hand-written heapq loop of
    it for context), see benchmarks/visits.py;
(c) parallel efficiency of a many-job sweep on this machine's cores (joblib launcher);
(d) a cProfile of one replication;
(e) the default attribution (`experiment=attribution`: the 2015 reform's 9 measures, 8 sampled
    orderings, 64 subsets) at the quick-look size the README recommends (full scale, 14 days,
    4 replications) on this machine's cores: wall time of the whole command, and its figures.
(f) bytes written per replication for each `output.consignments` choice (full, sample, none) of a
    default comparison (28 days, full scale).
Environment: BENCH_QUICK=1, BENCH_OUT (report path), BENCH_ONLY (e.g. "a,c": sections to run; the
sections not run keep their last measurements from the .json beside the report).
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
TARGETS = {"full_year_s": 60.0, "full_year_rss_mb": 2048.0, "visit_ratio": 2.0, "parallel_efficiency": 0.85,
           "attribution_s": 600.0}
QUICK_LOOK = ["run.horizon_days=14", "run.warmup_days=4", "run.drain_days=5", "run.replications=4"]
"""The README's quick look: the whole port, a short run (demand.scale stays 1)."""
PACKAGES = ("simpy", "numpy", "pandas", "pyarrow", "scipy", "hydra-core", "omegaconf", "joblib",
            "hydra-joblib-launcher", "duckdb", "matplotlib")

if QUICK:
    FULL_YEAR = ["experiment=single", "regime=after_reform", "run.horizon_days=14", "run.warmup_days=2",
                 "run.drain_days=2", "run.replications=1", "run.workers=1", "demand.scale=0.05"]
    VISITS = {r: ["experiment=single", f"regime={r}", "demand.scale=0.05", "run.horizon_days=7", "run.warmup_days=2"]
              for r in ("after_reform", "before_reform")}
    REF_HOURS, REPEATS = 200, 1
    SWEEP = ["+sweep=officers", "run.horizon_days=4", "run.warmup_days=1", "run.drain_days=1",
             "demand.scale=0.01", "run.replications=1"]
    PROFILE = ["experiment=single", "demand.scale=0.02", "run.horizon_days=7", "run.warmup_days=2"]
    STORED = ["demand.scale=0.05", "run.horizon_days=10", "run.warmup_days=2", "run.drain_days=2",
              "run.replications=2"]
    ATTRIBUTION = ["experiment=attribution", "demand.scale=0.05", "run.horizon_days=7", "run.warmup_days=2",
                   "run.drain_days=3", "run.replications=2", "experiment.permutations=2"]
else:
    FULL_YEAR = ["experiment=single", "regime=after_reform", "run.horizon_days=365", "run.replications=1",
                 "run.workers=1"]
    VISITS = {r: ["experiment=single", f"regime={r}"] for r in ("after_reform", "before_reform")}
    REF_HOURS, REPEATS = 2000, 3
    SWEEP = ["+sweep=officers"]  # the sweep as shipped, full scale: 12 jobs of ~14 s. Smaller jobs let fixed
    # start-up costs weigh more: 82 % at quarter scale, 85-87 % at half scale (2026-11-27, history.csv)
    PROFILE = ["experiment=single", "regime=after_reform", "demand.scale=0.25"]
    STORED = ["run.replications=2"]  # the default comparison (28 days, full scale), 2 paired replications
    ATTRIBUTION = ["experiment=attribution", *QUICK_LOOK]


def python(*args, **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, **kwargs)


def checked(proc: subprocess.CompletedProcess, what: str) -> str:
    if proc.returncode != 0:
        raise SystemExit(f"benchmark {what} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout


def full_year(tmp: Path) -> dict:
    out = checked(python(str(HERE / "measure.py"), "--", sys.executable, "-m", "sim", *FULL_YEAR,
                         f"hydra.run.dir={tmp / 'full_year'}"), "(a) full year")
    result = json.loads(out)
    checked(subprocess.CompletedProcess([], result["returncode"], "", result["stderr_tail"]), "(a) python -m sim")
    result["command"] = FULL_YEAR
    run = json.loads((tmp / "full_year" / "run.json").read_text())
    result["experiment_wall_s"] = run["wall_seconds"]
    import pyarrow.parquet as pq

    result["consignments"] = pq.ParquetFile(tmp / "full_year" / "consignments.parquet").metadata.num_rows
    return result


def visits() -> dict:
    out = checked(python(str(HERE / "visits.py"), json.dumps(VISITS), str(REF_HOURS), str(REPEATS)), "(b) visits")
    result = json.loads(out)
    result["reference"] = "benchmarks/reference.py"
    return result


def parallel(tmp: Path) -> dict:
    """The same sweep three ways: basic launcher (serial, in-process), joblib with 1 and with 2 workers."""
    cores = os.cpu_count() or 1
    variants = {"basic": ["hydra/launcher=basic"], "joblib_1": ["hydra.launcher.n_jobs=1"],
                f"joblib_{cores}": [f"hydra.launcher.n_jobs={cores}"]}
    result = {"cores": cores, "sweep": SWEEP}
    for name, extra in variants.items():
        started = time.perf_counter()
        checked(python("-m", "sim", "-m", *SWEEP, *extra, f"hydra.sweep.dir={tmp / ('sweep_' + name)}"),
                f"(c) sweep {name}")
        result[name] = time.perf_counter() - started
    result["jobs"] = len(list((tmp / "sweep_basic").glob("[0-9]*")))
    parallel_s = result[f"joblib_{cores}"]
    result["efficiency_vs_basic"] = result["basic"] / (cores * parallel_s)
    result["efficiency_vs_joblib_1"] = result["joblib_1"] / (cores * parallel_s)
    return result


def profile(tmp: Path) -> dict:
    out = checked(python(str(HERE / "profile_replication.py"), json.dumps(PROFILE), "25", str(tmp / "replication")),
                  "(d) profile")
    return {"overrides": PROFILE, "text": out}


def stored_bytes(tmp: Path) -> dict:
    """The same comparison stored each way; bytes on disk per replication (one side's), by file.

    experiment.report=false: the report and its figures are written once per run, whatever the
    replication count (about 1-2 MB), so they would blur the per-replication figure."""
    from sim.store.identity import code_version

    result = {"command": STORED, "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "code": code_version(), "choices": {}}
    for choice in ("full", "sample", "none"):
        run_dir = tmp / f"stored_{choice}"
        started = time.perf_counter()
        checked(python("-m", "sim", *STORED, f"output.consignments={choice}", "experiment.report=false",
                       "run.catalog=", f"hydra.run.dir={run_dir}"), f"(e) output.consignments={choice}")
        wall = time.perf_counter() - started
        run = json.loads((run_dir / "run.json").read_text())
        sides = len(run["sides"])
        files = {p.relative_to(run_dir).as_posix(): p.stat().st_size for p in run_dir.rglob("*") if p.is_file()}
        total = sum(files.values())
        per = run["replications"] * sides
        result["choices"][choice] = {
            "total_bytes": total, "replications": run["replications"], "sides": sides, "wall_s": wall,
            "bytes_per_replication": total / per,
            "consignments_bytes": files.get("consignments.parquet", 0), "calls_bytes": files.get("calls.parquet", 0),
            "other_bytes": total - files.get("consignments.parquet", 0) - files.get("calls.parquet", 0)}
    return result


def attribution(tmp: Path) -> dict:
    """The default attribution as a planner runs it (every core, a fresh catalog): wall time of the
    whole command, the subsets run, and the headline figures it attributes."""
    cores = os.cpu_count() or 1
    out = tmp / "attribution"
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    checked(python("-m", "sim", *ATTRIBUTION, f"run.workers={cores}", f"hydra.run.dir={out}"), "(e) attribution")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command and its workers (reaped)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result = json.loads((out / "attribution.json").read_text())
    figures = {}
    for k in result["figure_kpis"]:
        r = result["kpis"][k]
        figures[k] = {"base": r["base"]["mean"], "target": r["target"]["mean"], "total": r["total"],
                      "shapley": {n: e["shapley"] for n, e in r["measures"].items()},
                      "mc_error": {n: e["shapley_mc_error"] for n, e in r["measures"].items()},
                      "interaction": r["interaction"]}
    return {"command": ATTRIBUTION, "cores": cores, "wall_s": wall, "cpu_s": cpu, "subsets": len(result["subsets"]),
            "method": result["method"], "measures": result["measures"], "orderings": len(result["orderings"] or []),
            "overloaded": result["overloaded_subsets"], "figures": figures, "load_after": load()}


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), "0") if Path("/proc/meminfo").exists() else "0"
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = "-"
    from sim.store.identity import code_version

    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": int(mem) / 1024 ** 2, "python": platform.python_version(),
            "platform": platform.platform(), "packages": packages, "code": code_version(),
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def load() -> str:
    return Path("/proc/loadavg").read_text().strip() if Path("/proc/loadavg").exists() else "n/a"


SECTIONS = {"a": "full_year", "b": "visits", "c": "parallel", "d": "profile", "e": "attribution", "f": "stored_bytes"}


def main() -> None:
    only = set(filter(None, os.environ.get("BENCH_ONLY", ",".join(SECTIONS)).split(",")))
    quick_out = Path(tempfile.gettempdir()) / "portclear-bench" / "RESULTS-quick.md"
    out = Path(os.environ.get("BENCH_OUT", quick_out if QUICK else HERE / "RESULTS.md"))
    out.parent.mkdir(parents=True, exist_ok=True)
    results = {"quick": QUICK, "machine": machine(), "load_before": load()}
    previous = out.with_suffix(".json")
    if only != set(SECTIONS) and previous.exists():  # a partial run keeps the other sections' last numbers
        kept = json.loads(previous.read_text())
        if kept.get("quick") == QUICK:
            names = [name for key, name in SECTIONS.items() if key not in only and name in kept]
            results.update({name: kept[name] for name in names})
            results["kept"] = kept.get("kept") or {"sections": names, "date": kept["machine"]["date"],
                                                   "code": kept["machine"]["code"], "load": kept.get("load_before")}
            results["kept"]["sections"] = names
    with tempfile.TemporaryDirectory(prefix="portclear-bench-") as tmp:
        tmp = Path(tmp)
        for key, name, fn in (("a", "full_year", lambda: full_year(tmp)), ("b", "visits", visits),
                              ("c", "parallel", lambda: parallel(tmp)), ("d", "profile", lambda: profile(tmp)),
                              ("e", "attribution", lambda: attribution(tmp)),
                              ("f", "stored_bytes", lambda: stored_bytes(tmp))):
            if key in only:
                print(f"== ({key}) {name}", file=sys.stderr, flush=True)
                started = time.perf_counter()
                results[name] = fn()
                print(f"   {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    results["load_after"] = results.get("load_after") if set(only) == {"e"} else load()
    out.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")
    from report import render

    out.write_text(render(results, TARGETS))
    print(f"wrote {out} and {out.with_suffix('.json')}", file=sys.stderr)


if __name__ == "__main__":
    main()
