"""portclear: a discrete-event simulation of customs clearance and intermodal flows at a
container port, with paired before/after comparisons of clearance regimes.

The public API, for notebooks, scripts and tests (the command line is `python -m sim`):

    import sim
    overrides = ["regime.officers=60", "run.horizon_days=14"]
    cfg = sim.load_config(overrides)                                    # Hydra overrides, validated
    stats = sim.run_experiment(cfg, "results/what-if", overrides=overrides)  # files, run.json, catalog row
    cfg = sim.load_config(["regime=my_whatif"], config_dir="~/whatifs")  # with a folder of one's own
    run = sim.open_run("results/what-if")                               # a stored run: config, KPIs, tables
    rep = sim.simulate(cfg, cfg.regime, replication=0)                  # one replication in memory
    sim.write_report(run.path)                                          # report.html
    sim.targets_table(sim.check_targets(run))                           # the model against the record
    sim.collect("officers"); sim.compare(run_a, run_b)                  # the catalog of runs
    sim.paired_sweep(sim.sweep_replications(runs, kpis), ["regime.officers"])  # each point minus the reference, paired
    sim.run_label(run)                                                  # 'officers=50': what changed
    sim.run_study(["experiment=attribution"], "results/attribution")    # a timeline or attribution study

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
    "run_experiment": ("sim.runs.recorded", "run_experiment"),
    "run_study": ("sim.cli.study", "run_study"),
    "open_run": ("sim.store.rundir", "load_run"),
    "sweep_table": ("sim.store.rundir", "sweep_table"),
    "sweep_replications": ("sim.store.rundir", "sweep_replications"),
    "paired_sweep": ("sim.outputs.sweeps", "paired_sweep"),
    "list_runs": ("sim.store.queries", "list_runs"),
    "collect": ("sim.store.queries", "collect"),
    "compare": ("sim.store.queries", "compare"),
    "NotPaired": ("sim.store.queries", "NotPaired"),
    "prune": ("sim.store.queries", "prune"),
    "run_label": ("sim.store.identity", "run_label"),
    "write_report": ("sim.viz.report", "write_report"),
    "open_study": ("sim.uncertainty.sensitivity", "load_study"),
    "check_targets": ("sim.calibration.targets", "run_checks"),
    "targets_table": ("sim.calibration.targets", "checks_table"),
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
