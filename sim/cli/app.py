"""`python -m sim`: the Hydra entry. Only `sim.cli` imports Hydra.

Composition errors (unknown keys, wrong types, unknown group options) are caught
by composing once before Hydra's own run, so every bad input ends as one line
naming the key, exit status 2, and no results directory. With `-m`, every point of
the sweep is checked that way first. Hydra's state (run or sweep job, overrides)
becomes a plain RunContext for sim.runs.runner.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.cli.compose import CONFIG_DIR, to_config
from sim.cli.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, fail, write_error
from sim.cli.preflight import preflight
from sim.cli.searchpath import describe_dirs, split_config_dirs, user_dirs, with_config_dirs
from sim.config import ConfigError
from sim.config.stability import overload_warnings, scale_warnings
from sim.domain.sides import STUDY_KINDS
from sim.experiment.progress import EXIT_BROKEN_PIPE, STDOUT_CLOSED, stdout_gone


@hydra.main(config_path=CONFIG_DIR, config_name="config", version_base="1.3")
def app(cfg: DictConfig):
    from hydra.types import RunMode

    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    multirun = hc.mode == RunMode.MULTIRUN
    try:
        config = to_config(cfg)
    except ConfigError as e:
        _remove_if_empty(out_dir)
        if multirun and cfg.get("optimise") and cfg.optimise.objectives:  # a trial the checks refuse
            return _refused_trial(cfg, hc, out_dir, str(e))
        _fail_job(str(e), multirun, hc)
        return
    for line in scale_warnings(config) + overload_warnings(config):
        print(f"warning: {line}", file=sys.stderr, flush=True)
    if config.experiment.kind in STUDY_KINDS:
        _run_study(cfg, config, out_dir, user_dirs(hc.runtime.config_sources))
        return
    from sim.runs.runner import RunContext, execute

    context = RunContext(
        run_dir=out_dir, resolved_yaml=OmegaConf.to_yaml(cfg, resolve=True), overrides=list(hc.overrides.task),
        multirun=multirun, sweep_dir=str(Path(hc.sweep.dir).resolve()) if multirun else None,
        job_num=hc.job.num if multirun else None,
        sweep=str(hc.runtime.choices.get("sweep") or hc.runtime.choices.get("optimise") or ""),
        config_dirs=describe_dirs(user_dirs(hc.runtime.config_sources)),
        regime_changes=_regime_changes(cfg), searched=_searched(hc),
    )
    try:
        if config.optimise.objectives:  # a trial of `+optimise=NAME`: Optuna's sweeper reads the return value
            from sim.runs.trial import run_trial

            result = run_trial(config, context)
            return result.values[0] if len(result.values) == 1 else list(result.values)
        execute(config, context)
    except ConfigError as e:  # found at run time (e.g. run.precision_kpi); nothing written
        _remove_if_empty(out_dir)
        _fail_job(str(e), multirun, hc)
    except KeyboardInterrupt:
        fail(f"interrupted; {out_dir} is incomplete (run.json says so)", EXIT_INTERRUPTED)
    except OSError as e:  # a full disk, a directory removed under the run: run.json never says complete
        _fail_job(write_error(e, out_dir), multirun, hc, 1)


def _run_study(cfg: DictConfig, config, out_dir: Path, dirs) -> None:
    """A timeline or attribution: its variants composed here, run by sim.runs.study."""
    from sim.cli.study import build_study
    from sim.runs.study import execute_study

    try:
        study = build_study(cfg, config, dirs)
    except ConfigError as e:
        _remove_if_empty(out_dir)
        fail(str(e))
    try:
        execute_study(config, study, out_dir, OmegaConf.to_yaml(cfg, resolve=True))
    except KeyboardInterrupt:
        fail(f"interrupted; {out_dir} is incomplete", EXIT_INTERRUPTED)
    except OSError as e:
        fail(write_error(e, out_dir), 1)


def _refused_trial(cfg: DictConfig, hc, out_dir: Path, message: str):
    """An optimisation's point refused by the checks (an overloaded pool): scored infeasible, so
    the study carries on (sim.runs.trial.refused_trial); the line says why."""
    from sim.runs.runner import RunContext
    from sim.runs.trial import refused_trial

    print(f"[job {hc.job.num}] {' '.join(hc.overrides.task)}: refused ({' '.join(message.split())}); "
          "scored as infeasible", file=sys.stderr, flush=True)
    context = RunContext(run_dir=out_dir, overrides=list(hc.overrides.task), multirun=True,
                         sweep_dir=str(Path(hc.sweep.dir).resolve()), job_num=hc.job.num,
                         sweep=str(hc.runtime.choices.get("optimise") or ""), searched=_searched(hc))
    values = refused_trial(OmegaConf.to_container(cfg, resolve=True), context, message)
    return values[0] if len(values) == 1 else values


def _searched(hc) -> list:
    """The keys Optuna's sweeper searches (its `params`); none for other sweepers."""
    params = hc.sweeper.get("params") if "optuna" in str(hc.sweeper.get("_target_", "")) else None
    return [str(k) for k in (params or {})]


def _regime_changes(cfg: DictConfig) -> dict:
    """Each side's departures from its published regime (sim.cli.published), for the targets."""
    from hydra import compose

    from sim.cli.published import regime_departures

    return regime_departures(cfg, lambda name: compose(config_name=f"regime/{name}"))


def _fail_job(message: str, multirun: bool, hc, code: int = EXIT_BAD_INPUT) -> None:
    """A single run exits with one line; a sweep job prints its line and lets the other jobs
    finish (main() then reports the failed jobs and exits non-zero)."""
    if not multirun:
        fail(message, code)
    print(f"error: job {hc.job.num} ({' '.join(hc.overrides.task)}): {' '.join(message.split())}",
          file=sys.stderr, flush=True)


def _remove_if_empty(path: Path) -> None:
    """Remove the output directory Hydra made for a run that never started (only if empty).

    Also the empty date directory of the default `results/<date>/<time>` layout, but never
    any other parent: with `hydra.run.dir=...` the parent is the user's, not ours.
    """
    try:
        path.rmdir()
        parent = path.parent
        if parent.parent.name == "results" and not any(parent.iterdir()):
            parent.rmdir()
    except OSError:
        pass


def main() -> None:
    try:  # `--config-dir DIR` becomes the one `hydra.searchpath` override every job inherits
        rest, dirs = split_config_dirs(sys.argv[1:])
        argv = with_config_dirs(rest, dirs)
    except ConfigError as e:
        fail(str(e))
    sys.argv[1:] = argv
    preflight(argv)
    # Hydra logs a sweep's jobs to stdout; once a reader has gone (`| head`), a failed log line
    # is dropped instead of printing a traceback per line (the runs carry on and complete).
    logging.raiseExceptions = False
    app()
    _end_output()
    failed = _failed_sweep_jobs()
    if failed:
        fail(failed, 1)
    if STDOUT_CLOSED["closed"]:
        sys.exit(EXIT_BROKEN_PIPE)


def _end_output() -> None:
    """Flush stdout now, while a closed pipe (`| head`) can still be met quietly: the run's status
    was already set from its work (sim.runs.runner), never from whether its table could be printed."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        stdout_gone()


def _failed_sweep_jobs() -> str | None:
    from sim.cli.sweeps import LAST_SWEEP

    if not LAST_SWEEP or not LAST_SWEEP.get("failed"):
        return None
    failed, total = LAST_SWEEP["failed"], LAST_SWEEP["total"]
    first = failed[0]
    return (f"{len(failed)} of {total} sweep jobs failed (job {first['job']}: {first['error']}); "
            f"see {LAST_SWEEP['sweep_dir']}")


