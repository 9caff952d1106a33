"""`python -m sim.baseline [scenario=NAME] [PATH]` (make baseline): regenerate a scenario's
regression baseline on purpose and print what moved against the old one. Without PATH it is
the scenario's own `baseline.json` (the default scenario's when none is named)."""
from __future__ import annotations

import math
import sys
from pathlib import Path

from sim.cli.compose import compose_config
from sim.cli.errors import fail
from sim.cli.preflight import first_config_error
from sim.outputs.formatting import format_number
from sim.runs.baseline import (EXACT_REL, FAMILY_ALPHA, SIDES_STORED, as_number, band, baseline_file, build, family_alpha, load,
                               outside_band, same_value)
from sim.store.atomic import atomic_write_json


def _fmt(x: float) -> str:
    """Six significant digits: enough to see a move inside the tolerance band."""
    return format_number(x, significant=6, whole_from=math.inf)


def _report_changes(run_name: str, old: dict | None, new: dict) -> None:
    """Every KPI whose mean changed in one stored run (old, new, change, band, OUT if outside it)."""
    if old is None:
        print(f"{run_name}: new run (none before)")
        return
    alpha = family_alpha(old["kpis"])
    moved = outside_band(old["kpis"], new["kpis"], alpha)
    changed = [(s, k) for s in SIDES_STORED for k, v in new["kpis"][s].items()
               if not same_value(old["kpis"].get(s, {}).get(k, {}).get("mean"), v["mean"], EXACT_REL)]
    print(f"{run_name}: {len(changed)} KPI means changed; {len(moved)} outside the old tolerance band "
          f"(any KPI leaves its band with chance {FAMILY_ALPHA:g}: alpha = {alpha:.2g} per KPI, SD pooled over "
          f"the stored null groups where there are some):")
    if changed:
        print(f"{'side':7s} {'KPI':45s} {'old':>12s} {'new':>12s} {'change':>12s} {'band':>10s}  out?")
    for side, name in changed:
        o = old["kpis"].get(side, {}).get(name, {"mean": None, "n": 0, "sd": None})
        m = new["kpis"][side][name]
        out = any(x["side"] == side and x["kpi"] == name for x in moved)
        print(f"{side:7s} {name:45s} {_fmt(as_number(o['mean'])):>12s} {_fmt(m['mean']):>12s} "
              f"{_fmt(m['mean'] - as_number(o['mean'])):>12s} {_fmt(band(o, alpha)):>10s}  {'OUT' if out else ''}")
    old_fp = old.get("fingerprint", {}).get("sides", {})
    for side, fp in new["fingerprint"]["sides"].items():
        if old_fp.get(side, {}).get("sha256") != fp["sha256"]:
            print(f"{run_name}: table fingerprint ({side}) changed: {old_fp.get(side, {}).get('sha256')} -> {fp['sha256']}")


def main(argv: list[str] | None = None) -> int:
    """Regenerate the baseline on purpose and print what moved against the old one."""
    argv = sys.argv[1:] if argv is None else argv
    scenario = tuple(a for a in argv if a.startswith("scenario="))
    paths = [a for a in argv if a not in scenario]
    if len(paths) > 1 or any("=" in a for a in paths):
        fail(f"usage: python -m sim.baseline [scenario=NAME] [PATH]; got {' '.join(argv)}")
    message = first_config_error(list(scenario)) if scenario else None  # an unknown scenario: one line
    if message:
        fail(message)
    path = Path(paths[0]) if paths else baseline_file(compose_config(scenario))
    old = load(path) if path.exists() else None
    new = build(compose_config, scenario)
    if old is None or "runs" not in old:
        print(f"new baseline (none before in this layout): {path}")
    else:
        for run_name, run in new["runs"].items():
            _report_changes(run_name, old["runs"].get(run_name), run)
    for run_name, run in new["runs"].items():
        if "null" in run:
            print(f"{run_name}: band false-alarm rate on the stored replications (nominal -> measured): "
                  + ", ".join(f"{a} -> {r['rate']:.4f}" for a, r in run["null"]["false_alarms"].items()))
    atomic_write_json(path, new)
    print(f"wrote {path}")
    return 0

