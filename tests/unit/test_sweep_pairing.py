"""Sweep points share seeds and replication indices (common random numbers), so a point's effect
is its paired difference from a reference point (sim.outputs.sweeps): a real effect whose level
bands overlap must show as an interval that excludes zero. Numbers worked by hand."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.outputs.stats import t_interval
from sim.outputs.sweeps import SweepError, paired_sweep, reference_point

KPI = "import_release_hours_mean"
FACTOR = "regime.officers"
BASE = [100.0, 110.0, 90.0, 120.0, 95.0]   # the replications' common noise: wide level bands
NOISE = [0.1, -0.2, 0.3, -0.1, 0.0]        # what is not common between the two points
EFFECT = 2.16


def replications(configured=(76,), seeds=(7, 7)) -> pd.DataFrame:
    rows = []
    for officers, seed in zip((50, 76), seeds):
        for r, (base, noise) in enumerate(zip(BASE, NOISE)):
            value = base + (EFFECT + noise if officers == 50 else 0.0)
            rows.append({FACTOR: officers, "kpi": KPI, "replication": r, "value": value, "seed": seed,
                         "as_configured": officers in configured})
    return pd.DataFrame(rows)


def test_overlapping_level_bands_hide_an_effect_the_paired_interval_shows():
    table = replications()
    low50, low76 = (t_interval(table[table[FACTOR] == o]["value"]) for o in (50, 76))
    assert low50["ci_low"] < low76["ci_high"] and low76["ci_low"] < low50["ci_high"]  # the bands overlap
    diffs = paired_sweep(table, [FACTOR]).set_index(FACTOR)
    # Differences 2.26, 1.96, 2.46, 2.06, 2.16: mean 2.18, sd sqrt(0.148 / 4), t(0.975, 4) = 2.776445.
    half = 2.776445 * math.sqrt(0.148 / 4) / math.sqrt(5)
    assert diffs.loc[50, "mean"] == pytest.approx(2.18)
    assert (diffs.loc[50, "ci_low"], diffs.loc[50, "ci_high"]) == pytest.approx((2.18 - half, 2.18 + half), abs=1e-6)
    assert diffs.loc[50, "ci_low"] > 0  # excludes zero: 1.941 to 2.419
    assert diffs.loc[50, "n"] == 5 and diffs.loc[50, "reference"] == f"{FACTOR}=76"
    assert diffs.loc[50, "level"] == pytest.approx(103.0 + 2.18) and diffs.loc[50, "reference_level"] == 103.0
    assert diffs.loc[76, "mean"] == 0.0 and diffs.loc[76, "ci_low"] == diffs.loc[76, "ci_high"] == 0.0


def test_the_reference_is_the_configured_point_else_the_first_or_the_one_chosen():
    assert reference_point(replications(), [FACTOR]) == {FACTOR: 76}
    assert reference_point(replications(configured=()), [FACTOR]) == {FACTOR: 50}  # first point
    assert reference_point(replications(configured=(50, 76)), [FACTOR]) == {FACTOR: 50}  # ambiguous: first
    chosen = paired_sweep(replications(), [FACTOR], reference={FACTOR: 50}).set_index(FACTOR)
    assert chosen.loc[76, "mean"] == pytest.approx(-2.18) and chosen.loc[76, "ci_high"] < 0
    with pytest.raises(SweepError, match="no point regime.officers=60"):
        paired_sweep(replications(), [FACTOR], reference={FACTOR: 60})


def test_points_on_different_seeds_are_not_paired():
    with pytest.raises(SweepError, match="different seeds"):
        paired_sweep(replications(seeds=(7, 8)), [FACTOR])


def test_only_replications_both_points_ran_are_paired():
    table = replications()
    table = table[~((table[FACTOR] == 76) & (table["replication"] == 4))]  # the reference lacks replication 4
    diffs = paired_sweep(table, [FACTOR]).set_index(FACTOR)
    assert diffs.loc[50, "n"] == 4 and diffs.loc[50, "mean"] == pytest.approx((2.26 + 1.96 + 2.46 + 2.06) / 4)


def test_the_sweep_figures_draw_the_paired_differences_by_default():
    from sim.viz.plots_planning import sweep_heatmap_figure, sweep_response_figure
    from sim.viz.style import plt

    table = replications()
    fig = sweep_response_figure(table, FACTOR, [KPI])
    line = fig.axes[0].lines[0]
    assert list(line.get_xdata()) == [50, 76] and list(line.get_ydata()) == pytest.approx([2.18, 0.0])
    assert "paired" in fig._suptitle.get_text() and "regime.officers=76" in fig._suptitle.get_text()
    plt.close(fig)
    levels = sweep_response_figure(table, FACTOR, [KPI], paired=False)  # the level figure stays available
    assert list(levels.axes[0].lines[0].get_ydata()) == pytest.approx([105.18, 103.0])
    plt.close(levels)
    two = pd.concat([replications(configured=(76,) if b == 1.0 else ()).assign(b=b) for b in (1.0, 2.0)],
                    ignore_index=True)  # the configured point: 76 officers at b = 1
    heat = sweep_heatmap_figure(two, FACTOR, "b", KPI)
    cells = [t.get_text() for t in heat.axes[0].texts]
    assert "+2.18\n[+1.94, +2.42]" in cells and any(c.startswith("+0.00") and c.endswith("~") for c in cells)
    plt.close(heat)
