"""A study's figures and report (`experiment=timeline` or `attribution`), from its result file.

Timeline: `timeline.png`, the figure KPIs along the regimes with their 95 % CI bands. Attribution:
`waterfall_<kpi>.png` per figure KPI, from the base regime through each measure's Shapley value
to the full reform, each step with its 95 % CI. `report.html`: the tables and the figures,
self-contained like a run's report (sim.viz.report)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from sim.outputs.formatting import (SHARE, format_difference_interval, format_interval, format_number,
                                   format_relative)
from sim.outputs.kpis import registered
from sim.store.atomic import atomic_write_text
from sim.viz.report import CSS, REPORT_NAME, _esc, _figure_html
from sim.viz.style import SIDE_COLOURS, save, styled
from sim.domain.sides import Side

STUDY_FILES = ("timeline.json", "attribution.json")


def load_study(out_dir) -> dict:
    for name in STUDY_FILES:
        path = Path(out_dir) / name
        if path.exists():
            return json.loads(path.read_text())
    raise FileNotFoundError(f"{out_dir}: no {' or '.join(STUDY_FILES)}")


def _label(kpi: str) -> str:
    return next((k.label for k in registered() if k.name == kpi), kpi)


def _scale(unit: str) -> float:
    return 100.0 if unit == SHARE else 1.0


def _axis_unit(unit: str) -> str:
    return "%" if unit == SHARE else unit


def _n(x):
    return np.nan if x is None else float(x)


@styled
def timeline_figure(result: dict, kpis: list[str]):
    import matplotlib.pyplot as plt

    kpis = [k for k in kpis if k in result["regimes"][0]["kpis"]]
    cols = 2 if len(kpis) > 1 else 1
    rows = int(np.ceil(len(kpis) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(11, 3.4 * rows), squeeze=False)
    names = [r["name"] for r in result["regimes"]]
    x = np.arange(len(names))
    from sim.outputs.kpis import unit_of

    for ax, k in zip(axes.flat, kpis):
        f = _scale(unit_of(k))
        mean = np.array([_n(r["kpis"][k]["mean"]) for r in result["regimes"]]) * f
        low = np.array([_n(r["kpis"][k]["ci_low"]) for r in result["regimes"]]) * f
        high = np.array([_n(r["kpis"][k]["ci_high"]) for r in result["regimes"]]) * f
        ax.fill_between(x, low, high, color=SIDE_COLOURS[Side.AFTER], alpha=0.2, label="95 % CI")
        ax.plot(x, mean, marker="o", color=SIDE_COLOURS[Side.AFTER])
        ax.set_title(_label(k), fontsize=12)
        ax.set_ylabel(_axis_unit(unit_of(k)))
        ax.set_xticks(x, names, rotation=20, ha="right", fontsize=10)
    for ax in list(axes.flat)[len(kpis):]:
        ax.set_visible(False)
    fig.suptitle("Along the timeline (common random numbers; band: 95 % CI across replications)")
    fig.tight_layout()
    return fig


@styled
def waterfall_figure(result: dict, kpi: str):
    import matplotlib.pyplot as plt

    r = result["kpis"][kpi]
    f = _scale(r["unit"])
    names = list(r["measures"])
    steps = [_n(r["measures"][n]["shapley"]["mean"]) * f for n in names]
    errs = [(_n(r["measures"][n]["shapley"]["ci_high"]) - _n(r["measures"][n]["shapley"]["ci_low"])) / 2 * f
            for n in names]
    base, target = _n(r["base"]["mean"]) * f, _n(r["target"]["mean"]) * f
    fig, ax = plt.subplots(figsize=(11, 5.2))
    level = base
    ax.bar(0, base, color="#8c8c8c", yerr=_half(r["base"], f), capsize=3)
    for i, (s, e) in enumerate(zip(steps, errs), start=1):
        colour = "#8073ac" if s < 0 else "#e08214"  # lowers / raises the KPI (neutral: not good / bad)
        ax.bar(i, s, bottom=level, color=colour, yerr=e, capsize=3)
        level += s
    ax.bar(len(names) + 1, target, color=SIDE_COLOURS[Side.AFTER], yerr=_half(r["target"], f), capsize=3)
    fixed = len(result.get("fixed_measures") or [])
    start = result["base"] + (f" + {fixed} measures" if fixed else "")  # the others, applied in every subset
    labels = [start, *names, result["target"]]
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=10)
    ax.set_ylabel(_axis_unit(r["unit"]))
    ends = [*np.cumsum([base, *steps]), *(_n(t[e]) * f for t in (r["base"], r["target"]) for e in ("ci_low", "ci_high"))]
    low, high = float(np.nanmin(ends)), float(np.nanmax(ends))
    pad = 0.15 * (high - low) if high > low else abs(high) * 0.1 + 1e-9
    ax.set_ylim(max(0.0, low - pad) if low >= 0 else low - pad, high + pad)
    method = "exact Shapley values" if result["method"] == "exact" else "sampled Shapley values"
    ax.set_title(f"{_label(kpi)}, by measure ({method}; bars: 95 % CIs)",
                 fontsize=12)
    fig.tight_layout()
    return fig


def _half(t: dict, f: float) -> float:
    return (_n(t["ci_high"]) - _n(t["ci_low"])) / 2 * f


def write_study_figures(out_dir) -> dict[str, Path]:
    out_dir = Path(out_dir)
    result = load_study(out_dir)
    made = {}
    if result["kind"] == "timeline":
        made["timeline"] = save(timeline_figure(result, result["figure_kpis"]), out_dir, "timeline")[0]
    else:
        for k in result["figure_kpis"]:
            if k in result["kpis"]:
                made[f"waterfall_{k}"] = save(waterfall_figure(result, k), out_dir, f"waterfall_{k}")[0]
    return made


def _ci(t: dict, unit: str, difference: bool = True) -> str:
    if difference:
        return format_difference_interval(t["mean"], t["ci_low"], t["ci_high"], unit)
    return f"{format_number(t['mean'], unit)} {format_interval(t['ci_low'], t['ci_high'], unit)}"


def timeline_section(result: dict) -> str:
    from sim.outputs.kpis import unit_of

    names = [r["name"] for r in result["regimes"]]
    kpis = list(result["figure_kpis"]) + [k for k in result["regimes"][0]["kpis"] if k not in result["figure_kpis"]]
    head = "<tr><th>KPI</th>" + "".join(f"<th>{_esc(n)}</th>" for n in names) + "".join(
        f"<th>{_esc(s['from'])} &rarr; {_esc(s['to'])}</th>" for s in result["steps"]) + "</tr>"
    rows = []
    for k in kpis:
        u = unit_of(k)
        cells = [_ci(r["kpis"][k], u, difference=False) if k in r["kpis"] else "n/a" for r in result["regimes"]]
        cells += [_ci(s["kpis"][k]["diff"], u) if k in s["kpis"] else "n/a" for s in result["steps"]]
        rows.append(f"<tr><td>{_esc(k)}</td>" + "".join(f"<td>{_esc(c)}</td>" for c in cells) + "</tr>")
    nat = result["national_trend"]
    if nat.get("status") == "evaluated":
        nrows = "".join(
            f"<tr><td>{_esc(d)}</td><td>{_esc(' + '.join(s['model']['kpis']))}</td>"
            f"<td>{_esc(format_relative(s['model']['rel_change']))}</td>"
            f"<td>{_esc(format_relative(s['national']['rel_change']))} ({s['national']['from_hours']:g} h &rarr; "
            f"{s['national']['to_hours']:g} h)</td><td>{_esc(format_number(100 * s['gap'], decimals=1, signed=True))} pp</td>"
            f"<td>{_esc(_customs_part(s))}</td><td>{_esc(s.get('why', ''))}</td></tr>"
            for d, s in nat["series"].items())
        national = (f"<p class=note>{_esc(nat['note'])}.</p><table><tr><th>direction</th><th>model measure</th>"
                    f"<th>model {_esc(nat['from_regime'])} &rarr; {_esc(nat['to_regime'])}</th><th>national</th>"
                    f"<th>gap</th><th>customs' own part</th><th>why the gap</th></tr>{nrows}</table>")
    else:
        national = f"<p class=not-evaluable>National trend: {_esc(nat['status'])} ({_esc(nat.get('reason', ''))}).</p>"
    return ("<h2>Timeline</h2><p class=note>Each regime's KPI (mean and 95 % CI across replications) and the paired "
            "difference of each step (common random numbers).</p>"
            f"<table>{head}{''.join(rows)}</table><h2>National trend (relative change)</h2>{national}")


def _customs_part(series: dict) -> str:
    """'4.20 -> 4.48 h (import_clearance_hours_mean)': the part of the span the customs measures act on."""
    c = series.get("customs_part")
    if not c:
        return ""
    return (f"{format_number(c['from_hours']['mean'], 'h')} -> {format_number(c['to_hours']['mean'], 'h')} h "
            f"({c['kpi']})")


def attribution_section(result: dict) -> str:
    parts = [f"<h2>Attribution</h2><p class=note>{_esc(result['base'])} &rarr; {_esc(result['target'])}: "
             f"{len(result['measures'])} measures, {len(result['subsets'])} subsets run. {_esc(result['method_note'])}. "
             "Alone: the measure on the base; last: the reform without it, subtracted from the reform; interaction: "
             "the total minus the sum of the alone effects.</p>"]
    if result["fixed_measures"]:
        parts.append(f"<p class=note>Applied in every subset: {_esc(', '.join(result['fixed_measures']))}.</p>")
    for k in result["figure_kpis"]:
        r = result["kpis"].get(k)
        if r is None:
            continue
        u = r["unit"]
        mc = result["method"] == "sampled"
        head = ("<tr><th>measure</th><th>Shapley [95 % CI]</th>" + ("<th>MC s.e.</th>" if mc else "")
                + "<th>alone</th><th>last</th></tr>")
        rows = []
        for name, e in r["measures"].items():
            err = f"<td>{_esc(format_number(e['shapley_mc_error'], u))}</td>" if mc else ""
            rows.append(f"<tr><td>{_esc(name)}</td><td>{_esc(_ci(e['shapley'], u))}</td>{err}"
                        f"<td>{_esc(_ci(e['one_at_a_time'], u))}</td><td>{_esc(_ci(e['leave_one_out'], u))}</td></tr>")
        blank = "<td></td>" * (3 if mc else 2)
        rows.append(f"<tr><td><b>total</b></td><td>{_esc(_ci(r['total'], u))}</td>{blank}</tr>")
        rows.append(f"<tr><td>interaction</td><td>{_esc(_ci(r['interaction'], u))}</td>{blank}</tr>")
        parts.append(f"<h3>{_esc(_label(k))} ({_esc(k)}): {_esc(format_number(r['base']['mean'], u))} &rarr; "
                     f"{_esc(format_number(r['target']['mean'], u))}</h3><table>{head}{''.join(rows)}</table>")
    over = result["overloaded_subsets"]
    if over:
        items = "".join(f"<li>{_esc(' + '.join(s['measures']) or '(none)')}: {_esc('; '.join(s['stations']))}</li>"
                        for s in over)
        parts.append("<p class=note>Subsets that overload a station, run with run.allow_overload (their numbers grow "
                     f"with the horizon):</p><ul>{items}</ul>")
    return "".join(parts)


def write_study_report(out_dir, out=None) -> Path:
    out_dir = Path(out_dir)
    result = load_study(out_dir)
    made = {p.stem: p for p in sorted(out_dir.glob("*.png"))
            if p.stem == "timeline" or p.stem.startswith("waterfall_")}
    if not made:
        made = write_study_figures(out_dir)
    section = timeline_section(result) if result["kind"] == "timeline" else attribution_section(result)
    figures = "".join(_figure_html(stem, png, _label(stem.removeprefix("waterfall_"))) for stem, png in made.items())
    run = result["run"]
    config = out_dir / "config.yaml"
    config_html = (f"<h2>Resolved configuration</h2><details><summary>config.yaml</summary><pre>"
                   f"{_esc(config.read_text())}</pre></details>") if config.exists() else ""
    title = f"portclear {result['kind']}"
    text = ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
            f"<title>{_esc(title)}</title><style>{CSS}</style></head><body><h1>{_esc(title)}</h1>"
            f"<p class=note>{run['replications']} replications of {run['horizon_days']:g} days "
            f"({run['warmup_days']:g} warm-up), seed {run['seed']}, demand.scale {run['demand_scale']:g}; every run "
            "on the same common random numbers, each a catalogued run under runs/.</p>"
            + section + "<h2>Figures</h2>" + figures + config_html + "</body></html>\n")
    path = Path(out) if out is not None else out_dir / REPORT_NAME
    atomic_write_text(path, text)
    return path
