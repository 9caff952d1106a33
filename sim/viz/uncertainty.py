"""Figures and the report section of a sensitivity study (experiment=sensitivity), from its
stored tables (sim.uncertainty.sensitivity.load_study): nothing is re-simulated.

- `tornado_figure`: per headline KPI, the groups ranked by Morris mu* of the reform effect
  (after - before), bars coloured by the sign of mu (the mean elementary effect: raising the group
  raises or lowers the effect), whiskers the bootstrap 95 % interval on mu*.
- `sobol_figure`: first-order and total Sobol indices of the top groups, per KPI's reform effect.
- `bands_figure`: the reform effect's stochastic 95 % CI and its 5-95 % band over the priors, side by side.
"""
from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.domain.sides import Side
from sim.outputs.formatting import format_difference, format_difference_interval
from sim.uncertainty.evaluate import DIFF
from sim.uncertainty.sensitivity import STUDY_DIR, load_study
from sim.viz.plots_planning import kpi_axis_label
from sim.viz.style import SIDE_COLOURS, SLIDE, FigureUnavailable, plt, save, styled

TOP = 12
"""Groups a tornado shows (the rest are summed up in its title)."""


def _short(name: str, width: int = 48) -> str:
    return name if len(name) <= width else "..." + name[-(width - 3):]


@styled
def tornado_figure(morris: pd.DataFrame, kpi: str, top: int = TOP):
    rows = morris[morris["output"] == f"{DIFF}:{kpi}"].dropna(subset=["mu_star"])
    if not len(rows) or not (rows["mu_star"] > 0).any():
        raise FigureUnavailable(f"no Morris effects for {kpi}")
    rows = rows.sort_values(["mu_star", "group"], ascending=[False, True])
    shown = rows.head(top)[::-1]
    fig, ax = plt.subplots(figsize=(SLIDE[0], 0.42 * len(shown) + 1.6))
    colours = [SIDE_COLOURS[Side.BEFORE] if mu < 0 else SIDE_COLOURS[Side.AFTER] for mu in shown["mu"].fillna(0)]
    y = np.arange(len(shown))
    ax.barh(y, shown["mu_star"], xerr=shown["mu_star_conf"].fillna(0), color=colours, alpha=0.85, capsize=3)
    ax.set_yticks(y, [_short(g) for g in shown["group"]])
    ax.set_xlabel(f"Morris mu* of the reform effect on {kpi_axis_label(kpi)} (per full range)")
    rest = len(rows) - len(shown)
    ax.set_title(f"What moves the reform effect on {kpi}" + (f" (top {len(shown)} of {len(rows)})" if rest else ""))
    ax.text(1.0, -0.12 - 0.6 / max(len(shown), 1), "blue: raising the group raises the effect; red: lowers it; "
            "whiskers: 95 % bootstrap CI", transform=ax.transAxes, ha="right", fontsize=10, color="#555")
    return fig


@styled
def sobol_figure(sobol: pd.DataFrame, kpis):
    rows = sobol[sobol["output"].isin([f"{DIFF}:{k}" for k in kpis])].dropna(subset=["ST"])
    if not len(rows):
        raise FigureUnavailable("no Sobol indices")
    groups = list(dict.fromkeys(rows["group"]))
    outputs = list(dict.fromkeys(rows["output"]))
    fig, axes = plt.subplots(1, len(groups), figsize=(max(SLIDE[0], 3.2 * len(groups)), 0.35 * len(outputs) + 2.2),
                             sharey=True, squeeze=False)
    y = np.arange(len(outputs))
    for ax, g in zip(axes[0], groups):
        sub = rows[rows["group"] == g].set_index("output").reindex(outputs)
        ax.barh(y + 0.2, sub["S1"].clip(lower=0), height=0.4, xerr=sub["S1_conf"], color="#2c7fb8", label="first order")
        ax.barh(y - 0.2, sub["ST"].clip(lower=0), height=0.4, xerr=sub["ST_conf"], color="#e08214", label="total")
        ax.set_title(_short(g, 30), fontsize=11)
        ax.set_xlim(0, 1.05)
    axes[0][0].set_yticks(y, [o.split(":", 1)[1] for o in outputs])
    axes[0][0].legend(loc="lower right")
    fig.suptitle("Sobol indices of the reform effect (share of its variance over the priors)")
    return fig


@styled
def bands_figure(bands: pd.DataFrame):
    rows = bands.dropna(subset=["band_p05"]) if "band_p05" in bands else bands.iloc[0:0]
    if not len(rows):
        raise FigureUnavailable("no uncertainty bands")
    fig, axes = plt.subplots(len(rows), 1, figsize=(SLIDE[0], 0.9 * len(rows) + 1.2), squeeze=False)
    for ax, r in zip(axes[:, 0], rows.to_dict("records")):
        ax.plot([r["band_p05"], r["band_p95"]], [0, 0], lw=8, color="#bdbdbd", solid_capstyle="butt",
                label="5-95 % over the priors")
        ax.errorbar([r["diff"]], [0], xerr=[[r["diff"] - r["ci_low"]], [r["ci_high"] - r["diff"]]], fmt="o",
                    color=SIDE_COLOURS[Side.AFTER], capsize=4, label="nominal, stochastic 95 % CI")
        ax.axvline(0, color="grey", lw=1)
        ax.set_yticks([0], [r["kpi"]])
        ax.grid(axis="y", visible=False)
    axes[0, 0].legend(loc="upper left", bbox_to_anchor=(0, 1.9), ncol=2)
    fig.suptitle("Reform effect (after - before): randomness vs what we do not know")
    return fig


def sensitivity_figures(run_dir) -> dict[str, list[Path]]:
    """Every figure of a stored study, saved into the run directory; {stem: paths}."""
    run_dir = Path(run_dir)
    study = load_study(run_dir)
    kpis = study["study"]["kpis"]
    made = {}
    builders = [("uncertainty_bands", lambda: bands_figure(study["bands"]))]
    if len(study["morris"]):
        builders += [(f"tornado_{k}", (lambda k=k: tornado_figure(study["morris"], k))) for k in kpis]
    if len(study["sobol"]):
        builders.append(("sobol", lambda: sobol_figure(study["sobol"], kpis)))
    for stem, build in builders:
        try:
            made[stem] = save(build(), run_dir / STUDY_DIR, stem)
        except FigureUnavailable:
            continue
    return made


def _esc(x) -> str:
    return html.escape(str(x))


def uncertainty_section(run, figure_html) -> str:
    """The report's section on a study ('' for a run without one): bands table, figures."""
    folder = Path(run.path) / STUDY_DIR
    if not (folder / "study.json").is_file():
        return ""
    study = load_study(run.path)
    info = study["study"]
    made = sensitivity_figures(run.path)
    rows = []
    for r in study["bands"].to_dict("records"):
        unit = r.get("unit") if isinstance(r.get("unit"), str) else ""
        effect = (format_difference_interval(r["diff"], r["ci_low"], r["ci_high"], unit)
                  if isinstance(r.get("diff"), float) and math.isfinite(r["diff"]) else "")
        band = (f"{format_difference(r['band_p05'], unit)} .. {format_difference(r['band_p95'], unit)}"
                if isinstance(r.get("band_p05"), float) and math.isfinite(r["band_p05"]) else "")
        share = r.get("holds_share")
        held = (f"{_esc(r['conclusion'])} in {100 * share:.0f} % of {int(r['draws'])} draws"
                if isinstance(share, float) and math.isfinite(share) else "")
        rows.append(f"<tr><td>{_esc(r['kpi'])}</td><td>{_esc(effect)}</td><td>{_esc(band)}</td>"
                    f"<td style='text-align:left'>{held}</td></tr>")
    timing = info.get("timing", {})
    text = (f"<h2>Parameter uncertainty</h2><p class=note>{len(info['factors'])} uncertain factors in "
            f"{len(info['groups'])} groups from <code>{_esc(info['priors'])}</code>; stages "
            f"{_esc(', '.join(info['stages']))} ({int(timing.get('evaluations', 0))} paired evaluations, each "
            f"{info['point_replications']} replication(s) with common random numbers). The stochastic 95 % CI is the "
            "nominal run's (randomness only); the band is the 5-95 % range of the same effect over the priors.</p>"
            "<table id=uncertainty-bands><tr><th>KPI</th><th>after - before [95 % CI, stochastic]</th>"
            f"<th>5-95 % over the priors</th><th>conclusion</th></tr>{''.join(rows)}</table>")
    if info.get("sobol_groups"):
        text += f"<p class=note>Sobol indices on: {_esc(', '.join(info['sobol_groups']))}.</p>"
    captions = {"uncertainty_bands": "The reform effect: stochastic CI vs the band over the priors.",
                "sobol": "First-order and total Sobol indices of the top groups from screening."}
    for stem, paths in made.items():
        caption = captions.get(stem, f"Morris screening: what moves the reform effect on {stem[8:]}.")
        text += figure_html(stem, paths[0], caption)
    return text
