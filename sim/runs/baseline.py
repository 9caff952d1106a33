"""Regression baselines: `<scenario dir>/baseline.json` (scenarios/dalian/ for the bundled
scenario) and `python -m sim.baseline`.

The baseline is the scenario's before/after comparison at a short, fixed run, stored twice:
- `as_configured`: the scenario's own capacities at a quarter of its traffic. Any edit to a
  number in configs/ shows here, and the target figures of docs/reference/calibration.md come from it. But its pools
  never fill (offered loads 0.04-0.2), so a server short hides in the noise.
- `congested`: at the load the scenario names for regression (`scenario.regression_load`, e.g.
  configs/load/dalian_congested): capacities cut so that every pool queues in the regime that
  uses it most, where one server short moves most pools' KPIs by several bands.
For each run, per side (before, after and the paired `diff`) and KPI: the mean, 95 % CI, n, SD
and the per-replication values, and a determinism fingerprint (sha256 of replication 0's
consignment table) of each side; for `congested` also `null`, more groups of replications of
the same run on other random streams, on which the band's false-alarm rate is measured.

Two checks, two purposes:
- **Exact** (`mismatches`): the re-run uses the same seeds, so every value, the diff included,
  must come back within `EXACT_REL` (floating-point noise across machines only). Any change to
  the model's numbers fails it: after an intended change, `make baseline` and commit.
- **Statistical band** (`band`, `outside_band`): how far a mean may move when only the random
  streams change, so that a move outside it is a real effect, not noise. For a KPI with stored
  SD s over n replications, a re-run on other streams has mean difference D with
  D / (s sqrt(2/n)) ~ t(n - 1) (normal replications: D is independent of s), so the band is
  sqrt(2) t(1 - alpha/2, n - 1) s / sqrt(n) and a single KPI leaves it with probability alpha.
  Where the run stores `null` groups (more replications of it on other streams), s is their
  pooled SD (`pooled_sd`, df = groups (n - 1)): one group's own SD over 20 replications
  underestimates the spread of the skewed KPIs (queue waits that one bad replication dominates)
  and set off 4x the nominal rate; pooled it is 1.7x at alpha = 0.001. The re-run check asks
  whether *any* of the ~200 KPIs leaves its band, so it uses alpha = FAMILY_ALPHA / (number of
  KPIs) per KPI (Bonferroni): 0 of the 30 stored group pairs set it off, against 13 of 30 at a
  per-KPI 0.001. `null_false_alarms` measures the per-KPI rate on the stored replications. KPIs
  with zero replication variance (inputs under common random numbers) get a relative band of
  ZERO_VARIANCE_REL instead.
"""
from __future__ import annotations

import hashlib
import json
import math
from itertools import permutations
from pathlib import Path

import numpy as np
from scipy import stats as sps

from sim.config import Config
from sim.config.locations import scenario_dir
from sim.domain.sides import PAIRED
from sim.experiment.replications import compare, run_replications, sides, summarize
from sim.model.port import simulate

RUN_LENGTH = ("run.horizon_days=14", "run.warmup_days=4", "run.drain_days=5", "run.seed=20150701",
              "run.first_replication=0")
AS_CONFIGURED = ("demand.scale=0.25", "run.replications=6")
"""The `as_configured` run: the scenario's own capacities at a quarter of its traffic, so an edit
to any number in configs/ shows; the target figures in docs/reference/calibration.md come from it."""
CONGESTED = ("run.replications=20",)
"""The `congested` run at the scenario's regression load: 20 replications narrow the band to
1.2 replication SDs (at 6 it would be 9.7 SE = 4.0 SDs). Which pools' one-server-short then
leaves the band: benchmarks/regression_load/RESULTS.md."""
NULL_GROUPS = 5
"""`null`: this many more groups of the congested run's size, on the replication streams after it."""
FINGERPRINT_DECIMALS = 3  # hours: 3.6 s. Coarse enough that a last-bit difference in a libm on
# another machine almost never crosses a rounding boundary (~2e-12 / 1e-3 per value), fine enough
# that any change to the event logic (which moves times by minutes) changes the hash.
ALPHA = 0.001
"""Chance that one KPI's mean leaves its band when only the random streams change (the band
`make baseline` prints and the per-KPI false-alarm rate the tests measure)."""
FAMILY_ALPHA = 0.01
"""Chance that any KPI of a re-run on other streams leaves its band (`outside_band`)."""
EXACT_REL = 1e-9
"""Relative (and, near zero, absolute) tolerance of the same-seed comparison."""
ZERO_VARIANCE_REL = 1e-9
SIDES_STORED = (*PAIRED, "diff")
STATS = ("mean", "ci_low", "ci_high")


def k_factor(n: int, alpha: float = ALPHA, df: int | None = None) -> float:
    """Band half-width in standard errors of the stored mean: sqrt(2) t(1 - alpha/2, df), df =
    n - 1 unless the SD is pooled over more replications."""
    return math.sqrt(2.0) * float(sps.t.ppf(1 - alpha / 2, n - 1 if df is None else df))


def _finite_sd(values: list[float]) -> float:
    finite = np.asarray([v for v in values if math.isfinite(v)])
    return float(finite.std(ddof=1)) if len(finite) > 1 else math.nan


def baseline_stats(cfg: Config, workers: int | None = None, replications: range | None = None) -> dict:
    """{before|after|diff: {kpi: {mean, ci_low, ci_high, n, sd, values}}} for the baseline run;
    `diff` holds the paired after - before differences (NaN where either side is)."""
    if workers is not None:
        cfg.run.workers = workers
    stats = summarize(run_replications(cfg, None, progress=False, replications=replications))
    per_rep = stats["per_replication"]
    out = {}
    for side, kpis in stats["summary"].items():
        out[side] = {name: {**s, "sd": _finite_sd(per_rep[side][name]),
                            "values": [float(v) for v in per_rep[side][name]]} for name, s in kpis.items()}
    diffs = {}
    for name, c in compare(per_rep).items():
        values = [a - b if math.isfinite(a) and math.isfinite(b) else math.nan
                  for a, b in zip(per_rep[PAIRED[1]][name], per_rep[PAIRED[0]][name])]
        diffs[name] = {**c["diff"], "sd": _finite_sd(values), "values": values}
    out["diff"] = diffs
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
    """{side: {regime, sha256, rows}}: replication 0's consignment table on each side."""
    out = {}
    for side, regime in sides(cfg).items():
        rep = simulate(cfg, regime, cfg.run.first_replication)
        out[str(side)] = {"regime": regime.name, "sha256": table_hash(rep.consignments),
                          "rows": rep.consignments.num_rows}
    return out


def as_number(x) -> float:
    return math.nan if x is None else float(x)  # JSON null = NaN


def band(stored: dict, alpha: float = ALPHA) -> float:
    """Half-width of the tolerance band for one KPI's mean (see the module docstring): on the
    pooled SD where the stored KPI has one, else on its own."""
    n, mean = stored["n"], as_number(stored["mean"])
    sd = as_number(stored.get("pooled_sd", stored.get("sd")))
    df = stored.get("pooled_df", n - 1)
    if n >= 2 and math.isfinite(sd) and sd > 0:
        return k_factor(n, alpha, df) * sd / math.sqrt(n)
    return ZERO_VARIANCE_REL * max(1.0, abs(mean) if math.isfinite(mean) else 1.0)


def family_alpha(stored: dict) -> float:
    """Per-KPI alpha that keeps the chance of any stored KPI leaving its band at FAMILY_ALPHA."""
    count = sum(len(stored.get(side, {})) for side in SIDES_STORED)
    return FAMILY_ALPHA / max(count, 1)


def outside_band(stored: dict, new: dict, alpha: float | None = None) -> list[dict]:
    """Every stored KPI (before, after and the paired diff) whose new mean leaves the stored
    mean's band, or is NaN or missing where the stored one was a number (or the reverse). A KPI
    new in `new` is not reported. `alpha` per KPI: by default the family-wise one."""
    alpha = family_alpha(stored) if alpha is None else alpha
    moved = []
    for side in SIDES_STORED:
        for name, old in stored.get(side, {}).items():
            cur = new.get(side, {}).get(name)
            m0 = as_number(old["mean"])
            m1 = as_number(cur["mean"]) if cur is not None else math.nan
            if not math.isfinite(m0) and not math.isfinite(m1):
                continue
            half = band(old, alpha)
            change = m1 - m0
            if not (math.isfinite(change) and abs(change) <= half):
                moved.append({"side": side, "kpi": name, "old": m0, "new": m1, "change": change, "band": half})
    return moved


def same_value(a, b, rel: float = 0.0) -> bool:
    """Equal (NaN equals NaN); with `rel`, equal within that relative tolerance (absolute near 0)."""
    a, b = as_number(a), as_number(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or math.isclose(a, b, rel_tol=rel, abs_tol=rel)


def mismatches(stored: dict, new: dict, rel: float = EXACT_REL) -> list[str]:
    """`side kpi field: stored -> new` for every stored statistic and per-replication value that
    the same-seed re-run does not reproduce within `rel` (a KPI missing from `new` included)."""
    out = []
    for side in SIDES_STORED:
        for name, old in stored.get(side, {}).items():
            cur = new.get(side, {}).get(name)
            if cur is None:
                out.append(f"{side} {name}: missing")
                continue
            pairs = [(f, old[f], cur[f]) for f in (*STATS, "sd")]
            if len(old["values"]) != len(cur["values"]):
                out.append(f"{side} {name} values: {len(old['values'])} -> {len(cur['values'])} replications")
            pairs += [(f"values[{i}]", a, b) for i, (a, b) in enumerate(zip(old["values"], cur["values"]))]
            out += [f"{side} {name} {f}: {a!r} -> {b!r}" for f, a, b in pairs if not same_value(a, b, rel)]
    return out


def null_false_alarms(run: dict, alpha: float = ALPHA) -> dict:
    """The band's per-KPI false-alarm rate measured on a stored run's replications: its own and
    its `null` groups (same run, other streams) taken in every ordered pair, one as the stored
    baseline and one as the re-run, each with the run's pooled SD. {comparisons, alarms, rate,
    per_side: {side: rate}}."""
    groups = [run["kpis"], *run["null"]["groups"]]
    per_side = {}
    for side in SIDES_STORED:
        tried = flagged = 0
        for a, b in permutations(groups, 2):
            for name, old in a[side].items():
                spread = {**old, **{k: v for k, v in run["kpis"][side][name].items() if k.startswith("pooled_")}}
                sd = as_number(spread.get("pooled_sd", spread.get("sd")))
                if not (old["n"] >= 2 and math.isfinite(sd) and sd > 0):
                    continue  # zero-variance KPIs: an exact band, not a statistical one
                tried += 1
                flagged += not abs(as_number(b[side][name]["mean"]) - old["mean"]) <= band(spread, alpha)
        per_side[side] = (tried, flagged)
    tried = sum(t for t, _ in per_side.values())
    flagged = sum(f for _, f in per_side.values())
    return {"comparisons": tried, "alarms": flagged, "rate": flagged / tried if tried else math.nan,
            "per_side": {s: f / t if t else math.nan for s, (t, f) in per_side.items()}}


def pool(run: dict) -> None:
    """Write each KPI's SD pooled over the run's own and `null` groups (`pooled_sd`, `pooled_df`)
    into run["kpis"]: the spread its band uses."""
    groups = [run["kpis"], *run["null"]["groups"]]
    for side in SIDES_STORED:
        for name, stored in run["kpis"][side].items():
            parts = [(g[side][name]["n"], as_number(g[side][name].get("sd"))) for g in groups]
            if all(n >= 2 and math.isfinite(sd) for n, sd in parts):
                df = sum(n - 1 for n, _ in parts)
                stored["pooled_sd"] = math.sqrt(sum((n - 1) * sd * sd for n, sd in parts) / df)
                stored["pooled_df"] = df


def baseline_file(cfg: Config) -> Path:
    """The baseline of the scenario `cfg` belongs to: each scenario keeps its own."""
    return scenario_dir(cfg.scenario.dir) / "baseline.json"


def load(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def run_overrides(compose, scenario: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """{run name: overrides}: `as_configured` always, `congested` when the scenario names a
    regression load. The scenario's own overrides lead, so the re-run composes the same scenario."""
    runs = {"as_configured": (*scenario, *AS_CONFIGURED, *RUN_LENGTH)}
    load_name = compose(scenario).scenario.regression_load
    if load_name:
        runs["congested"] = (*scenario, f"+load={load_name}", *CONGESTED, *RUN_LENGTH)
    return runs


def null_replications(cfg: Config) -> list[range]:
    """The `null` groups' replication indices: after the run's own, NULL_GROUPS of its size."""
    n, first = cfg.run.replications, cfg.run.first_replication
    return [range(first + n * g, first + n * (g + 1)) for g in range(1, NULL_GROUPS + 1)]


def run_document(cfg: Config, overrides: tuple[str, ...], null: bool) -> dict:
    """One stored run: its overrides, KPIs (before, after, diff), table fingerprints and, with
    `null`, the other-stream groups and the band's false-alarm rates measured on them."""
    run = {"overrides": list(overrides), "k": k_factor(cfg.run.replications), "kpis": baseline_stats(cfg),
           "fingerprint": {"decimals": FINGERPRINT_DECIMALS, "replication": cfg.run.first_replication,
                           "sides": fingerprint(cfg)}}
    if null:
        groups = [baseline_stats(cfg, replications=r) for r in null_replications(cfg)]
        run["null"] = {"replications": [[r.start, r.stop] for r in null_replications(cfg)],
                       "groups": [{side: {name: {f: s[f] for f in ("mean", "n", "sd")} for name, s in g[side].items()}
                                   for side in SIDES_STORED} for g in groups]}
        pool(run)
        run["null"]["false_alarms"] = {str(a): null_false_alarms(run, a) for a in (ALPHA, 0.01, 0.05)}
    return run


def build(compose, scenario: tuple[str, ...] = ()) -> dict:
    """The whole baseline document; `compose(overrides) -> Config` (sim.cli.compose.compose_config).

    `scenario`: overrides that select a scenario other than the default (`scenario=NAME`)."""
    runs = {}
    for name, overrides in run_overrides(compose, scenario).items():
        runs[name] = run_document(compose(overrides), overrides, null=name == "congested")
    return {
        "description": "Regression baseline: the scenario's before/after comparison at a short fixed run, as "
                       "configured and at its regression load. Regenerate with `make baseline` (python -m sim.baseline).",
        "tolerance": {
            "exact_rel": EXACT_REL, "alpha": ALPHA,
            "family_alpha": FAMILY_ALPHA,
            "rule": "same seeds: every value within exact_rel; other streams: |new mean - stored mean| <= "
                    "k * sd / sqrt(n), k = sqrt(2) * t(1 - alpha/2, df), sd pooled over the stored groups "
                    "(pooled_sd, df = pooled_df) where there are some, else the run's own (df = n - 1); "
                    "alpha = family_alpha / number of KPIs when any KPI leaving its band is the alarm"},
        "runs": runs,
    }
