"""Scenarios as a config group: configs/scenario/<name>.yaml selects port, demand, regimes, costs and
traders and names the directory of its targets, knobs and baseline.

The default scenario must compose exactly the config that its group defaults compose when
selected by hand (the five of before scenarios existed, and the traders); a second scenario (here a toy one added through `hydra.searchpath`)
must bring its own port and find its own files, not Dalian's.
"""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.calibration.fit import scenario_dir
from sim.calibration.targets import targets_path
from sim.cli.compose import CONFIG_DIR
from sim.cli.preflight import first_config_error
from sim.config.locations import SCENARIOS_DIR
from sim.runs.baseline import baseline_file
from tests.conftest import make_config

GROUPS = {"port": "dalian", "demand": "dalian_2015", "regime": "after_reform",
          "regime@baseline": "before_reform", "costs": "dalian_2015", "traders": "dalian"}


def composed(*overrides: str):
    """(composed DictConfig without the hydra node, the group choices)."""
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="config", overrides=list(overrides))
        choices = compose(config_name="config", overrides=list(overrides),
                          return_hydra_config=True).hydra.runtime.choices
    return cfg, {k: v for k, v in choices.items() if not k.startswith("hydra/")}


def test_explicit_default_scenario_is_the_default_config():
    default, default_choices = composed()
    explicit, explicit_choices = composed("scenario=dalian_2015")
    assert OmegaConf.to_yaml(explicit) == OmegaConf.to_yaml(default)
    assert explicit_choices == default_choices == {**GROUPS, "scenario": "dalian_2015", "experiment": "compare"}
    assert make_config("scenario=dalian_2015") == make_config()


def test_default_scenario_is_its_group_defaults():
    """The scenario adds its own node and nothing else: selecting its six groups by hand
    (as every command had to before) composes the same config."""
    default, _ = composed()
    by_hand, _ = composed(*(f"{group}={option}" for group, option in GROUPS.items()))
    assert OmegaConf.to_yaml(by_hand) == OmegaConf.to_yaml(default)
    assert OmegaConf.to_container(default.scenario) == {"name": "dalian_2015", "dir": "dalian",
                                                        "regression_load": "dalian_congested"}


def test_default_scenario_files_are_dalians():
    cfg = make_config()
    assert scenario_dir(cfg) == SCENARIOS_DIR / "dalian"
    assert baseline_file(cfg) == SCENARIOS_DIR / "dalian" / "baseline.json"
    for name in ("targets.yaml", "knobs.yaml", "baseline.json"):
        assert (scenario_dir(cfg) / name).is_file()


def test_group_overrides_still_work_under_a_scenario():
    cfg = make_config("regime@baseline=after_reform", "demand=dalian_2016_new_routes", "regime=before_reform")
    assert (cfg.baseline.name, cfg.demand.name, cfg.regime.name) == ("after_reform", "dalian_2016_new_routes",
                                                                    "before_reform")
    assert cfg.scenario.name == "dalian_2015"  # the rest of the scenario stays


def test_unknown_scenario_is_one_line():
    assert first_config_error(["scenario=atlantis"]) == "scenario: unknown option 'atlantis'; available: dalian_2015"


def toy_scenario(root: Path) -> tuple[Path, Path]:
    """A second port scenario outside the repository: its own port (Dalian's under another name),
    the rest taken from dalian_2015 by `override`, and its own files. -> (config dir, files dir)."""
    configs, files = root / "configs", root / "files"
    (configs / "port").mkdir(parents=True)
    (configs / "scenario").mkdir()
    files.mkdir()
    (configs / "port" / "toyport.yaml").write_text("defaults:\n  - dalian\n  - _self_\nname: toyport\n")
    (configs / "scenario" / "toy.yaml").write_text(
        "# @package _global_\n"
        "defaults:\n  - dalian_2015\n  - override /port: toyport\n  - _self_\n"
        f"scenario:\n  name: toy\n  dir: {files}\n")
    (files / "targets.yaml").write_text("T1: {value: 1.0}\n")
    return configs, files


def test_a_second_scenario_selects_its_port_and_finds_its_own_files(tmp_path):
    configs, files = toy_scenario(tmp_path)
    search = f"hydra.searchpath=[file://{configs}]"
    cfg = make_config("scenario=toy", search)
    assert (cfg.scenario.name, cfg.port.name) == ("toy", "toyport")
    assert (cfg.demand.name, cfg.regime.name, cfg.baseline.name) == ("dalian_2015", "after_reform", "before_reform")
    assert scenario_dir(cfg) == files
    assert baseline_file(cfg) == files / "baseline.json"
    run = SimpleNamespace(config=json.loads(json.dumps(OmegaConf.to_container(OmegaConf.structured(cfg)))))
    assert targets_path(run) == files / "targets.yaml"
    # The command line still wins over what the scenario selects.
    assert make_config("scenario=toy", search, "port=dalian").port.name == "dalian"


def test_runs_stored_before_scenarios_find_targets_by_port_name():
    run = SimpleNamespace(config={"port": {"name": "dalian"}})
    assert targets_path(run) == SCENARIOS_DIR / "dalian" / "targets.yaml"


# ------------------------------------------------------------------ staffing: the port's pool, the regime's hours
def test_regimes_derive_todays_officers_from_the_ports_staff_pool():
    cfg = make_config()
    assert cfg.port.officer_hours_per_week == 12750
    assert (cfg.baseline.officers, cfg.regime.officers) == (300, 76)  # 12750 / 42.5 and 12750 / 168 = 75.9
    assert make_config("regime@baseline=after_reform").baseline.officers == 76


def test_a_staffing_what_if_pins_or_moves_the_pool():
    assert make_config("regime.officers=60").regime.officers == 60  # pinned: the pool no longer applies
    half = make_config("port.officer_hours_per_week=6375", "run.allow_overload=true")
    assert (half.baseline.officers, half.regime.officers) == (150, 38)  # 37.9 rounds up


def test_baseline_command_refuses_an_unknown_scenario_before_running(capsys):
    from sim.cli.baseline import main

    for argv, problem in ((["scenario=atlantis"], "scenario: unknown option 'atlantis'"),
                          (["a.json", "b.json"], "usage: python -m sim.baseline [scenario=NAME] [PATH]")):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2 and problem in capsys.readouterr().err
