"""A non-editable install works: the wheel carries configs/ and scenarios/, and `python -m sim`
and `python -m sim.report` run from it, outside the repository, without git.

The wheel goes into a fresh venv; the dependencies come from this interpreter's
site-packages through a `.pth` line (no download). A path in a `.pth` file is added to
sys.path but its own `.pth` files are not run, so the editable install's finder there
(`__editable__.portclear-*.pth`) stays inactive and cannot point `sim` back at the checkout;
the test asserts that `sim` is the wheel's.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

from tests.conftest import REPO
from tests.integration.test_cli import CONTRACT_KPIS

VERSION = "portclear " + tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
# Nothing from the caller's environment may put the checkout on the path.
ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")} | {"PYTHONNOUSERSITE": "1"}
RUN = ("demand.scale=0.02", "run.horizon_days=7", "run.warmup_days=1", "run.drain_days=2",
       "run.replications=2", "run.workers=1")


def can_build_in_place() -> bool:
    """setuptools builds wheels itself from 70.1 on; older ones need the `wheel` package."""
    from importlib.metadata import version

    major, minor = (int(x) for x in version("setuptools").split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


def build_wheel(tmp: Path) -> Path:
    """Build from a copy of the sources (symlinks kept), so the checkout gets no build/ or egg-info."""
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("sim", "configs", "scenarios"):
        shutil.copytree(REPO / name, src / name, symlinks=True, ignore=ignore)
    # Without the build dependency at hand (an older venv), pip fetches it in an isolated build.
    isolation = ["--no-build-isolation"] if can_build_in_place() else []
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-w", str(tmp / "dist"),
                           str(src)], env=ENV, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (wheel,) = (tmp / "dist").glob("portclear-*.whl")
    return wheel


def make_venv(tmp: Path, wheel: Path) -> Path:
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], env=ENV, check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               env=ENV, capture_output=True, text=True, check=True).stdout.strip())
    (site / "portclear_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # --ignore-installed: the editable install's metadata is visible through the .pth line; pip
    # must neither take it for this wheel nor try to uninstall it.
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                           "--ignore-installed", str(wheel)], env=ENV, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return python


def test_wheel_install_runs_outside_the_repository(tmp_path):
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("sim/configs/config.yaml", "sim/configs/regime/after_reform.yaml",
                 "sim/configs/scenario/dalian_2015.yaml",
                 "sim/scenarios/dalian/targets.yaml", "sim/scenarios/dalian/SOURCES.md",
                 "sim/scenarios/dalian/baseline.json"):
        assert name in names, name

    python = make_venv(tmp_path, wheel)
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    def run(*args, timeout=600):
        return subprocess.run([str(python), *args], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=timeout)

    probe = run("-c", "import json, sim; from sim.config import locations as l; "
                      "from sim.store.identity import code_version; "
                      "print(json.dumps([sim.__file__, str(l.CONFIG_DIR), str(l.REPO_DIR), code_version()]))")
    assert probe.returncode == 0, probe.stderr
    sim_file, config_dir, repo_dir, code = json.loads(probe.stdout)
    venv = python.parent.parent
    assert Path(sim_file).is_relative_to(venv), sim_file
    assert Path(config_dir).is_relative_to(venv) and Path(config_dir, "config.yaml").is_file()
    assert repo_dir == "None" and code == VERSION  # no checkout: git is never asked

    out = tmp_path / "run"
    proc = run("-m", "sim", *RUN, f"hydra.run.dir={out}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    comparison = json.loads((out / "comparison.json").read_text())
    for name in CONTRACT_KPIS:
        assert {"before", "after", "diff", "rel_change"} <= set(comparison[name]), name
    assert json.loads((out / "run.json").read_text())["code_version"] == VERSION

    report = run("-m", "sim.report", str(out))
    assert report.returncode == 0, report.stderr[-3000:]
    assert (out / "report.html").is_file()
