"""Where each side's regime departs from the regime file it is named after.

A calibration target describes a regime *as published* (configs/regime/<name>.yaml). A run can
carry that name while simulating something else: `regime.officers=50` on the command line, a
sweep point, or a what-if file that starts from `after_reform` and keeps its `name`. So at run
time, where Hydra can compose the published file, each side's resolved regime is compared key by
key with it, and the run directory keeps the differences (`regimes.json`, read by
sim.calibration.targets): a target is then judged only on a side that is its regime unchanged.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from omegaconf import DictConfig, OmegaConf

from sim.domain.sides import Side, sides_of

IGNORED = ("description",)
"""Regime keys that say nothing about what is simulated."""


def touches_regime(override: str) -> bool:
    """An override of either side's regime: a key or group choice under `regime` or `baseline`."""
    key = override.lstrip("+~").split("=", 1)[0]
    return key.split(".", 1)[0].split("@", 1)[0] in ("regime", "baseline")


def flatten(node, prefix: str = "") -> dict:
    """{dotted key: leaf value} of a nested mapping (lists are leaves)."""
    if not isinstance(node, Mapping):
        return {prefix: node}
    out: dict = {}
    for key, value in node.items():
        out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def departures(run_regime: Mapping, published: Mapping) -> dict[str, list]:
    """{key: [published value, this run's value]} for every regime key that differs (a key only one
    side has counts, with None for the other). Pure, so testable without Hydra."""
    ours, theirs = flatten(run_regime), flatten(published)
    return {key: [theirs.get(key), ours.get(key)] for key in sorted(set(ours) | set(theirs))
            if key.split(".", 1)[0] not in IGNORED and ours.get(key) != theirs.get(key)}


def regime_departures(cfg: DictConfig, overrides: Sequence[str], compose) -> dict[str, dict]:
    """side -> {"regime": name, "changed": {key: [published, run]}} or, when the published file
    cannot be composed, {"regime": name, "changed": None} (unknown). `compose(overrides)` composes
    the primary config (hydra.compose inside a Hydra app); the run's own overrides are kept
    except those of the regimes, so a port override still gives the regime at that port."""
    kept = [o for o in overrides if not touches_regime(o)]
    out = {}
    for side in sides_of(str(cfg.experiment.kind)):
        name = str(cfg[side.config_key].name)
        group = "regime@baseline" if side is Side.BEFORE else "regime"
        try:
            reference = compose(kept + [f"{group}={name}"])
        except Exception:  # noqa: BLE001 - a name without a file of its own: its departures are unknown
            changed = None
        else:
            changed = departures(OmegaConf.to_container(cfg[side.config_key], resolve=True),
                                 OmegaConf.to_container(reference[side.config_key], resolve=True))
        out[str(side)] = {"regime": name, "changed": changed}
    return out
