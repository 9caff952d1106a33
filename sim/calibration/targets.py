"""Calibration targets against a stored run: target, tolerance, model estimate, pass or fail.

Targets live in `scenarios/<port>/targets.yaml` (sourced in its SOURCES.md). Some cannot be
checked on every run: an input rather than a KPI, a growth that needs a second scenario,
a full-scale volume on a scaled-down run, a 'before' figure on a single-regime run.
Those are reported as not evaluable, with the reason, never as a pass.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from sim.config.locations import SCENARIOS_DIR

PASS, FAIL, NOT_EVALUABLE = "pass", "fail", "not evaluable"


class TargetsError(ValueError):
    """A targets file that cannot be read; the message names the file."""


@dataclass
class TargetCheck:
    id: str
    target: str
    value: float
    tolerance: float | None
    relative: bool
    unit: str
    kpi: str
    regime: str
    model: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    status: str = NOT_EVALUABLE
    reason: str = ""

    @property
    def half_band(self) -> float:
        """Allowed deviation from the target, in the target's unit."""
        if self.tolerance is None:
            return math.nan
        return self.tolerance * abs(self.value) if self.relative else self.tolerance


def targets_path(run) -> Path:
    return SCENARIOS_DIR / str(run.config.get("port", {}).get("name", "")) / "targets.yaml"


def load_targets(path: Path) -> dict:
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise TargetsError(f"{path}: cannot read targets ({' '.join(str(e).split())[:200]})") from None
    if not isinstance(data, dict) or not all(isinstance(t, dict) and "value" in t for t in data.values()):
        raise TargetsError(f"{path}: expected a mapping of target ids to entries with a 'value'")
    return data


def _side_estimate(run, kpi: str, regime: str):
    """(mean, ci_low, ci_high) of the KPI on the side the target names, or a reason it has none."""
    if run.comparison is None:
        return f"measured on the '{regime}' side of a comparison; this run is a single regime"
    entry = run.comparison[kpi]
    if regime in ("before", "after"):
        e = entry[regime]
        return tuple(math.nan if e.get(k) is None else float(e[k]) for k in ("mean", "ci_low", "ci_high"))
    before = entry["before"].get("mean")
    diff = entry.get("diff", {})
    if not before:
        return "the before value is zero or missing, so the relative change is undefined"
    scale = abs(float(before))
    change = entry.get("rel_change")
    return (math.nan if change is None else float(change),
            *(math.nan if x is None else float(x) / scale for x in (diff.get("ci_low"), diff.get("ci_high"))))


def check_target(run, tid: str, spec: dict) -> TargetCheck:
    tol = spec.get("tolerance")
    check = TargetCheck(
        id=str(tid), target=str(spec.get("target", "")), value=float(spec["value"]),
        tolerance=None if tol is None else float(tol), relative=bool(spec.get("relative", False)),
        unit=str(spec.get("unit", "")), kpi=str(spec.get("kpi", "")), regime=str(spec.get("regime", "")),
    )
    scale = float(run.config.get("demand", {}).get("scale", 1.0))
    if not re.fullmatch(r"[a-z0-9_]+", check.kpi) or check.kpi not in run.kpis[run.sides[0]]:
        check.reason = f"'{check.kpi}' is not a KPI of this run"
    elif check.regime not in ("before", "after", "change"):
        check.reason = f"measured on '{check.regime}', which is not a side of a comparison"
    elif check.tolerance is None:
        check.reason = "the target has no tolerance"
    elif "TEU" in check.unit and scale != 1.0:
        check.reason = f"a full-scale volume; this run has demand.scale={scale:g}"
    else:
        estimate = _side_estimate(run, check.kpi, check.regime)
        if isinstance(estimate, str):
            check.reason = estimate
        else:
            check.model, check.ci_low, check.ci_high = estimate
            if math.isnan(check.model):
                check.reason = "the run has no value for this KPI"
            else:
                ok = abs(check.model - check.value) <= check.half_band
                check.status = PASS if ok else FAIL
    return check


def check_targets(run, targets: dict) -> list[TargetCheck]:
    return [check_target(run, tid, spec) for tid, spec in targets.items()]


def checks_table(checks: list[TargetCheck]) -> pd.DataFrame:
    """One row per target: what it is, its band, the model's estimate and the verdict."""
    rows = [{
        "id": c.id, "target": c.target, "kpi": c.kpi, "side": c.regime, "unit": c.unit,
        "value": c.value, "band_low": c.value - c.half_band, "band_high": c.value + c.half_band,
        "model": c.model, "ci_low": c.ci_low, "ci_high": c.ci_high, "status": c.status, "reason": c.reason,
    } for c in checks]
    return pd.DataFrame(rows).set_index("id") if rows else pd.DataFrame()
