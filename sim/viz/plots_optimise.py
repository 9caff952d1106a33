"""The optimisation figure: every trial's resource cost against its time, the Pareto front joined
up, and the marked points (a regime as configured, the best point) where given."""
from __future__ import annotations

from pathlib import Path

from sim.domain.sides import Side
from sim.outputs.objective import RESOURCE_COST
from sim.viz.plots_planning import kpi_axis_label
from sim.viz.style import SIDE_COLOURS, plt, save, styled

MARK_COLOURS = (SIDE_COLOURS[Side.BEFORE], "#e08214", "#41ab5d", "#762a83")
"""The marked regimes' colours, in the order given (the first, usually the before-reform one, in its side's colour)."""


@styled
def pareto_axes(trials: list[dict], front: list[dict], objectives: list[str], marks: dict | None = None):
    """x: the first objective, y: the second (each trial's unpenalised value); front in colour."""
    x_name, y_name = objectives[:2]
    fig, ax = plt.subplots()
    scale = 1e6 if x_name == RESOURCE_COST else 1.0
    ax.scatter([t["raw"][x_name] / scale for t in trials if t["raw"]],
               [t["raw"][y_name] for t in trials if t["raw"]], color="#bdbdbd", label="trials")
    ordered = sorted(front, key=lambda t: t["raw"][x_name])
    ax.plot([t["raw"][x_name] / scale for t in ordered], [t["raw"][y_name] for t in ordered], "o-",
            color=SIDE_COLOURS[Side.AFTER], label="Pareto front")
    for (label, (x, y)), colour in zip((marks or {}).items(), MARK_COLOURS):
        ax.scatter([x / scale], [y], marker="*", s=220, zorder=5, color=colour, label=f"{label} as configured")
    ax.set_xlabel("resource cost (M CNY a year)" if x_name == RESOURCE_COST else kpi_axis_label(x_name))
    ax.set_ylabel("resource cost (M CNY a year)" if y_name == RESOURCE_COST else kpi_axis_label(y_name))
    ax.legend()
    return fig


def pareto_figure(trials: list[dict], front: list[dict], objectives: list[str], out_dir: Path,
                  marks: dict | None = None) -> Path:
    """pareto.png (and .svg) in out_dir; returns the PNG's path."""
    return save(pareto_axes(trials, front, objectives, marks), Path(out_dir), "pareto")[0]
