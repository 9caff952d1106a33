"""Compose `configs/config.yaml` with overrides into a validated `Config`: the one bridge
from Hydra's YAML to the Hydra-free core. Used by `python -m sim`, the public API
(`sim.load_config`), tests, notebooks and benchmarks."""
from __future__ import annotations

from dataclasses import asdict
from os import PathLike
from typing import Sequence

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from sim.config import Config, ConfigError, validate
from sim.config.locations import CONFIG_DIR as _CONFIG_PATH
from sim.config.schema import ChannelFactorsConfig
from sim.config.footprint import check_footprint
from sim.config.stability import check_stability
from sim.domain.calendar import on_duty

CONFIG_DIR = str(_CONFIG_PATH)

ConfigStore.instance().store(name="schema", node=Config)


def to_config(cfg: DictConfig) -> Config:
    """DictConfig (without the hydra node) -> validated typed Config.

    validate() applies the knobs (sim.config.knobs, e.g. `regime.channel_factors`); what they
    changed is written back into `cfg`, so the resolved config a run writes (config.yaml)
    shows the shares simulated and the factors applied."""
    config = validate(OmegaConf.to_object(cfg))
    for side in ("regime", "baseline"):
        regime = getattr(config, side)
        if regime.channel_factors_applied == ChannelFactorsConfig():
            continue
        for direction, by_class in regime.channels.items():
            for cls, node in cfg[side].channels[direction].items():
                for channel in node:
                    node[channel] = getattr(getattr(by_class, cls), channel)
        for name in ("channel_factors", "channel_factors_applied"):
            for channel, value in asdict(getattr(regime, name)).items():
                cfg[side][name][channel] = value
    _check_precision_kpi(config)
    _check_calibration_files(config)
    _check_study(config)
    check_stability(config)  # an overloaded station is bad input too: reported before any file
    check_footprint(config)  # so is a run that cannot fit in memory
    return config


def compose_config(overrides: Sequence[str] = (), config_dir=None) -> Config:
    """configs/config.yaml with overrides, composed and validated as `python -m sim` does
    (for tools such as sim.runs.baseline that must not import Hydra themselves).

    `config_dir`: a folder of one's own laid out like `configs/` (or a list of them), searched
    after the bundled configs, as `python -m sim --config-dir DIR` (sim.cli.searchpath)."""
    from hydra import compose, initialize_config_dir

    from sim.cli.searchpath import with_config_dirs

    dirs = [] if config_dir is None else [config_dir] if isinstance(config_dir, (str, PathLike)) else config_dir
    overrides = with_config_dirs(overrides, dirs, flag="config_dir")
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        try:
            composed = compose(config_name="config", overrides=overrides)
        except Exception as e:  # Hydra's and OmegaConf's errors, as one ConfigError
            raise _as_config_error(e, overrides) from e
        return to_config(composed)


def _as_config_error(e: Exception, overrides: list[str]) -> ConfigError:
    """A composition failure worded as on the command line (`key: problem`, sim.cli.errors)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.cli.errors import describe

    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except Exception:  # noqa: BLE001 - the override itself does not parse: describe says so
        parsed = []
    key, _, problem = describe(e, parsed).partition(": ")
    return ConfigError(key, problem) if problem else ConfigError("config", key)


def _check_precision_kpi(config: Config) -> None:
    """run.precision_kpi must be a headline KPI of the registry; checked here because the names
    live with the outputs, not the schema (the experiment checks again once KPIs exist)."""
    if not config.run.target_half_width > 0:
        return
    from sim.outputs.kpis import headline_names

    if config.run.precision_kpi not in headline_names():
        raise ConfigError("run.precision_kpi", f"unknown KPI {config.run.precision_kpi!r}; "
                                               f"expected one of {', '.join(headline_names())}")


def _check_calibration_files(config: Config) -> None:
    """`experiment=calibrate` reads the scenario's targets.yaml and knobs.yaml: a malformed one
    is bad input like any config file (`path:line:col: problem`), found before anything runs."""
    if config.experiment.kind != "calibrate":
        return
    from sim.calibration.fit import load_knobs, scenario_dir
    from sim.calibration.targets import TargetsError, load_targets

    folder = scenario_dir(config)
    try:
        load_targets(folder / "targets.yaml")
    except TargetsError as e:
        where, _, problem = str(e).partition(": ")
        raise ConfigError(where, problem) from None
    load_knobs(folder / "knobs.yaml")


def _check_study(config: Config) -> None:
    """`experiment=sensitivity`: its priors file (a range with low > high, on a key the config does
    not have, a share outside [0, 1]) and its size against experiment.max_evaluations, before
    anything runs or is written."""
    if config.experiment.kind != "sensitivity":
        return
    from sim.uncertainty.sensitivity import plan

    plan(config)


def remaining_share(*shares) -> float:
    """`${remaining_share:${a},${b}}` = 1 - a - b: keeps shares summing to 1 while a sweep moves one."""
    return 1.0 - sum(float(x) for x in shares)


def officers_on_duty(staff_hours_per_week, calendar) -> int:
    """`${officers_on_duty:${port.officer_hours_per_week},${.officer_calendar}}`: a regime's
    officers on duty from the port's staff pool and the regime's own calendar, so a second
    port needs no copies of the regimes (sim.domain.calendar.on_duty). `regime.officers=N`
    still pins the count for a what-if."""
    return on_duty(float(staff_hours_per_week), list(calendar.days), float(calendar.open_hour),
                   float(calendar.close_hour))


OmegaConf.register_new_resolver("remaining_share", remaining_share, replace=True)
OmegaConf.register_new_resolver("officers_on_duty", officers_on_duty, replace=True)


