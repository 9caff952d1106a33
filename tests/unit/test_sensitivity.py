"""The study's plumbing (sim.uncertainty.study, design) on a function with known indices, and a
factor with no effect through the model itself.

Ishigami (a = 7, b = 0.1) on [-pi, pi]^3: first-order indices 0.3139, 0.4424, 0 and total
indices 0.5576, 0.4424, 0.2437 (Homma and Saltelli 1996; closed form from the variances
V1 = 0.5 (1 + b pi^4 / 5)^2, V2 = a^2 / 8, V13 = b^2 pi^8 (1/18 - 1/50)). The evaluator goes
through `run_study` and the evaluation store exactly as the model's does.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from sim.uncertainty.design import Space, stream
from sim.uncertainty.evaluate import ModelEvaluator
from sim.uncertainty.priors import Factor
from sim.uncertainty.study import Store, StudySpec, analyse, run_study
from tests.conftest import make_config

A, B = 7.0, 0.1
V1 = 0.5 * (1 + B * math.pi ** 4 / 5) ** 2
V2 = A ** 2 / 8
V13 = B ** 2 * math.pi ** 8 * (1 / 18 - 1 / 50)
V = V1 + V2 + V13
S1 = (V1 / V, V2 / V, 0.0)
ST = ((V1 + V13) / V, V2 / V, V13 / V)


class Ishigami:
    outputs = ("y", "dummy_only")

    def __init__(self):
        self.points = 0

    def __call__(self, X):
        self.points += len(X)
        y = np.sin(X[:, 0]) + A * np.sin(X[:, 1]) ** 2 + B * X[:, 2] ** 4 * np.sin(X[:, 0])
        return np.c_[y, np.zeros(len(X))], [{"seconds": 0.0, "model_seconds": 0.0}] * len(X)


def ishigami_space() -> Space:
    factors = [Factor(f"x{i}", [f"x{i}"], 0.0, -math.pi, math.pi) for i in (1, 2, 3)]
    factors.append(Factor("no_effect", ["d"], 0.5, 0.0, 1.0))
    return Space.of(factors)


def test_ishigami_indices_through_the_study(tmp_path):
    space = ishigami_space()
    spec = StudySpec(lhs_samples=64, trajectories=40, sobol_groups=3, sobol_samples=1024, seed=7, batch=512)
    f = Ishigami()
    result = run_study(space, spec, f, Store(tmp_path, space, f.outputs))
    sobol = result.sobol[result.sobol["output"] == "y"].set_index("group")
    assert result.sobol_groups == ("x1", "x2", "x3")  # the dummy screened out
    for i, g in enumerate(("x1", "x2", "x3")):
        # 3 bootstrap half-widths, and at least 0.03 (the Saltelli estimator's bias at N = 1024)
        assert abs(sobol.loc[g, "S1"] - S1[i]) < max(3 * sobol.loc[g, "S1_conf"], 0.03), g
        assert abs(sobol.loc[g, "ST"] - ST[i]) < max(3 * sobol.loc[g, "ST_conf"], 0.03), g
    morris = result.morris[result.morris["output"] == "y"].set_index("group")
    assert morris.loc["no_effect", "mu_star"] == 0.0
    assert min(morris.loc[g, "mu_star"] - morris.loc[g, "mu_star_conf"] for g in ("x1", "x2", "x3")) > 0
    bands = result.bands.set_index("output")
    assert bands.loc["y", "p05"] < bands.loc["y", "p50"] < bands.loc["y", "p95"]


def test_a_stored_study_resumes_and_reanalyses_without_evaluating(tmp_path):
    space = ishigami_space()
    spec = StudySpec(lhs_samples=8, trajectories=4, sobol_groups=2, sobol_samples=8, seed=3, batch=5)
    first = Ishigami()
    done = run_study(space, spec, first, Store(tmp_path, space, first.outputs))
    assert first.points == 8 + 4 * 5 + 8 * 4
    again = Ishigami()
    redone = run_study(space, spec, again, Store(tmp_path, space, again.outputs))
    assert again.points == 0
    assert redone.sobol.equals(done.sobol) and redone.morris.equals(done.morris)
    reread = analyse(space, spec, Store(tmp_path, space, again.outputs).all(), again.outputs)
    assert reread.sobol.equals(done.sobol)
    # another seed is another design: nothing reused
    other = Ishigami()
    run_study(space, StudySpec(lhs_samples=8, stages=("bands",), seed=4), other, Store(tmp_path, space, other.outputs))
    assert other.points == 8


def test_streams_depend_on_seed_and_stage_only():
    assert stream(1, "morris") == stream(1, "morris")
    assert len({stream(1, "morris"), stream(2, "morris"), stream(1, "bands")}) == 3


def test_a_cost_of_a_component_that_never_occurs_has_no_effect():
    """No wood is fumigated (fumigation_share_of_wood = 0), so its price moves nothing; the handling
    charge, a cost every box pays, is screened in the same study and must show (so this can fail)."""
    cfg = make_config("demand.scale=0.05", "run.horizon_days=7", "run.warmup_days=1", "run.drain_days=3",
                      "run.replications=2", "run.workers=1", "demand.fumigation_share_of_wood=0")
    factors = [Factor("fumigation", ["costs.inspection_cny_per_box.fumigation"], 1500, 750, 3000, "count"),
               Factor("handling", ["costs.handling_cny_per_teu"], 800, 400, 1600, "count")]
    space = Space.of(factors)
    kpis = ("logistics_cost_cny_per_teu_mean", "export_clearance_hours_mean")
    evaluator = ModelEvaluator(cfg, factors, kpis, replications=1, seed=stream(cfg.run.seed, "evaluations"), workers=1)
    spec = StudySpec(stages=("morris",), trajectories=4, seed=11, batch=12)
    result = run_study(space, spec, evaluator, Store(None, space, evaluator.outputs))
    m = result.morris.set_index(["output", "group"])
    for output in evaluator.outputs:
        low = m.loc[(output, "fumigation"), "mu_star"] - m.loc[(output, "fumigation"), "mu_star_conf"]
        assert low <= 0 <= m.loc[(output, "fumigation"), "mu_star"] + 1e-9, output
    handling = m.loc[("before:logistics_cost_cny_per_teu_mean", "handling")]
    assert handling["mu_star"] - handling["mu_star_conf"] > 0
    # ... and a time KPI does not see any price
    assert m.loc[("after:export_clearance_hours_mean", "handling"), "mu_star"] == pytest.approx(0, abs=1e-9)
