"""`experiment=timeline`: regimes in order on common random numbers (sim.runs.study).

timeline.json: every KPI per regime with its 95 % CI; the paired difference of each step against
the previous regime and against the first (each step shaped as a comparison.json: before, after,
diff, rel_change per KPI); and the national trend (the scenario's national_trend.yaml) as a
relative change next to the model's, or "not evaluable here" when the timeline lacks its regimes.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.config import Config
from sim.config.locations import scenario_dir
from sim.config.yamlfile import read_yaml
from sim.domain.sides import Side
from sim.experiment.replications import compare
from sim.outputs.formatting import format_difference_interval, format_interval, format_number, format_relative
from sim.outputs.kpis import unit_of
from sim.outputs.stats import t_interval

NATIONAL_FILE = "national_trend.yaml"
NOT_EVALUABLE = "not evaluable here"


def load_national(cfg: Config) -> dict | None:
    """The scenario's national trend (validation data, never a target), or None without one."""
    path = Path(scenario_dir(cfg.scenario.dir)) / NATIONAL_FILE
    return read_yaml(path) if path.exists() else None


def _pair(a: dict, b: dict) -> dict:
    names = [k for k in a if k in b]
    return compare({Side.BEFORE: {k: a[k] for k in names}, Side.AFTER: {k: b[k] for k in names}})


def timeline_results(study, per_rep: list[dict]) -> dict:
    names = [v.label for v in study.variants]
    regimes = [{"name": n, "run": f"runs/{v.key}", "overloaded": v.overloaded,
                "kpis": {k: t_interval(vals) for k, vals in reps.items()}}
               for n, v, reps in zip(names, study.variants, per_rep)]
    steps = []
    for i in range(1, len(names)):
        steps.append({"from": names[i - 1], "to": names[i], "against": "previous",
                      "kpis": _pair(per_rep[i - 1], per_rep[i])})
        if i > 1:
            steps.append({"from": names[0], "to": names[i], "against": "first", "kpis": _pair(per_rep[0], per_rep[i])})
    return {"kind": "timeline", "regimes": regimes, "steps": steps,
            "national_trend": national_check(study.national, names, per_rep)}


def national_check(national: dict | None, names: list[str], per_rep: list[dict]) -> dict:
    """The model's relative change from `from_regime` to `to_regime` in the measure nearest the
    national overall clearance time, next to the national one, and the gap (model - national)."""
    if national is None:
        return {"status": NOT_EVALUABLE, "reason": f"the scenario has no {NATIONAL_FILE}"}
    a, b = national["from_regime"], national["to_regime"]
    out = {"from_regime": a, "to_regime": b, "series": {}}
    missing = [r for r in (a, b) if r not in names]
    if missing:
        out.update(status=NOT_EVALUABLE, reason=f"the timeline does not run {' and '.join(missing)}")
        return out
    i, j = names.index(a), names.index(b)
    for direction, s in national["series"].items():
        before = sum(np.asarray(per_rep[i][k], float) for k in s["model_kpis"])
        after = sum(np.asarray(per_rep[j][k], float) for k in s["model_kpis"])
        national_rel = s["to_hours"] / s["from_hours"] - 1.0
        model_rel = float(np.nanmean(after) / np.nanmean(before) - 1.0)
        per_replication = t_interval(after / before - 1.0)
        out["series"][direction] = {
            "national": {"from_hours": s["from_hours"], "to_hours": s["to_hours"], "rel_change": national_rel},
            "model": {"kpis": list(s["model_kpis"]), "from_hours": t_interval(before), "to_hours": t_interval(after),
                      "rel_change": model_rel, "rel_change_ci": [per_replication["ci_low"], per_replication["ci_high"]]},
            "gap": model_rel - national_rel,
            "why": s.get("why", ""),
        }
        if s.get("customs_kpi"):  # the part the customs measures act on, for the reader of the gap
            out["series"][direction]["customs_part"] = {
                "kpi": s["customs_kpi"], "from_hours": t_interval(np.asarray(per_rep[i][s["customs_kpi"]], float)),
                "to_hours": t_interval(np.asarray(per_rep[j][s["customs_kpi"]], float))}
    out["status"] = "evaluated"
    out["note"] = ("relative changes only: the national overall clearance time (arrival declaration to customs "
                   "release, every port) is a different measure from the model's; never calibrated against")
    return out


def format_timeline(result: dict, kpis=None) -> str:
    """The printed summary: the figure KPIs per regime, then each step against the previous one."""
    regimes = result["regimes"]
    kpis = kpis or list(regimes[0]["kpis"])[:6]
    lines = [f"timeline: {' -> '.join(r['name'] for r in regimes)}"]
    for k in kpis:
        u = unit_of(k)
        cells = [f"{r['name']} {format_number(r['kpis'][k]['mean'], u)} "
                 f"{format_interval(r['kpis'][k]['ci_low'], r['kpis'][k]['ci_high'], u)}" for r in regimes if k in r["kpis"]]
        lines.append(f"  {k}: " + "; ".join(cells))
        for s in result["steps"]:
            if s["against"] == "previous" and k in s["kpis"]:
                d = s["kpis"][k]["diff"]
                lines.append(f"    {s['from']} -> {s['to']}: "
                             f"{format_difference_interval(d['mean'], d['ci_low'], d['ci_high'], u)}")
    nat = result["national_trend"]
    if nat.get("status") == "evaluated":
        for direction, s in nat["series"].items():
            lines.append(f"  national trend {direction}: model {format_relative(s['model']['rel_change'])} vs national "
                         f"{format_relative(s['national']['rel_change'])} (gap {format_number(100 * s['gap'], decimals=1, signed=True)} pp)")
            if "customs_part" in s:
                c, m = s["customs_part"], s["model"]
                lines.append(f"    of the model's {format_number(m['from_hours']['mean'], 'h')} -> "
                             f"{format_number(m['to_hours']['mean'], 'h')} h, customs' own part ({c['kpi']}) is "
                             f"{format_number(c['from_hours']['mean'], 'h')} -> {format_number(c['to_hours']['mean'], 'h')} h")
            if s.get("why"):
                lines.append(f"    why: {s['why']}")
    else:
        lines.append(f"  national trend: {nat['status']} ({nat.get('reason', '')})")
    return "\n".join(lines)
