"""Small stored run directories shared by the figure and report tests (made once per session).

A run is made once with `python -m sim` and then only read: figures and the report are
pure functions of the run directory, so no test needs to simulate again.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import SMALL, make_config, run_cli

_RUNS: dict[str, Path] = {}


def stored_run(tmp_path_factory, kind: str = "compare") -> Path:
    """The directory of a small `kind` run ('compare' or 'single'); callers must not modify it.

    The comparison is made as a planner makes it (`python -m sim`); the single run in-process,
    which is quicker and writes the same files.
    """
    if kind not in _RUNS:
        out = tmp_path_factory.mktemp("stored") / kind
        if kind == "compare":
            proc = run_cli(*SMALL, f"hydra.run.dir={out}")
            assert proc.returncode == 0, proc.stderr
        else:
            from sim.runs.kinds import run_experiment

            run_experiment(make_config(*SMALL, f"experiment={kind}"), out, progress=None)
        _RUNS[kind] = out
    return _RUNS[kind]


def copy_of(run_dir: Path, dest: Path, without=()) -> Path:
    """A copy of a run directory to damage or trim in one test, leaving out some files."""
    shutil.copytree(run_dir, dest, ignore=shutil.ignore_patterns(*without, "*.png", "*.svg", "*.html"))
    return dest
