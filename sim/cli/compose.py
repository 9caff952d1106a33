"""Compose `configs/config.yaml` with overrides into a validated `Config`: the one bridge
from Hydra's YAML to the Hydra-free core. Used by `python -m sim`, the public API
(`sim.load_config`), tests, notebooks and benchmarks."""
from __future__ import annotations

from typing import Sequence

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from sim.config import Config, ConfigError, validate
from sim.config.locations import CONFIG_DIR as _CONFIG_PATH
from sim.config.stability import check_stability

CONFIG_DIR = str(_CONFIG_PATH)

ConfigStore.instance().store(name="schema", node=Config)


def to_config(cfg: DictConfig) -> Config:
    """DictConfig (without the hydra node) -> validated typed Config."""
    config = validate(OmegaConf.to_object(cfg))
    _check_precision_kpi(config)
    check_stability(config)  # an overloaded station is bad input too: reported before any file
    return config


def compose_config(overrides: Sequence[str] = ()) -> Config:
    """configs/config.yaml with overrides, composed and validated as `python -m sim` does
    (for tools such as sim.runs.baseline that must not import Hydra themselves)."""
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return to_config(compose(config_name="config", overrides=list(overrides)))


def _check_precision_kpi(config: Config) -> None:
    """run.precision_kpi must be a headline KPI of the registry; checked here because the names
    live with the outputs, not the schema (the experiment checks again once KPIs exist)."""
    if not config.run.target_half_width > 0:
        return
    from sim.outputs.kpis import headline_names

    if config.run.precision_kpi not in headline_names():
        raise ConfigError("run.precision_kpi", f"unknown KPI {config.run.precision_kpi!r}; "
                                               f"expected one of {', '.join(headline_names())}")


def remaining_share(*shares) -> float:
    """`${remaining_share:${a},${b}}` = 1 - a - b: keeps shares summing to 1 while a sweep moves one."""
    return 1.0 - sum(float(x) for x in shares)


OmegaConf.register_new_resolver("remaining_share", remaining_share, replace=True)


