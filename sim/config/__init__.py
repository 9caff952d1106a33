"""Configuration: the typed schema, its semantic checks and the stability check.

Hydra is not imported here; composition from YAML lives in `sim.cli.compose`.
"""
from sim.config.schema import *  # noqa: F401,F403 - the dataclasses are the package's vocabulary
from sim.config.schema import Config, ConfigError
from sim.config.validation import STATIONS, validate

__all__ = ["Config", "ConfigError", "STATIONS", "validate"]
