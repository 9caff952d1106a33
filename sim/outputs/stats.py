"""Statistics the experiment reports: t intervals across replications and
Kaplan-Meier summaries for durations that may be censored at the end of a run.

Why Kaplan-Meier: a consignment still open when the run ends has a duration of
*at least* its elapsed time. Dropping it biases clearance times down; counting
it as finished biases them too. KM uses exactly what is known.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats as sps

CONFIDENCE = 0.95


def t_interval(values) -> dict:
    """Mean and 95 % t interval across replications (NaN replications are left out)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return {"mean": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": 0}
    mean = float(x.mean())
    if n < 2:
        return {"mean": mean, "ci_low": math.nan, "ci_high": math.nan, "n": n}
    half = float(sps.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "n": n}


def paired_difference(before, after) -> dict:
    """t interval of (after - before) over replications paired by common random numbers."""
    b = np.asarray(before, dtype=float)
    a = np.asarray(after, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    return t_interval(a[ok] - b[ok])


def kaplan_meier(durations, observed):
    """Survival curve: (event times, S(t) just after each) from possibly censored durations.

    A NaN duration is an interval that had not begun when the run stopped (an import not yet
    declared has no clearance time): it says nothing about the duration and is left out; kept,
    it would stay at risk past every event, as if it were the slowest of all."""
    d = np.asarray(durations, dtype=float)
    obs = np.asarray(observed, dtype=bool)
    started = ~np.isnan(d)
    d, obs = d[started], obs[started]
    if len(d) == 0:
        return np.zeros(0), np.zeros(0)
    order = np.argsort(d, kind="stable")
    d, obs = d[order], obs[order]
    times, first = np.unique(d, return_index=True)
    at_risk = len(d) - first
    events = np.add.reduceat(obs.astype(np.int64), first)
    keep = events > 0
    surv = np.cumprod(1.0 - events[keep] / at_risk[keep])
    return times[keep], surv


def km_share_within(times, surv, limit: float) -> float:
    """P(duration <= limit) from a KM curve."""
    if len(times) == 0:
        return math.nan
    i = np.searchsorted(times, limit, side="right")
    return 1.0 - (surv[i - 1] if i > 0 else 1.0)


def km_quantile(times, surv, q: float) -> float:
    """Smallest t with P(duration <= t) >= q; NaN if censoring hides it."""
    hit = np.flatnonzero(1.0 - surv >= q - 1e-12)
    return float(times[hit[0]]) if len(hit) else math.nan


def km_mean(times, surv) -> float:
    """Mean restricted to the largest event time (equals the sample mean without censoring)."""
    if len(times) == 0:
        return math.nan
    steps = np.concatenate(([1.0], surv[:-1]))
    widths = np.diff(np.concatenate(([0.0], times)))
    # Durations may be negative only through user error; clamp the origin at the first time.
    if times[0] < 0:
        widths[0] = 0.0
    return float(np.sum(steps * widths))


def summarize_durations(durations, observed, within_hours: float = 24.0) -> dict:
    times, surv = kaplan_meier(durations, observed)
    return {
        "mean": km_mean(times, surv),
        "p90": km_quantile(times, surv, 0.9),
        "within": km_share_within(times, surv, within_hours),
    }


def welch_difference(a, b) -> dict:
    """95 % Welch interval of mean(b) - mean(a) for two independent samples (an unpaired comparison:
    runs whose replications do not share random numbers). NaN values are left out."""
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if len(x) == 0 or len(y) == 0:
        return {"mean": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n_a": len(x), "n_b": len(y)}
    mean = float(y.mean() - x.mean())
    if len(x) < 2 or len(y) < 2:
        return {"mean": mean, "ci_low": math.nan, "ci_high": math.nan, "n_a": len(x), "n_b": len(y)}
    va, vb = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    se2 = va + vb
    if se2 == 0:
        return {"mean": mean, "ci_low": mean, "ci_high": mean, "n_a": len(x), "n_b": len(y)}
    df = se2 ** 2 / (va ** 2 / (len(x) - 1) + vb ** 2 / (len(y) - 1))
    half = float(sps.t.ppf(0.5 + CONFIDENCE / 2, df) * math.sqrt(se2))
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "n_a": len(x), "n_b": len(y)}
