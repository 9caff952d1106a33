"""The five regimes of the real timeline (2014, 2015-16, 2017, 2018, 2019) move each measure's
times the way its rule says, on common random numbers.

Each regime starts from the one before it (configs/regime/), so a step's change is its measures
alone. Run at the small test scale (tests.conftest.SMALL: officers and bays idle), where the
rules, not congestion, decide: with common random numbers every replication must move the same
way, so each direction is asserted per replication (a paired difference of the same
consignments), not on a mean within a tolerance. Where a step removes a route outright (the
separate CIQ visit in 2018) the count is exact.

Not here: how far the model's 2017 -> 2019 change is from the national trend (measured at full
scale, never a test or a calibration target: SOURCES.md, "Costs and times").
"""
from __future__ import annotations

import numpy as np
import pytest

from sim.config.stability import overloaded
from sim.domain import Direction, Trade
from sim.domain.stations import JOINT
from sim.model.port import simulate
from tests.conftest import SMALL, make_config

TIMELINE = ["before_reform", "after_reform", "national_integration_2017", "ciq_merger_2018", "facilitation_2019"]
REPLICATIONS = 2
NO_SHIP_SIDE = "facilitation_2019 without ship-side pickup"
SHIP_SIDE_OFF = ["regime=facilitation_2019", "regime.direct_delivery.import_share=0"]
"""2019 with that one rule off: its effect apart from the 2019 step's other measures."""


def cohort(rep, direction: Direction, start: str):
    t = rep.consignments.to_pandas()
    t = t[(t.trade == Trade.FOREIGN.code) & (t.direction == direction.code)]
    return t[(t[start] >= rep.warmup_hours) & (t[start] < rep.horizon_hours)]


@pytest.fixture(scope="module")
def runs():
    """regime -> per replication: import and export arrival -> customs release means, the import
    removal (release or yard, whichever later, to out), separate CIQ visits, and the count of CIQ visits."""
    out = {}
    for name, overrides in [(n, [f"regime={n}"]) for n in TIMELINE] + [(NO_SHIP_SIDE, SHIP_SIDE_OFF)]:
        cfg = make_config(*SMALL, *overrides)
        reps = []
        for r in range(REPLICATIONS):
            rep = simulate(cfg, cfg.regime, r)
            imp = cohort(rep, Direction.IMPORT, "vessel_arrival")
            exp = cohort(rep, Direction.EXPORT, "gate_in")
            ciq = imp.quarantine == 1
            reps.append({
                "import": float((imp.released - imp.vessel_arrival).mean()),
                "export": float((exp.released - exp.gate_in).mean()),
                "removal": float((imp.out - np.fmax(imp.released, imp.in_yard)).mean()),
                "separate_ciq": int((ciq & (imp[JOINT.flag] == 0)).sum()),
                "ciq": int(ciq.sum()),
            })
        out[name] = reps
    return out


def paired(runs, kpi: str, earlier: str, later: str) -> np.ndarray:
    return np.array([b[kpi] - a[kpi] for a, b in zip(runs[earlier], runs[later])])


def test_2017_cuts_import_arrival_to_release(runs):
    """Duty off the release path, fewer pre-release checks, shorter checks (audits cost the idle
    officers nothing here)."""
    assert (paired(runs, "import", "after_reform", "national_integration_2017") < 0).all()


def test_2018_removes_the_separate_ciq_visit_and_the_ciq_application(runs):
    """One inspection for every class: no CIQ visit on its own any more (there were some in 2017),
    CIQ still inspects; no CIQ application before lodging and fewer queries: imports released sooner."""
    for a, b in zip(runs["national_integration_2017"], runs["ciq_merger_2018"]):
        assert a["separate_ciq"] > 0 and b["separate_ciq"] == 0
        assert b["ciq"] == a["ciq"]  # the same consignments inspected, only jointly
    assert (paired(runs, "import", "national_integration_2017", "ciq_merger_2018") < 0).all()


def test_2019_cuts_import_arrival_to_release_further(runs):
    """Advance and two-step declarations."""
    assert (paired(runs, "import", "ciq_merger_2018", "facilitation_2019") < 0).all()


def test_2019_loading_on_arrival_cuts_export_arrival_to_release(runs):
    assert (paired(runs, "export", "ciq_merger_2018", "facilitation_2019") < 0).all()


def test_2019_ship_side_pickup_cuts_the_import_removal(runs):
    """Boxes released before they come off the ship leave then, without the yard's steps: against
    2019 with the rule off (the step's advance declarations move the removal too, either way)."""
    assert (paired(runs, "removal", NO_SHIP_SIDE, "facilitation_2019") < 0).all()


def test_the_2015_reform_still_cuts_import_arrival_to_release(runs):
    """The chain's first step, as before (a guard that the later files left the earlier ones alone)."""
    assert (paired(runs, "import", "before_reform", "after_reform") < 0).all()


@pytest.mark.parametrize("name", TIMELINE)
def test_every_regime_composes_validates_and_is_stable_at_full_scale(name):
    """Composed as the regime and as the baseline, validated (make_config runs sim/config/validation.py),
    and no staffed pool offered its capacity or more at the scenario's own traffic (sim/config/stability.py)."""
    cfg = make_config(f"regime={name}", f"regime@baseline={name}")
    assert cfg.regime.name == cfg.baseline.name == name
    assert overloaded(cfg) == []
