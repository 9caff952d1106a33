"""`regime.channel_factors` (sim/config/knobs.py): one factor scales the red (or yellow) share of
every direction and cargo class, green absorbing the difference; numbers worked by hand.
Applying consumes the factors (back to 1, `channel_factors_applied` records them), so a
config validated twice, or rebuilt from a run's config.yaml, is not scaled twice."""
from __future__ import annotations

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

import sim
from sim.cli.compose import CONFIG_DIR, to_config
from sim.config.knobs import apply_channel_factors
from sim.config.schema import ChannelFactorsConfig, ChannelSharesConfig, ClassChannelsConfig, ConfigError, RegimeConfig


def regime(yellow: float = 1.0, red: float = 1.0) -> RegimeConfig:
    cell = lambda g, y, r: ChannelSharesConfig(green=g, yellow=y, red=r)
    return RegimeConfig(name="hand", channel_factors=ChannelFactorsConfig(yellow=yellow, red=red), channels={
        "import": ClassChannelsConfig(general=cell(0.90, 0.06, 0.04), reefer=cell(0.50, 0.35, 0.15),
                                      wood=cell(0.30, 0.50, 0.20)),
        "export": ClassChannelsConfig(general=cell(1.0, 0.0, 0.0), reefer=cell(0.75, 0.22, 0.03),
                                      wood=cell(0.75, 0.22, 0.03)),
    })


def shares(r: RegimeConfig, direction: str, cls: str) -> tuple:
    s = getattr(r.channels[direction], cls)
    return s.green, s.yellow, s.red


def test_red_x2_green_absorbs_the_difference():
    r = regime(red=2.0)
    assert apply_channel_factors(r) is True
    assert shares(r, "import", "general") == pytest.approx((0.86, 0.06, 0.08), abs=1e-12)
    assert shares(r, "import", "reefer") == pytest.approx((0.35, 0.35, 0.30), abs=1e-12)
    assert shares(r, "import", "wood") == pytest.approx((0.10, 0.50, 0.40), abs=1e-12)
    assert shares(r, "export", "general") == (1.0, 0.0, 0.0)
    assert shares(r, "export", "reefer") == pytest.approx((0.72, 0.22, 0.06), abs=1e-12)
    assert shares(r, "import", "reefer")[0] == 0.35  # rounded, not 0.3500000000000001
    assert (r.channel_factors, r.channel_factors_applied) == (ChannelFactorsConfig(), ChannelFactorsConfig(red=2.0))
    assert apply_channel_factors(r) is False, "consumed: applying again changes nothing"
    assert shares(r, "import", "general") == pytest.approx((0.86, 0.06, 0.08), abs=1e-12)
    r.channel_factors.red = 1.25  # a second factor on top: the record multiplies
    apply_channel_factors(r)
    assert shares(r, "import", "general") == pytest.approx((0.84, 0.06, 0.10), abs=1e-12)
    assert shares(r, "import", "wood") == pytest.approx((0.0, 0.50, 0.50), abs=1e-12)
    assert r.channel_factors_applied == ChannelFactorsConfig(red=2.5)


def test_yellow_and_red_together():
    r = regime(yellow=0.5, red=0.5)
    apply_channel_factors(r)
    assert shares(r, "import", "wood") == pytest.approx((0.65, 0.25, 0.10), abs=1e-12)


def test_factors_of_one_leave_the_shares_as_given():
    r = regime()
    assert apply_channel_factors(r) is False
    assert shares(r, "import", "general") == (0.90, 0.06, 0.04)


@pytest.mark.parametrize("yellow, red, message", [
    (1.0, 3.0, ("red x3 leaves regime.channels.import.wood.green at -0.1 (< 0): yellow 0.5 -> 0.5, red 0.2 -> 0.6; "
                "this cell allows red up to x2.5")),
    (2.0, 1.0, "yellow x2 leaves regime.channels.import.wood.green at -0.2 (< 0)"),
    (1.0, -1.0, "must be a finite number >= 0, got -1.0"),
])
def test_a_factor_leaving_green_below_zero_is_refused_naming_the_cell(yellow, red, message):
    r = regime(yellow=yellow, red=red)
    with pytest.raises(ConfigError) as e:
        apply_channel_factors(r)
    assert message in str(e.value) and str(e.value).startswith("regime.channel_factors")
    assert shares(r, "import", "general") == (0.90, 0.06, 0.04), "a refused factor changes nothing"


def test_composed_config_scales_only_that_regime_and_shows_the_shares():
    """After the reform export general cargo is 0.90/0.09/0.01 (measure risk_management):
    red x2 makes it 0.89/0.09/0.02; the baseline keeps its own shares. The resolved config
    (what a run writes as config.yaml) holds the scaled shares and the factor."""
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="config", overrides=["regime.channel_factors.red=2"])
    config = to_config(cfg)
    assert shares(config.regime, "export", "general") == pytest.approx((0.89, 0.09, 0.02), abs=1e-12)
    assert shares(config.baseline, "export", "general") == (0.80, 0.18, 0.02)
    resolved = OmegaConf.to_container(cfg, resolve=True)["regime"]
    assert resolved["channels"]["export"]["general"] == {"green": 0.89, "yellow": 0.09, "red": 0.02}
    assert resolved["channel_factors"] == {"yellow": 1.0, "red": 1.0}
    assert resolved["channel_factors_applied"] == {"yellow": 1.0, "red": 2.0}
    assert sim.load_config(["regime.channel_factors.red=2"]).regime == config.regime
    assert sim.validate(config).regime == sim.load_config(["regime.channel_factors.red=2"]).regime  # no second scaling


def test_a_factor_set_by_hand_before_run_experiment_is_applied(tmp_path, monkeypatch):
    """A notebook changing the factor on a composed Config: sim.run_experiment applies it (it
    does not validate), rather than running the unscaled shares without a word."""
    from sim.runs import kinds

    cfg = sim.load_config()
    cfg.regime.channel_factors.red = 2.0
    seen = {}
    monkeypatch.setattr(kinds, "check_stability", lambda c: seen.update(red=c.regime.channels["import"].general.red))
    monkeypatch.setattr(kinds, "run_calibration", lambda *a, **k: {})
    cfg.experiment.kind = "calibrate"  # stop right after the checks (calibration is stubbed)
    kinds.run_experiment(cfg, tmp_path)
    assert seen["red"] == pytest.approx(0.08) and cfg.regime.channel_factors_applied.red == 2.0


@pytest.mark.parametrize("side, option", [("regime", "regime"), ("baseline", "regime@baseline")])
def test_the_shipped_what_if_is_after_reform_with_red_doubled(side, option):
    """configs/regime/red_channel_x2.yaml starts from after_reform (`defaults`) and changes one knob:
    as `regime` and as `regime@baseline` every leaf equals after_reform's but the labels, the factor
    and the red/green shares, which are after_reform's red x2 and green 1 - yellow - red."""
    from dataclasses import asdict

    what_if = getattr(sim.load_config([f"{option}=red_channel_x2"]), side)
    reform = sim.load_config(["regime=after_reform"]).regime
    a, b = asdict(what_if), asdict(reform)
    assert (a.pop("name"), a.pop("description")) == ("red_channel_x2", "The 2015-16 reform with twice its red-channel shares (what-if).")
    assert a.pop("channel_factors_applied") == {"yellow": 1.0, "red": 2.0}
    channels, given = a.pop("channels"), b.pop("channels")
    for key in ("name", "description", "channel_factors_applied"):
        b.pop(key)
    assert a == b, "only the channel shares differ"
    assert a["measures"] == reform.measures and len(a["measures"]) == 9
    for direction, by_class in given.items():
        for cls, s in by_class.items():
            assert channels[direction][cls]["red"] == pytest.approx(2 * s["red"], abs=1e-12)
            assert channels[direction][cls]["yellow"] == s["yellow"]
            assert channels[direction][cls]["green"] == pytest.approx(1 - s["yellow"] - 2 * s["red"], abs=1e-12)
    assert channels["import"]["general"] == pytest.approx({"green": 0.71, "yellow": 0.21, "red": 0.08})
