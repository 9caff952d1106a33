"""The public API in sim/__init__.py: every name resolves, `import sim` stays cheap, and a
tiny comparison runs through it as a notebook would."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

import sim


@pytest.mark.parametrize("name", sim.__all__)
def test_every_public_name_resolves(name):
    assert getattr(sim, name) is not None


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        sim.nope  # noqa: B018


def test_import_sim_loads_neither_hydra_nor_matplotlib():
    code = "import sys, sim; print(json.dumps([m for m in ('hydra', 'matplotlib', 'simpy') if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_a_tiny_comparison_through_the_api(tmp_path):
    cfg = sim.load_config(["demand.scale=0.02", "run.horizon_days=5", "run.warmup_days=1", "run.drain_days=2",
                           "run.replications=2", "run.workers=1", "experiment.report=false"])
    assert isinstance(cfg, sim.Config)
    sim.run_experiment(cfg, tmp_path / "run", echo=False)
    run = sim.open_run(tmp_path / "run")
    assert run.comparison is not None and set(run.regime_names) == {"before", "after"}
    rep = sim.simulate(cfg, cfg.regime, 0)
    assert rep.consignments.num_rows > 0


def test_bad_overrides_raise_a_config_error_naming_the_key():
    with pytest.raises(sim.ConfigError, match="demand.scale"):
        sim.load_config(["demand.scale=-1"])
