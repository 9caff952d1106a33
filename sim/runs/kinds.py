"""One run of any experiment kind into a run directory: compare and single here,
calibrate (sim.calibration), sensitivity (sim.uncertainty) and summary-only runs
(sim.experiment.long_run) handed on."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np

from sim.calibration.fit import run_calibration
from sim.config import Config, ConfigError
from sim.config.knobs import apply_knobs
from sim.config.footprint import check_footprint
from sim.config.stability import check_stability
from sim.domain.sides import STUDY_KINDS
from sim.experiment.long_run import run_summary
from sim.experiment.progress import say
from sim.experiment.replications import PARTS_DIR, run_to_precision, sides, summarize
from sim.experiment.writing import write_results
from sim.store.atomic import atomic_write_parquet


def run_experiment(cfg: Config, out_dir: Path, resolved_yaml: str | None = None, progress: bool | None = None,
                   echo: bool = True) -> dict:
    """Run the configured experiment and write its files into out_dir. Returns the summary.

    `progress`: tqdm bar over replications (None: only when stderr is a terminal).
    `echo`: print the KPI table (a sweep job prints one line instead, see sim.runs.runner).
    """
    apply_knobs(cfg)  # a factor set by hand on a composed Config (validate() applies it otherwise; idempotent)
    check_stability(cfg)  # Python API callers skip sim/__main__.py's checks: still nothing written
    check_footprint(cfg)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if cfg.experiment.kind in STUDY_KINDS:  # its variants are composed from the regime files (Hydra)
        raise ConfigError("experiment.kind", f"{cfg.experiment.kind} runs from the command line or "
                                             "sim.cli.study.run_study, not from one Config")
    if cfg.experiment.kind == "calibrate":
        return run_calibration(cfg, out_dir, resolved_yaml, echo=echo)
    if cfg.experiment.kind == "sensitivity":
        return _sensitivity(cfg, out_dir, resolved_yaml, echo)
    if cfg.run.summary_only:
        return run_summary(cfg, out_dir, resolved_yaml, echo=echo)
    table = cfg.output.stored(cfg.experiment.kind)
    parts_dir = out_dir / PARTS_DIR if table != "none" else None
    if parts_dir is not None:
        shutil.rmtree(parts_dir, ignore_errors=True)  # a killed run's parts must not join this run's tables
        parts_dir.mkdir()
    started = time.perf_counter()
    try:
        results, precision = run_to_precision(cfg, parts_dir, progress)
        from sim.viz.plots import clearance_ecdf  # matplotlib only once results exist (import cost)

        stats = summarize(results)
        stats["precision"] = precision
        if parts_dir is not None:
            for name in ("consignments", "calls"):
                parts = sorted(parts_dir.glob(f"{name}-*.parquet"))
                atomic_write_parquet(out_dir / f"{name}.parquet", parts)
        samples = {}
        for res in sorted(results, key=lambda res: (res.side, res.replication)):
            d, obs = res.sample
            prev = samples.get(res.side, (np.zeros(0), np.zeros(0, bool)))
            samples[res.side] = (np.concatenate((prev[0], d)), np.concatenate((prev[1], obs)))
        regimes = sides(cfg)
        if cfg.experiment.figures:
            clearance_ecdf({s: (regimes[s].name, *samples[s]) for s in regimes}, out_dir)
        text = write_results(cfg, out_dir, stats, resolved_yaml, started)
        stats["event_log"] = write_event_logs(cfg, out_dir, echo)
        if echo:
            say(text)
            if precision is not None:
                say(precision.describe())
        if echo and cfg.experiment.report:
            from sim.viz.report import write_report

            say(f"report: {write_report(out_dir)}")
        if echo:
            say(f"results: {out_dir}")
        return stats
    finally:
        if parts_dir is not None:
            shutil.rmtree(parts_dir, ignore_errors=True)


def write_event_logs(cfg: Config, out_dir: Path, echo: bool = True) -> list[str]:
    """output.event_log: the logs `python -m sim.eventlog` would write, from the table and
    config.yaml just written (each file atomic, so a killed run leaves none half-written).
    Returns their file names."""
    formats = cfg.output.event_logs()
    if not formats:
        return []
    from sim.store.eventlog import write_ocel, write_xes
    from sim.store.rundir import load_run

    run = load_run(out_dir)
    names = []
    for fmt in formats:
        written = (write_xes if fmt == "xes" else write_ocel)(run)
        names.append(written.path.name)
        if echo:
            say(f"event log: {written.path} ({written.events} events, {written.objects} "
                f"{'traces' if fmt == 'xes' else 'objects'}, {written.seconds:.1f} s)")
    return names


def _sensitivity(cfg: Config, out_dir: Path, resolved_yaml: str | None, echo: bool) -> dict:
    """experiment=sensitivity (sim.uncertainty.sensitivity), then its figures and report."""
    from sim.uncertainty.sensitivity import run_sensitivity
    from sim.viz.uncertainty import sensitivity_figures

    stats = run_sensitivity(cfg, out_dir, resolved_yaml, echo=echo)
    sensitivity_figures(out_dir)
    if echo and cfg.experiment.report:
        from sim.viz.report import write_report

        say(f"report: {write_report(out_dir)}")
    if echo:
        say(f"results: {out_dir}")
    return stats
