"""portclear: a discrete-event simulation of customs clearance and intermodal flows at a
container port, with paired before/after comparisons of clearance regimes.

The public API, for notebooks, scripts and tests (the command line is `python -m sim`):

    import sim
    cfg = sim.load_config(["run.horizon_days=14", "run.replications=4"])  # Hydra overrides, validated
    stats = sim.run_experiment(cfg, "results/what-if")                  # any experiment kind, files written
    run = sim.open_run("results/what-if")                               # a stored run: config, KPIs, tables
    rep = sim.simulate(cfg, cfg.regime, replication=0)                  # one replication in memory
    sim.write_report(run.path)                                          # report.html
    sim.collect("officers"); sim.compare(run_a, run_b)                  # the catalog of runs

Names resolve on first use, so `import sim` stays cheap and imports neither Hydra nor
matplotlib until they are needed.
"""
from __future__ import annotations

import importlib

_API = {
    "load_config": ("sim.cli.compose", "compose_config"),
    "Config": ("sim.config", "Config"),
    "ConfigError": ("sim.config", "ConfigError"),
    "validate": ("sim.config", "validate"),
    "simulate": ("sim.model.port", "simulate"),
    "run_experiment": ("sim.runs.kinds", "run_experiment"),
    "open_run": ("sim.store.rundir", "load_run"),
    "sweep_table": ("sim.store.rundir", "sweep_table"),
    "list_runs": ("sim.store.queries", "list_runs"),
    "collect": ("sim.store.queries", "collect"),
    "compare": ("sim.store.queries", "compare"),
    "write_report": ("sim.viz.report", "write_report"),
}
__all__ = sorted(_API)


def __getattr__(name: str):
    try:
        module, attribute = _API[name]
    except KeyError:
        raise AttributeError(f"module 'sim' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # resolved once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
