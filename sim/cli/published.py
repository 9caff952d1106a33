"""Where each side's regime departs from the regime file it is named after.

A calibration target describes a regime *as published* (configs/regime/<name>.yaml). A run can
carry that name while simulating something else: `regime.officers=50` on the command line, a
sweep point, or a what-if file that starts from a published regime and keeps its `name`. So at run
time, where Hydra can compose the published file, each side's resolved regime is compared key by
key with it, and the run directory keeps the differences (`regimes.json`, read by
sim.calibration.targets): a target is then judged only on a side that is its regime unchanged.
"""
from __future__ import annotations

from collections.abc import Mapping

from omegaconf import DictConfig, OmegaConf

from sim.domain.sides import sides_of

IGNORED = ("description",)
"""Regime keys that say nothing about what is simulated."""


def flatten(node, prefix: str = "") -> dict:
    """{dotted key: leaf value} of a nested mapping (lists are leaves)."""
    if not isinstance(node, Mapping):
        return {prefix: node}
    out: dict = {}
    for key, value in node.items():
        out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def departures(run_regime: Mapping, published: Mapping) -> dict[str, list]:
    """{key: [published value, this run's value]} for every key of the published regime whose value
    this run does not have (keys only the run has are the schema's defaults, which the published
    file leaves as they are). Pure, so testable without Hydra."""
    ours, theirs = flatten(run_regime), flatten(published)
    return {key: [theirs[key], ours.get(key)] for key in sorted(theirs)
            if key.split(".", 1)[0] not in IGNORED and ours.get(key) != theirs[key]}


def regime_departures(cfg: DictConfig, compose_regime) -> dict[str, dict]:
    """side -> {"regime": name, "changed": {key: [published, run]}}, or "changed": None when the
    regime's file cannot be composed (unknown). `compose_regime(name)` composes
    configs/regime/<name>.yaml alone (hydra.compose of `regime/<name>` inside a Hydra app: about
    0.1 s); it is resolved against this run's port, whose staff pool sets the officers on duty."""
    out = {}
    port = OmegaConf.to_container(cfg.port, resolve=True)
    for side in sides_of(str(cfg.experiment.kind)):
        name = str(cfg[side.config_key].name)
        try:
            node = compose_regime(name)
            published = OmegaConf.to_container(OmegaConf.create({"port": port, "regime": node.regime}),
                                               resolve=True)["regime"]
        except Exception:  # noqa: BLE001 - a name without a file of its own: its departures are unknown
            changed = None
        else:
            changed = departures(OmegaConf.to_container(cfg[side.config_key], resolve=True), published)
        out[str(side)] = {"regime": name, "changed": changed}
    return out
