"""Does one server short leave the regression band? One run per pool of the baseline's congested
comparison (scenarios/dalian/baseline.json, run `congested`) with that pool one server short,
compared with the stored baseline by the statistical band (sim/runs/baseline.py): how many KPI
means leave it and which moves furthest, in bands. Writes benchmarks/regression_load/RESULTS.md.

    .venv/bin/python benchmarks/regression_load/one_server_short.py     # ~2 min on 2 cores

Why: a regression baseline whose pools never fill lets a lost server pass; this measures, pool
by pool, whether the congested load makes it visible beyond noise (the exact same-seed check
catches any change in any case).
"""
from __future__ import annotations

import math
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import sim
from sim.runs import baseline as bl

HERE = Path(__file__).resolve().parent
POOLS = (  # (pool, the config key of its server count)
    ("port officers, before the reform", "baseline.officers"),
    ("port officers, after the reform", "regime.officers"),
    ("scan bays", "port.inspection_stations.scan.bays"),
    ("physical inspection bays", "port.inspection_stations.physical.bays"),
    ("quarantine (CIQ) bays", "port.inspection_stations.quarantine.bays"),
    ("fumigation bays", "port.inspection_stations.fumigation.bays"),
    ("inland office officers (before)", "baseline.transit.inland_officers"),
    ("inland office inspection bays (before)", "baseline.transit.inland_inspection_bays"),
    ("in-gate lanes", "port.gate.in_lanes"),
    ("out-gate lanes", "port.gate.out_lanes"),
    ("reefer plugs", "port.reefer_plugs"),
)


def value_at(cfg, key: str) -> int:
    node = cfg
    for part in key.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return int(node)


def furthest(stored: dict, new: dict) -> tuple[str, str, float] | None:
    """(side, KPI, change in bands) of the mean that moved furthest, inside its band or not."""
    moves = []
    for side in bl.SIDES_STORED:
        for name, old in stored[side].items():
            change = bl.as_number(new[side][name]["mean"]) - bl.as_number(old["mean"])
            if math.isfinite(change) and change != 0:
                moves.append((side, name, change / bl.band(old)))
    return max(moves, key=lambda m: abs(m[2]), default=None)


def main(argv: list[str]) -> None:
    """argv: a baseline file other than the default scenario's (to try another regression load)."""
    stored = bl.load(Path(argv[0]) if argv else bl.baseline_file(sim.load_config()))["runs"]["congested"]
    base = sim.load_config(stored["overrides"])
    rows = []
    for pool, key in POOLS:
        servers = value_at(base, key)
        cfg = sim.load_config([*stored["overrides"], f"{key}={servers - 1}", "run.allow_overload=true"])
        new = bl.baseline_stats(cfg)
        moved = bl.outside_band(stored["kpis"], new)
        rows.append((pool, key, servers, len(moved), furthest(stored["kpis"], new)))
        print(pool, servers, "->", servers - 1, len(moved), "out", flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=HERE, check=False).stdout.strip()
    lines = [
        "# One server short at the regression load",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commit}, {platform.processor() or platform.machine()}, "
        f"{stored['kpis']['before']['export_release_within_24h_share']['n']} replications per side, "
        f"band k = {stored['k']:.2f} SE (alpha {bl.ALPHA} per KPI). Written by one_server_short.py.",
        "",
        "| pool | key | servers | KPI means outside the band | furthest move (side, KPI, change in bands; beyond +-1 is outside) |",
        "|---|---|---|---|---|",
    ]
    for pool, key, servers, n, worst in rows:
        far = f"{worst[0]} {worst[1]}: {worst[2]:+.2f}" if worst else "none"
        lines.append(f"| {pool} | `{key}` | {servers} -> {servers - 1} | {n} | {far} |")
    if argv:  # a trial load: print, do not overwrite the committed results
        print("\n".join(lines))
    else:
        (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
