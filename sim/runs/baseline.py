"""Regression baselines: `<scenario dir>/baseline.json` (scenarios/dalian/ for the bundled
scenario) and `python -m sim.baseline`.

The baseline is the default before/after comparison at a short, fixed run (BASELINE_OVERRIDES,
stored in the file): per side and KPI the mean, 95 % CI, n and the per-replication values,
plus a determinism fingerprint (sha256 of a small run's consignment table).

Tolerance band (`band`): the re-run uses the same seeds, so on the same machine it reproduces
the stored numbers exactly; across machines only floating-point noise should differ. A KPI is
flagged when its mean moves by more than K standard errors of the stored mean
(SE = replication SD / sqrt(n)). K = sqrt(2) x z(0.9995) = 4.65: the difference between two
independent n-replication means (e.g. the baseline re-run with another seed) has SD
sqrt(2) x SE, so a different seed falls inside the band with 99.9 % probability (normal
approximation). A genuine model change that moves a KPI by more than the seed-to-seed noise
of this baseline is therefore flagged, while rounding differences never are. KPIs with zero
replication variance (inputs, e.g. reefer TEU under common random numbers) get a relative
band of 1e-9 instead.
"""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
from scipy import stats as sps

from sim.config import Config
from sim.config.locations import scenario_dir
from sim.domain.sides import PAIRED
from sim.experiment.replications import compare, run_replications, summarize
from sim.model.port import simulate

BASELINE_OVERRIDES = (
    "demand.scale=0.25", "run.horizon_days=14", "run.warmup_days=4", "run.drain_days=5",
    "run.replications=6", "run.seed=20150701", "run.first_replication=0",
)
# The determinism fingerprint: one replication of the reform regime at 5 % scale.
FINGERPRINT_OVERRIDES = (
    "demand.scale=0.05", "run.horizon_days=10", "run.warmup_days=2", "run.drain_days=4", "run.seed=20150701",
)
FINGERPRINT_DECIMALS = 3  # hours: 3.6 s. Coarse enough that a last-bit difference in a libm on
# another machine almost never crosses a rounding boundary (~2e-12 / 1e-3 per value), fine enough
# that any change to the event logic (which moves times by minutes) changes the hash.
K = math.sqrt(2.0) * float(sps.norm.ppf(1 - 0.001 / 2))  # 4.65
ZERO_VARIANCE_REL = 1e-9


def baseline_stats(cfg: Config, workers: int | None = None) -> dict:
    """{side: {kpi: {mean, ci_low, ci_high, n, sd, values}}} for the baseline run."""
    if workers is not None:
        cfg.run.workers = workers
    stats = summarize(run_replications(cfg, None, progress=False))
    out = {}
    for side, kpis in stats["summary"].items():
        out[side] = {}
        for name, s in kpis.items():
            values = [float(v) for v in stats["per_replication"][side][name]]
            finite = np.asarray([v for v in values if math.isfinite(v)])
            sd = float(finite.std(ddof=1)) if len(finite) > 1 else math.nan
            out[side][name] = {**s, "sd": sd, "values": values}
    comparison = compare(stats["per_replication"])
    out["diff"] = {name: c["diff"] for name, c in comparison.items()}
    return out


def table_hash(table, decimals: int = FINGERPRINT_DECIMALS) -> str:
    """sha256 of an Arrow table: its columns (sorted by name) rounded to `decimals`, NaN as a fixed token."""
    h = hashlib.sha256()
    for name in sorted(table.column_names):
        x = table.column(name).to_numpy()
        h.update(name.encode())
        if x.dtype.kind == "f":
            r = np.round(x.astype(np.float64), decimals)
            text = ",".join("nan" if not math.isfinite(v) else f"{v:.{decimals}f}" for v in r.tolist())
        else:
            text = ",".join(str(v) for v in x.tolist())
        h.update(text.encode())
    return h.hexdigest()


def fingerprint(cfg: Config) -> dict:
    rep = simulate(cfg, cfg.regime, 0)
    return {"sha256": table_hash(rep.consignments), "rows": rep.consignments.num_rows,
            "regime": cfg.regime.name, "replication": 0}


def as_number(x) -> float:
    return math.nan if x is None else float(x)  # JSON null = NaN


def band(stored: dict) -> float:
    """Half-width of the tolerance band for one KPI's mean (see the module docstring)."""
    n, sd, mean = stored["n"], as_number(stored.get("sd")), as_number(stored["mean"])
    if n >= 2 and math.isfinite(sd) and sd > 0:
        return K * sd / math.sqrt(n)
    return ZERO_VARIANCE_REL * max(1.0, abs(mean) if math.isfinite(mean) else 1.0)


def outside_band(stored: dict, new: dict) -> list[dict]:
    """Every KPI of the stored baseline's before and after sides whose new mean leaves the stored
    mean's band, or is NaN or missing where the stored one was a number (or the reverse). Only the
    stored KPIs are checked: a KPI new in `new` is not reported, nor are the paired `diff` entries."""
    moved = []
    for side in PAIRED:
        for name, old in stored[side].items():
            cur = new.get(side, {}).get(name)
            m0 = as_number(old["mean"])
            m1 = as_number(cur["mean"]) if cur is not None else math.nan
            if not math.isfinite(m0) and not math.isfinite(m1):
                continue
            half = band(old)
            change = m1 - m0
            if not (math.isfinite(change) and abs(change) <= half):
                moved.append({"side": side, "kpi": name, "old": m0, "new": m1, "change": change, "band": half})
    return moved


def baseline_file(cfg: Config) -> Path:
    """The baseline of the scenario `cfg` belongs to: each scenario keeps its own."""
    return scenario_dir(cfg.scenario.dir) / "baseline.json"


def load(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def build(compose, scenario: tuple[str, ...] = ()) -> dict:
    """The whole baseline document; `compose(overrides) -> Config` (sim.cli.compose.compose_config).

    `scenario`: overrides that select a scenario other than the default (`scenario=NAME`); they
    lead the stored override lists, so the regression re-run composes the same scenario."""
    overrides = (*scenario, *BASELINE_OVERRIDES)
    fingerprint_overrides = (*scenario, *FINGERPRINT_OVERRIDES)
    cfg = compose(overrides)
    return {
        "description": "Regression baseline: default before/after comparison at a short fixed run. "
                       "Regenerate with `make baseline` (python -m sim.baseline).",
        "overrides": list(overrides),
        "tolerance": {"k": K, "rule": "|new mean - stored mean| <= k * sd / sqrt(n); "
                                      "k = sqrt(2) * z(0.9995): a re-run with another seed falls inside "
                                      "with 99.9 % probability"},
        "kpis": baseline_stats(cfg),
        "fingerprint": {"overrides": list(fingerprint_overrides), "decimals": FINGERPRINT_DECIMALS,
                        **fingerprint(compose(fingerprint_overrides))},
    }


def same_value(a, b) -> bool:
    a, b = as_number(a), as_number(b)
    return a == b or (math.isnan(a) and math.isnan(b))


