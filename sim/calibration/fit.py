"""Calibration: fit the knobs (<scenario dir>/knobs.yaml) to the targets (targets.yaml).

Loss = sum over the fitted targets of ((model - target) / tolerance)^2, the model value being
the mean over a few replications of the paired before/after run. Every evaluation uses the
same seeds (common random numbers), so the loss is a deterministic, nearly smooth function of
the knobs and Nelder-Mead (scipy, on the knobs scaled to [0, 1] with bounds) can compare
points. The report (calibration.md, calibration.json) gives for every target its tolerance,
the model's value at the fitted knobs with a 95 % CI across replications, and pass or fail.
Hydra-free: called by sim.experiment.run_experiment for experiment.kind = calibrate.
"""
from __future__ import annotations

import copy
import math
import time
from pathlib import Path

import numpy as np
import yaml
from scipy import optimize

from sim.calibration.targets import RunValues, TargetCheck, evaluate_targets, load_targets
from sim.config import Config, ConfigError, validate
from sim.config.locations import scenario_dir as _scenario_dir
from sim.config.yamlfile import read_yaml
from sim.experiment.replications import compare, run_replications, sides, summarize
from sim.experiment.progress import say
from sim.outputs.formatting import format_number
from sim.store.atomic import atomic_write_json, atomic_write_text


def scenario_dir(cfg: Config) -> Path:
    """The selected scenario's directory (configs/scenario/*.yaml), not the port's name:
    two scenarios of one port keep their own targets and knobs."""
    return _scenario_dir(cfg.scenario.dir)


def load_knobs(path: Path) -> dict:
    spec = read_yaml(path)  # a malformed file: one line, `path:line:col: problem`
    for k in spec["knobs"]:
        if "channel_factors" in k["key"].split("."):  # applied when composed; a knob on it would do nothing
            raise ConfigError(f"knobs.{k['key']}", "a factor is applied when the config is composed, so it cannot "
                                                   "be fitted; fit the channel shares it scales instead")
        lo, hi = k["bounds"]
        if not lo < hi:
            raise ConfigError(f"knobs.{k['key']}", f"bounds must be increasing, got {k['bounds']}")
    return spec


# ------------------------------------------------------------------ config paths
def get_path(cfg, key: str):
    node = cfg
    for part in key.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


def set_path(cfg, key: str, value) -> None:
    *parents, last = key.split(".")
    node = cfg
    for part in parents:
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    if isinstance(node, dict):
        old = node[last]
        node[last] = type(old)(value) if isinstance(old, (int, float)) and not isinstance(old, bool) else value
    else:
        old = getattr(node, last)
        setattr(node, last, type(old)(value) if isinstance(old, (int, float)) and not isinstance(old, bool) else value)


def apply_overrides(cfg: Config, overrides) -> Config:
    """A copy of cfg with `key=value` settings (values parsed as YAML), validated."""
    cfg = copy.deepcopy(cfg)
    for item in overrides:
        key, _, text = item.partition("=")
        try:
            set_path(cfg, key.strip(), yaml.safe_load(text))
        except (AttributeError, KeyError) as e:
            raise ConfigError("experiment.fit_overrides", f"unknown key {key!r}") from e
    return validate(cfg)


def with_knobs(cfg: Config, knobs: list[dict], values) -> Config:
    cfg = copy.deepcopy(cfg)
    for k, v in zip(knobs, values):
        set_path(cfg, k["key"], float(v))
    return cfg


# ------------------------------------------------------------------ model values
def model_values(stats: dict, targets: dict, cfg: Config) -> dict[str, TargetCheck]:
    """{target id: its check} from the replications of `cfg` (sim.calibration.targets, the same
    evaluator as the report's)."""
    return {c.id: c for c in evaluate_targets(RunValues.of_stats(stats, cfg), targets)}


def tolerance(t: dict) -> float | None:
    """Half the band a target allows: its tolerance (times |value| if relative), or half its range."""
    if "low" in t and "high" in t:
        return (float(t["high"]) - float(t["low"])) / 2
    if t.get("tolerance") is None or "value" not in t:
        return None
    return float(t["tolerance"]) * (abs(float(t["value"])) if t.get("relative") else 1.0)


def loss(values: dict[str, TargetCheck], targets: dict, fit: list[str]) -> float:
    """Sum of squared misses in half bands ((model - band centre) / half band: a value target's
    tolerance, half a range); a fitted target without a value, or a structure that fails, costs 1e6."""
    total = 0.0
    for tid in fit:
        v = values.get(tid)
        m = v.miss if v is not None else math.nan
        total += m ** 2 if math.isfinite(m) else 1e6
    return total


def check_regimes(cfg: Config, targets: dict, ids) -> None:
    """Refuse to fit a target measured under a regime the fitting run does not simulate (e.g.
    a 2011 figure when both sides run the 2015 regime): its loss would be a constant."""
    simulated = {regime.name for regime in sides(cfg).values()}
    for tid in ids:
        missing = {targets[tid].get("regime"), targets[tid].get("change_from")} - {None} - simulated
        if missing:
            raise ConfigError("knobs.fit_targets", f"{tid} is measured under {', '.join(sorted(missing))}, which this "
                              f"calibration does not simulate (it runs {', '.join(sorted(simulated))})")


def evaluate(cfg: Config, targets: dict):
    stats = summarize(run_replications(cfg, None, progress=False))
    return stats, model_values(stats, targets, cfg)


# ------------------------------------------------------------------ fit and report
def fit(cfg: Config, knobs: list[dict], targets: dict, fit_ids: list[str], max_evaluations: int,
        log=say) -> dict:
    """Nelder-Mead over `knobs` (scaled to [0, 1], bounded) minimising the loss on `fit_ids`."""
    lo = np.array([k["bounds"][0] for k in knobs], float)
    hi = np.array([k["bounds"][1] for k in knobs], float)
    start = np.array([float(get_path(cfg, k["key"])) for k in knobs])
    x0 = np.clip((start - lo) / (hi - lo), 0.0, 1.0)
    history, seen = [], {}

    def objective(u):
        x = lo + np.clip(u, 0.0, 1.0) * (hi - lo)
        key = tuple(np.round(x, 12))
        if key in seen:  # Nelder-Mead re-evaluates the start; same seeds give the same loss
            return seen[key]
        _, values = evaluate(with_knobs(cfg, knobs, x), targets)
        f = loss(values, targets, fit_ids)
        history.append({"knobs": dict(zip([k["key"] for k in knobs], x.tolist())), "loss": f})
        log(f"  eval {len(history):3d}: loss {f:9.3f}  " + " ".join(f"{v:.4g}" for v in x))
        seen[key] = f
        return f

    f0 = objective(x0)
    result = optimize.minimize(objective, x0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * len(knobs),
                               options={"maxfev": max_evaluations, "xatol": 1e-3, "fatol": 1e-3,
                                        "initial_simplex": _simplex(x0)})
    best = min(history, key=lambda h: h["loss"])
    return {"start": dict(zip([k["key"] for k in knobs], start.tolist())), "start_loss": f0,
            "fitted": best["knobs"], "loss": best["loss"], "evaluations": len(history),
            "converged": bool(result.success), "message": str(result.message), "history": history}


def _simplex(x0: np.ndarray, step: float = 0.25) -> np.ndarray:
    """Initial simplex: a quarter of each knob's range, stepping inward from a bound."""
    pts = [x0]
    for i in range(len(x0)):
        p = x0.copy()
        p[i] = p[i] + step if p[i] + step <= 1.0 else p[i] - step
        pts.append(p)
    return np.array(pts)


def _model(c: TargetCheck) -> dict | None:
    """A check's estimate as calibration.json stores it (None when not evaluable; a structure's
    is its ranking, largest first)."""
    if not c.evaluated:
        return None
    if c.structural:
        return {"ranking": [[k, m] for k, m in c.ranking], "n": c.n, "side": c.side}
    return {"mean": c.model, "ci_low": c.ci_low, "ci_high": c.ci_high, "n": c.n, "side": c.side}


def report_rows(values: dict[str, TargetCheck], targets: dict, fit_ids) -> list[dict]:
    """calibration.json's targets: `model` {mean, ci_low, ci_high, n} (None when not evaluable),
    `met` True / False / None, and why a target is not evaluable."""
    rows = []
    for tid, t in targets.items():
        c = values[tid]
        model = _model(c)
        rows.append({"target": tid, "description": t["target"], "value": t.get("value"), "tolerance": tolerance(t),
                     "low": None if math.isnan(c.low) else c.low, "high": None if math.isnan(c.high) else c.high,
                     "largest": list(c.largest) or None, "unit": t["unit"], "kpi": c.kpi, "regime": c.regime_label,
                     "fitted": tid in fit_ids,
                     "model": model, "met": None if not c.evaluated else c.status == "pass", "reason": c.reason})
    return rows


def _f(x) -> str:
    """Three significant digits, whole numbers from 1,000: targets are known no better."""
    return format_number(x, significant=3, whole_from=1000)


def format_report(rows: list[dict], result: dict | None, header: str) -> str:
    lines = [f"# Calibration report\n\n{header}\n",
             "| target | value | tolerance | model (95 % CI) | met | fitted |", "|---|---|---|---|---|---|"]
    for r in rows:
        v = r["model"]
        if v is None:
            model = f"not evaluable: {r['reason']}"
        elif "ranking" in v:
            model = " > ".join(f"{k} {_f(m)}" for k, m in v["ranking"])
        else:
            model = f"{_f(v['mean'])} [{_f(v['ci_low'])}, {_f(v['ci_high'])}]"
        met = {True: "yes", False: "**no**", None: "n/a"}[r["met"]]
        if r["largest"]:
            value, band = f"largest: {', '.join(r['largest'])}", "order"
        elif r["value"] is None:
            value, band = f"{_f(r['low'])} to {_f(r['high'])} {r['unit']}", "the range"
        else:
            value = f"{_f(float(r['value']))} {r['unit']}"
            band = "n/a" if r["tolerance"] is None else "±" + _f(r["tolerance"])
        lines.append(f"| {r['target']} {r['description']} | {value} | {band} | {model} | {met} | "
                     f"{'yes' if r['fitted'] else 'no'} |")
    if result is not None:
        lines += ["", f"Fit: {result['evaluations']} evaluations, loss {result['start_loss']:.3f} -> "
                      f"{result['loss']:.3f} ({result['message']})", "",
                  "| knob | start | fitted |", "|---|---|---|"]
        for key, x in result["fitted"].items():
            lines.append(f"| {key} | {result['start'][key]:.4g} | {x:.4g} |")
    return "\n".join(lines) + "\n"


def fitted_knobs(spec: dict, fit_ids) -> list[dict]:
    """The knobs that act on the fitted targets (a knob that moves no fitted target stays put)."""
    return [k for k in spec["knobs"] if set(k["targets"]) & set(fit_ids)]


def run_calibration(cfg: Config, out_dir: Path, resolved_yaml: str | None = None, echo: bool = True) -> dict:
    """Fit, evaluate at the fitted knobs, explore how far the bounds reach for the `reach`
    targets, and write calibration.md / calibration.json."""
    started = time.perf_counter()
    scen = scenario_dir(cfg)
    targets = load_targets(scen / "targets.yaml")
    spec = load_knobs(scen / "knobs.yaml")
    fit_ids = list(spec["fit_targets"])
    fit_cfg = apply_overrides(cfg, cfg.experiment.fit_overrides)
    check_regimes(fit_cfg, targets, fit_ids + list(spec.get("reach_targets", [])))
    log = say if echo else (lambda *_: None)
    knobs = fitted_knobs(spec, fit_ids)
    log(f"calibrating {', '.join(k['key'] for k in knobs)} to {', '.join(fit_ids)} "
        f"({fit_cfg.run.replications} replications, {fit_cfg.run.horizon_days:g} days, "
        f"scale {fit_cfg.demand.scale:g}, at most {cfg.experiment.max_evaluations} evaluations)")
    result = fit(fit_cfg, knobs, targets, fit_ids, cfg.experiment.max_evaluations, log)
    final_cfg = with_knobs(fit_cfg, knobs, list(result["fitted"].values()))
    stats, values = evaluate(final_cfg, targets)
    rows = report_rows(values, targets, fit_ids)

    reach = {}
    for tid in spec.get("reach_targets", []):
        rknobs = [k for k in spec["knobs"] if tid in k["targets"] and k not in knobs]
        log(f"how far the bounds reach for {tid}: {', '.join(k['key'] for k in rknobs)}")
        r = fit(final_cfg, rknobs, targets, [tid], cfg.experiment.max_evaluations, log)
        _, rvalues = evaluate(with_knobs(final_cfg, rknobs, list(r["fitted"].values())), targets)
        reach[tid] = {"model": _model(rvalues[tid]), "reason": rvalues[tid].reason, "knobs": r["fitted"],
                      "start": r["start"], "evaluations": r["evaluations"],
                      "bounds": {k["key"]: k["bounds"] for k in rknobs}}

    volumes = [tid for tid, t in targets.items() if t.get("full_scale")]
    header = (f"Fitting run: {fit_cfg.run.replications} paired replications, {fit_cfg.run.horizon_days:g} days "
              f"({fit_cfg.run.warmup_days:g} warm-up, {fit_cfg.run.drain_days:g} drain), demand.scale "
              f"{fit_cfg.demand.scale:g}, seed {fit_cfg.run.seed}. Volumes ({', '.join(volumes)}) are scaled to "
              "full scale. "
              f"Model values at the fitted knobs (fitted targets: {', '.join(fit_ids)}).")
    text = format_report(rows, result, header) + format_reach(reach, targets)
    doc = {"targets": rows, "fit": result, "reach": reach, "fit_overrides": list(cfg.experiment.fit_overrides),
           "knobs": spec["knobs"], "wall_seconds": time.perf_counter() - started}
    if resolved_yaml:
        atomic_write_text(out_dir / "config.yaml", resolved_yaml)
    atomic_write_text(out_dir / "calibration.md", text)
    atomic_write_json(out_dir / "calibration.json", doc)  # written last: marks completion
    if echo:
        say(text)
        say(f"results: {out_dir}")
    stats["comparison"] = compare(stats["per_replication"])
    stats["precision"] = None
    stats["calibration"] = doc
    stats["wall_seconds"] = doc["wall_seconds"]
    return stats


def record_text(t: dict) -> str:
    """What the record says: a value with its tolerance, a range, or a structure."""
    if "largest" in t:
        return f"largest: {', '.join(t['largest'])}"
    if "low" in t:
        return f"{_f(float(t['low']))} to {_f(float(t['high']))}"
    return f"{_f(float(t['value']))} ± {_f(tolerance(t))}"


def format_reach(reach: dict, targets: dict) -> str:
    lines = []
    for tid, r in reach.items():
        v = r["model"]
        best = (f"not evaluable ({r['reason']})" if v is None
                else f"{_f(v['mean'])} [{_f(v['ci_low'])}, {_f(v['ci_high'])}]")
        lines += ["", f"## How far the knob bounds reach for {tid} ({targets[tid]['target']})", "",
                  f"Best {tid} within the bounds: {best} "
                  f"against {record_text(targets[tid])} "
                  f"({r['evaluations']} evaluations). Exploratory: these values are not written back.", "",
                  "| knob | bounds | default | best for the target |", "|---|---|---|---|"]
        for key, x in r["knobs"].items():
            lo, hi = r["bounds"][key]
            lines.append(f"| {key} | [{lo:g}, {hi:g}] | {r['start'][key]:.4g} | {x:.4g} |")
    return "\n".join(lines) + ("\n" if lines else "")
