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
    from hydra import compose, initialize_config_dir

    from sim.cli.compose import CONFIG_DIR, to_config
    from sim.domain.sides import Side
    from sim.experiment.replications import Job, run_job

    overrides, top, prefix = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = to_config(compose(config_name="config", overrides=overrides))
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
