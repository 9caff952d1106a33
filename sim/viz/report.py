"""`python -m sim.report RUN_DIR [--out FILE]`: one self-contained HTML file from a stored run.

For people without Python: the scenario, the KPI table with confidence intervals, every
figure embedded (base64 PNG), the model against the published record (the scenario's `targets.yaml`)
and the resolved config. It never re-simulates: everything comes from the run directory.
The report is built in memory and written under a temporary name, then renamed, so a
failure leaves no partial file; bad input ends as one `error:` line and a non-zero exit.
"""
from __future__ import annotations

import base64
import html
import math
from pathlib import Path

from sim.calibration.targets import TargetsError, check_targets, load_targets, targets_path
from sim.domain.sides import Side
from sim.outputs.formatting import (SHARE, format_difference_interval, format_interval, format_number,
                                   format_relative, format_relative_interval, relative_change)
from sim.outputs.kpis import unit_of
from sim.store.atomic import atomic_write_text
from sim.store.identity import run_label, run_side_names
from sim.store.eventlog import OCEL_NAME, XES_NAME
from sim.store.rundir import load_run
from sim.viz.plots import run_figures, save_run_figures
from sim.viz.style import FigureUnavailable, save

REPORT_NAME = "report.html"
EXIT_BAD_INPUT = 2
EXIT_FAILED = 1

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1150px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.92em; margin: 0.5em 0 1em; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #eee; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
tr.significant td { background: #eef4fb; } .before { color: #b2182b; } .after { color: #2166ac; }
.pass { color: #1a9850; font-weight: bold; } .fail { color: #d73027; font-weight: bold; }
.not-evaluable { color: #777; } figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.92em; } pre { background: #f8f8f8; padding: 1em; overflow-x: auto;
font-size: 0.82em; } .note { color: #555; font-size: 0.92em; }
"""


def _esc(x) -> str:
    return html.escape(str(x))


def scenario_section(run) -> str:
    cfg = run.config
    r, demand = cfg.get("run", {}), cfg.get("demand", {})
    names = run_side_names(run)
    compared = (f'<span class="before">{_esc(names[Side.BEFORE])}</span> (before) vs '
                f'<span class="after">{_esc(names[Side.AFTER])}</span> (after)' if run.comparison is not None
                else f'{_esc(names[Side.SINGLE])} (single regime)')
    rows = [
        ("Regimes", compared),
        ("Port / demand", f'{_esc(cfg.get("port", {}).get("name", "?"))} / {_esc(demand.get("name", "?"))}, '
                          f'demand.scale = {_esc(demand.get("scale", 1.0))}'),
        ("Horizon", f'{_esc(r.get("horizon_days"))} days, of which {_esc(r.get("warmup_days"))} warm-up; '
                    f'{_esc(r.get("drain_days", 0))} days drain after it'),
        ("Replications", f'{_esc(r.get("replications"))}'
                         + (" paired (common random numbers)" if run.comparison is not None else "")
                         + (f'; summary-only: segments of {_esc(r.get("segment_days"))} days are the batches '
                            "of the intervals (no milestone table)" if r.get("summary_only") else "")),
        ("Seed", _esc(r.get("seed"))),
        ("Consignment table", _esc(run.describe_table())),
        *_event_log_rows(run),
        *_initial_state_rows(run),
        ("Run directory", f"<code>{_esc(run.path.resolve())}</code>"),
    ]
    body = "".join(f"<tr><th>{k}</th><td style='text-align:left'>{v}</td></tr>" for k, v in rows)
    return f"<h2>Scenario</h2><table>{body}</table>"


def _event_log_rows(run) -> list[tuple[str, str]]:
    """The event logs in the run directory (output.event_log or python -m sim.eventlog), if any."""
    names = [name for name in (OCEL_NAME, XES_NAME) if (run.path / name).is_file()]
    if not names:
        return []
    return [("Event log", ", ".join(f"<code>{_esc(n)}</code>" for n in names)
             + " (OCEL 2.0 / XES, for process-mining tools: python -m sim.eventlog)")]


def _initial_state_rows(run) -> list[tuple[str, str]]:
    """A warm start's snapshot (its copy in the run directory and its moment), if any."""
    info = run.initial_state
    if not info:
        return []
    return [("Initial state", f'{_esc(info["boxes"])} boxes and {_esc(info["vessels"])} vessels from '
                              f'<code>{_esc(Path(info["source"]).name)}</code>, taken at model hour '
                              f'{_esc(format_number(info["start_hours"]))}; the run starts there (no warm-up '
                              "needed). The snapshot_* KPIs are its items'; the others cover the new arrivals.")]


def kpi_section(run) -> str:
    from sim.outputs.summaries import kpi_table

    table = kpi_table(run)
    if run.comparison is not None:
        head = ("<tr><th>KPI</th><th>before</th><th>95 % CI</th><th>after</th><th>95 % CI</th>"
                "<th>after - before [95 % CI, paired]</th><th>relative change [95 % CI]</th></tr>")
        rows = []
        for name, row in table.iterrows():
            u = unit_of(name)
            low, high = row["diff_ci_low"], row["diff_ci_high"]
            significant = math.isfinite(low) and math.isfinite(high) and (low > 0 or high < 0)
            before = {k: row[f"before_{k}"] for k in ("mean", "ci_low", "ci_high")}
            diff = {k: row[f"diff_{k}"] for k in ("mean", "ci_low", "ci_high")}
            rows.append(
                f"<tr{' class=significant' if significant else ''}><td>{_esc(name)}</td>"
                f"<td>{format_number(row['before_mean'], u)}</td>"
                f"<td>{format_interval(row['before_ci_low'], row['before_ci_high'], u)}</td>"
                f"<td>{format_number(row['after_mean'], u)}</td>"
                f"<td>{format_interval(row['after_ci_low'], row['after_ci_high'], u)}</td>"
                f"<td>{format_difference_interval(row['diff_mean'], low, high, u)}</td>"
                f"<td>{format_relative(*relative_change(before, diff, u))}</td></tr>")
        note = ("95 % t intervals across replications; the difference is paired by replication (common random "
                "numbers). Shaded rows: its interval excludes zero. "
                "The relative change is the difference over |before| (interval likewise); n/a where the before "
                "value is negligible (below the printed precision, or its interval covers zero).")
    else:
        head = "<tr><th>KPI</th><th>mean</th><th>95 % CI</th><th>n</th></tr>"
        rows = [f"<tr><td>{_esc(name)}</td><td>{format_number(row['mean'], unit_of(name))}</td>"
                f"<td>{format_interval(row['ci_low'], row['ci_high'], unit_of(name))}</td><td>{_esc(row['n'])}</td></tr>"
                for name, row in table.iterrows()]
        note = "95 % t intervals across replications."
    return (f"<h2>KPIs</h2><p class=note>{note} Hours and CNY; shares in percent, their differences in "
            "percentage points (pp). What each KPI measures: docs/reference/kpi-definitions.md.</p>"
            f"<table>{head}{''.join(rows)}</table>")


def resource_section(run) -> str:
    """What each side's staffed pools cost a year (costs.resources, sim.outputs.resources): the price
    of its staffing, beside its KPIs ('' for a run whose config predates resource costs)."""
    from sim.outputs.resources import resource_costs

    cfg = run.config
    if not (cfg.get("costs") or {}).get("resources"):
        return ""
    names = run_side_names(run)
    by_side = {side: resource_costs(cfg["port"], run.regime_config(side), cfg["costs"]) for side in run.sides}
    pools = [k for k in next(iter(by_side.values())) if k != "total"]
    head = "<tr><th>pool</th>" + "".join(f"<th>{_esc(names[s])}</th>" for s in by_side) + "</tr>"
    rows = "".join(f"<tr><td>{_esc(pool)}</td>" + "".join(f"<td>{c[pool] / 1e6:,.1f}</td>" for c in by_side.values())
                   + "</tr>" for pool in [*pools, "total"])
    return ("<h2>Resource cost</h2><p class=note>Million CNY a year to staff and run each pool as configured: "
            "officers by shift (office hours, evening, night and weekend), bays' capital and operating cost per "
            "hour open, inland offices where the regime uses them (costs.resources; estimated rates). "
            "`python -m sim -m +optimise=staffing_for_export_target` looks for the cheapest staffing that meets "
            f"the export target.</p><table>{head}{rows}</table>")


def _figure_html(stem: str, png: Path, caption: str) -> str:
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return (f'<figure id="fig-{_esc(stem)}"><img src="data:image/png;base64,{data}" alt="{_esc(caption)}">'
            f"<figcaption><b>{_esc(stem)}</b>: {_esc(caption)}</figcaption></figure>")


VERDICTS = {"pass": "met", "fail": "not met", "not evaluable": "not evaluable here"}
"""How the model-vs-record table words a check's status."""


def _target_unit(unit: str) -> str:
    """A target's unit as the formatter's: shares and relative changes read in percent."""
    return SHARE if unit.startswith("share") or unit == "relative change" else ""


def _short(kpi: str, among) -> str:
    """A KPI of a structure without the prefix its group shares (import_stage_share_preparing -> preparing)."""
    prefix = min(among, key=len)
    while prefix and not all(k.startswith(prefix) for k in among):
        prefix = prefix[:-1]
    return kpi[len(prefix):] or kpi


def record_text(c) -> str:
    """What the published record says, in the target's unit."""
    u = _target_unit(c.unit)
    h = " h" if c.unit.startswith("hours") else ""
    if c.structural:
        return "largest: " + " > ".join(_short(k, c.among) for k in c.largest)
    if c.ranged:
        return f"{format_number(c.low, u)} to {format_number(c.high, u)}{h}"
    if math.isnan(c.low):
        return format_number(c.value, u)
    if c.relative:
        tol = f"{format_number(c.tolerance * 100, decimals=0)} %"
    else:
        tol = f"{format_number(c.half_band * 100, decimals=1)} pp" if u == SHARE else format_number(c.half_band) + h
    return f"{format_number(c.value, u)}{h} ± {tol}"


def model_text(c) -> tuple[str, str]:
    """(the model's estimate, its 95 % CI) as the table shows them ('' where there is none)."""
    if not c.evaluated:
        return "", ""
    u = _target_unit(c.unit)
    if c.structural:
        return " > ".join(f"{_short(k, c.among)} {format_number(m, u)}" for k, m in c.ranking), ""
    if c.unit == "relative change":  # a change, not a share: signed and never clipped to [0, 1]
        return format_number(c.model, SHARE, signed=True), format_relative_interval(c.ci_low, c.ci_high)
    if c.change_from is not None:
        return format_number(c.model, u, signed=True), format_interval(c.ci_low, c.ci_high, u, difference=True)
    return format_number(c.model, u), format_interval(c.ci_low, c.ci_high, u)


def model_vs_record_table(checks) -> str:
    """Every target: what it is, its source, the record (value and tolerance, or range, or
    structure), the regime it describes, the model's value with its 95 % CI, and the verdict."""
    rows = []
    for c in checks:
        model, ci = model_text(c)
        verdict = VERDICTS[c.status] + (f": {c.reason}" if c.reason else "")
        rows.append(f"<tr id='target-{_esc(c.id)}'><td>{_esc(c.id)}</td>"
                    f"<td style='text-align:left'>{_esc(c.target)}</td>"
                    f"<td style='text-align:left'>{_esc(c.source)}</td><td>{_esc(c.regime_label)}</td>"
                    f"<td>{_esc(record_text(c))}</td><td>{_esc(model)}</td><td>{_esc(ci)}</td>"
                    f"<td class='{c.status.replace(' ', '-')}' style='text-align:left'>{_esc(verdict)}</td></tr>")
    return ("<table id=model-vs-record><tr><th>id</th><th>target</th><th>source</th><th>regime</th><th>record</th>"
            f"<th>model</th><th>95 % CI</th><th>verdict</th></tr>{''.join(rows)}</table>")


def calibration_section(run, figures: dict) -> str:
    """Model vs record: every target of the scenario against the run; adds the calibration figure
    to `figures` when there is one."""
    from sim.viz.plots_planning import calibration_figure

    title = "<h2>Model vs record</h2>"
    path = targets_path(run)
    if not path.is_file():
        return f"{title}<p class=note>No targets file for this scenario ({_esc(path)}).</p>"
    try:
        checks = check_targets(run, load_targets(path))
    except TargetsError as e:
        return f"{title}<p class=fail>{_esc(e)}</p>"
    counts = {status: sum(c.status == status for c in checks) for status in VERDICTS}
    html_text = (f"{title}<p class=note>The published record (targets from <code>{_esc(path)}</code>, sources in "
                 f"SOURCES.md beside it) against this run: {counts['pass']} met, {counts['fail']} not met, "
                 f"{counts['not evaluable']} not evaluable here (a figure is judged only on a run that simulates "
                 "the regime it describes as published, not changed by an override, with the settings it "
                 "needs). Changes are after - before: relative, or in the KPI's unit; intervals are 95 % t "
                 "intervals across replications (paired for changes). A structure is judged on the means and "
                 "has no interval.</p>"
                 + model_vs_record_table(checks))
    try:
        fig = calibration_figure(checks)
    except FigureUnavailable:
        return html_text
    caption = "Model estimate vs the record, in half-widths of the record's band; the shaded band is met."
    paths = save(fig, run.path, "calibration")
    figures["calibration"] = (paths, caption)
    return html_text + _figure_html("calibration", paths[0], caption)


def build_report(run) -> str:
    """The whole HTML page, figures saved into the run directory and embedded."""
    made, skipped = save_run_figures(run)
    captions = {stem: caption for stem, (_, caption) in run_figures().items()}
    figures = {stem: (paths, captions[stem]) for stem, paths in made.items()}
    calibration = calibration_section(run, figures)
    body = "".join(_figure_html(stem, paths[0], caption) for stem, (paths, caption) in figures.items()
                   if stem != "calibration")
    missing = "".join(f"<li><b>{_esc(stem)}</b>: {_esc(why)}</li>" for stem, why in skipped.items())
    listing = ", ".join(_esc(stem) for stem in figures)
    title = run_label(run)
    config_text = (run.path / "config.yaml").read_text()
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>portclear report: {_esc(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>portclear report: {_esc(title)}</h1>"
        "<p class=note>Discrete-event simulation of customs clearance at the port. Time in hours, money in CNY. "
        "Made from the stored run directory; nothing was re-simulated.</p>"
        + scenario_section(run) + kpi_section(run) + resource_section(run)
        + f'<h2>Figures</h2><p class=note id="figure-list" data-count="{len(figures)}">{len(figures)} figures: '
        f"{listing}. Each is also in the run directory as PNG and SVG.</p>"
        + (f"<p class=note>Not available for this run:</p><ul>{missing}</ul>" if missing else "")
        + body + calibration + _uncertainty(run)
        + "<h2>Resolved configuration</h2><details><summary>config.yaml (click to open)</summary>"
        f"<pre>{_esc(config_text)}</pre></details></body></html>\n"
    )


def _uncertainty(run) -> str:
    """A sensitivity study's section (sim.viz.uncertainty); '' for any other run."""
    from sim.viz.uncertainty import uncertainty_section

    return uncertainty_section(run, _figure_html)


def write_report(run_dir, out=None) -> Path:
    """Write the report of a stored run (default `RUN_DIR/report.html`) and return its path.

    Raises RunDirError for a run directory that cannot be read.
    """
    run = load_run(run_dir)
    out = Path(out) if out is not None else run.path / REPORT_NAME
    text = build_report(run)
    atomic_write_text(out, text)
    return out
