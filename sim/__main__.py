"""`python -m sim`: the Hydra entry. With sim/sweeps.py, the only modules that import Hydra.

Composition errors (unknown keys, wrong types, unknown group options) are caught
by composing once before Hydra's own run, so every bad input ends as one line
naming the key, exit status 2, and no results directory. With `-m`, every point of
the sweep is checked that way first. Hydra's state (run or sweep job, overrides)
becomes a plain RunContext for sim.runner.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Sequence

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.config import Config, ConfigError, validate
from sim.stability import check_stability, overload_warnings

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "configs")
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
MULTIRUN_FLAGS = ("-m", "--multirun")

ConfigStore.instance().store(name="schema", node=Config)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    """Print one `error:` line (whitespace collapsed, so scripts can rely on one line) and exit."""
    print(f"error: {' '.join(message.split())}", file=sys.stderr)
    sys.exit(code)


def describe(exc: BaseException, overrides: Sequence = ()) -> str:
    """One line naming the key and the problem, from Hydra's and OmegaConf's exceptions.

    Their own messages span several lines and name the key inconsistently (or not at all);
    `overrides` (parsed Hydra overrides) fill in what the exception leaves out.
    """
    from hydra.errors import MissingConfigException, OverrideParseException
    from omegaconf.errors import ConfigKeyError, OmegaConfBaseException

    chain, e = [], exc
    while e is not None:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for e in chain:
        if isinstance(e, MissingConfigException):
            return _unknown_option(e, overrides)
        if isinstance(e, OverrideParseException):
            key = e.override.split("=", 1)[0].lstrip("+~") if "=" in e.override else e.override
            return f"{key}: cannot parse override {e.override!r}: {e.message.splitlines()[0]}"
    text = str(exc)
    added = re.search(r"An item is already at '([^']+)'", text)
    if added:
        key = added.group(1)
        line = next((o.input_line for o in overrides if o.key_or_group == key and o.is_add()), f"+{key}=...")
        return f"{key}: already in the schema; '+' only adds new keys, so write {line.lstrip('+')}"
    chosen = re.match(r"(\S+) appears more than once|Multiple values for ([^.\s]+)", text)
    if chosen:
        group = chosen.group(1) or chosen.group(2)
        line = next((o.input_line for o in overrides if _label(o) == group and o.is_add()), f"+{group}=...")
        return f"{group}: already in the defaults list; '+' only adds new groups, so write {line.lstrip('+')}"
    merging = re.match(r"(?:Error merging override|Could not override) '?([^'\s]+)", text)
    override_key = merging.group(1).split("=", 1)[0].lstrip("+~") if merging else ""
    for e in chain:
        if isinstance(e, OmegaConfBaseException):
            key = str(getattr(e, "full_key", None) or "")
            if override_key and not key.startswith(override_key.split(".")[0]):
                key = override_key  # OmegaConf reports some keys relative to a new node
            if isinstance(e, (ConfigKeyError, AttributeError)) and re.search(r"not in (struct|')", e.msg or ""):
                return f"{key}: unknown key; expected one of {', '.join(_known_keys(e))}"
            first = (e.msg or str(e)).splitlines()[0]
            return f"{key}: {first}" if key else first
    lines = text.strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _label(override) -> str:
    """The override's key as typed: `regime@baseline` for a group with a package."""
    return f"{override.key_or_group}@{override.package}" if override.package else override.key_or_group


def _known_keys(e) -> list[str]:
    """Keys valid where an unknown key was given: the dataclass fields, or the dict's entries."""
    from dataclasses import fields, is_dataclass

    if is_dataclass(getattr(e, "object_type", None)):
        return [f.name for f in fields(e.object_type)]
    parent = getattr(e, "parent_node", None)
    return [str(k) for k in parent.keys() if k != "hydra"] if isinstance(parent, DictConfig) else []


def _unknown_option(e, overrides: Sequence) -> str:
    """`regime@baseline: unknown option 'nope'; available: ...`, named as the user typed it."""
    group, _, option = (e.missing_cfg_file or "").rpartition("/")
    if not (group and e.options):
        return str(e).splitlines()[0]
    label = next((_label(o) for o in overrides if o.key_or_group == group and str(o.value()) == option), group)
    return f"{label}: unknown option {option!r}; available: {', '.join(sorted(e.options))}"


def to_config(cfg: DictConfig) -> Config:
    """DictConfig (without the hydra node) -> validated typed Config."""
    config = validate(OmegaConf.to_object(cfg))
    _check_precision_kpi(config)
    check_stability(config)  # an overloaded station is bad input too: reported before any file
    return config


def compose_config(overrides: Sequence[str] = ()) -> Config:
    """configs/config.yaml with overrides, composed and validated as `python -m sim` does
    (for tools such as sim.baseline that must not import Hydra themselves)."""
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return to_config(compose(config_name="config", overrides=list(overrides)))


def _check_precision_kpi(config: Config) -> None:
    """run.precision_kpi must be a reported KPI; checked here because the names live with the
    experiment, not the schema (the experiment checks again once KPIs exist)."""
    if not config.run.target_half_width > 0:
        return
    from sim.experiment import HEADLINE

    if config.run.precision_kpi not in HEADLINE:
        raise ConfigError("run.precision_kpi", f"unknown KPI {config.run.precision_kpi!r}; "
                                               f"expected one of {', '.join(HEADLINE)}")


def _check_point(overrides: list[str]) -> str | None:
    """One run's overrides composed and validated (Hydra initialised by the caller)."""
    from hydra import compose
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = []
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
        to_config(compose(config_name="config", overrides=overrides))
    except ConfigError as e:
        return str(e)
    except Exception as e:  # noqa: BLE001 - every composition failure becomes one line
        return describe(e, parsed)
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
    return None if message is None else _launcher_hint(message)


def first_sweep_error(overrides: list[str]) -> str | None:
    """Like first_config_error for `-m`: every point of the sweep (command line and the sweep
    config's `hydra.sweeper.params`) is composed and validated before anything runs."""
    from hydra import initialize_config_dir
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.sweeps import point_configs, sweep_jobs

    parsed = []
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        try:
            parsed = OverridesParser.create().parse_overrides(overrides)
            jobs = sweep_jobs(overrides) or []
        except Exception as e:  # noqa: BLE001
            return _launcher_hint(describe(e, parsed))
        points = point_configs(jobs)
        for i, job in enumerate(jobs):
            try:
                to_config(next(points)[1])
                continue
            except ConfigError as e:
                message = str(e)
            except Exception as e:  # noqa: BLE001 - every composition failure becomes one line
                message = describe(e, OverridesParser.create().parse_overrides(job))
            varying = [o for o in job if any(o not in other for other in jobs)] or job
            return f"{message} (sweep point {i + 1} of {len(jobs)}: {' '.join(varying)})"
    return None


def _launcher_hint(message: str) -> str:
    """Launchers come from optional plugins; say which extra installs the missing one."""
    if re.match(r"hydra/launcher: unknown option 'ray\w*'", message):
        return f"{message}. The Ray launcher is an optional extra: pip install -e '.[ray]'"
    if re.search(r"Could not (load|find) 'hydra/launcher/ray\w*'", message):
        return ("hydra/launcher: the Ray launcher plugin is not installed; it is an optional extra: "
                "pip install -e '.[ray]'")
    return message


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
    message = first_sweep_error(overrides) if multirun else first_config_error(overrides)
    if message is None:
        message = output_dir_error(overrides, multirun)
    if message is not None:
        fail(message)
    if multirun:
        from sim.sweeps import skip_hydra_revalidation

        skip_hydra_revalidation()  # every point was just composed and validated


def output_dir_error(overrides: list[str], multirun: bool) -> str | None:
    """Why Hydra could not create the run (or sweep) directory, as one line; None if it can.

    Hydra makes the directory before app() runs and reports a failure as a traceback, so
    this is checked first (after the config is known good, so the overrides compose).
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.store import unwritable_dir

    parsed = OverridesParser.create().parse_overrides(overrides)
    fixed = [o.input_line for o in parsed if not o.is_sweep_override()]  # the sweep dir is the same for every point
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        hydra_cfg = compose(config_name="config", overrides=fixed, return_hydra_config=True).hydra
    return unwritable_dir(Path(hydra_cfg.sweep.dir if multirun else hydra_cfg.run.dir))


@hydra.main(config_path=CONFIG_DIR, config_name="config", version_base="1.3")
def app(cfg: DictConfig) -> None:
    from hydra.types import RunMode

    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    multirun = hc.mode == RunMode.MULTIRUN
    try:
        config = to_config(cfg)
    except ConfigError as e:
        _remove_if_empty(out_dir)
        _fail_job(str(e), multirun, hc)
        return
    for line in overload_warnings(config):
        print(f"warning: {line}", file=sys.stderr, flush=True)
    from sim.runner import RunContext, execute

    context = RunContext(
        run_dir=out_dir, resolved_yaml=OmegaConf.to_yaml(cfg, resolve=True), overrides=list(hc.overrides.task),
        multirun=multirun, sweep_dir=str(Path(hc.sweep.dir).resolve()) if multirun else None,
        job_num=hc.job.num if multirun else None, label=str(hc.runtime.choices.get("sweep") or ""),
    )
    try:
        execute(config, context)
    except ConfigError as e:  # found at run time (e.g. run.precision_kpi); nothing written
        _remove_if_empty(out_dir)
        _fail_job(str(e), multirun, hc)
    except KeyboardInterrupt:
        fail(f"interrupted; {out_dir} is incomplete (run.json says so)", EXIT_INTERRUPTED)
    except OSError as e:  # a full disk, a directory removed under the run: run.json never says complete
        _fail_job(write_error(e, out_dir), multirun, hc, 1)


def write_error(e: OSError, out_dir: Path) -> str:
    """`<path>: cannot write results: no space left on device`: the file if known, else the run directory."""
    reason = os.strerror(e.errno) if e.errno else " ".join(str(e).split())
    return f"{e.filename or out_dir}: cannot write results: {reason[:1].lower()}{reason[1:]}"


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


def remaining_share(*shares) -> float:
    """`${remaining_share:${a},${b}}` = 1 - a - b: keeps shares summing to 1 while a sweep moves one."""
    return 1.0 - sum(float(x) for x in shares)


OmegaConf.register_new_resolver("remaining_share", remaining_share, replace=True)


def main() -> None:
    preflight(sys.argv[1:])
    app()
    failed = _failed_sweep_jobs()
    if failed:
        fail(failed, 1)


def _failed_sweep_jobs() -> str | None:
    from sim.sweeps import LAST_SWEEP

    if not LAST_SWEEP or not LAST_SWEEP.get("failed"):
        return None
    failed, total = LAST_SWEEP["failed"], LAST_SWEEP["total"]
    first = failed[0]
    return (f"{len(failed)} of {total} sweep jobs failed (job {first['job']}: {first['error']}); "
            f"see {LAST_SWEEP['sweep_dir']}")


if __name__ == "__main__":
    main()
