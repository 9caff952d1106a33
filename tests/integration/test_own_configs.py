"""A planner's own config folder outside the repository (sim/cli/searchpath.py): the same
folder works for `python -m sim --config-dir`, `hydra.searchpath`, sweeps and `sim.load_config`,
a bad folder is one line, and run.json records the folder with its files' hashes and text."""
from __future__ import annotations

import hashlib
import json

import pytest

import sim
from sim.cli.preflight import first_config_error, first_sweep_error
from sim.cli.searchpath import split_config_dirs, with_config_dirs
from sim.config import ConfigError
from tests.conftest import SMALL, run_cli

WHATIF = """\
# A what-if of my own: the reform with 60 officers on duty round the clock.
defaults:
  - after_reform
  - _self_
name: my_whatif
officers: 60   # estimated: a staffing cut to test
"""

SWEEP = """\
# @package _global_
defaults:
  - override /experiment: single
  - override /regime: my_whatif
hydra:
  sweeper:
    params:
      regime.officers: 60,80   # setting: sweep points
"""


@pytest.fixture
def mine(tmp_path):
    folder = tmp_path / "my whatifs"  # a space in the path, as planners' folders have
    (folder / "regime").mkdir(parents=True)
    (folder / "regime" / "my_whatif.yaml").write_text(WHATIF)
    (folder / "sweep").mkdir()
    (folder / "sweep" / "my_sweep.yaml").write_text(SWEEP)
    return folder


def test_load_config_takes_a_folder_of_ones_own(mine):
    cfg = sim.load_config(["regime=my_whatif"], config_dir=mine)
    assert (cfg.regime.name, cfg.regime.officers) == ("my_whatif", 60)
    assert cfg.regime.measures[0] == "regional_integration"  # everything else is after_reform's
    assert cfg.baseline.name == "before_reform" and cfg.baseline.officers == 300
    as_list = sim.load_config(["regime@baseline=my_whatif"], config_dir=[str(mine)])
    assert (as_list.baseline.name, as_list.baseline.officers) == ("my_whatif", 60)
    with pytest.raises(ConfigError, match=r"^regime: unknown option 'my_whatif'"):
        sim.load_config(["regime=my_whatif"])  # without the folder it is not found


def test_the_three_spellings_are_one_override(mine):
    rest, dirs = split_config_dirs(["-m", "-cd", str(mine), "run.seed=1", f"--config-dir={mine}"])
    assert rest == ["-m", "run.seed=1"] and dirs == [str(mine), str(mine)]
    want = [f"hydra.searchpath=['file://{mine}']"]
    assert with_config_dirs([], dirs) == want
    assert with_config_dirs([f"hydra.searchpath=['{mine}']"]) == want
    assert with_config_dirs([f"hydra.searchpath=['file://{mine}']"], [mine]) == want
    assert first_config_error(["regime=my_whatif", *want]) is None
    assert first_sweep_error(["+sweep=my_sweep", "run.replications=2", *want]) is None


@pytest.mark.parametrize("make, key, problem", [
    (lambda d: ([], [d / "nope"]), "--config-dir", "no such folder"),
    (lambda d: ([f"hydra.searchpath=['{d / 'nope'}']"], []), "hydra.searchpath", "no such folder"),
    (lambda d: (["hydra.searchpath=5"], []), "hydra.searchpath", "must be a list of folders"),
    (lambda d: (["hydra.searchpath=[~/x]"], []), "hydra.searchpath", "cannot parse"),  # `~` needs quotes
    (lambda d: ([], [d / "regime" / "my_whatif.yaml"]), "--config-dir", "not a folder"),
])
def test_a_bad_folder_is_named(mine, make, key, problem):
    overrides, dirs = make(mine)
    with pytest.raises(ConfigError) as e:
        with_config_dirs(overrides, dirs)
    assert str(e.value).startswith(f"{key}: ") and problem in str(e.value)


def test_a_file_the_bundled_configs_would_hide_is_refused(mine):
    """The bundled folder comes first in the search path: a file of the same group and name
    would be ignored without a word, so it is refused."""
    (mine / "regime" / "after_reform.yaml").write_text("name: mine\n")
    with pytest.raises(ConfigError, match=r"regime/after_reform.yaml: the bundled .* is used instead"):
        sim.load_config(["regime=my_whatif"], config_dir=mine)


def test_cli_run_records_the_folder_in_run_json(mine, tmp_path):
    out = tmp_path / "run"
    proc = run_cli("-cd", str(mine), "regime=my_whatif", "experiment=single", "run.horizon_days=3",
                   "run.warmup_days=1", "run.drain_days=1", "run.replications=2", "run.workers=1",
                   "experiment.report=false", "output.consignments=none", "run.catalog=",
                   f"hydra.run.dir={out}", timeout=300)  # full scale, a short horizon
    assert proc.returncode == 0, proc.stderr
    record = json.loads((out / "run.json").read_text())
    assert record["status"] == "complete" and record["sides"] == {"single": "my_whatif"}
    [folder] = record["config_dirs"]
    assert folder["path"] == str(mine)
    entry = folder["files"]["regime/my_whatif.yaml"]
    assert entry["text"] == WHATIF
    assert entry["sha256"] == hashlib.sha256(WHATIF.encode()).hexdigest()[:16]
    assert "sweep/my_sweep.yaml" in folder["files"]
    assert "\n  officers: 60\n" in (out / "config.yaml").read_text()


def test_cli_bad_folder_is_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "run"
    proc = run_cli("--config-dir", str(tmp_path / "absent"), *SMALL, f"hydra.run.dir={out}", timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [f"error: --config-dir: {tmp_path / 'absent'}: no such folder"]
    assert not out.exists()
