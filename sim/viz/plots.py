"""Figures for a run directory: one style, fixed colours per regime, labelled axes with units.

Every figure is a pure function of a stored run (`sim.store.rundir.Run`) and returns a
matplotlib Figure, so notebooks show it and `save` writes it as PNG and SVG into the
run directory; `save_run_figures` makes the whole set for the report. Sizes and fonts
are chosen to stay readable on a 16:9 slide. Time-line figures live in
`sim.viz.plots_time`, intermodal ones in `sim.viz.plots_flows`, calibration and sweeps in
`sim.viz.plots_planning`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.ticker import PercentFormatter

from sim.domain.sides import Side
from sim.outputs.formatting import (SHARE, format_difference_interval, format_interval, format_number,
                                   format_relative, relative_change)
from sim.outputs.kpis import key_kpis
from sim.outputs.stats import kaplan_meier
from sim.viz import plots_flows, plots_time
from sim.viz.style import (SIDE_COLOURS, SLIDE, STAGE_COLOURS, FigureUnavailable, need_table, plt, save, side_label,
                           styled)

MAX_CURVE_POINTS = 2000


# ---------------------------------------------------------------- clearance time
def _curve(durations, observed, max_hours: float):
    """KM step curve as (x, y), thinned to a grid when there are too many steps to draw."""
    times, surv = kaplan_meier(durations, observed)
    x = np.concatenate(([0.0], times))
    y = np.concatenate(([0.0], 1.0 - surv))
    if np.count_nonzero(x <= max_hours) > MAX_CURVE_POINTS:
        grid = np.linspace(0.0, max_hours, MAX_CURVE_POINTS)
        y = y[np.searchsorted(x, grid, side="right") - 1]
        x = grid
    return x, y


@styled
def clearance_ecdf_figure(curves: dict, direction: str = "export", mark_hours: float = 24.0,
                          max_hours: float = 96.0):
    """Share of declarations released within t hours of lodgement (Kaplan-Meier, so open
    declarations at the end of the run count as 'not yet', never as fast)."""
    fig, ax = plt.subplots()
    for side, (label, durations, observed) in curves.items():
        x, y = _curve(durations, observed, max_hours)
        share = y[np.searchsorted(x, mark_hours, side="right") - 1] if len(x) else np.nan
        ax.step(x, y, where="post", color=SIDE_COLOURS.get(side, "black"), lw=2.5,
                label=f"{side}: {label} ({format_number(share, SHARE)} within {mark_hours:g} h, n={len(durations):,})")
    ax.axvline(mark_hours, color="grey", ls="--", lw=1)
    ax.text(mark_hours, 0.02, f" {mark_hours:g} h", color="grey", va="bottom")
    ax.set_xlim(0, max_hours)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel(f"{direction.capitalize()} clearance time, lodgement to customs release (hours)")
    ax.set_ylabel("Share of declarations released")
    ax.set_title(f"{direction.capitalize()} clearance time, all replications pooled")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(loc="lower right")
    return fig


def clearance_ecdf(curves: dict, out_dir: Path, direction: str = "export", mark_hours: float = 24.0,
                   max_hours: float = 96.0) -> list[Path]:
    """Write `<direction>_clearance_ecdf.png/.svg` from {side: (regime name, durations, observed)}."""
    fig = clearance_ecdf_figure(curves, direction, mark_hours, max_hours)
    return save(fig, out_dir, f"{direction}_clearance_ecdf")


def run_clearance_ecdf(run, direction: str = "export"):
    """The clearance-time ECDF of a stored run (foreign cohort, replications pooled)."""
    from sim.outputs.summaries import clearance_curves

    need_table(run)
    curves = clearance_curves(run, direction)
    if not any(len(c[1]) for c in curves.values()):
        raise FigureUnavailable(f"no foreign {direction} declarations in the observed window")
    return clearance_ecdf_figure(curves, direction)


# ---------------------------------------------------------------- breakdowns
@styled
def stage_bars_figure(run, means, title: str, stage_labels: dict, totals: dict | None = None):
    """Stacked bars of mean hours per stage, one bar per side, totals on top; `totals` (side ->
    text) adds what the KPI table says for the whole under each total."""
    fig, ax = plt.subplots()
    sides = list(means.index)
    x = np.arange(len(sides))
    bottom = np.zeros(len(sides))
    for k, stage in enumerate(means.columns):
        values = means[stage].fillna(0.0).to_numpy()
        bars = ax.bar(x, values, bottom=bottom, width=0.55, color=STAGE_COLOURS[k % len(STAGE_COLOURS)],
                      label=stage_labels.get(stage, stage), edgecolor="white")
        for bar, v, b in zip(bars, values, bottom):
            if v >= 0.06 * max(means.sum(axis=1).max(), 1e-9):
                ax.text(bar.get_x() + bar.get_width() / 2, b + v / 2, format_number(v, decimals=1), ha="center",
                        va="center", color="white", fontsize=12, fontweight="bold")
        bottom += values
    for xi, total, side in zip(x, bottom, sides):
        ax.text(xi, total, f"{format_number(total, decimals=1)} h", ha="center", va="bottom", fontsize=13,
                fontweight="bold")
        if totals and side in totals:
            ax.annotate(totals[side], (xi, total), xytext=(0, 20), textcoords="offset points", ha="center",
                        va="bottom", fontsize=10, color="#555")
    ax.set_xticks(x, [side_label(run, s).replace(": ", "\n") for s in sides])
    for tick, side in zip(ax.get_xticklabels(), sides):
        tick.set_color(SIDE_COLOURS.get(side, "black"))
    ax.set_xlabel("Regime")
    ax.set_ylabel("Mean time per consignment (hours)")
    ax.set_ylim(0, max(bottom.max(), 1e-9) * (1.3 if totals else 1.15))
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


IMPORT_STAGE_LABELS = {
    "unloading": "unloading (arrival -> box in yard)",
    "preparing": "preparing (-> declaration lodged)",
    "clearance": "clearance (-> customs release)",
    "removal": "removal (-> gate-out or train)",
}
EXPORT_STAGE_LABELS = {
    "preparing": "preparing (gate-in -> lodged)",
    "clearance": "clearance (-> customs release)",
    "after_release": "after release (-> loaded)",
    "departure": "vessel departure (-> sails)",
}


def import_stages_figure(run):
    """China's four TRS import stages (means; they add up to the release time)."""
    from sim.outputs.summaries import import_stage_means

    need_table(run)
    means = import_stage_means(run)
    if means.isna().all().all():
        raise FigureUnavailable("no finished foreign imports in the observed window")
    # The stages are means over the imports that left the port (they add up box by box); the
    # release-time KPI also counts boxes still in port at the end (Kaplan-Meier), so it reads higher.
    release = {side: run.kpis[side]["import_release_hours_mean"].get("mean") for side in means.index
               if "import_release_hours_mean" in run.kpis.get(side, {})}
    totals = {side: f"release-time KPI {format_number(hours, decimals=1)} h\n(also counts boxes still in port)"
              for side, hours in release.items()}
    return stage_bars_figure(run, means, "Import release time by TRS stage (imports that left the port)",
                             IMPORT_STAGE_LABELS, totals)


def export_stages_figure(run):
    """Export time in port by stage, gate-in to vessel departure."""
    from sim.outputs.summaries import export_stage_means

    need_table(run)
    means = export_stage_means(run)
    if means.isna().all().all():
        raise FigureUnavailable("no finished foreign exports in the observed window")
    return stage_bars_figure(run, means, "Export time in port by stage", EXPORT_STAGE_LABELS)


@styled
def logistics_cost_figure(run):
    """Logistics cost per TEU by component, before vs after, with 95 % CIs across replications."""
    from sim.outputs.summaries import cost_components

    costs = cost_components(run)
    if costs.empty:
        raise FigureUnavailable("the run's KPIs have no logistics_cost_cny_per_teu_<component>")
    order = costs.groupby("component", sort=False)["mean"].max().sort_values().index.tolist()
    fig, ax = plt.subplots(figsize=(SLIDE[0], SLIDE[1] * 1.15))
    sides = run.sides
    height = 0.8 / len(sides)
    y = np.arange(len(order))
    for k, side in enumerate(sides):
        part = costs[costs["side"] == side].set_index("component").reindex(order)
        mean = part["mean"].to_numpy()
        err = np.vstack((mean - part["ci_low"].to_numpy(), part["ci_high"].to_numpy() - mean))
        err = np.where(np.isfinite(err), np.clip(err, 0, None), 0.0)
        ax.barh(y + (k - (len(sides) - 1) / 2) * height, mean, height=height * 0.95, xerr=err,
                color=SIDE_COLOURS.get(side, "black"), label=side_label(run, side),
                error_kw={"ecolor": "black", "capsize": 2, "lw": 1})
    ax.set_yticks(y, [c.replace("_", " ") for c in order])
    ax.set_xlabel("Logistics cost (CNY per TEU; bars: 95 % CI across replications)")
    ax.set_ylabel("Cost component")
    totals = {s: run.kpis[s].get("logistics_cost_cny_per_teu_mean", {}).get("mean") for s in sides}
    title = "Logistics cost per TEU by component"
    if run.comparison is not None and all(totals.values()):
        b, a = totals[Side.BEFORE], totals[Side.AFTER]
        title += (f"\ntotal {format_number(b, whole_from=0)} -> {format_number(a, whole_from=0)} CNY/TEU "
                  f"({format_number((a - b) / b, SHARE, signed=True)})")
    ax.set_title(title)
    ax.legend(loc="lower right")
    return fig


# ---------------------------------------------------------------- KPI table
def _entry(row, prefix: str) -> dict:
    """{mean, ci_low, ci_high} of a kpi_table row's `before_` or `diff_` columns."""
    return {k: row[f"{prefix}_{k}"] for k in ("mean", "ci_low", "ci_high")}


def kpi_table_text(run, kpis: dict | None = None):
    """The key KPIs (of the registry, sim.outputs.kpis, unless `kpis` = {name: (label, unit)})
    as readable strings (a DataFrame indexed by label) plus a column `significant`: the 95 % CI
    of the paired difference excludes zero (compare runs)."""
    import pandas as pd

    from sim.outputs.summaries import kpi_table

    kpis = key_kpis() if kpis is None else kpis
    table = kpi_table(run, [k for k in kpis if k in run.kpis[run.sides[0]]])
    rows = {}
    for name, row in table.iterrows():
        label, unit = kpis[name]
        label = f"{label} ({unit})" if unit and unit != SHARE else label
        if run.comparison is not None:
            low, high = row["diff_ci_low"], row["diff_ci_high"]
            rows[label] = {"before": format_number(row["before_mean"], unit),
                           "after": format_number(row["after_mean"], unit),
                           "after - before [95 % CI]": format_difference_interval(row["diff_mean"], low, high, unit),
                           "relative change [95 % CI]": format_relative(*relative_change(
                               _entry(row, "before"), _entry(row, "diff"), unit)),
                           "significant": bool(np.isfinite(low) and (low > 0 or high < 0))}
        else:
            rows[label] = {run.regime_names[Side.SINGLE]: format_number(row["mean"], unit),
                           "95 % CI": format_interval(row["ci_low"], row["ci_high"], unit), "significant": False}
    text = pd.DataFrame.from_dict(rows, orient="index")
    text.index.name = "KPI"
    text.attrs["replications"] = int(table["n"].max()) if len(table) else 0
    return text


@styled
def kpi_table_figure(run, kpis: dict | None = None):
    """The key KPIs as a table a slide can carry: before, after, change, 95 % CI of the difference."""
    text = kpi_table_text(run, kpis)
    if text.empty:
        raise FigureUnavailable("none of the headline KPIs is in the run")
    shown = text.drop(columns="significant")
    header = ["KPI", *shown.columns]
    cells = [[label, *values] for label, values in zip(shown.index, shown.to_numpy().tolist())]
    colours = [["white"] * (len(header) - 1) + ["#e6f0fa" if sig else "white"] for sig in text["significant"]]
    fig, ax = plt.subplots(figsize=(SLIDE[0] * 1.2, 0.42 * (len(cells) + 2)))
    ax.axis("off")
    tab = ax.table(cellText=cells, colLabels=header, cellColours=colours, loc="center", cellLoc="right",
                   colLoc="right")
    tab.auto_set_font_size(False)
    tab.set_fontsize(12)
    tab.scale(1.0, 1.5)
    tab.auto_set_column_width(list(range(len(header))))
    for (r, c), cell in tab.get_celld().items():
        cell.set_edgecolor("#dddddd")
        if c == 0:
            cell.set_text_props(ha="left")
            cell._loc = "left"
        if r == 0:
            cell.set_text_props(fontweight="bold")
    n = text.attrs["replications"]
    note = (f"{n} paired replications; shaded: the 95 % CI of the difference excludes zero"
            if run.comparison is not None else f"{n} replications")
    ax.set_title(f"Headline KPIs ({note})", fontsize=13)
    return fig


# ---------------------------------------------------------------- the set for a run
def run_figures() -> dict:
    """stem -> (builder(run) -> Figure, caption): every figure the report shows."""
    return {
        "kpi_table": (kpi_table_figure, "Headline KPIs with 95 % confidence intervals."),
        "export_clearance_ecdf": (lambda run: run_clearance_ecdf(run, "export"),
                                  "Export clearance time (lodgement to release), Kaplan-Meier, with the 24-hour mark."),
        "import_clearance_ecdf": (lambda run: run_clearance_ecdf(run, "import"),
                                  "Import clearance time (lodgement to release), Kaplan-Meier, with the 24-hour mark."),
        "import_stages": (import_stages_figure,
                          "Import release time split into China's four TRS stages, means over the imports that "
                          "left the port (the stage KPIs); the release-time KPI, under each total, also counts "
                          "boxes still in port when the run stopped (Kaplan-Meier), so it reads higher."),
        "export_stages": (export_stages_figure, "Export time in port by stage, gate-in to vessel departure."),
        "logistics_costs": (logistics_cost_figure, "Logistics cost per TEU by component."),
        "resource_use": (plots_time.resource_use_figure,
                         "Busy berths, officers and inspection, quarantine and fumigation bays over time "
                         "(dashed: capacity)."),
        "queue_lengths": (plots_time.queue_lengths_figure, "Queues over time: where work waits."),
        "reefer_plugs": (plots_time.reefer_plugs_figure, "Reefer plugs in use over time."),
        "warmup": (plots_time.warmup_figure, "Daily mean clearance time over the whole run, warm-up marked."),
        "train_loads": (plots_flows.train_loads_figure, "TEU per departing train, by destination."),
        "inland_door_time": (plots_flows.inland_door_figure, "Inland door-to-door time by city and mode."),
        "transshipment": (plots_flows.transshipment_figure, "Transshipment volume and connection time."),
    }


def save_run_figures(run, out_dir: Path | None = None) -> tuple[dict, dict]:
    """Make every figure of `run_figures()` into out_dir (default: the run directory).

    Returns ({stem: [png, svg]}, {stem: why it was skipped}).
    """
    from sim.outputs.summaries import FIGURE_COLUMNS

    out_dir = Path(out_dir or run.path)
    if run.has_table:
        run.frame(FIGURE_COLUMNS)  # one multi-threaded read instead of one per figure
    if (run.path / "calls.parquet").is_file():
        run.call_frame  # small; read before any figure is saved, so a damaged file leaves none behind
    made, skipped = {}, {}
    for stem, (builder, _) in run_figures().items():
        try:
            fig = builder(run)
        except FigureUnavailable as e:
            skipped[stem] = str(e)
            continue
        made[stem] = save(fig, out_dir, stem)
    return made, skipped
