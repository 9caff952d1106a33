"""Calibration targets against a run: target, tolerance, model estimate, pass or fail.

The one evaluator of the scenario's `targets.yaml` (sourced in its SOURCES.md): the fit's
loss and the calibration.md it writes (`sim.calibration.fit`, on in-memory replications), the report's
calibration section, the calibration figure and the notebooks (on a stored run directory)
all call `evaluate_targets`, so they cannot disagree about a target.

A target names the regime its figure describes (the `name` of a file in configs/regime/: the
2011 customs or the 2015 integrated regime); it is measured on the side of the run that
simulates the regime of that name, whatever the side is called. A run without that regime (a
single run, or a what-if comparison with the 2015 regime on both sides) reports the target
as not evaluable rather than judging a 2011 figure against the 2015 regime. A target describes
its regime *as published*: a side whose regime departs from the file it is named after (a
command-line `regime.officers=50`, a sweep point, a what-if file that keeps another regime's
`name`; `Run.regime_changes`, written at run time by sim.cli.published) does not count as
simulating it, so the target is judged on the other side if that one is the regime unchanged,
and is otherwise not evaluable, naming the keys. `depends_on: [regime keys]` limits this to the
keys the figure depends on; without it any regime key counts. Departures not known (a name with
no file of its own) count as a departure. Everything else a target needs is data in
targets.yaml, not code:

What a target asks of its estimate (one of):
- `value` and `tolerance` (absolute, or `relative: true` for a share of |value|): within
  value +- tolerance;
- `low` and `high`: a range from the record, low <= estimate <= high (T10, T11, T12, T2);
- `largest: [kpi, ...]` with `among: [kpi, ...]`: a structure, the KPIs of `among` ranked by
  their means on the regime's side start with `largest`, in that order (T10: preparing is the
  largest import stage, removal the second). Pass or fail only; no interval.

Where the estimate comes from:
- `regime: any`: a figure about the port rather than a customs regime (berth occupancy, T12):
  measured on the regime under study, whichever it is (the after side of a comparison).
- `change_from: <regime>`: a target on the reform effect, the change of the KPI from
  that regime to `regime`, relative by default, `change: absolute` for after - before in the
  KPI's unit (T11: hours saved); the paired difference and its 95 % CI (comparison.json `diff`). It needs a comparison with `change_from` on the before side (the
  baseline) and `regime` on the after side. Estimate: the relative change of the means,
  (after - before) / before (comparison.json `rel_change`); interval: the paired difference's
  95 % CI divided by |before mean|. This is the convention of the stored comparison, centred
  on the estimate; it treats the before mean as known. (The fit used to take the t interval of
  the per-replication ratios instead, which is centred on the mean ratio, not on the reported
  ratio of means; pass or fail looks at the estimate only and never depended on it.)
- `full_scale: true`: a volume at full demand. The model's value is divided by demand.scale,
  because demand.scale multiplies every call's boxes, so volumes scale with it: fits run at a
  reduced scale and the figures are full-scale ones. (The report used to refuse these on a
  scaled run while the fit scaled them; the fit's convention is kept so both say the same.
  At very small scales, call sizes rounding to whole boxes make it approximate.)
- `input: {each: <config path of a mapping>, product: [fields]}`: an input, not a KPI (T8,
  crane productivity per ship): per entry of the mapping, the product of its fields; the
  estimate is their mean, the interval their range. Measured on the config, so on any run.
- `requires: {<config path>: <value>}`: a figure only a run with these settings can be judged
  against (T12: berth occupancy and vessel waits need the full traffic, `demand.scale: 1`, since
  they do not scale with it); any other run reports it as not evaluable here.
- `needs: <what>`: a target no single run can check (a growth between two demand scenarios);
  reported as not evaluable with that reason.

Not evaluable, with the reason, never a pass: no tolerance, `needs`, a KPI the run does not
have, a regime (or pair of regimes) the run does not simulate, a KPI without a value.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.config.locations import scenario_dir
from sim.config.yamlfile import yaml_problem
from sim.domain.sides import PAIRED, Side, main_side
from sim.experiment.replications import compare, sides

PASS, FAIL, NOT_EVALUABLE = "pass", "fail", "not evaluable"
CHANGE, INPUT = "change", "input"
ANY_REGIME = "any"
"""`regime: any`: measured on the regime under study, whichever it is."""
RELATIVE, ABSOLUTE = "relative", "absolute"
"""`change:` of a change_from target: (after - before) / before, or after - before."""
"""TargetCheck.side for a reform-effect target (both sides) and an input (the config)."""


class TargetsError(ValueError):
    """A targets file that cannot be read; the message names the file."""


@dataclass
class TargetCheck:
    id: str
    target: str
    value: float
    """The record's point value (NaN for a range or a structure)."""
    tolerance: float | None
    relative: bool
    unit: str
    kpi: str
    regime: str | None
    change_from: str | None = None
    change: str = RELATIVE
    low: float = math.nan
    high: float = math.nan
    """The band the estimate must fall in: value +- tolerance, or the record's range."""
    largest: tuple[str, ...] = ()
    """A structural target: the KPIs that must rank first among `among`, in this order."""
    among: tuple[str, ...] = ()
    source: str = ""
    ranking: tuple[tuple[str, float], ...] = ()
    """A structural target's estimate: (KPI, mean) of `among`, largest first."""
    side: str = ""
    """Where the estimate comes from: a side of the run, CHANGE (both sides) or INPUT ('' = nowhere)."""
    model: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    n: int | None = None
    status: str = NOT_EVALUABLE
    reason: str = ""

    @property
    def structural(self) -> bool:
        return bool(self.largest)

    @property
    def ranged(self) -> bool:
        """The record is a range (low, high) rather than a value with a tolerance."""
        return math.isnan(self.value) and not self.structural

    @property
    def half_band(self) -> float:
        """Half the band's width, in the target's unit (NaN for a structure or no tolerance)."""
        return (self.high - self.low) / 2

    @property
    def centre(self) -> float:
        return (self.low + self.high) / 2

    @property
    def miss(self) -> float:
        """(estimate - centre of the band) / half band: within [-1, 1] passes. A structure: 0 when
        it holds, infinite when it does not; NaN when not evaluable."""
        if not self.evaluated:
            return math.nan
        if self.structural:
            return 0.0 if self.status == PASS else math.inf
        return (self.model - self.centre) / self.half_band

    @property
    def regime_label(self) -> str:
        """The regime(s) the target describes: a regime name, 'A -> B' for a change, or 'input'."""
        if self.change_from is not None:
            return f"{self.change_from} -> {self.regime}"
        return self.regime or (INPUT if self.side == INPUT else "")

    @property
    def evaluated(self) -> bool:
        return self.status in (PASS, FAIL)


@dataclass(frozen=True)
class RunValues:
    """What the evaluator reads from a run, in memory (the fit) or stored (a run directory)."""
    regimes: Mapping[str, str]
    """side -> name of the regime it simulates."""
    kpis: Mapping[str, Mapping[str, Mapping]]
    """side -> KPI -> {mean, ci_low, ci_high, n} (kpis.json)."""
    comparison: Mapping[str, Mapping] | None
    """KPI -> {before, after, diff, rel_change} (comparison.json) for a comparison, else None."""
    config: object
    """The Config, or the resolved config.yaml as a dict."""
    changes: Mapping[str, Mapping | None] | None = None
    """side -> {regime key: [published, this run]} where the side departs from the regime it is
    named after (None for a side: not known); None: every side is its regime as published (the
    fit, whose knobs are meant to move, and runs from before this was recorded)."""

    @classmethod
    def of_run(cls, run) -> RunValues:
        """From a stored run directory (sim.store.rundir.Run)."""
        return cls(run.regime_names, run.kpis, run.comparison, run.config, run.regime_changes)

    @classmethod
    def of_stats(cls, stats: dict, cfg) -> RunValues:
        """From sim.experiment.replications.summarize(...) of the replications of `cfg`."""
        regimes = {side: regime.name for side, regime in sides(cfg).items()}
        paired = all(side in stats["per_replication"] for side in PAIRED)
        comparison = stats.get("comparison") or (compare(stats["per_replication"]) if paired else None)
        return cls(regimes, stats["summary"], comparison, cfg)


def targets_path(run) -> Path:
    """The targets of the run's scenario (`scenario.dir` in its stored config). Runs written
    before scenarios were a config group have none: theirs was named after the port."""
    scenario = run.config.get("scenario") or {}
    name = scenario.get("dir") or str(run.config.get("port", {}).get("name", ""))
    return scenario_dir(str(name)) / "targets.yaml"


def load_targets(path: Path) -> dict:
    try:
        data = yaml.safe_load(Path(path).read_text())
    except yaml.YAMLError as e:  # `path:line:col: problem`, the place an editor jumps to
        raise TargetsError(yaml_problem(e, path)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise TargetsError(f"{path}: cannot read targets ({' '.join(str(e).split())[:200]})") from None
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        raise TargetsError(f"{path}: expected a mapping of target ids to entries")
    for tid, t in data.items():
        forms = [form for form, keys in (("value", ("value",)), ("low/high", ("low", "high")),
                                         ("largest/among", ("largest", "among"))) if any(k in t for k in keys)]
        if len(forms) != 1:
            raise TargetsError(f"{path}: {tid} needs exactly one of value (with tolerance), low/high or "
                               f"largest/among, got {', '.join(forms) or 'none'}")
        if forms == ["low/high"]:
            try:
                low, high = float(t["low"]), float(t["high"])
            except (KeyError, TypeError, ValueError):
                raise TargetsError(f"{path}: {tid} needs numbers for both low and high") from None
            if not low < high:
                raise TargetsError(f"{path}: {tid}: low ({low:g}) must be below high ({high:g})")
        if forms == ["largest/among"]:
            largest, among = t.get("largest"), t.get("among")
            if not (isinstance(largest, list) and isinstance(among, list) and largest
                    and all(isinstance(k, str) for k in among) and set(largest) <= set(among)
                    and len(set(largest)) == len(largest)):
                raise TargetsError(f"{path}: {tid}: largest must list distinct KPIs of among")
        if t.get("requires") is not None and not isinstance(t["requires"], dict):
            raise TargetsError(f"{path}: {tid}.requires must map config paths to values, got {t['requires']!r}")
        if t.get("change", RELATIVE) not in (RELATIVE, ABSOLUTE):
            raise TargetsError(f"{path}: {tid}.change must be {RELATIVE} or {ABSOLUTE}, got {t['change']!r}")
        if "change" in t and t.get("change_from") is None:
            raise TargetsError(f"{path}: {tid} has change but no change_from")
        depends = t.get("depends_on")
        if depends is not None and not (isinstance(depends, list) and all(isinstance(k, str) for k in depends)):
            raise TargetsError(f"{path}: {tid}.depends_on must list regime keys, got {depends!r}")
        for key in ("regime", "change_from", "needs"):
            if t.get(key) is not None and not isinstance(t[key], str):
                raise TargetsError(f"{path}: {tid}.{key} must be a name, got {t[key]!r}")
        if t.get("change_from") is not None and t.get("regime") is None:
            raise TargetsError(f"{path}: {tid} has change_from but no regime to change to")
        spec = t.get("input")
        if spec is not None and not (isinstance(spec, dict) and isinstance(spec.get("each"), str)
                                     and isinstance(spec.get("product"), list) and spec["product"]):
            raise TargetsError(f"{path}: {tid}.input must be {{each: <config path>, product: [fields]}}")
    return data


# ------------------------------------------------------------------ the evaluator
def _get(node, dotted: str):
    """A config value by dotted path, from a Config (attributes) or a resolved config dict (keys)."""
    for part in dotted.split("."):
        node = node[part] if isinstance(node, Mapping) else getattr(node, part)
    return node


def _num(x) -> float:
    return math.nan if x is None else float(x)


def _interval(entry: Mapping) -> tuple[float, float, float, int | None]:
    return (_num(entry.get("mean")), _num(entry.get("ci_low")), _num(entry.get("ci_high")), entry.get("n"))


def _describe(regimes: Mapping[str, str]) -> str:
    return ", ".join(f"{side}: {name}" for side, name in regimes.items())


def _input_estimate(config, spec: dict):
    """(mean, low, high, n, side) of an input: the product of `spec['product']` per entry of `spec['each']`."""
    try:
        entries = _get(config, spec["each"])
        values = [float(np.prod([float(_get(e, f)) for f in spec["product"]])) for e in entries.values()]
    except (AttributeError, KeyError, TypeError, ValueError):
        return f"the config has no {spec['each']}.*.{{{', '.join(spec['product'])}}}"
    if not values:
        return f"{spec['each']} is empty"
    return float(np.mean(values)), min(values), max(values), 0, INPUT


def _change_estimate(values: RunValues, kpi: str, regime: str, change_from: str, change: str = RELATIVE,
                     depends_on=()):
    """(mean, low, high, n, side) of the change of `kpi` from `change_from` to `regime`, both as
    published: relative, or `absolute` (the paired difference after - before and its CI)."""
    before, after = (values.regimes.get(s) for s in PAIRED)
    if values.comparison is None or (before, after) != (change_from, regime):
        return (f"needs a comparison of {change_from} (before) with {regime} (after); "
                f"this run has {_describe(values.regimes)}")
    departed = [why for why in (_departure(values, side, depends_on) for side in PAIRED) if why]
    if departed:
        return "; ".join(departed)
    entry = values.comparison[kpi]
    if change == ABSOLUTE:
        diff = entry.get("diff", {})
        return _num(diff.get("mean")), _num(diff.get("ci_low")), _num(diff.get("ci_high")), diff.get("n"), CHANGE
    base = _num(entry[Side.BEFORE].get("mean"))
    if not base or not math.isfinite(base):
        return "the before value is zero or missing, so the relative change is undefined"
    diff = entry.get("diff", {})
    return (_num(entry.get("rel_change")), _num(diff.get("ci_low")) / abs(base), _num(diff.get("ci_high")) / abs(base),
            diff.get("n"), CHANGE)


def _value_text(x) -> str:
    return "unset" if x is None else str(x)


def _departure(values: RunValues, side, depends_on) -> str:
    """Why `side` is not its regime as published ('' when it is): the changed keys that matter."""
    if values.changes is None or str(side) not in values.changes:
        return ""
    changed = values.changes[str(side)]
    name = values.regimes[side]
    if changed is None:
        return f"the {side} side's {name} may depart from configs/regime/{name}.yaml (not known)"
    keys = [k for k in changed if not depends_on or any(k == d or k.startswith(f"{d}.") for d in depends_on)]
    if not keys:
        return ""
    shown = ", ".join(f"{k} = {_value_text(changed[k][1])}" + ("" if changed[k][0] is None
                                                                else f" (published {_value_text(changed[k][0])})")
                      for k in keys[:3])
    more = f" and {len(keys) - 3} more" if len(keys) > 3 else ""
    return f"the {side} side runs {name} changed ({shown}{more}), not {name} as published"


def _side_of(values: RunValues, regime: str, depends_on=()):
    """The side simulating `regime` as published (the regime under study if both do, as in a
    what-if that runs one regime twice, or for `regime: any`), or why there is none."""
    matching = [side for side, name in values.regimes.items() if regime in (name, ANY_REGIME)]
    if not matching:
        return f"measured under {regime}, which this run does not simulate ({_describe(values.regimes)})"
    if regime == ANY_REGIME:  # a figure about the port: whichever regime runs
        return main_side(matching)
    departed = {side: _departure(values, side, depends_on) for side in matching}
    published = [side for side in matching if not departed[side]]
    if not published:
        return "; ".join(departed.values())
    return main_side(published)


def _side_estimate(values: RunValues, kpi: str, regime: str, depends_on=()):
    """(mean, low, high, n, side) of `kpi` on the side simulating `regime`."""
    side = _side_of(values, regime, depends_on)
    if not isinstance(side, Side):  # why there is none
        return side
    return (*_interval(values.kpis[side][kpi]), str(side))


def _ranking(values: RunValues, among, regime: str, depends_on=()):
    """((KPI, mean), ...) of `among` on the side simulating `regime`, largest first, and the side."""
    side = _side_of(values, regime, depends_on)
    if not isinstance(side, Side):  # why there is none
        return side
    means = [(kpi, _num(values.kpis[side][kpi].get("mean"))) for kpi in among]
    if any(math.isnan(m) for _, m in means):
        return "the run has no value for " + ", ".join(k for k, m in means if math.isnan(m))
    return tuple(sorted(means, key=lambda km: -km[1])), str(side), values.kpis[side][among[0]].get("n")


def _check_of(tid, spec: dict) -> TargetCheck:
    """The target as the record states it, before any run is read."""
    tol = spec.get("tolerance")
    check = TargetCheck(
        id=str(tid), target=str(spec.get("target", "")), value=_num(spec.get("value")),
        tolerance=None if tol is None else float(tol), relative=bool(spec.get("relative", False)),
        unit=str(spec.get("unit", "")), kpi=str(spec.get("kpi", "")), regime=spec.get("regime"),
        change_from=spec.get("change_from"), change=str(spec.get("change", RELATIVE)),
        largest=tuple(spec.get("largest") or ()), among=tuple(spec.get("among") or ()),
        source=str(spec.get("source", "")),
    )
    if "low" in spec:
        check.low, check.high = float(spec["low"]), float(spec["high"])
    elif check.tolerance is not None and not check.structural:
        half = check.tolerance * abs(check.value) if check.relative else check.tolerance
        check.low, check.high = check.value - half, check.value + half
    if check.structural and not check.kpi:
        check.kpi = ", ".join(check.among)
    return check


def _unmet_requirements(config, requires: Mapping) -> str:
    """Why the run's settings do not allow the target ('' when they do)."""
    unmet = []
    for key, wanted in requires.items():
        try:
            have = _get(config, key)
        except (AttributeError, KeyError, TypeError):
            have = None
        if have != wanted:
            unmet.append(f"{key} = {wanted} (this run has {have})")
    return f"needs a run with {', '.join(unmet)}" if unmet else ""


def evaluate_target(values: RunValues, tid: str, spec: dict) -> TargetCheck:
    check = _check_of(tid, spec)
    run_kpis = next(iter(values.kpis.values()), {})
    if spec.get("needs"):
        check.reason = f"needs {spec['needs']}"
        return check
    if math.isnan(check.low) and not check.structural:
        check.reason = "the target has no tolerance"
        return check
    unmet = _unmet_requirements(values.config, spec.get("requires") or {})
    if unmet:
        check.reason = unmet
        return check
    missing = [k for k in (check.among or (check.kpi,)) if k not in run_kpis]
    depends_on = tuple(spec.get("depends_on") or ())
    if spec.get("input") is not None:
        estimate = _input_estimate(values.config, spec["input"])
    elif missing:
        estimate = f"'{', '.join(missing)}' {'is' if len(missing) == 1 else 'are'} not a KPI of this run"
    elif check.regime is None:
        estimate = "the target names no regime to measure it under"
    elif check.structural:
        estimate = _ranking(values, check.among, check.regime, depends_on)
        if not isinstance(estimate, str):
            check.ranking, check.side, check.n = estimate
            top = tuple(k for k, _ in check.ranking[:len(check.largest)])
            check.status = PASS if top == check.largest else FAIL
            return check
    elif check.change_from is not None:
        estimate = _change_estimate(values, check.kpi, check.regime, check.change_from, check.change, depends_on)
    else:
        estimate = _side_estimate(values, check.kpi, check.regime, depends_on)
    if isinstance(estimate, str):
        check.reason = estimate
        return check
    check.model, check.ci_low, check.ci_high, check.n, check.side = estimate
    if spec.get("full_scale"):
        try:
            scale = float(_get(values.config, "demand.scale"))
        except (AttributeError, KeyError, TypeError):
            scale = 1.0
        check.model, check.ci_low, check.ci_high = (x / scale for x in (check.model, check.ci_low, check.ci_high))
    if math.isnan(check.model):
        check.reason = "the run has no value for this KPI"
        return check
    check.status = PASS if check.low <= check.model <= check.high else FAIL
    return check


def evaluate_targets(values: RunValues, targets: dict) -> list[TargetCheck]:
    return [evaluate_target(values, tid, spec) for tid, spec in targets.items()]


def check_targets(run, targets: dict) -> list[TargetCheck]:
    """Every target against a stored run directory (sim.store.rundir.Run)."""
    return evaluate_targets(RunValues.of_run(run), targets)


def run_checks(run) -> list[TargetCheck]:
    """Every target of the run's scenario (its targets.yaml) against a stored run: the public
    API's `sim.check_targets(sim.open_run(path))`, what the report's "Model vs record" shows."""
    return check_targets(run, load_targets(targets_path(run)))


def checks_table(checks: list[TargetCheck]) -> pd.DataFrame:
    """One row per target: what it is, its band (or structure), the model's estimate and the verdict."""
    rows = [{
        "id": c.id, "target": c.target, "kpi": c.kpi, "regime": c.regime_label, "side": c.side, "unit": c.unit,
        "value": c.value, "band_low": c.low, "band_high": c.high, "largest": ", ".join(c.largest),
        "model": c.model, "ci_low": c.ci_low, "ci_high": c.ci_high,
        "ranking": ", ".join(k for k, _ in c.ranking), "status": c.status, "reason": c.reason, "source": c.source,
    } for c in checks]
    return pd.DataFrame(rows).set_index("id") if rows else pd.DataFrame()
