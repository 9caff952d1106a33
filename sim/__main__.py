"""`python -m sim`: the Hydra entry. The only module that imports Hydra.

Composition errors (unknown keys, wrong types, unknown group options) are caught
by composing once before Hydra's own run, so every bad input ends as one line
naming the key, exit status 2, and no results directory.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.config import Config, ConfigError, validate

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "configs")
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

ConfigStore.instance().store(name="schema", node=Config)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)


def describe(exc: BaseException) -> str:
    """One line naming the key and the problem, from Hydra's and OmegaConf's exceptions."""
    from hydra.errors import MissingConfigException, OverrideParseException
    from omegaconf.errors import ConfigKeyError, OmegaConfBaseException

    chain, e = [], exc
    while e is not None:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for e in chain:
        if isinstance(e, MissingConfigException):
            group = (e.missing_cfg_file or "").rsplit("/", 1)
            if e.options and len(group) == 2:
                return f"{group[0]}: unknown option {group[1]!r}; available: {', '.join(sorted(e.options))}"
            return str(e).splitlines()[0]
        if isinstance(e, OverrideParseException):
            return f"override {e.override!r}: {e.message.splitlines()[0]}"
    for e in chain:
        if isinstance(e, OmegaConfBaseException):
            key = getattr(e, "full_key", None) or ""
            if isinstance(e, ConfigKeyError) and "not in struct" in e.msg:
                return f"{key}: unknown key"
            first = e.msg.splitlines()[0] if getattr(e, "msg", None) else str(e).splitlines()[0]
            return f"{key}: {first}" if key else first
    text = str(exc).strip().splitlines()
    if "An item is already at" in str(exc):
        key = str(exc).split("An item is already at", 1)[1].strip(" '.")
        return f"{key}: '+' adds a new key, but this key is part of the schema; set it without '+'"
    return text[0] if text else type(exc).__name__


def to_config(cfg: DictConfig) -> Config:
    """DictConfig (without the hydra node) -> validated typed Config."""
    return validate(OmegaConf.to_object(cfg))


def preflight(argv: list[str]) -> None:
    """Compose and validate once before Hydra creates an output directory."""
    if any(a in ("-m", "--multirun") or a.startswith("--") or a.startswith("-") for a in argv):
        return  # Hydra's own flags (help, multirun, info): let Hydra handle them
    from hydra import compose, initialize_config_dir

    try:
        with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
            cfg = compose(config_name="config", overrides=argv)
        to_config(cfg)
    except ConfigError as e:
        fail(str(e))
    except Exception as e:  # noqa: BLE001 - every composition failure becomes one line
        fail(describe(e))


@hydra.main(config_path=CONFIG_DIR, config_name="config", version_base="1.3")
def app(cfg: DictConfig) -> None:
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        config = to_config(cfg)
    except ConfigError as e:
        _remove_if_empty(out_dir)
        fail(str(e))
    from sim.experiment import run_experiment

    try:
        run_experiment(config, out_dir, OmegaConf.to_yaml(cfg, resolve=True))
    except KeyboardInterrupt:
        fail(f"interrupted; nothing was written to {out_dir}", EXIT_INTERRUPTED)
    except OSError as e:
        fail(f"cannot write results to {out_dir}: {e.strerror or e}", 1)


def _remove_if_empty(path: Path) -> None:
    """Remove the output directory Hydra made for a run that never started (only if empty)."""
    try:
        path.rmdir()
        parent = path.parent
        if parent.name != "results" and not any(parent.iterdir()):
            parent.rmdir()
    except OSError:
        pass


def main() -> None:
    preflight(sys.argv[1:])
    app()


if __name__ == "__main__":
    main()
