"""The regression baseline catches every fault of the hand-written set (tests/regression/mutations.py).

Each mutation is applied to a copy of the `sim` package in a temporary directory; a fresh
interpreter imports that copy, re-runs the first three replications of the baseline's
congested run on both sides (their consignment tables, KPIs and paired diff) and compares them
with the stored baseline, as `test_baseline.py` does for all of them. Caught means the exact
check fails; a `band` mutation must also move some KPI's mean over those replications by more
than the band of the stored mean (with common random numbers every replication moves alike, so
the mean over all of them moves out too); a `refused` mutation must make the config check
refuse the baseline (one line naming the key), as `make test` would. Any other error in a
mutant's re-run fails the test: a mutation must be a fault in the model, not a broken edit.
Three replications keep each mutation to a few seconds.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.regression.mutations import MUTATIONS

CHECK = r"""
import json, math, sys
import sim
from sim.outputs.stats import t_interval
REPS = 3
assert sim.__file__.startswith(sys.argv[1]), sim.__file__
from sim.runs import baseline as bl
stored = bl.load(sys.argv[2])["runs"]["congested"]
cfg = sim.load_config([*stored["overrides"], "run.workers=1"])
first = range(cfg.run.first_replication, cfg.run.first_replication + REPS)
new = bl.baseline_stats(cfg, replications=first)
kpis = {side: {name: {**s, "values": s["values"][:REPS]} for name, s in stored["kpis"][side].items()}
        for side in bl.SIDES_STORED}
exact = [m for m in bl.mismatches(kpis, new) if " values[" in m]
# the paired diff's CI against the t interval of the stored, correctly paired differences
exact += [n for n, s in kpis["diff"].items()
          if not all(bl.same_value(t_interval(s["values"])[f], new["diff"][n][f], bl.EXACT_REL) for f in bl.STATS)]
out = []
for side in bl.SIDES_STORED:
    for name, s in stored["kpis"][side].items():
        a = [bl.as_number(v) for v in s["values"][:REPS]]
        b = [bl.as_number(v) for v in new[side][name]["values"]]
        if all(math.isnan(x) for x in a + b):
            continue
        change, half = sum(b) / REPS - sum(a) / REPS, bl.band(s)
        if not abs(change) <= half:
            out.append([side, name, change / half if math.isfinite(change) else None])
fingerprint = bl.fingerprint(cfg) != stored["fingerprint"]["sides"]
print(json.dumps({"exact": len(exact), "fingerprint": fingerprint,
                  "outside_band": sorted(out, key=lambda m: -abs(m[2] if m[2] is not None else math.inf))[:5]}))
"""


def package_copy(root: Path, mutation=None) -> Path:
    """A copy of sim/ under `root` (configs and scenarios link to the repo's), with `mutation` applied."""
    target = root / "sim"
    shutil.copytree(REPO / "sim", target, ignore=shutil.ignore_patterns("configs", "scenarios", "__pycache__"))
    for name in ("configs", "scenarios"):
        (target / name).symlink_to(REPO / name, target_is_directory=True)
    if mutation is not None:
        path = target / mutation.path
        text = path.read_text()
        if text.count(mutation.old) != 1:
            pytest.fail(f"mutation {mutation.name!r} no longer applies to sim/{mutation.path} "
                        f"({text.count(mutation.old)} matches): update tests/regression/mutations.py")
        path.write_text(text.replace(mutation.old, mutation.new))
    return root


def run_check(root: Path, baseline: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", CHECK, str(root / "sim"), str(baseline)], env=env, check=False,
                          capture_output=True, text=True, timeout=600, cwd=root)
    if done.returncode != 0:  # the re-run stops with an error: make test fails as loudly
        return {"stopped": (done.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """{mutation name: check result}, the mutations run two at a time (each its own process)."""
    from sim.runs.baseline import baseline_file
    from tests.conftest import make_config

    baseline = baseline_file(make_config())
    roots = {m.name: package_copy(tmp_path_factory.mktemp("mutant"), m) for m in MUTATIONS}
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda m: run_check(roots[m.name], baseline), MUTATIONS)
        return dict(zip((m.name for m in MUTATIONS), results))


def test_the_unmutated_copy_reproduces_the_baseline(tmp_path):
    """The harness itself: the copy without a mutation passes, so a caught mutation is the fault's doing."""
    from sim.runs.baseline import baseline_file
    from tests.conftest import make_config

    assert run_check(package_copy(tmp_path), baseline_file(make_config())) == \
        {"exact": 0, "fingerprint": False, "outside_band": []}


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_every_mutation_is_caught(outcomes, mutation):
    result = outcomes[mutation.name]
    if mutation.caught_by == "refused":  # the config is refused as bad input before anything runs
        assert result.get("stopped", "").startswith("sim.config.schema.ConfigError: "), result
        return
    assert "stopped" not in result, f"{mutation.name}: the mutant crashed, not a fault the baseline judges: {result}"
    assert result["exact"] > 0 or result["fingerprint"], f"{mutation.name}: the baseline did not notice"
    if mutation.caught_by == "band":
        assert result["outside_band"], f"{mutation.name}: caught only by the exact check, inside every band"

