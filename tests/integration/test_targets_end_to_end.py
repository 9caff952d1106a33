"""End to end through `python -m sim`: a target describes its regime as published, so a run whose
regime was changed on the command line records the change (regimes.json) and the targets of that
regime are not evaluable there, with the changed key named; the untouched side is still judged."""
from __future__ import annotations

import json

from sim.calibration.targets import FAIL, NOT_EVALUABLE, PASS, check_targets, load_targets, targets_path
from sim.store.rundir import load_run
from tests.conftest import SMALL, run_cli

QUICK = (*SMALL, "experiment.report=false", "output.consignments=none", "run.catalog=''")


def checks(run_dir):
    run = load_run(run_dir)
    return {c.id: c for c in check_targets(run, load_targets(targets_path(run)))}


def test_a_command_line_override_makes_its_regimes_targets_not_evaluable(tmp_path):
    changed, plain = tmp_path / "officers50", tmp_path / "plain"
    for out, extra in ((changed, ("regime.officers=50",)), (plain, ())):
        proc = run_cli(*QUICK, *extra, f"hydra.run.dir={out}", timeout=300)
        assert proc.returncode == 0, proc.stderr
    recorded = json.loads((changed / "regimes.json").read_text())
    assert recorded == {"before": {"regime": "before_reform", "changed": {}},
                        "after": {"regime": "after_reform", "changed": {"officers": [76, 50]}}}
    assert json.loads((plain / "regimes.json").read_text())["after"]["changed"] == {}
    over, as_published = checks(changed), checks(plain)
    for tid in ("T1", "T2", "T5", "T10_total", "T10_order"):
        assert as_published[tid].status in (PASS, FAIL), tid
        assert over[tid].status == NOT_EVALUABLE, tid
        assert "after side runs after_reform changed (officers = 50 (published 76))" in over[tid].reason, tid
    for tid in ("T3_import", "T3_export", "T9"):  # the 2011 regime was left as published
        assert over[tid].status == as_published[tid].status != NOT_EVALUABLE, tid
        assert over[tid].model == as_published[tid].model, tid
