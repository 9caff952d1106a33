"""A planner's own config folders: what-ifs kept outside this repository.

Why: regime, sweep and scenario files written for one study belong to the planner, not to
`configs/`. Hydra's search path takes extra folders laid out like `configs/` (`regime/`,
`sweep/`, `scenario/`, ...); their files join the bundled groups (`regime=my_whatif`).
Three spellings reach the same place, one override `hydra.searchpath=['file:///abs', ...]`:
`python -m sim --config-dir DIR` (`-cd DIR`, Hydra's flag), `hydra.searchpath=[DIR]` (plain
paths allowed), and `sim.load_config(..., config_dir=DIR)`. One override, because Hydra hands
its `hydra.*` overrides on to every sweep job, whatever the launcher, and records them.

Checked before anything runs: a folder that does not exist, and a file that the bundled
configs would silently win over (same group and name: the bundled folder comes first).
A run records each folder with every YAML file's hash and text in run.json (`config_dirs`).
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from sim.config import ConfigError
from sim.config.locations import CONFIG_DIR

SEARCHPATH = "hydra.searchpath"
FLAGS = ("--config-dir", "-cd")
BUNDLED_PROVIDERS = ("hydra", "main", "schema")
"""Hydra's own search-path entries (its package, the bundled configs, the schema)."""
MAX_TEXT_BYTES = 64_000
"""A folder's YAML text is copied into run.json up to this size in all (hashes always)."""


def split_config_dirs(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """(argv without `--config-dir DIR`/`-cd DIR`/`--config-dir=DIR`, the folders it named)."""
    rest, dirs = [], []
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        flag, eq, value = arg.partition("=")
        if flag in FLAGS and eq:
            dirs.append(value)
        elif arg in FLAGS:
            if i + 1 >= len(args):
                raise ConfigError(arg, "needs a folder: --config-dir DIR")
            dirs.append(args[i + 1])
            i += 1
        else:
            rest.append(arg)
        i += 1
    return rest, dirs


def with_config_dirs(overrides: Sequence[str], dirs: Iterable[str | os.PathLike] = (),
                     flag: str = "--config-dir") -> list[str]:
    """`overrides` with `dirs` and any `hydra.searchpath=[...]` among them merged into one
    `hydra.searchpath=['file:///abs', ...]` override (at the end), every folder checked."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    own = [(str(d), flag) for d in dirs]
    rest = []
    for line in overrides:
        if line.split("=", 1)[0].lstrip("+~") != SEARCHPATH:
            rest.append(line)
            continue
        try:
            value = OverridesParser.create().parse_override(line).value()
        except Exception as e:  # noqa: BLE001 - Hydra's grammar errors, as one line
            raise ConfigError(SEARCHPATH, f"cannot parse {line!r}: {' '.join(str(e).split())}; quote a path with "
                                          f"special characters: {SEARCHPATH}=['/my/path']") from None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(SEARCHPATH, f"must be a list of folders, e.g. {SEARCHPATH}=[/path/to/whatifs]; "
                                          f"got {line.split('=', 1)[1]!r}")
        own += [(v, SEARCHPATH) for v in value]
    if not own:
        return rest
    entries = []
    for path, key in own:
        entry = _entry(path, key)
        if entry not in entries:
            entries.append(entry)
    quoted = ",".join("'" + e.replace("\\", "\\\\").replace("'", "\\'") + "'" for e in entries)
    return [*rest, f"{SEARCHPATH}=[{quoted}]"]


def _entry(path: str, key: str) -> str:
    """A search-path entry: `pkg://...` as given; a folder (plain or `file://`) made absolute,
    checked to exist, and checked for files the bundled configs would hide."""
    if path.startswith("pkg://"):
        return path
    folder = Path(path.removeprefix("file://")).expanduser().absolute()
    if not folder.is_dir():
        raise ConfigError(key, f"{folder}: no such folder" if not folder.exists() else f"{folder}: not a folder")
    hidden = _hidden(folder)
    if hidden:
        raise ConfigError(key, f"{folder / hidden}: the bundled {Path(CONFIG_DIR) / hidden} of the same group and "
                               "name is used instead; give your file another name")
    return f"file://{folder}"


def _hidden(folder: Path) -> str | None:
    """The first YAML file of `folder` that the bundled configs hide (they come first)."""
    for path in sorted(folder.rglob("*.yaml")):
        rel = path.relative_to(folder)
        if (Path(CONFIG_DIR) / rel).is_file():
            return str(rel)
    return None


def user_dirs(config_sources: Iterable) -> list[str]:
    """The planner's folders among Hydra's `hydra.runtime.config_sources`."""
    return [str(s["path"]) for s in config_sources
            if s["provider"] not in BUNDLED_PROVIDERS and s["schema"] == "file"]


def describe_dirs(dirs: Iterable[str]) -> list[dict]:
    """For run.json: each folder with every YAML file's sha256 (16 hex digits) and, while the
    folder's YAML stays under MAX_TEXT_BYTES, its text, so the run can be redone elsewhere."""
    out = []
    for d in dirs:
        folder = Path(d)
        files, budget = {}, MAX_TEXT_BYTES
        for path in sorted(folder.rglob("*.yaml")):
            data = path.read_bytes()
            entry = {"sha256": hashlib.sha256(data).hexdigest()[:16]}
            if len(data) <= budget:
                entry["text"] = data.decode("utf-8", errors="replace")
                budget -= len(data)
            files[str(path.relative_to(folder))] = entry
        out.append({"path": str(folder), "files": files})
    return out

