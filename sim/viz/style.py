"""The house style shared by every figure module: backend, fonts, colours per side, saving.
Numbers people read are written by sim.outputs.formatting."""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import matplotlib

if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")  # files only; inside Jupyter keep the notebook's inline backend
import matplotlib.pyplot as plt  # noqa: E402

from sim.domain.sides import Side  # noqa: E402
from sim.store.identity import run_side_names  # noqa: E402

SIDE_COLOURS = {Side.BEFORE: "#b2182b", Side.AFTER: "#2166ac", Side.SINGLE: "#2166ac"}
SIDE_MARKERS = {Side.BEFORE: "o", Side.AFTER: "s", Side.SINGLE: "s"}
FIGURE_FORMATS = ("png", "svg")
SLIDE = (10.0, 5.6)
"""16:9 at a size that stays legible when a slide shrinks it."""
STYLE = {
    "figure.figsize": SLIDE, "font.size": 13, "axes.titlesize": 15, "axes.labelsize": 13,
    "xtick.labelsize": 12, "ytick.labelsize": 12, "legend.fontsize": 11, "legend.frameon": False,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
    "svg.hashsalt": "portclear",  # stable SVG element ids: the same run gives the same file
}
# Stage colours: fixed by position, so a stage has the same colour in every figure.
STAGE_COLOURS = ("#8c8c8c", "#e08214", "#2c7fb8", "#41ab5d")


class FigureUnavailable(Exception):
    """The run lacks what a figure needs (no consignment table, an empty cohort)."""


def styled(builder):
    """Build the figure under the house style (fonts, grid, spines)."""
    @functools.wraps(builder)
    def wrapper(*args, **kwargs):
        with plt.rc_context(STYLE):
            fig = builder(*args, **kwargs)
            # Jupyter's inline backend switches interactive mode on when the first figure loads
            # it; leaving the context would undo that and hide every later figure.
            interactive = matplotlib.is_interactive()
        matplotlib.interactive(interactive)
        return fig
    return wrapper


def save(fig, out_dir: Path, stem: str, close: bool = True) -> list[Path]:
    """Write `stem.png` and `stem.svg` (each under a temporary name, then renamed)."""
    paths = []
    for fmt in FIGURE_FORMATS:
        path = Path(out_dir) / f"{stem}.{fmt}"
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            metadata = {"Date": None} if fmt == "svg" else {}
            with plt.rc_context({"svg.hashsalt": STYLE["svg.hashsalt"]}):
                fig.savefig(tmp, format=fmt, dpi=150, bbox_inches="tight", metadata=metadata)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        paths.append(path)
    if close:
        plt.close(fig)
    return paths


def side_label(run, side: str) -> str:
    """A legend entry: the side and its regime by what was changed on it ('after: REGIME +
    officers=40'), so a what-if against its own regime does not read as the regime twice."""
    name = run_side_names(run).get(str(side), side)
    return name if side == Side.SINGLE else f"{side}: {name}"


def need_table(run, every_row: bool = False) -> None:
    """The figure reads the consignment table; `every_row`: it counts rows (volumes, occupancy,
    train loads), which a sample would understate, so it needs the full table."""
    stored = getattr(run, "stored_table", "full" if run.has_table else "none")
    if stored == "none" or not run.has_table:
        raise FigureUnavailable("needs the consignment table, which this run did not keep "
                                "(output.consignments=none or run.summary_only=true); run it again with "
                                "output.consignments=full")
    if every_row and stored == "sample":
        raise FigureUnavailable(f"counts consignments, and this run kept a {run.sample_share:.0%} sample "
                                "(output.consignments=sample); run it again with output.consignments=full")

