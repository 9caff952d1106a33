"""Intermodal and cold-chain figures: train loads, inland door-to-door time, transshipment."""
from __future__ import annotations

import math

import numpy as np

from sim.viz.plots_time import HOURS_PER_DAY, mark_window
from sim.viz.style import SIDE_COLOURS, SIDE_MARKERS, SLIDE, FigureUnavailable, need_table, plt, side_label, styled

MODE_HATCH = {"truck": "", "rail": "//"}


@styled
def train_loads_figure(run):
    """TEU on each departing block train (every replication), one panel per destination."""
    from sim.outputs.summaries import train_loads

    need_table(run, every_row=True)
    loads = train_loads(run)
    if loads.empty:
        raise FigureUnavailable("no train departed with rail boxes")
    dests = [d for d in run.names("destination") if (loads["destination"] == d).any()]
    ncols = 2 if len(dests) > 1 else 1
    nrows = math.ceil(len(dests) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(SLIDE[0] * 1.25, 2.8 * nrows + 1.2), squeeze=False)
    flat = axes.ravel()
    for ax in flat[len(dests):]:
        ax.set_visible(False)
    for ax, dest in zip(flat, dests):
        part = loads[loads["destination"] == dest]
        for side in run.sides:
            s = part[part["side"] == side]
            ax.scatter(s["departure"] / HOURS_PER_DAY, s["teu"], s=22, alpha=0.6, marker=SIDE_MARKERS.get(side, "o"),
                       color=SIDE_COLOURS.get(side, "black"), label=side_label(run, side))
        capacity = part["capacity_teu"].iloc[0]
        if np.isfinite(capacity):
            ax.axhline(capacity, color="black", ls="--", lw=1, label="train capacity")
        mark_window(ax, run)
        ax.set_ylim(bottom=0)
        ax.set_title(f"Trains to {dest.capitalize()}", fontsize=13)
        ax.set_xlabel("Departure (days since start)")
        ax.set_ylabel("Load (TEU per train)")
    handles, labels = flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), bbox_to_anchor=(0.5, -0.01))
    fig.suptitle("Train loads: every departure of every replication")
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


@styled
def inland_door_figure(run):
    """Vessel arrival to the consignee's door by inland city, truck and rail, per regime."""
    from matplotlib.patches import Patch

    from sim.outputs.summaries import inland_door_times

    need_table(run)
    table = inland_door_times(run)
    if table.empty:
        raise FigureUnavailable("no inland-bound foreign imports in the observed window")
    cities = list(dict.fromkeys(table["destination"]))
    combos = [(s, m) for s in run.sides for m in ("truck", "rail")
              if ((table["side"] == s) & (table["mode"] == m)).any()]
    width = 0.8 / len(combos)
    fig, ax = plt.subplots()
    x = np.arange(len(cities))
    for k, (side, mode) in enumerate(combos):
        part = table[(table["side"] == side) & (table["mode"] == mode)].set_index("destination").reindex(cities)
        ax.bar(x + (k - (len(combos) - 1) / 2) * width, part["hours_mean"].to_numpy(), width=width * 0.95,
               color=SIDE_COLOURS.get(side, "black"), hatch=MODE_HATCH[mode], edgecolor="white")
    ax.set_xticks(x, [c.capitalize() for c in cities])
    ax.set_xlabel("Inland destination")
    ax.set_ylabel("Door-to-door time, mean (hours)")
    ax.set_title("Inland door-to-door time: vessel arrival to consignee")
    handles = [Patch(color=SIDE_COLOURS.get(s, "black"), label=side_label(run, s)) for s in run.sides]
    handles += [Patch(facecolor="#999999", hatch=MODE_HATCH[m], edgecolor="white", label=m) for m in ("truck", "rail")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


@styled
def transshipment_figure(run):
    """Transshipment TEU per week and connection time, by onward connection and regime."""
    from sim.outputs.summaries import transshipment_summary

    need_table(run, every_row=True)
    table = transshipment_summary(run)
    if table.empty:
        raise FigureUnavailable("no transshipment in the observed window")
    kinds = list(dict.fromkeys(table["connection"]))
    fig, axes = plt.subplots(1, 2, figsize=(SLIDE[0] * 1.25, SLIDE[1]))
    width = 0.8 / len(run.sides)
    y = np.arange(len(kinds))
    for k, side in enumerate(run.sides):
        part = table[table["side"] == side].set_index("connection").reindex(kinds)
        offset = (k - (len(run.sides) - 1) / 2) * width
        for ax, column in zip(axes, ("teu_per_week", "connection_hours_mean")):
            ax.barh(y + offset, part[column].to_numpy(), height=width * 0.95, color=SIDE_COLOURS.get(side, "black"),
                    label=side_label(run, side))
    axes[0].set_xlabel("Transshipment volume (TEU per week)")
    axes[1].set_xlabel("Connection time, arrival to onward departure (hours)")
    for ax in axes:
        ax.set_yticks(y, kinds)
        ax.set_ylabel("Onward connection")
    axes[0].set_title("Volume", fontsize=13)
    axes[1].set_title("Connection time (mean)", fontsize=13)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), bbox_to_anchor=(0.5, -0.01))
    fig.suptitle("Transshipment by onward connection (observed window, mean over replications)")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig
