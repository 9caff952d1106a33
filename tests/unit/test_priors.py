"""Priors from the provenance tags (sim/uncertainty/priors.py) and the scenario's uncertainty.yaml."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.config import ConfigError
from sim.uncertainty.priors import FILE_NAME, apply_values, derive_priors, load_priors, scenario_numbers
from tests.conftest import REPO, make_config

FOLDER = REPO / "scenarios" / "dalian"


@pytest.fixture(scope="module")
def factors():
    return {f.name: f for f in derive_priors("dalian_2015", FOLDER)}


@pytest.fixture(scope="module")
def cfg():
    return make_config("run.workers=1")


def test_the_stored_file_is_what_the_tags_give(factors):
    """scenarios/dalian/uncertainty.yaml is up to date with configs/ (regenerate it with
    `python -m sim.priors` after changing a tag)."""
    stored = yaml.safe_load((FOLDER / FILE_NAME).read_text())["factors"]
    assert [f["name"] for f in stored] == list(factors)
    for item in stored:
        f = factors[item["name"]]
        assert item["keys"] == f.keys
        if "narrowed" in item["bounds"]:  # narrowed to where the config runs (python -m sim.priors)
            assert f.low <= item["low"] <= f.nominal <= item["high"] <= f.high and (item["low"], item["high"]) != (f.low, f.high)
        else:
            assert (item["low"], item["high"]) == (f.low, f.high)


def test_every_factor_is_an_estimated_or_knob_number_and_no_sourced_one_moves(factors):
    numbers = scenario_numbers("dalian_2015")
    knobs = {k["key"] for k in yaml.safe_load((FOLDER / "knobs.yaml").read_text())["knobs"]}

    def knob(f):
        return any(key in knobs for key in f.keys)  # a shared factor lists both regimes' keys

    for f in factors.values():
        assert f.bounds == "knobs" if knob(f) else all(numbers[key].tag == "estimated" for key in f.keys), f.name
    moving = {key for f in factors.values() for key in f.keys}
    sourced = [key for key, n in numbers.items() if n.tag in ("s:", "d:")]
    assert len(sourced) > 20
    assert {key for key in sourced if key in moving} == {key for f in factors.values() if knob(f) for key in f.keys
                                                         if numbers[key].tag in ("s:", "d:")}


def test_bands(factors):
    # default band x0.5..x2 for a duration
    f = factors["baseline.duty_hours_mean"]
    assert (f.low, f.high, f.bounds) == (4, 16, "default")
    # stated in the comment: "(0.3-0.8)"
    assert (factors["traders.original_documents_share"].low, factors["traders.original_documents_share"].high) == (0.3, 0.8)
    # from knobs.yaml
    assert factors["traders.truck_booking.mean"].bounds == "knobs"
    # a share: +-50 % of min(s, 1 - s)
    f = factors["demand.domestic_share"]
    assert (f.low, f.high) == pytest.approx((0.2, 0.6))
    # a sourced number is not a factor; a zero has no band
    assert "port.terminals.dct.crane_moves_per_hour" not in factors
    assert not any("joint" in name for name in factors)


def test_shared_keys_move_both_regimes_and_measures_only_one(factors, cfg):
    f = factors["regimes.query_response_hours_mean"]
    assert sorted(f.keys) == ["baseline.query_response_hours_mean", "regime.query_response_hours_mean"]
    assert factors["regime.duty_hours_mean"].keys == ["regime.duty_hours_mean"]  # e_payment sets it
    assert factors["baseline.duty_hours_mean"].keys == ["baseline.duty_hours_mean"]
    moved = apply_values(cfg, [f], [40.0])
    assert moved.baseline.query_response_hours_mean == moved.regime.query_response_hours_mean == 40.0


def test_shares_that_sum_to_one_stay_consistent(factors, cfg):
    chosen = [f for f in factors.values() if f.group_name in ("baseline.channels", "demand.destination_shares")]
    assert len(chosen) >= 12
    for corner in ("low", "high"):
        moved = apply_values(cfg, chosen, [getattr(f, corner) for f in chosen])  # validate() checks the sums
        shares = moved.baseline.channels["import"].general
        assert shares.green + shares.yellow + shares.red == pytest.approx(1.0)
        assert sum(moved.demand.destination_shares.values()) == pytest.approx(1.0)
    red = factors["baseline.channels.import.general.red"]
    assert red.group == "baseline.channels" and red.complement == "channels.import.general.green"


def _write(tmp_path: Path, factors: list[dict]) -> Path:
    path = tmp_path / "u.yaml"
    path.write_text(yaml.safe_dump({"factors": factors}))
    return path


@pytest.mark.parametrize("item,problem", [
    ({"name": "a", "keys": ["regime.duty_hours_mean"], "nominal": 1, "low": 3, "high": 2}, "low 3 > high 2"),
    ({"name": "a", "keys": ["regime.no_such_key"], "nominal": 1, "low": 1, "high": 2}, "no such key"),
    ({"name": "a", "keys": ["regime.pre_arrival_share"], "nominal": 0.4, "low": 0.2, "high": 1.2, "kind": "share"},
     "must lie in [0, 1]"),
    ({"name": "a", "keys": ["regime.channels.import.general.red"], "nominal": 0.04, "low": 0.0, "high": 0.9,
      "kind": "share", "complement": "channels.import.general.green"}, "cannot sum to one"),
])
def test_bad_ranges_are_refused(tmp_path, cfg, item, problem):
    with pytest.raises(ConfigError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        load_priors(_write(tmp_path, [item]), cfg)


def test_the_stored_file_loads(cfg):
    assert len(load_priors(FOLDER / FILE_NAME, cfg)) > 100


def test_officers_follow_the_officer_hours(factors, cfg):
    f = factors["port.officer_hours_per_week"]
    moved = apply_values(cfg, [f], [2 * f.nominal])
    assert moved.baseline.officers == 2 * cfg.baseline.officers
    assert moved.regime.officers > cfg.regime.officers


def test_a_range_end_that_cannot_run_is_refused(tmp_path, cfg):
    item = {"name": "a", "keys": ["demand.boxes_per_consignment_mean"], "nominal": 1.5, "low": 0.5, "high": 2}
    with pytest.raises(ConfigError, match="low 0.5 cannot run"):
        load_priors(_write(tmp_path, [item]), cfg)
