"""The memory estimate (sim/config/footprint.py): its counts against a simulated replication, and the
refusal, naming the key, with the machine's memory and a way out."""
from __future__ import annotations

import pytest

from sim.config import ConfigError
from sim.config.footprint import footprint, check_footprint
from sim.model.port import simulate
from tests.conftest import make_config


@pytest.mark.parametrize("overrides", [
    ("demand.scale=0.1", "run.horizon_days=21", "run.warmup_days=7", "run.drain_days=7"),
    ("demand.scale=0.05", "run.horizon_days=42", "run.warmup_days=7", "run.drain_days=0"),
])
def test_the_counts_are_those_a_replication_draws(overrides):
    """Calls and consignments a replication simulates, from the demand alone: within 10 % (call sizes
    vary by 25 % a call, so a few hundred calls leave a few per cent either way; the full-scale 28-day
    and 365-day replications were within 0.1 %, benchmarks/RESULTS.md (a))."""
    cfg = make_config("experiment=single", "run.replications=1", "run.workers=1", *overrides)
    est = footprint(cfg)
    rep = simulate(cfg, cfg.regime, 0)
    assert est.consignments == pytest.approx(rep.consignments.num_rows, rel=0.10)
    assert est.calls == pytest.approx(rep.calls.num_rows, rel=0.10)


def _with(cfg, **changes):
    import copy

    out = copy.deepcopy(cfg)
    for key, value in changes.items():
        section, name = key.split("__")
        setattr(getattr(out, section), name, value)
    return out


def test_the_estimate_grows_with_horizon_scale_replications_and_workers():
    cfg = make_config()
    base = footprint(cfg)
    assert footprint(_with(cfg, run__horizon_days=56)).consignments == pytest.approx(
        base.consignments * (56 + 7) / (28 + 7))
    assert footprint(_with(cfg, demand__scale=2.0)).consignments == pytest.approx(2 * base.consignments)
    assert footprint(_with(cfg, demand__scale=2.0)).calls == base.calls
    assert footprint(_with(cfg, run__replications=16)).batches == 2 * base.batches
    assert footprint(_with(cfg, run__workers=1)).peak_bytes < base.peak_bytes


def test_a_ten_year_summary_only_run_needs_what_one_segment_needs():
    one_year = make_config("experiment=single", "run.replications=1", "run.workers=1", "run.summary_only=true",
                           "run.horizon_days=371")
    ten_years = footprint(_with(one_year, run__horizon_days=3647.0))
    assert ten_years.consignments == footprint(one_year).consignments
    assert ten_years.peak_bytes < 1.1 * footprint(one_year).peak_bytes


def test_refused_with_the_machine_memory_and_a_way_out():
    cfg = make_config()  # 2 workers, 8 paired replications: about 1.2 GB
    assert check_footprint(cfg, memory=64e9) is cfg
    with pytest.raises(ConfigError) as e:
        check_footprint(cfg, memory=0.8e9)
    assert e.value.key == "run.horizon_days" and "this machine has 800 MB" in e.value.problem
    assert "run.workers=1 would fit" in e.value.problem and "\n" not in str(e.value)


def test_the_python_api_refuses_before_writing(tmp_path, monkeypatch):
    import sim.config.footprint as fp
    from sim.runs.runner import RunContext, execute

    monkeypatch.setattr(fp, "machine_memory", lambda: 0.3e9)
    with pytest.raises(ConfigError, match=r"^run\.horizon_days: this run needs about"):
        execute(make_config("experiment=single", "run.replications=1"), RunContext(tmp_path / "run"))
    assert list(tmp_path.iterdir()) == []
