"""Pre-flight: compose and validate every run (or sweep point) and check the output
directory before Hydra creates anything, so bad input leaves no directory behind."""
from __future__ import annotations

from pathlib import Path

from sim.cli.compose import CONFIG_DIR, to_config
from sim.cli.errors import describe, fail, launcher_hint
from sim.cli.searchpath import SEARCHPATH
from sim.config import ConfigError
from sim.config.validation import check_event_log

MULTIRUN_FLAGS = ("-m", "--multirun")


def _check_point(overrides: list[str]) -> str | None:
    """One run's overrides composed and validated (Hydra initialised by the caller)."""
    from hydra import compose
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = []
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
        composed = compose(config_name="config", overrides=overrides)
        config = to_config(composed)
        from sim.cli.study import build_study, dirs_of

        build_study(composed, config, dirs_of(overrides))  # a study's regimes and measures: composed and validated too
        return _group_added_twice(parsed)
    except ConfigError as e:
        return str(e)
    except Exception as e:  # noqa: BLE001 - every composition failure becomes one line
        return describe(e, parsed)


def _group_added_twice(parsed) -> str | None:
    """`+regime=<option>` when the defaults list already selects that option. Hydra refuses
    `+group=option` for a group already chosen only when the option is a single file; a regime
    composed from measures (a defaults list of its own) slips through, so it is checked here
    against the groups chosen without the '+' overrides (one extra composition, only then)."""
    from hydra import compose

    from sim.cli.errors import _label

    added = [o for o in parsed if o.is_add() and "." not in o.key_or_group]
    if not added:
        return None
    others = [o.input_line for o in parsed if o not in added]
    chosen = compose(config_name="config", overrides=others, return_hydra_config=True).hydra.runtime.choices
    for o in added:
        if _label(o) in chosen:
            return (f"{_label(o)}: already in the defaults list; '+' only adds new groups, "
                    f"so write {o.input_line.lstrip('+')}")
    return None


def first_config_error(overrides: list[str]) -> str | None:
    """The first problem with these overrides as one line (no `error: ` prefix), or None.

    Pure (no output, no exit, no files) so the whole bad-input catalogue is testable in-process.
    """
    from hydra import initialize_config_dir
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = []
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except Exception as e:  # noqa: BLE001
        return describe(e, parsed)
    for o in parsed:
        if o.is_sweep_override():  # Hydra's own message does not lead with the key
            value = o.input_line.split("=", 1)[1]
            return (f"{o.key_or_group}: {value!r} is a sweep; add --multirun to sweep it, "
                    "use [a,b] for a list, or quote it for a string")
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        message = _check_point(overrides)
    return None if message is None else launcher_hint(message)


def first_sweep_error(overrides: list[str]) -> str | None:
    """Like first_config_error for `-m`: every point of the sweep (command line and the sweep
    config's `hydra.sweeper.params`) is composed and validated before anything runs."""
    from hydra import initialize_config_dir
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.cli.optimise import optimise_error
    from sim.cli.sweeps import point_configs, sweep_jobs, sweep_master

    parsed = []
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        try:
            parsed = OverridesParser.create().parse_overrides(overrides)
            jobs = sweep_jobs(overrides)
            if jobs is None:  # another sweeper (Optuna: +optimise=NAME) proposes its points as it goes
                message = optimise_error(sweep_master(overrides))
                if message is not None:
                    return message
                jobs = [[o for o in overrides if not o.startswith("hydra.")]]  # its fixed settings
        except Exception as e:  # noqa: BLE001
            return launcher_hint(describe(e, parsed))
        points = point_configs(jobs, hydra_overrides=[o for o in overrides if o.startswith(f"{SEARCHPATH}=")])
        for i, job in enumerate(jobs):
            try:
                check_event_log(to_config(next(points)[1]), sweep_point=True)  # auto keeps no table here
                continue
            except ConfigError as e:
                message = str(e)
            except Exception as e:  # noqa: BLE001 - every composition failure becomes one line
                message = describe(e, OverridesParser.create().parse_overrides(job))
            varying = [o for o in job if any(o not in other for other in jobs)] or job
            return f"{message} (sweep point {i + 1} of {len(jobs)}: {' '.join(varying)})"
    return None


def preflight(argv: list[str]) -> None:
    """Check the overrides before Hydra creates an output directory, so bad input leaves none."""
    flags = [a for a in argv if a.startswith("-")]
    multirun = any(a in MULTIRUN_FLAGS for a in flags)
    if any(a not in MULTIRUN_FLAGS for a in flags):
        return  # Hydra's own flags (help, other config): app() still validates
    overrides = [a for a in argv if not a.startswith("-")]
    sweep = next((a for a in overrides if a.startswith("+sweep=")), None)
    if sweep and not multirun:
        fail(f"sweep: {sweep} describes a sweep; run it with -m: python -m sim -m {' '.join(overrides)}")
    optimise = next((a for a in overrides if a.startswith("+optimise=")), None)
    if optimise and not multirun:
        fail(f"optimise: {optimise} describes a study; run it with -m: python -m sim -m {' '.join(overrides)}")
    message = first_sweep_error(overrides) if multirun else first_config_error(overrides)
    if message is None:
        message = output_dir_error(overrides, multirun)
    if message is not None:
        fail(message)
    if multirun:
        from sim.cli.sweeps import skip_hydra_revalidation

        skip_hydra_revalidation()  # every point was just composed and validated


def output_dir_error(overrides: list[str], multirun: bool) -> str | None:
    """Why Hydra could not create the run (or sweep) directory, as one line; None if it can.

    Hydra makes the directory before app() runs and reports a failure as a traceback, so
    this is checked first (after the config is known good, so the overrides compose).
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.store.atomic import unwritable_dir

    parsed = OverridesParser.create().parse_overrides(overrides)
    fixed = [o.input_line for o in parsed if not o.is_sweep_override()]  # the sweep dir is the same for every point
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        hydra_cfg = compose(config_name="config", overrides=fixed, return_hydra_config=True).hydra
    return unwritable_dir(Path(hydra_cfg.sweep.dir if multirun else hydra_cfg.run.dir))


