"""Error wording for the command line: every failure is one `error:` line naming the key."""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Sequence

import yaml
from omegaconf import DictConfig

from sim.config.yamlfile import yaml_problem

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


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
        if isinstance(e, yaml.YAMLError):  # a malformed file: its place, as editors want it
            return yaml_problem(e)
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
            if not key:  # a file of the wrong shape: Hydra names the config it was composing
                source = re.match(r"In '([^']+)'", text)
                key = f"{source.group(1)}.yaml" if source else ""
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


def launcher_hint(message: str) -> str:
    """Launchers come from optional plugins; say which extra installs the missing one."""
    if re.match(r"hydra/launcher: unknown option 'ray\w*'", message):
        return f"{message}. The Ray launcher is an optional extra: pip install -e '.[ray]'"
    if re.search(r"Could not (load|find) 'hydra/launcher/ray\w*'", message):
        return ("hydra/launcher: the Ray launcher plugin is not installed; it is an optional extra: "
                "pip install -e '.[ray]'")
    return message


def write_error(e: OSError, out_dir: Path) -> str:
    """`<path>: cannot write results: no space left on device`: the file if known, else the run directory."""
    reason = os.strerror(e.errno) if e.errno else " ".join(str(e).split())
    return f"{e.filename or out_dir}: cannot write results: {reason[:1].lower()}{reason[1:]}"


