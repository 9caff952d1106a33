"""`python -m sim.priors [SCENARIO]`: write the scenario's uncertainty.yaml from the provenance tags
of its configs (sim.uncertainty.priors), every range narrowed to where the composed config stays
valid and stable. One line on success; bad input as one `error:` line, exit 2."""
from __future__ import annotations

import sys

from sim.cli.compose import compose_config
from sim.cli.errors import fail
from sim.config import ConfigError
from sim.config.locations import scenario_dir
from sim.uncertainty.priors import derive_priors, write_priors


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        fail("usage: python -m sim.priors [SCENARIO]")
    try:
        cfg = compose_config([f"scenario={argv[0]}"] if argv else [])
        folder = scenario_dir(cfg.scenario.dir)
        path = write_priors(cfg.scenario.name, folder, cfg)
        factors = derive_priors(cfg.scenario.name, folder)
    except ConfigError as e:
        fail(str(e))
    narrowed = sum("narrowed" in f for f in path.read_text().split("- name: "))
    print(f"{path}: {len(factors)} factors in {len({f.group_name for f in factors})} groups "
          f"({narrowed} ranges narrowed to where the config runs)")
    return 0
