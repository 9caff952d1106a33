"""Figures for a run directory: consistent colours per regime, labelled axes with units."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.stats import kaplan_meier  # noqa: E402

SIDE_COLOURS = {"before": "#b2182b", "after": "#2166ac", "single": "#2166ac"}
FIGURE_FORMATS = ("png", "svg")


def save(fig, out_dir: Path, stem: str) -> list[Path]:
    paths = []
    for fmt in FIGURE_FORMATS:
        path = out_dir / f"{stem}.{fmt}"
        fig.savefig(path, dpi=150, bbox_inches="tight")
        paths.append(path)
    plt.close(fig)
    return paths


def clearance_ecdf(curves: dict, out_dir: Path, direction: str = "export", mark_hours: float = 24.0,
                   max_hours: float = 96.0) -> list[Path]:
    """Share of declarations released within t hours of lodgement (Kaplan-Meier, so open
    declarations at the end of the run count as 'not yet', never as fast)."""
    fig, ax = plt.subplots(figsize=(8, 5))
    for side, (label, durations, observed) in curves.items():
        times, surv = kaplan_meier(durations, observed)
        x = np.concatenate(([0.0], times))
        y = np.concatenate(([0.0], 1.0 - surv))
        ax.step(x, y, where="post", color=SIDE_COLOURS.get(side, "black"), lw=2,
                label=f"{side}: {label} (n={len(durations):,})")
    ax.axvline(mark_hours, color="grey", ls="--", lw=1)
    ax.text(mark_hours, 0.02, f" {mark_hours:g} h", color="grey", va="bottom")
    ax.set_xlim(0, max_hours)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel(f"{direction.capitalize()} clearance time, lodgement to customs release (hours)")
    ax.set_ylabel("Share of declarations released")
    ax.set_title(f"{direction.capitalize()} clearance time, all replications pooled")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return save(fig, out_dir, f"{direction}_clearance_ecdf")
