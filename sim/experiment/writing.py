"""A paired or single run's result files (config.yaml, kpis.json, replications.csv,
comparison.json) and the KPI table printed at the end of a run (the registry's headline KPIs,
in registry order: sim.outputs.kpis)."""
from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

from omegaconf import OmegaConf

from sim.config import Config
from sim.config.snapshot import read_snapshot
from sim.domain.sides import Side
from sim.experiment.replications import compare, sides
from sim.outputs.formatting import (format_difference_interval, format_interval, format_number, format_relative,
                                   relative_change)
from sim.outputs.kpis import SNAPSHOT_PREFIX, headline_names, kpi_names, unit_of
from sim.store.atomic import atomic_write_bytes, atomic_write_json, atomic_write_text
from sim.store.identity import side_names
from sim.store.rundir import INITIAL_STATE_FILE


def write_results(cfg: Config, out_dir: Path, stats: dict, resolved_yaml: str | None, started: float) -> str:
    """config.yaml, kpis.json per side, replications.csv, then comparison.json (last: it marks a
    comparison complete). Adds wall_seconds (and comparison) to `stats`; returns the printed table."""
    atomic_write_text(out_dir / "config.yaml", resolved_yaml or OmegaConf.to_yaml(OmegaConf.structured(cfg)))
    _write_initial_state(cfg, out_dir)
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


def _write_initial_state(cfg: Config, out_dir: Path) -> None:
    """A warm start keeps the snapshot it started from (a copy) and its moment on the model's clock
    (initial_state.json: the stored run's KPI window starts there)."""
    snapshot = read_snapshot(cfg)
    if snapshot is None:
        return
    source = Path(snapshot.path)
    atomic_write_bytes(out_dir / f"initial_state{source.suffix.lower()}", source.read_bytes())
    atomic_write_json(out_dir / INITIAL_STATE_FILE, {"source": str(source.resolve()), "start_hours": snapshot.start_hours,
                                                      "boxes": len(snapshot), "vessels": len(snapshot.vessel_id)})


def _write_replication_table(out_dir: Path, per_rep: dict, indices: dict) -> None:
    rows = ["side,replication,kpi,value"]
    for side, kpis in per_rep.items():
        for name, values in kpis.items():
            rows += [f"{side},{r},{name},{float(v)!r}" for r, v in zip(indices[side], values)]
    atomic_write_text(out_dir / "replications.csv", "\n".join(rows) + "\n")


# ------------------------------------------------------------------ printing
def _fmt(x: float, unit: str = "") -> str:
    """Three decimals below 100, whole numbers from 100,000 (shares in percent): the table stays narrow."""
    return format_number(x, unit, decimals=3, whole_from=1e5)


def _batches(cfg: Config) -> str:
    """What the intervals are taken over: replications, or a summary-only run's segments."""
    return "segments (batch means)" if cfg.run.summary_only else "replications"


def _width(names) -> int:
    return max([40, *(len(n) for n in names)])


def comparison_row(c: dict, unit: str) -> tuple[str, str, str, str]:
    """(before, after, "after - before [95 % CI]", "relative change [95 % CI]") of one KPI of
    comparison.json: the difference in the KPI's unit (percentage points for a share), the
    relative change in percent, each with its own interval (sim.outputs.formatting)."""
    d = c["diff"]
    diff = format_difference_interval(d["mean"], d["ci_low"], d["ci_high"], unit, decimals=3, whole_from=1e5)
    return (_fmt(c[Side.BEFORE]["mean"], unit), _fmt(c[Side.AFTER]["mean"], unit), diff,
            format_relative(*relative_change(c[Side.BEFORE], d, unit)))


def printed_names(cfg: Config) -> list[str]:
    """The headline KPIs; a warm start's also its snapshot's (the others then cover the new arrivals)."""
    names = list(headline_names())
    if cfg.run.initial_state:
        names += [name for name in kpi_names() if name.startswith(SNAPSHOT_PREFIX)]
    return names


def _start(cfg: Config) -> str:
    return f", from the snapshot {Path(cfg.run.initial_state).name} (other KPIs: new arrivals)" if cfg.run.initial_state else ""


def format_comparison(comparison: dict, cfg: Config, wall: float, n: int | None = None) -> str:
    names = [name for name in printed_names(cfg) if name in comparison]
    w = _width(names)
    sides_named = side_names({"before": cfg.baseline.name, "after": cfg.regime.name}, (), asdict(cfg))
    lines = [
        f"{sides_named['before']} (before) vs {sides_named['after']} (after): {n or cfg.run.replications} paired {_batches(cfg)}, "
        f"{cfg.run.horizon_days:g} days ({cfg.run.warmup_days:g} warm-up){_start(cfg)}, seed {cfg.run.seed}, {wall:.0f} s",
        f"{'KPI':{w}s} {'before':>12s} {'after':>12s}   {'after - before [95% CI, paired]':34s} "
        "relative change [95% CI]",
    ]
    for name in names:
        before, after, diff, rel = comparison_row(comparison[name], unit_of(name))
        lines.append(f"{name:{w}s} {before:>12s} {after:>12s}   {diff:34s} {rel}")
    lines.append("Shares in percent, their differences in percentage points (pp); relative change n/a: the before "
                 "value is negligible (below the printed precision, or its CI covers zero).")
    return "\n".join(lines)


def format_single(summary: dict, cfg: Config, wall: float, n: int | None = None) -> str:
    names = [name for name in printed_names(cfg) if name in summary]
    w = _width(names)
    lines = [
        f"{cfg.regime.name}: {n or cfg.run.replications} {_batches(cfg)}, {cfg.run.horizon_days:g} days "
        f"({cfg.run.warmup_days:g} warm-up){_start(cfg)}, seed {cfg.run.seed}, {wall:.0f} s",
        f"{'KPI':{w}s} {'mean':>12s}   95% CI",
    ]
    for name in names:
        s, unit = summary[name], unit_of(name)
        lines.append(f"{name:{w}s} {_fmt(s['mean'], unit):>12s}   "
                     f"{format_interval(s['ci_low'], s['ci_high'], unit, decimals=3, whole_from=1e5)}")
    return "\n".join(lines)
