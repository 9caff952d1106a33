"""Figures over simulated time: busy resources, queues, reefer plugs, and the warm-up check.

Lines are means over replications (regime colours as everywhere); the warm-up is
shaded and the end of the observed window marked, so a planner sees both where work
piles up and whether the port had settled before the KPIs started counting.
"""
from __future__ import annotations

import math

import numpy as np

from sim.domain.units import HOURS_PER_DAY
from sim.viz.style import SIDE_COLOURS, SLIDE, FigureUnavailable, need_table, plt, side_label, styled


def mark_window(ax, run) -> None:
    """Shade the warm-up and mark the end of the observed window (the drain follows)."""
    w = run.window
    ax.axvspan(0, w.warmup_hours / HOURS_PER_DAY, color="grey", alpha=0.12, lw=0)
    ax.axvline(w.horizon_hours / HOURS_PER_DAY, color="grey", ls=":", lw=1.2)
    ax.set_xlim(0, w.end_hours / HOURS_PER_DAY)


def _legend_for_window(fig, run, handles=None) -> None:
    """One legend for the figure: regimes, capacity, warm-up and horizon."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    items = [Line2D([], [], color=SIDE_COLOURS.get(s, "black"), lw=2, label=side_label(run, s)) for s in run.sides]
    items += list(handles or [])
    items += [Patch(color="grey", alpha=0.2, label="warm-up (not counted)"),
              Line2D([], [], color="grey", ls=":", label="end of observed window")]
    fig.legend(handles=items, loc="lower center", ncol=min(len(items), 4), bbox_to_anchor=(0.5, -0.01))


def _grid(n: int, ncols: int = 2, height: float = 2.6):
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(SLIDE[0] * 1.25, height * nrows + 1.2), squeeze=False)
    flat = axes.ravel()
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _timeline_panel(ax, run, timeline, title: str, ylabel: str, capacity: dict | None = None) -> None:
    days = timeline.index.to_numpy() / HOURS_PER_DAY
    for side in timeline.columns:
        ax.plot(days, timeline[side].to_numpy(), color=SIDE_COLOURS.get(side, "black"), lw=1.6)
    if capacity:
        levels = set(capacity.values())
        for side, level in capacity.items():
            colour = "black" if len(levels) == 1 else SIDE_COLOURS.get(side, "black")
            ax.axhline(level, color=colour, ls="--", lw=1)
        top = max(max(levels), np.nanmax(timeline.to_numpy(), initial=0.0))
        ax.set_ylim(0, top * 1.1 if top > 0 else 1)
    else:
        ax.set_ylim(bottom=0)
    mark_window(ax, run)
    ax.set_title(title, fontsize=13)
    ax.set_xlabel("Time since start (days)")
    ax.set_ylabel(ylabel)


@styled
def resource_use_figure(run):
    """Busy servers over time against capacity: berths, officers, inspection and CIQ bays."""
    from matplotlib.lines import Line2D

    from sim.outputs.summaries import resource_use

    need_table(run, every_row=True)
    panels = resource_use(run)
    fig, axes = _grid(len(panels))
    for ax, (name, (timeline, capacity)) in zip(axes, panels.items()):
        _timeline_panel(ax, run, timeline, name.capitalize(), "In use (count)", capacity)
    fig.suptitle("Resource use over time (mean over replications)")
    _legend_for_window(fig, run, [Line2D([], [], color="black", ls="--", lw=1, label="capacity")])
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


@styled
def queue_lengths_figure(run):
    """Queues over time: vessels for berths, declarations for officers, boxes for inspection,
    reefers for plugs. A queue that keeps growing is the bottleneck."""
    from sim.outputs.summaries import queue_lengths

    need_table(run, every_row=True)
    panels = queue_lengths(run)
    fig, axes = _grid(len(panels))
    for ax, (name, timeline) in zip(axes, panels.items()):
        _timeline_panel(ax, run, timeline, name.capitalize(), "Waiting (count)")
    fig.suptitle("Queue lengths over time (mean over replications)")
    _legend_for_window(fig, run)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


@styled
def reefer_plugs_figure(run):
    """Reefer plugs in use over time against the number of plugs."""
    from matplotlib.lines import Line2D

    from sim.outputs.summaries import reefer_plug_use

    need_table(run, every_row=True)
    timeline, plugs = reefer_plug_use(run)
    fig, ax = plt.subplots()
    _timeline_panel(ax, run, timeline, "Reefer plugs in use (mean over replications)", "Plugs in use (count)",
                    dict.fromkeys(timeline.columns, plugs))
    _legend_for_window(fig, run, [Line2D([], [], color="black", ls="--", lw=1, label=f"plugs ({plugs:,})")])
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


@styled
def warmup_figure(run):
    """Daily mean clearance time by day of lodgement over the whole run: the level should be
    flat after the shaded warm-up; after the horizon it drifts as slow declarations stay open."""
    from sim.outputs.summaries import daily_clearance

    need_table(run)
    daily = daily_clearance(run)
    if daily.empty:
        raise FigureUnavailable("no released foreign declarations")
    fig, axes = plt.subplots(1, 2, figsize=(SLIDE[0] * 1.25, SLIDE[1]), sharey=True)
    for ax, direction in zip(axes, ("import", "export")):
        for side in run.sides:
            if (direction, side) in daily:
                series = daily[(direction, side)].dropna()
                ax.plot(series.index.to_numpy() + 0.5, series.to_numpy(), marker="o", ms=4,
                        color=SIDE_COLOURS.get(side, "black"), lw=1.6)
        mark_window(ax, run)
        ax.set_title(f"{direction.capitalize()} declarations", fontsize=13)
        ax.set_xlabel("Day of lodgement (days since start)")
        ax.set_ylabel("Mean clearance time (hours)")
        ax.set_ylim(bottom=0)
    fig.suptitle("Warm-up check: daily mean clearance time (released declarations, replications pooled)")
    _legend_for_window(fig, run)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig
