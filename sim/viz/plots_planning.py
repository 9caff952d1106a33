"""Planning figures across runs: calibration targets vs the model, and what-if sweeps.

Sweep figures take the tidy table of `sim.store.rundir.sweep_table` (one row per run and
KPI, with the factor values), so they work on any set of stored runs.
"""
from __future__ import annotations

import numpy as np

from sim.outputs.formatting import SHARE, format_difference, format_factor, format_interval, format_number
from sim.outputs.kpis import unit_of
from sim.outputs.sweeps import level_table, paired_sweep
from sim.viz.style import SLIDE, FigureUnavailable, plt, styled

STATUS_COLOURS = {"pass": "#1a9850", "fail": "#d73027"}


def factor_axis_label(name: str) -> str:
    """A config key as an axis label; shares and probabilities say so."""
    return f"{name} (share)" if name.endswith("_share") else name


AXIS_UNITS = {SHARE: "share", "h": "hours", "CNY/TEU": "CNY per TEU", "TEU": "TEU", "TEU/yr": "TEU"}
"""Registry units as axis text ("TEU/yr" reads "TEU": the name already says "per year")."""


def kpi_axis_label(name: str) -> str:
    """A KPI name as an axis label with its unit from the registry (sim.outputs.kpis)."""
    words = name.replace("_cny_per_teu", "").replace("_hours", "").replace("_", " ")
    unit = AXIS_UNITS.get(unit_of(name), "")
    return f"{words} ({unit})" if unit else words


@styled
def calibration_figure(checks):
    """Each target's model estimate as its distance from the centre of the record's band, in half
    widths of the band (value +- tolerance, or the range): inside the shaded band is met. Error
    bars: the 95 % CI across replications. A structure (an order of KPIs) is met or not, as text."""
    if not checks:
        raise FigureUnavailable("no calibration targets")
    fig, ax = plt.subplots(figsize=(SLIDE[0] * 1.2, 0.55 * len(checks) + 1.8))
    y = np.arange(len(checks))[::-1]
    ax.axvspan(-1, 1, color=STATUS_COLOURS["pass"], alpha=0.12, lw=0, label="within the record's band")
    ax.axvline(0, color="grey", lw=1)
    lim = 1.5
    for yi, c in zip(y, checks):
        if c.status in STATUS_COLOURS and c.structural:
            order = " > ".join(k.rsplit("_", 1)[-1] for k, _ in c.ranking)
            ax.text(0, yi, f"{'met' if c.status == 'pass' else 'not met'}: {order}", ha="center", va="center",
                    fontsize=10, color=STATUS_COLOURS[c.status],
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8})
        elif c.status in STATUS_COLOURS:
            x = c.miss
            lo, hi = (c.ci_low - c.centre) / c.half_band, (c.ci_high - c.centre) / c.half_band
            err = [[max(x - lo, 0)], [max(hi - x, 0)]] if np.isfinite(lo) and np.isfinite(hi) else None
            ax.errorbar([x], [yi], xerr=err, fmt="o", ms=9, color=STATUS_COLOURS[c.status], capsize=4, lw=1.5)
            unit = SHARE if c.unit in ("share", "relative change") else ""
            record = (f"{format_number(c.low, unit)} to {format_number(c.high, unit)}" if c.ranged
                      else format_number(c.value, unit))
            ax.annotate(f"{format_number(c.model, unit)} vs {record}", (x, yi), xytext=(8, 6),
                        textcoords="offset points", fontsize=10, color=STATUS_COLOURS[c.status])
            lim = max(lim, abs(x) * 1.15, *(abs(v) * 1.05 for v in (lo, hi) if np.isfinite(v)))
        else:
            ax.text(0, yi, f"not evaluable: {c.reason}", ha="center", va="center", fontsize=10, color="grey",
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    ax.set_xlim(-lim, lim)
    if lim > 10:  # far misses would squash the band: linear inside +-2 half widths, logarithmic beyond
        ax.set_xscale("symlog", linthresh=2.0)
    ax.set_yticks(y, [f"{c.id} ({c.regime_label})" if c.regime_label else c.id for c in checks])
    ax.set_ylim(-0.7, len(checks) - 0.3)
    ax.set_xlabel("Model - record, in half widths of its band (shaded = met; log scale beyond +-2)" if lim > 10
                  else "Model - record, in half widths of its band (shaded = met)")
    ax.set_ylabel("Target (regime)")
    ax.set_title("Model vs record")
    ax.legend(loc="lower right")
    return fig


def _level_colours(levels) -> dict:
    """Deterministic colours for the levels of a second factor (ordered, light to dark)."""
    cmap = plt.get_cmap("viridis")
    n = len(levels)
    return {lv: cmap(0.15 + 0.7 * (k / max(n - 1, 1))) for k, lv in enumerate(levels)}


def _points(table, factors, paired: bool | None, reference):
    """(rows, title) to draw: paired differences from the reference point when the table has
    replications (and `paired` is not False), else each point's level with its own interval."""
    if "replication" not in table.columns:
        if paired:
            raise FigureUnavailable("paired differences need the replications (sim.sweep_replications)")
        return table, "95 % CI across replications, unpaired"
    if paired is False:
        return level_table(table, factors), "95 % CI across replications, unpaired"
    diffs = paired_sweep(table, factors, reference)
    return diffs, f"change from {diffs['reference'].iloc[0]}, paired by replication (95 % CI)"


@styled
def sweep_response_figure(table, factor: str, kpis, by: str | None = None, *, paired: bool | None = None,
                          reference=None):
    """Response curves: each KPI against one factor, one line per level of `by`.

    With a replication table (`sim.sweep_replications`) each point is drawn as its paired
    difference from a reference point (`reference`: {factor: value}; default the point running
    the regime as configured, else the first), with the paired 95 % CI: points share seeds, so
    this shows effects the overlapping level bands hide. `paired=False` draws the levels (also
    what a table of means and intervals, `sim.sweep_table`, gives)."""
    kpis = list(kpis)
    factors = [factor] + ([by] if by else [])
    rows_all, what = _points(table, factors, paired, reference)
    differences = "reference" in rows_all.columns
    fig, axes = plt.subplots(1, len(kpis), figsize=(SLIDE[0] * 0.6 * max(len(kpis), 2), SLIDE[1]), squeeze=False)
    levels = sorted(rows_all[by].unique()) if by else [None]
    colours = _level_colours(levels)
    for ax, kpi in zip(axes.ravel(), kpis):
        part = rows_all[rows_all["kpi"] == kpi]
        for level in levels:
            rows = (part if level is None else part[part[by] == level]).sort_values(factor)
            colour = colours[level] if by else "#2166ac"
            ax.plot(rows[factor], rows["mean"], marker="o", color=colour, lw=2,
                    label=None if level is None else f"{by.split('.')[-1]} = {format_factor(level)}")
            ax.fill_between(rows[factor], rows["ci_low"], rows["ci_high"], color=colour, alpha=0.2, lw=0)
        if differences:
            ax.axhline(0, color="grey", lw=1)
        ax.set_xlabel(factor_axis_label(factor))
        ax.set_ylabel(("change in " if differences else "") + kpi_axis_label(kpi))
        ax.set_title(kpi.replace("_", " "), fontsize=12)
        if by:
            ax.legend(fontsize=10)
    fig.suptitle(f"Response to {factor} ({what})")
    fig.tight_layout()
    return fig


@styled
def sweep_heatmap_figure(table, x: str, y: str, kpi: str, *, paired: bool | None = None, reference=None):
    """A two-factor heatmap of one KPI: with a replication table, each cell's paired difference
    from the reference point with its 95 % CI (cells whose interval covers zero are marked "~");
    `paired=False` or a table of means: each cell's mean."""
    rows, what = _points(table, [x, y], paired, reference)
    rows = rows[rows["kpi"] == kpi]
    differences = "reference" in rows.columns
    grid = rows.pivot_table(index=y, columns=x, values="mean")
    if grid.empty:
        raise FigureUnavailable(f"no values of {kpi}")
    low = rows.pivot_table(index=y, columns=x, values="ci_low").reindex_like(grid)
    high = rows.pivot_table(index=y, columns=x, values="ci_high").reindex_like(grid)
    unit = unit_of(kpi)
    fig, ax = plt.subplots()
    cmap = "RdBu_r" if differences else "viridis"
    values = grid.to_numpy()
    finite = values[np.isfinite(values)]
    span = float(np.abs(finite).max()) if finite.size else 1.0
    image = ax.imshow(values, origin="lower", aspect="auto", cmap=cmap,
                      **({"vmin": -span, "vmax": span} if differences and span > 0 else {}))
    ax.set_xticks(range(len(grid.columns)), [format_factor(v) for v in grid.columns])
    ax.set_yticks(range(len(grid.index)), [format_factor(v) for v in grid.index])
    middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
    for (i, j), v in np.ndenumerate(values):
        if differences:
            lo, hi = low.to_numpy()[i, j], high.to_numpy()[i, j]
            covers = not (np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0))
            text = (f"{format_difference(v, unit)}\n{format_interval(lo, hi, unit, difference=True)}"
                    + (" ~" if covers else ""))
            colour = "white" if abs(v) > 0.6 * span else "black"
        else:
            text, colour = format_number(v, unit), "white" if v < middle else "black"
        ax.text(j, i, text, ha="center", va="center", color=colour, fontsize=10 if differences else 12)
    ax.set_xlabel(factor_axis_label(x))
    ax.set_ylabel(factor_axis_label(y))
    ax.grid(False)
    fig.colorbar(image, ax=ax, label=("change in " if differences else "") + kpi_axis_label(kpi))
    ax.set_title(f"{kpi.replace('_', ' ')}\n({what}{'; ~: the interval covers zero' if differences else ''})",
                 fontsize=12)
    return fig
