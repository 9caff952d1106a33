"""Where the bundled Hydra configs and scenarios are: the one place that knows.

They ship inside the package as `sim/configs` and `sim/scenarios`, so a wheel install finds
them next to its code. In a checkout those two are symlinks to the top-level `configs/` and
`scenarios/` that users edit; resolving them gives the top-level paths, so messages and
written files (e.g. `python -m sim.baseline`) name the folders users know.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE_DIR = Path(str(files("sim"))).resolve()


def _bundled(name: str) -> Path:
    """The package's copy (wheel) or the top-level folder it links to (checkout). A checkout
    made without symlink support has a small text file instead: use the top-level folder."""
    path = (PACKAGE_DIR / name).resolve()
    return path if path.is_dir() else PACKAGE_DIR.parent / name


CONFIG_DIR = _bundled("configs")
SCENARIOS_DIR = _bundled("scenarios")
REPO_DIR: Path | None = PACKAGE_DIR.parent if (PACKAGE_DIR.parent / "pyproject.toml").is_file() else None
"""The source checkout this package runs from; None when installed from a wheel."""


def scenario_dir(dir_name: str) -> Path:
    """A scenario's files (targets, knobs, baseline): `scenario.dir` under scenarios/, or as
    given when absolute, so a scenario can live outside this repository."""
    return SCENARIOS_DIR / dir_name  # an absolute dir_name replaces SCENARIOS_DIR
