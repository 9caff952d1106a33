"""`python -m sim`: the Hydra entry. The only module that imports Hydra.

Composition errors (unknown keys, wrong types, unknown group options) are caught
by composing once before Hydra's own run, so every bad input ends as one line
naming the key, exit status 2, and no results directory.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Sequence

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.config import Config, ConfigError, validate

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "configs")
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

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
    return validate(OmegaConf.to_object(cfg))


def first_config_error(overrides: list[str]) -> str | None:
    """The first problem with these overrides as one line (no `error: ` prefix), or None.

    Pure (no output, no exit, no files) so the whole bad-input catalogue is testable in-process.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = []
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
        for o in parsed:
            if o.is_sweep_override():  # Hydra's own message does not lead with the key
                value = o.input_line.split("=", 1)[1]
                return (f"{o.key_or_group}: {value!r} is a sweep; add --multirun to sweep it, "
                        "use [a,b] for a list, or quote it for a string")
        with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
            cfg = compose(config_name="config", overrides=overrides)
        to_config(cfg)
    except ConfigError as e:
        return str(e)
    except Exception as e:  # noqa: BLE001 - every composition failure becomes one line
        return describe(e, parsed)
    return None


def preflight(argv: list[str]) -> None:
    """Check the overrides before Hydra creates an output directory, so bad input leaves none."""
    if any(a.startswith("-") for a in argv):
        return  # Hydra's own flags (help, multirun, other config): app() still validates
    message = first_config_error(argv)
    if message is not None:
        fail(message)


@hydra.main(config_path=CONFIG_DIR, config_name="config", version_base="1.3")
def app(cfg: DictConfig) -> None:
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        config = to_config(cfg)
    except ConfigError as e:
        _remove_if_empty(out_dir)
        fail(str(e))
    from sim.experiment import run_experiment

    try:
        run_experiment(config, out_dir, OmegaConf.to_yaml(cfg, resolve=True))
    except KeyboardInterrupt:
        fail(f"interrupted; nothing was written to {out_dir}", EXIT_INTERRUPTED)
    except OSError as e:
        fail(f"cannot write results to {out_dir}: {e.strerror or e}", 1)


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
    preflight(sys.argv[1:])
    app()


if __name__ == "__main__":
    main()
