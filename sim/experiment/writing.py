"""A paired or single run's result files (config.yaml, kpis.json, replications.csv,
comparison.json) and the KPI table printed at the end of a run."""
from __future__ import annotations

import math
import time
from pathlib import Path

from omegaconf import OmegaConf

from sim.config import Config
from sim.domain.sides import Side
from sim.experiment.replications import compare, sides
from sim.outputs.costs import COMPONENTS as COST_COMPONENTS
from sim.store.atomic import atomic_write_json, atomic_write_text


def write_results(cfg: Config, out_dir: Path, stats: dict, resolved_yaml: str | None, started: float) -> str:
    """config.yaml, kpis.json per side, replications.csv, then comparison.json (last: it marks a
    comparison complete). Adds wall_seconds (and comparison) to `stats`; returns the printed table."""
    atomic_write_text(out_dir / "config.yaml", resolved_yaml or OmegaConf.to_yaml(OmegaConf.structured(cfg)))
    for side in sides(cfg):
        side_dir = out_dir / side.subdirectory
        side_dir.mkdir(exist_ok=True)
        atomic_write_json(side_dir / "kpis.json", stats["summary"][side])
    _write_replication_table(out_dir, stats["per_replication"], stats["replications"])
    wall = stats["wall_seconds"] = time.perf_counter() - started
    n = len(next(iter(stats["replications"].values())))
    if cfg.experiment.kind == "compare":
        stats["comparison"] = compare(stats["per_replication"])
        atomic_write_json(out_dir / "comparison.json", stats["comparison"])
        return format_comparison(stats["comparison"], cfg, wall, n)
    return format_single(stats["summary"][Side.SINGLE], cfg, wall, n)


def _write_replication_table(out_dir: Path, per_rep: dict, indices: dict) -> None:
    rows = ["side,replication,kpi,value"]
    for side, kpis in per_rep.items():
        for name, values in kpis.items():
            rows += [f"{side},{r},{name},{float(v)!r}" for r, v in zip(indices[side], values)]
    atomic_write_text(out_dir / "replications.csv", "\n".join(rows) + "\n")


# ------------------------------------------------------------------ printing
HEADLINE = (
    "export_release_within_24h_share", "import_release_within_24h_share",
    "export_clearance_hours_mean", "export_clearance_hours_p90",
    "import_clearance_hours_mean", "import_clearance_hours_p90",
    "import_release_hours_mean", "import_yard_dwell_hours_mean", "import_stage_hours_unloading", "import_stage_hours_preparing",
    "import_stage_hours_clearance", "import_stage_hours_removal", "inland_door_hours_mean",
    "inland_door_hours_truck_mean", "inland_door_hours_rail_mean", "transit_share",
    "declarations_per_import_mean",
    "logistics_cost_cny_per_teu_mean",
) + tuple(f"logistics_cost_cny_per_teu_{c}" for c in COST_COMPONENTS) + (
    "throughput_teu_per_year", "rail_share", "transshipment_teu", "transshipment_connection_hours_mean",
    "transshipment_cost_cny_per_teu_mean",
    "reefer_teu", "reefer_plug_wait_hours_mean", "vessel_wait_hours_mean",
    "berth_utilization", "rolled_export_share", "cohort_open_share",
)


def _fmt(x: float) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    if abs(x) >= 1e5:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:,.1f}"
    return f"{x:.3f}"


def _batches(cfg: Config) -> str:
    """What the intervals are taken over: replications, or a summary-only run's segments."""
    return "segments (batch means)" if cfg.run.summary_only else "replications"


def format_comparison(comparison: dict, cfg: Config, wall: float, n: int | None = None) -> str:
    lines = [
        f"{cfg.baseline.name} (before) vs {cfg.regime.name} (after): {n or cfg.run.replications} paired {_batches(cfg)}, "
        f"{cfg.run.horizon_days:g} days ({cfg.run.warmup_days:g} warm-up), seed {cfg.run.seed}, {wall:.0f} s",
        f"{'KPI':40s} {'before':>12s} {'after':>12s} {'change':>8s}   95% CI of after - before",
    ]
    for name in HEADLINE:
        c = comparison.get(name)
        if c is None:
            continue
        rel = c["rel_change"]
        change = f"{100 * rel:+.1f}%" if math.isfinite(rel) else "n/a"
        d = c["diff"]
        lines.append(f"{name:40s} {_fmt(c['before']['mean']):>12s} {_fmt(c['after']['mean']):>12s} {change:>8s}   "
                     f"[{_fmt(d['ci_low'])}, {_fmt(d['ci_high'])}]")
    return "\n".join(lines)


def format_single(summary: dict, cfg: Config, wall: float, n: int | None = None) -> str:
    lines = [
        f"{cfg.regime.name}: {n or cfg.run.replications} {_batches(cfg)}, {cfg.run.horizon_days:g} days "
        f"({cfg.run.warmup_days:g} warm-up), seed {cfg.run.seed}, {wall:.0f} s",
        f"{'KPI':40s} {'mean':>12s}   95% CI",
    ]
    for name in HEADLINE:
        s = summary.get(name)
        if s is not None:
            lines.append(f"{name:40s} {_fmt(s['mean']):>12s}   [{_fmt(s['ci_low'])}, {_fmt(s['ci_high'])}]")
    return "\n".join(lines)
