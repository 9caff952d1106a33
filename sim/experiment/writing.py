"""A paired or single run's result files (config.yaml, kpis.json, replications.csv,
comparison.json) and the KPI table printed at the end of a run (the registry's headline KPIs,
in registry order: sim.outputs.kpis)."""
from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

from omegaconf import OmegaConf

from sim.config import Config
from sim.domain.sides import Side
from sim.experiment.replications import compare, sides
from sim.outputs.formatting import SHARE, format_number
from sim.outputs.kpis import headline_names
from sim.store.atomic import atomic_write_json, atomic_write_text
from sim.store.identity import side_names


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
def _fmt(x: float) -> str:
    """Three decimals below 100, whole numbers from 100,000: the table stays 12 characters wide."""
    return format_number(x, decimals=3, whole_from=1e5)


def _batches(cfg: Config) -> str:
    """What the intervals are taken over: replications, or a summary-only run's segments."""
    return "segments (batch means)" if cfg.run.summary_only else "replications"


def format_comparison(comparison: dict, cfg: Config, wall: float, n: int | None = None) -> str:
    names = side_names({"before": cfg.baseline.name, "after": cfg.regime.name}, (), asdict(cfg))
    lines = [
        f"{names['before']} (before) vs {names['after']} (after): {n or cfg.run.replications} paired {_batches(cfg)}, "
        f"{cfg.run.horizon_days:g} days ({cfg.run.warmup_days:g} warm-up), seed {cfg.run.seed}, {wall:.0f} s",
        f"{'KPI':40s} {'before':>12s} {'after':>12s} {'change':>8s}   95% CI of after - before",
    ]
    for name in headline_names():
        c = comparison.get(name)
        if c is None:
            continue
        change = format_number(c["rel_change"], SHARE, signed=True)
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
    for name in headline_names():
        s = summary.get(name)
        if s is not None:
            lines.append(f"{name:40s} {_fmt(s['mean']):>12s}   [{_fmt(s['ci_low'])}, {_fmt(s['ci_high'])}]")
    return "\n".join(lines)
