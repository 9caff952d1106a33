"""cProfile of one replication (simulate + KPIs), top entries by own time and by cumulative time.

usage: python benchmarks/profile_replication.py OVERRIDES_JSON TOP OUT_PREFIX
Writes OUT_PREFIX.pstats and prints the two tables.
"""
import cProfile
import io
import json
import pstats
import sys


def main() -> None:
    import sim
    from sim.domain.sides import Side
    from sim.experiment.replications import Job, run_job

    overrides, top, prefix = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    cfg = sim.load_config(overrides)
    profiler = cProfile.Profile()
    profiler.enable()
    run_job(cfg, Job(Side.SINGLE, cfg.regime, 0), None)
    profiler.disable()
    profiler.dump_stats(prefix + ".pstats")
    for key in ("tottime", "cumulative"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).strip_dirs().sort_stats(key).print_stats(top)
        body = text.getvalue()
        print(f"### sorted by {key}\n" + body[body.index("ncalls") if "ncalls" in body else 0:].rstrip() + "\n")


if __name__ == "__main__":
    main()
