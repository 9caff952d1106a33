"""Knobs where planners think: one factor instead of a dozen consistent overrides.

`regime.channel_factors.red=2` doubles the red-channel share of every direction and cargo
class, green absorbing the difference (yellow likewise with `.yellow`). Applied here and
nowhere else, by `validate()` (so `python -m sim`, `sim.load_config` and a Config changed by
hand before `sim.run_experiment` all get it): the model only ever sees shares. Applying
consumes the factors: they go back to 1 and `channel_factors_applied` records what the shares
were scaled by, so the resolved config (config.yaml) shows the simulated shares and why, and
validating again changes nothing. A factor that would leave green below 0 in any cell is
refused, naming the cell and the largest factor that cell allows.
"""
from __future__ import annotations

import math

from sim.config.schema import ChannelFactorsConfig, Config, ConfigError, RegimeConfig

SCALED = ("yellow", "red")
"""The channels a factor scales; green is what is left (1 - yellow - red)."""
SIDES = ("regime", "baseline")
DIGITS = 12
"""Scaled shares are rounded to this many decimals: 1 - 0.35 - 0.3 reads 0.35, not 0.3500000000000001."""


def apply_knobs(cfg: Config) -> list[str]:
    """Apply each regime's channel factors to its channels in place; the sides it changed.
    Called by validate(); idempotent (applied factors are consumed)."""
    return [side for side in SIDES if apply_channel_factors(getattr(cfg, side), side)]


def apply_channel_factors(regime: RegimeConfig, key: str = "regime") -> bool:
    """Scale the regime's yellow and red shares by its `channel_factors`; False if all are 1
    (the shares are then left exactly as given, not recomputed)."""
    factors = {ch: getattr(regime.channel_factors, ch) for ch in SCALED}
    for ch, f in factors.items():
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not math.isfinite(f) or f < 0:
            raise ConfigError(f"{key}.channel_factors.{ch}", f"must be a finite number >= 0, got {f}")
    if all(f == 1.0 for f in factors.values()):
        return False
    scaled = {}
    for direction, by_class in regime.channels.items():
        for cls in ("general", "reefer", "wood"):
            shares = getattr(by_class, cls)
            new = {ch: getattr(shares, ch) * f for ch, f in factors.items()}
            green = 1.0 - sum(new.values())
            if green < -1e-9:
                raise ConfigError(f"{key}.channel_factors", _too_big(factors, shares, f"{key}.channels.{direction}.{cls}"))
            scaled[direction, cls] = (max(green, 0.0), new)
    for (direction, cls), (green, new) in scaled.items():
        shares = getattr(regime.channels[direction], cls)
        shares.green = round(green, DIGITS)
        for ch, value in new.items():
            setattr(shares, ch, round(value, DIGITS))
    done = regime.channel_factors_applied
    regime.channel_factors_applied = ChannelFactorsConfig(**{ch: getattr(done, ch) * f for ch, f in factors.items()})
    regime.channel_factors = ChannelFactorsConfig()  # consumed: validating again is a no-op
    return True


def _too_big(factors: dict, shares, cell: str) -> str:
    """Why the factors do not fit this cell, and the largest common scale that would."""
    given = " ".join(f"{ch} x{f:g}" for ch, f in factors.items() if f != 1.0)
    parts = ", ".join(f"{ch} {getattr(shares, ch):g} -> {getattr(shares, ch) * f:.4g}" for ch, f in factors.items())
    green = 1.0 - sum(getattr(shares, ch) * f for ch, f in factors.items())
    moved = [ch for ch, f in factors.items() if f != 1.0]
    limit = ""
    if len(moved) == 1 and getattr(shares, moved[0]) > 0:
        (ch,), (other,) = moved, [c for c in factors if c != moved[0]]
        most = (1.0 - getattr(shares, other) * factors[other]) / getattr(shares, ch)
        limit = f"; this cell allows {ch} up to x{math.floor(most * 1000) / 1000:g}"
    return f"{given} leaves {cell}.green at {green:.4g} (< 0): {parts}{limit}"
