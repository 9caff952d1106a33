"""The warm-up check's figure (sim.outputs.warmup computes the check)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.outputs.warmup import HOURS_PER_DAY, SERIES, WarmupCheck
from sim.viz.style import SIDE_COLOURS, plt, save


def plot(check: WarmupCheck, out_dir: Path) -> list[Path]:
    """The binned series per replication and averaged, with the MSER cut and the configured warm-up
    (top), and the MSER statistic per truncation point (bottom). PNG and SVG."""
    colour = SIDE_COLOURS.get(check.side, "black")
    days = check.means.index.to_numpy() / HOURS_PER_DAY
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), height_ratios=(2, 1), constrained_layout=True)
    top.plot(days, check.means.to_numpy(), color="grey", lw=0.6, alpha=0.5)
    top.plot(days, check.means.mean(axis=1).to_numpy(), color=colour, lw=2,
             label=f"mean of {check.replications} replications")
    if check.season_hours:
        top.plot(check.adjusted.index.to_numpy() / HOURS_PER_DAY, check.adjusted.to_numpy(), color=colour, lw=1.2,
                 ls=":", label=f"mean less its {check.season_hours:g}-hour profile (what MSER sees)")
    top.axvspan(0, check.configured_hours / HOURS_PER_DAY, color="grey", alpha=0.12,
                label=f"configured warm-up ({check.configured_hours / HOURS_PER_DAY:g} d)")
    top.axvline(check.truncation_hours / HOURS_PER_DAY, color="black", ls="--", lw=1.2,
                label=f"MSER-{check.batch} cut ({check.truncation_hours / HOURS_PER_DAY:g} d)")
    top.set_ylabel(f"mean {SERIES[check.series][3]}, per {check.bin_hours:g} h")
    top.set_xlabel("start time (days from the empty port)")
    top.set_title(f"Warm-up check: {check.series} ({check.side})")
    top.grid(alpha=0.3)
    top.legend(loc="best", fontsize=8)
    step = check.batch * check.bin_hours / HOURS_PER_DAY
    bottom.plot(np.arange(len(check.mser_stat)) * step, check.mser_stat, "o-", color=colour)
    bottom.axvline(check.truncation_hours / HOURS_PER_DAY, color="black", ls="--", lw=1.2)
    bottom.set_xlabel("truncation point (days)")
    bottom.set_ylabel(f"MSER-{check.batch} statistic")
    bottom.grid(alpha=0.3)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    return save(fig, Path(out_dir), f"warmup_{check.series}_{check.side}")
