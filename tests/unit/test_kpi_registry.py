"""The KPI registry (sim.outputs.kpis) is the one place a KPI is declared: what a replication
reports, what the end-of-run table prints and what run.precision_kpi may name all follow it."""
from __future__ import annotations

import numpy as np
import pytest

from sim.config import ConfigError
from sim.domain import Direction
from sim.experiment.replications import compare, run_replications, summarize
from sim.experiment.writing import format_comparison
from sim.model.port import simulate
from sim.outputs import kpis
from sim.outputs.formatting import SHARE
from sim.outputs.kpi import Window, import_cohort
from tests.conftest import SMALL, make_config

TOY = "boxes_released_share"


def boxes_released_share(t: kpis.RunTables) -> float:
    """Share of the import cohort's boxes released by customs before the run stopped."""
    cohort = import_cohort(t.consignments, t.window)
    boxes = cohort["boxes"].astype(float)
    return float(boxes[~np.isnan(cohort["released"])].sum() / boxes.sum())


@pytest.fixture
def registry():
    """Whatever a test registers or removes, the registry is as before afterwards (order included)."""
    saved = dict(kpis._KPIS)
    yield kpis
    kpis._KPIS.clear()
    kpis._KPIS.update(saved)


@pytest.fixture
def toy(registry):
    kpi = registry.register(kpis.Kpi(TOY, SHARE, "Boxes released", boxes_released_share, headline=True))
    yield kpi
    registry.unregister(TOY)
    assert TOY not in registry.kpi_names()


@pytest.fixture(scope="module")
def replication():
    """One small simulated replication: its tables and the arguments of replication_kpis."""
    cfg = make_config(*SMALL)
    rep = simulate(cfg, cfg.regime, 0)
    berths = sum(t.berths for t in cfg.port.terminals.values())
    return rep.consignments, rep.calls, Window(rep.warmup_hours, rep.horizon_hours, rep.end_hours), berths, cfg.costs


def test_every_registered_kpi_is_computed_and_nothing_else(replication):
    values = kpis.replication_kpis(*replication)
    assert set(values) == set(kpis.kpi_names()), "outputs and registry differ"
    assert len(values) == len(kpis.kpi_names())
    assert all(isinstance(v, float) for v in values.values())


def test_a_toy_kpi_is_one_registration(toy, replication):
    values = kpis.replication_kpis(*replication)
    table = replication[0].to_pandas()
    imports = table[(table.direction == Direction.IMPORT.code) & (table.vessel_arrival >= replication[2].warmup_hours)
                    & (table.vessel_arrival < replication[2].horizon_hours)]
    expected = imports.boxes[imports.released.notna()].sum() / imports.boxes.sum()
    assert 0 < values[TOY] <= 1 and values[TOY] == pytest.approx(expected, rel=1e-12)
    assert list(values)[-1] == TOY  # computed alone, after the families
    assert kpis.headline_names()[-1] == TOY and kpis.unit_of(TOY) == SHARE
    assert TOY not in kpis.key_kpis()


def test_a_toy_kpi_reaches_the_printed_table_and_the_precision_check(toy):
    cfg = make_config(*SMALL)  # a paired comparison, through the real replication path
    per_rep = summarize(run_replications(cfg, None, progress=False))["per_replication"]
    assert all(len(per_rep[side][TOY]) == 2 for side in ("before", "after"))
    text = format_comparison(compare(per_rep), cfg, wall=0.0)
    rows = [line.split()[0] for line in text.splitlines()[2:-1]]  # between the header and the footnote
    assert rows == list(kpis.headline_names()) and rows[-1] == TOY
    assert make_config(*SMALL, "run.target_half_width=0.01", f"run.precision_kpi={TOY}").run.precision_kpi == TOY


def test_an_unregistered_name_is_no_kpi():
    assert TOY not in kpis.kpi_names()
    with pytest.raises(ConfigError, match=f"unknown KPI '{TOY}'"):
        make_config(*SMALL, "run.target_half_width=0.01", f"run.precision_kpi={TOY}")


def test_a_family_kpi_missing_from_the_registry_fails_loudly(registry, replication):
    del registry._KPIS["rail_share"]
    with pytest.raises(kpis.KpiRegistryError, match=r"family 'volumes' computes \['rail_share'\] not registered"):
        kpis.replication_kpis(*replication)


def test_registration_is_checked(registry):
    with pytest.raises(kpis.KpiRegistryError, match="already registered"):
        registry.register(kpis.Kpi("rail_share", SHARE, "Rail share", "volumes"))
    with pytest.raises(kpis.KpiRegistryError, match="unknown family 'nope'"):
        registry.register(kpis.Kpi("x_share", SHARE, "X", "nope"))
    registry.register(kpis.Kpi("x_share", SHARE, "X", lambda t: 0.0, headline=True), after="rail_share")
    names = registry.headline_names()
    assert names[names.index("rail_share") + 1] == "x_share"


def test_declarations_are_consistent():
    allowed = {"h", SHARE, "CNY/TEU", "TEU", "TEU/yr", ""}
    for k in kpis.registered():
        assert k.unit in allowed, k.name
        assert k.label and k.label[0].isupper(), k.name
        share_name = k.name.endswith("_share") or k.name.startswith("import_stage_share_")  # as _stage_hours_
        assert (k.unit == SHARE) == (share_name or "utilization" in k.name), k.name  # busy over available
        assert (k.unit == "h") == ("_hours" in k.name), k.name
    assert set(kpis.key_kpis()) <= set(kpis.headline_names())
