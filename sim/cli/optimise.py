"""`python -m sim -m +optimise=NAME`: Hydra's Optuna sweeper over the model, checked and reported.

Why a Hydra callback: the study runs inside Hydra's sweeper (each trial a job on the configured
launcher, returning its objective, sim.runs.trial); what comes after the study (the best feasible
point, re-run with more replications and written as a ready regime file; the closest trial when
none met the target; the Pareto front) needs the whole study, so it runs once in the launching
process at the end of the multirun. Also the checks Hydra's sweeper does not make before it
writes anything (`optimise_error`, called by sim.cli.preflight): an unknown objective or
constraint KPI, a search space on a key the config does not have, a range whose low end is above
its high end, a direction list that does not match the objectives.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.experiment.progress import say
from sim.outputs.objective import ON, RESOURCE_COST, best, pareto_front

OPTUNA_SWEEPER = "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper"
REPORT_FILE = "optimise_report.json"


# ------------------------------------------------------------------ checks before anything runs
def optimise_error(master: DictConfig) -> str | None:
    """The first problem with an optimisation's definition as one line, or None (not an optimisation: None)."""
    from sim.outputs.kpis import kpi_names

    spec = master.get("optimise")
    if spec is None or not spec.get("objectives"):
        return None
    sweeper = master.hydra.sweeper
    if sweeper.get("_target_") != OPTUNA_SWEEPER:
        return "optimise.objectives: an optimisation needs hydra/sweeper=optuna (add `override /hydra/sweeper: optuna`)"
    known = set(kpi_names())
    for i, name in enumerate(spec.objectives):
        if name != RESOURCE_COST and name not in known:
            return f"optimise.objectives.{i}: unknown KPI {name!r}; expected {RESOURCE_COST} or a KPI name"
    for i, c in enumerate(spec.get("constraints") or []):
        if c.get("kpi") not in known:
            return f"optimise.constraints.{i}.kpi: unknown KPI {c.get('kpi')!r}"
        if c.get("judge", "ci") not in ON:
            return f"optimise.constraints.{i}.judge: {c.get('judge')!r}; expected one of {', '.join(ON)}"
        if c.get("min") is None and c.get("max") is None:
            return f"optimise.constraints.{i}: needs min or max"
    if any(c.get("judge", "ci") == "ci" for c in spec.get("constraints") or []) and master.run.replications < 2:
        return "run.replications: a constraint on the interval (judge: ci) needs at least 2 replications a trial"
    direction = sweeper.get("direction")
    directions = list(direction) if OmegaConf.is_list(direction) else [direction]
    if len(directions) != len(spec.objectives):
        return (f"hydra.sweeper.direction: {len(directions)} direction(s) for {len(spec.objectives)} "
                f"objective(s) in optimise.objectives")
    if any(str(d) != "minimize" for d in directions):
        return "hydra.sweeper.direction: every objective is minimised (sim/outputs/objective.py); use minimize"
    return _search_space_error(master, sweeper.get("params") or {})


def _search_space_error(master: DictConfig, params) -> str | None:
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import IntervalSweep, RangeSweep

    parser = OverridesParser.create()
    for key, value in params.items():
        try:
            override = parser.parse_override(f"{key}={value}")
        except Exception as e:  # noqa: BLE001 - the sweeper's own grammar: one line
            return f"hydra.sweeper.params.{key}: {' '.join(str(e).split())[:200]}"
        if OmegaConf.select(master, key, default=_MISSING) is _MISSING:
            return f"hydra.sweeper.params.{key}: no such key in the config to search over"
        v = override.value()
        low = getattr(v, "start", None) if isinstance(v, (RangeSweep, IntervalSweep)) else None
        high = getattr(v, "stop", None) if isinstance(v, RangeSweep) else getattr(v, "end", None)
        if low is not None and high is not None and low > high:
            return f"hydra.sweeper.params.{key}: lower bound {low:g} is above the upper bound {high:g}"
    return None


_MISSING = object()


# ------------------------------------------------------------------ after the study
class OptimiseReport(Callback):
    """At the end of `+optimise=NAME`: the best feasible point (or the closest), its confirmation
    run and ready regime file, and (several objectives) the Pareto front as a table and a figure."""

    def __init__(self) -> None:
        import logging

        logging.getLogger("alembic").setLevel(logging.WARNING)  # Optuna's SQLite storage: no plugin list

    def __getstate__(self) -> dict:
        return {}

    def __setstate__(self, state: dict) -> None:
        self.__init__()

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        storage = str(config.hydra.sweeper.get("storage") or "")
        if storage.startswith("sqlite:///"):  # Optuna creates the file, not its folder
            Path(storage[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        if not (config.get("optimise") and config.optimise.get("objectives")):
            return
        sweep_dir = Path(str(config.hydra.sweep.dir))
        report = study_report(config, sweep_dir)
        if report is not None:
            say(report)


def _catalog_for(config: DictConfig, sweep_dir: Path):
    from sim.store.catalog import Catalog, resolve

    path = resolve(str(config.run.catalog), sweep_dir / "0")
    return None if path is None else Catalog(path)


def study_trials(config: DictConfig, sweep_dir: Path) -> list[dict]:
    """Every trial of this study (all its sessions), from the catalog's `trials` table."""
    cat = _catalog_for(config, sweep_dir)
    if cat is None:
        return []
    rows = cat.trials(str(config.hydra.sweeper.study_name))
    trials = []
    for row in rows.itertuples():
        objective = json.loads(row.objective)
        trials.append({"job": row.job_num, "sweep_dir": row.sweep_dir, "run_id": row.run_id,
                       "params": json.loads(row.params), "values": objective["values"], "raw": objective["raw"],
                       "feasible": bool(row.feasible), "shortfall": float(row.shortfall),
                       "refused": objective.get("refused"),
                       "resource_cost": float(row.resource_cost)})
    return trials


def _describe(trial: dict) -> str:
    params = " ".join(f"{k}={v}" for k, v in trial["params"].items())
    judged = ", ".join(f"{k} = {v:.4g}" for k, v in trial["raw"].items())
    if trial.get("refused"):
        judged = f"not simulated: {trial['refused']}"
    return f"{params}  ({judged})"


def study_report(config: DictConfig, sweep_dir: Path) -> str | None:
    trials = study_trials(config, sweep_dir)
    spec = config.optimise
    out: dict = {"study": str(config.hydra.sweeper.study_name), "trials": len(trials)}
    lines = [f"optimise: study {out['study']}: {len(trials)} trial(s) in the catalog"]
    if len(spec.objectives) > 1:
        scored = [t for t in trials if t["raw"]]  # refused points (overloaded) have no KPIs
        points = [tuple(t["raw"][n] for n in spec.objectives) for t in scored]
        front = [scored[i] for i in pareto_front(points)]
        pareto_table(front, list(spec.objectives), sweep_dir)
        out["pareto"] = front
        lines.append(f"Pareto front: {len(front)} point(s) of {len(trials)}")
        if front:
            from sim.viz.plots_optimise import pareto_figure

            marks = mark_regimes(config, sweep_dir)
            out["marks"] = marks
            for name, raw in marks.items():
                lines.append(f"{name} as configured: " + ", ".join(f"{k} = {v:.4g}" for k, v in raw.items()))
            xy = {name: tuple(raw[n] for n in spec.objectives[:2]) for name, raw in marks.items()}
            path = pareto_figure(trials, front, list(spec.objectives), sweep_dir, xy)
            lines.append(f"figure: {path}")
    else:
        top, closest = best(trials)
        if top is None:
            out["feasible"] = False
            out["closest"] = closest
            targets = "; ".join(_target(c) for c in spec.get("constraints") or [])
            lines.append(f"no trial met the target ({targets})"
                         + (f"; the closest: {_describe(closest)}" if closest else ""))
        else:
            out["feasible"] = True
            out["best"] = top
            lines.append(f"best feasible: {top['resource_cost']:,.0f} CNY a year: {_describe(top)}")
            confirmed = confirm(config, sweep_dir, top)
            if confirmed is not None:
                out["confirmed"] = confirmed
                lines.append(confirmed["line"])
    sweep_dir.mkdir(parents=True, exist_ok=True)
    (sweep_dir / REPORT_FILE).write_text(json.dumps(out, indent=2, default=str))
    lines.append(f"report: {sweep_dir / REPORT_FILE}")
    return "\n".join(lines)


def pareto_table(front: list[dict], objectives: list[str], sweep_dir: Path) -> Path:
    """pareto.csv: the front's points, their searched settings and objectives, cheapest first."""
    import csv

    sweep_dir.mkdir(parents=True, exist_ok=True)
    keys = sorted({k for t in front for k in t["params"]})
    path = sweep_dir / "pareto.csv"
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*objectives, *keys, "run_id"])
        for t in sorted(front, key=lambda t: t["raw"][objectives[0]]):
            writer.writerow([*(t["raw"][n] for n in objectives), *(t["params"].get(k, "") for k in keys), t["run_id"]])
    return path


def _target(c) -> str:
    bound = f">= {c.min}" if c.get("min") is not None else f"<= {c.max}"
    return f"{c.kpi} {bound} on the {'interval' if c.get('judge', 'ci') == 'ci' else 'mean'}"


def confirm(config: DictConfig, sweep_dir: Path, top: dict) -> dict | None:
    """Re-run the best point with `optimise.confirm_replications` (same seeds, more replications),
    score it, and write it as a ready regime file (best_regime.yaml) beside the study."""
    from hydra import compose

    from sim.cli.compose import to_config
    from sim.config import ConfigError
    from sim.runs.runner import RunContext
    from sim.runs.trial import run_trial

    n = int(config.optimise.get("confirm_replications") or 0)
    task = [o for o in OmegaConf.to_container(config.hydra.overrides.task) if not _is_param(o, top)]
    searchpath = [o for o in OmegaConf.to_container(config.hydra.overrides.hydra) if o.startswith("hydra.searchpath=")]
    overrides = searchpath + task + [f"{k}={v}" for k, v in top["params"].items()] + [f"run.replications={n or config.run.replications}",
                                                                           "run.first_replication=0"]
    try:
        cfg = compose(config_name="config", overrides=overrides)
    except Exception as e:  # noqa: BLE001
        return {"line": f"warning: could not compose the best point again: {' '.join(str(e).split())}"}
    regime = copy.deepcopy(OmegaConf.to_container(cfg.regime, resolve=True))
    regime["name"] = f"{regime['name']}_optimised"
    regime["description"] = (f"{regime.get('description', '')} Optimised by +optimise "
                             f"(study {config.hydra.sweeper.study_name}).").strip()
    port = {k: v for k, v in top["params"].items() if k.startswith("port.")}
    header = (f"# D: the best feasible point of study {config.hydra.sweeper.study_name} (+optimise), "
              f"{top['resource_cost']:,.0f} CNY a year; every other value as in the regime it started from.\n"
              + "".join(f"# with the port's {k}={v} (D: same study)\n" for k, v in port.items()))
    path = sweep_dir / "best_regime.yaml"
    path.write_text(header + OmegaConf.to_yaml(OmegaConf.create(regime)))
    result = {"regime_file": str(path), "line": f"regime: {path}"}
    if not n:
        return result
    cfg.optimise.study = f"{config.hydra.sweeper.study_name}:confirm"
    try:
        config_obj = to_config(cfg)
    except ConfigError as e:
        result["line"] += f"\nwarning: the best point does not validate again: {e}"
        return result
    ctx = RunContext(run_dir=sweep_dir / "confirm", overrides=overrides, sweep=f"{config.hydra.sweeper.study_name}:confirm",
                     echo=False)
    evaluation = run_trial(config_obj, ctx)
    result.update(feasible=evaluation.feasible, raw=evaluation.raw, replications=n)
    verdict = "meets the target" if evaluation.feasible else "MISSES the target"
    judged = ", ".join(f"{k} = {v:.4g}" for k, v in evaluation.raw.items())
    result["line"] += f"\nconfirmed with {n} replications: {verdict} ({judged})"
    return result


def mark_regimes(config: DictConfig, sweep_dir: Path) -> dict[str, dict]:
    """Each of `optimise.mark_regimes` run as configured (the study's run settings, none of its
    searched values), scored like a trial: {regime: its objectives' values}."""
    from hydra import compose

    from sim.cli.compose import to_config
    from sim.config import ConfigError
    from sim.runs.runner import RunContext
    from sim.runs.trial import run_trial

    searched = set(config.hydra.sweeper.get("params") or {})
    task = [o for o in OmegaConf.to_container(config.hydra.overrides.task) if o.split("=", 1)[0] not in searched]
    searchpath = [o for o in OmegaConf.to_container(config.hydra.overrides.hydra) if o.startswith("hydra.searchpath=")]
    marks = {}
    for name in config.optimise.get("mark_regimes") or []:
        overrides = searchpath + task + [f"regime={name}"]
        try:
            cfg = compose(config_name="config", overrides=overrides)
            cfg.optimise.study = f"{config.hydra.sweeper.study_name}:mark"
            evaluation = run_trial(to_config(cfg), RunContext(run_dir=sweep_dir / "marks" / name, overrides=overrides,
                                                              echo=False))
        except (ConfigError, Exception) as e:  # noqa: BLE001 - a mark is context: a warning, not the study's end
            say(f"warning: {name} as configured could not be run: {' '.join(str(e).split())}")
            continue
        marks[name] = {k: evaluation.raw[k] for k in config.optimise.objectives}
    return marks


def _is_param(override: str, top: dict) -> bool:
    return override.split("=", 1)[0].lstrip("+~") in top["params"]
