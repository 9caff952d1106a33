"""`experiment=attribution`: which measure of a reform did what (sim.runs.study, sim.outputs.shapley).

attribution.json, per KPI: the base regime and the full reform with their CIs, the total effect
(paired), each measure's Shapley value (exact over every subset, or from sampled orderings with
a Monte-Carlo error), its one-at-a-time effect (alone on the base) and leave-one-out effect (the
reform without it), and the interaction (total minus the sum of the one-at-a-time effects), all
with paired 95 % CIs across replications. The subsets run, and those that overload a station.
"""
from __future__ import annotations

import numpy as np

from sim.config import Config
from sim.outputs.formatting import format_difference_interval, format_number
from sim.outputs.kpis import unit_of
from sim.outputs.shapley import contrasts, exact_shapley, needed_subsets, orderings, sampled_shapley
from sim.outputs.stats import t_interval


def design(cfg: Config, m: int) -> tuple[list[frozenset], list[tuple[int, ...]] | None]:
    """(subsets to run, sampled orderings or None for exact) for m measures."""
    perms = None if m <= cfg.experiment.exact_max_measures else orderings(m, cfg.experiment.permutations, cfg.run.seed)
    return needed_subsets(m, perms), perms


def attribution_results(study, per_rep: list[dict], figure_kpis: list[str]) -> dict:
    m = len(study.measures)
    subsets = [frozenset(study.measures.index(x) for x in v.members) for v in study.variants]
    by_subset = dict(zip(subsets, per_rep))
    kpis = [k for k in per_rep[0] if all(k in reps for reps in per_rep)]
    out_kpis = {}
    for k in kpis:
        values = {s: np.asarray(reps[k], float) for s, reps in by_subset.items()}
        if study.orderings is None:
            shap, mc = exact_shapley(values, m), np.full(m, np.nan)
        else:
            shap, mc = sampled_shapley(values, m, study.orderings)
        c = contrasts(values, m)
        out_kpis[k] = {
            "unit": unit_of(k),
            "base": t_interval(values[frozenset()]),
            "target": t_interval(values[frozenset(range(m))]),
            "total": t_interval(c["total"]),
            "measures": {name: {"shapley": t_interval(shap[i]),
                                "shapley_mc_error": None if study.orderings is None else float(mc[i]),
                                "one_at_a_time": t_interval(c["one_at_a_time"][i]),
                                "leave_one_out": t_interval(c["leave_one_out"][i])}
                         for i, name in enumerate(study.measures)},
            "interaction": t_interval(c["interaction"]),
            "shapley_sum_minus_total": _max_abs(shap.sum(axis=0) - c["total"]),
        }
    labels = {len(v.members): v.label for v in study.variants if len(v.members) in (0, m)}
    return {
        "kind": "attribution", "target": study.target, "base": study.base, "measures": list(study.measures),
        "from": labels.get(0, study.base), "to": labels.get(m, study.target),
        "fixed_measures": list(study.fixed),
        "method": "exact" if study.orderings is None else "sampled",
        "orderings": None if study.orderings is None else [[study.measures[i] for i in p] for p in study.orderings],
        "method_note": ("exact Shapley values over all 2^m subsets" if study.orderings is None else
                        f"Shapley values estimated from {len(study.orderings)} sampled orderings (antithetic pairs); "
                        "shapley_mc_error is the Monte-Carlo standard error of each value's mean over replications; "
                        "the values still sum to the total exactly"),
        "subsets": [{"measures": list(v.members), "run": f"runs/{v.key}", "overloaded": v.overloaded}
                    for v in study.variants],
        "overloaded_subsets": [{"measures": list(v.members), "stations": v.overloaded}
                               for v in study.variants if v.overloaded],
        "kpis": out_kpis,
    }


def _max_abs(x: np.ndarray) -> float | None:
    """Largest |x| over the replications where it is defined (None if it nowhere is)."""
    x = np.abs(np.asarray(x, float))
    x = x[np.isfinite(x)]
    return float(x.max()) if len(x) else None


def format_attribution(result: dict, figure_kpis: list[str]) -> str:
    lines = [f"attribution: {result['base']} -> {result['target']}, {len(result['measures'])} measures, "
             f"{len(result['subsets'])} subsets run ({result['method']})"]
    for k in figure_kpis:
        r = result["kpis"].get(k)
        if r is None:
            continue
        u = r["unit"]
        fmt = lambda t: format_difference_interval(t["mean"], t["ci_low"], t["ci_high"], u)  # noqa: E731
        lines.append(f"  {k}: {format_number(r['base']['mean'], u)} -> {format_number(r['target']['mean'], u)}, "
                     f"total {fmt(r['total'])}")
        for name, e in r["measures"].items():
            lines.append(f"    {name:28s} shapley {fmt(e['shapley'])}  alone {fmt(e['one_at_a_time'])}  "
                         f"last {fmt(e['leave_one_out'])}")
        lines.append(f"    {'interaction':28s} {fmt(r['interaction'])}")
    for s in result["overloaded_subsets"]:
        lines.append(f"  overloaded (run with run.allow_overload): {' + '.join(s['measures']) or 'none'}: "
                     f"{'; '.join(s['stations'])}")
    return "\n".join(lines)
