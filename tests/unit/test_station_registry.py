"""The station registry (sim/domain/stations.py): a station type added there, with its config
entries, is picked up wherever the registry is read, with no per-station code.

The toy is a second scanner type ("scan_hd", a customs station). The registry cannot route
consignments to it: which red-channel box goes to which customs station is the visit rule in
`sim.model.plan` (and its mirror, `_visit_shares`, in `sim.config.stability`). The tests
stand in for that rule where they need visits.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

import sim.domain.stations as registry
from sim.cli.compose import CONFIG_DIR
from sim.config import Config, ConfigError, stability, validate
from sim.config.schema import InspectionStationConfig
from sim.config.stability import check_stability
from sim.domain import Station
from sim.domain.calendar import WorkingCalendar
from sim.domain.codes import _Coded
from sim.domain.stations import (JOINT, ROUND_THE_CLOCK, STATION_TYPES, StationType, calendar_of, hours_mean_of,
                                 lookup, of)
from sim.outputs import summaries
from sim.outputs.costs import consignment_costs
from sim.outputs.frame import Frame
from sim.outputs.kpi import Window
from tests.conftest import make_config


class ToyStation(_Coded):
    """Station with one more member at the end, as adding a station type to sim.domain.codes would
    (appended, so the codes already stored in tables keep their meaning)."""

    NONE = "none"
    SCAN = "scan"
    PHYSICAL = "physical"
    QUARANTINE = "quarantine"
    FUMIGATION = "fumigation"
    SCAN_HD = "scan_hd"


TOY = StationType(ToyStation.SCAN_HD, "inspection_calendar", "inspection_hours_mean.scan_hd",
                  "inspection_start", "inspection_end", queued="inspection_queued")
TOY_FEE = 450.0
TOY_ENTRIES = ("port", "hours", "fee")
SMALL_RUN = ("demand.scale=0.05", "run.horizon_days=6", "run.warmup_days=1", "run.drain_days=3")


def toy_config(*overrides: str, entries=TOY_ENTRIES) -> Config:
    """The bundled config plus the toy's entries, checked as `python -m sim` checks it.

    The entries are added to the typed config: a command-line override cannot add a key to a
    dict of structured configs such as port.inspection_stations (a real station type gets its
    entries in the YAML files under configs/, which merge fine)."""
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = OmegaConf.to_object(compose(config_name="config", overrides=list(overrides)))
    if "port" in entries:
        cfg.port.inspection_stations["scan_hd"] = InspectionStationConfig(bays=2, drayage_hours=0.5)
    if "hours" in entries:
        for regime in (cfg.regime, cfg.baseline):
            regime.inspection_hours_mean["scan_hd"] = 0.4
    if "fee" in entries:
        cfg.costs.inspection_cny_per_box["scan_hd"] = TOY_FEE
    return check_stability(validate(cfg))


@pytest.fixture
def toy(monkeypatch):
    """The registry with the toy station type added (for this test only)."""
    monkeypatch.setattr(registry, "STATION_TYPES", STATION_TYPES + (TOY,))
    return TOY


# ------------------------------------------------------------------ the registry itself
def test_the_registry_holds_the_stations_the_model_had():
    assert [st.station for st in STATION_TYPES] == [Station.SCAN, Station.PHYSICAL, Station.QUARANTINE,
                                                    Station.FUMIGATION]
    assert [st.key for st in STATION_TYPES] == [s.value for s in Station][1:]
    cfg = make_config()
    for st in STATION_TYPES:
        assert st.fee_key in cfg.costs.inspection_cny_per_box and st.key in cfg.port.inspection_stations
    regime = cfg.regime
    assert calendar_of(of(Station.SCAN), regime) is regime.inspection_calendar
    assert calendar_of(of(Station.QUARANTINE), regime) is regime.quarantine.calendar
    assert calendar_of(of(Station.FUMIGATION), regime) is ROUND_THE_CLOCK
    assert WorkingCalendar.from_config(ROUND_THE_CLOCK).always_open
    assert hours_mean_of(of(Station.PHYSICAL), regime) == regime.inspection_hours_mean["physical"]
    assert hours_mean_of(of(Station.FUMIGATION), regime) == regime.quarantine.fumigation_hours_mean
    with pytest.raises(KeyError):
        lookup(regime, "inspection_hours_mean.scan_hd")


def test_the_joint_visit_lasts_the_longer_and_costs_the_dearer():
    assert JOINT.work(2.0, 3.5) == 3.5 and JOINT.work(0.0, 1.0) == 1.0
    assert JOINT.fee(np.array([300.0, 1200.0]), np.array([800.0, 800.0])).tolist() == [800.0, 1200.0]
    # E[max] of exponentials with means 1 and 1 is 1.5; with one mean 0 it is the other mean.
    assert JOINT.mean_work(1.0, 1.0) == pytest.approx(1.5) and JOINT.mean_work(0.0, 2.0) == 2.0
    rng = np.random.default_rng(1)
    a, b = rng.exponential(2.0, 200_000), rng.exponential(3.0, 200_000)
    assert JOINT.work(a, b).mean() == pytest.approx(JOINT.mean_work(2.0, 3.0), rel=0.01)


# ------------------------------------------------------------------ validation
def test_validation_asks_for_a_new_station_types_config_entries(toy):
    cfg = toy_config()
    assert cfg.port.inspection_stations["scan_hd"].bays == 2
    for missing, key in (("port", "port.inspection_stations.scan_hd"), ("hours", "regime.inspection_hours_mean.scan_hd"),
                         ("fee", "costs.inspection_cny_per_box.scan_hd")):
        with pytest.raises(ConfigError) as err:
            toy_config(entries=[e for e in TOY_ENTRIES if e != missing])
        assert err.value.key == key


def test_a_station_type_not_in_the_registry_is_not_asked_for():
    assert toy_config(entries=()).port.inspection_stations.keys() == {st.key for st in STATION_TYPES}


# ------------------------------------------------------------------ stability (offered load)
def test_stability_offers_load_to_a_new_station_type_by_its_visit_rule(toy, monkeypatch):
    cfg = toy_config()
    regime = cfg.regime
    before = {s.key: s for s in stability.station_loads(cfg, regime, "regime")}
    new = before["port.inspection_stations.scan_hd.bays"]
    assert (new.servers, new.work_per_week) == (2, 0.0), "no visit rule routes boxes to it yet"
    assert new.open_hours == WorkingCalendar.from_config(regime.inspection_calendar).open_per_week

    # A visit rule that sends half the scans to the new scanner (same mean work as the old one).
    rule = stability._visit_shares

    def half_the_scans(cfg, regime, direction, c):
        customs, others = rule(cfg, regime, direction, c)
        customs[ToyStation.SCAN_HD] = customs[Station.SCAN] / 2
        customs[Station.SCAN] /= 2
        return customs, others

    monkeypatch.setattr(stability, "_visit_shares", half_the_scans)
    monkeypatch.setitem(regime.inspection_hours_mean, "scan_hd", regime.inspection_hours_mean["scan"])
    after = {s.key: s for s in stability.station_loads(cfg, regime, "regime")}
    scan, hd = after["port.inspection_stations.scan.bays"], after["port.inspection_stations.scan_hd.bays"]
    assert hd.work_per_week > 0
    assert scan.work_per_week == pytest.approx(hd.work_per_week)
    assert scan.work_per_week + hd.work_per_week == pytest.approx(before["port.inspection_stations.scan.bays"].work_per_week)
    for key in ("regime.officers", "port.inspection_stations.physical.bays", "port.inspection_stations.quarantine.bays",
                "port.inspection_stations.fumigation.bays"):
        assert after[key].work_per_week == before[key].work_per_week, key


# ------------------------------------------------------------------ model, costs and resource summaries
@pytest.fixture
def toy_run(toy, monkeypatch):
    """A small run in which a stand-in visit rule sends every other scan to the new scanner."""
    from sim.model import port

    real_plan = port.plan

    def routed(cfg, regime, cons, calls, pins=None):
        p = real_plan(cfg, regime, cons, calls, pins)
        scans = np.flatnonzero(p.station == Station.SCAN.code)
        p.station[scans[::2]] = TOY.code
        return p

    monkeypatch.setattr(port, "plan", routed)
    cfg = toy_config(*SMALL_RUN)
    rep = port.simulate(cfg, cfg.regime, 0)
    return cfg, rep


def test_the_model_serves_and_records_a_new_station_type(toy_run):
    _, rep = toy_run
    t = Frame.of(rep.consignments)
    hd = t["station"] == TOY.code
    assert hd.sum() >= 5
    done = hd & ~np.isnan(t["inspection_end"])
    assert done.sum() >= 5
    assert (t["inspection_queued"][done] <= t["inspection_start"][done]).all()
    assert (t["inspection_start"][done] <= t["inspection_end"][done]).all()


def test_costs_charge_a_new_station_types_fee(toy_run):
    cfg, rep = toy_run
    t = rep.consignments.to_pandas()
    costs = consignment_costs(t, cfg.costs)
    only_hd = ((t["station"] == TOY.code) & (t["quarantine"] == 0) & (t["fumigation"] == 0)).to_numpy()
    done = costs["total"].notna().to_numpy()
    assert (only_hd & done).sum() >= 1
    assert np.allclose(costs["inspection"].to_numpy()[only_hd & done], TOY_FEE * t["boxes"].to_numpy()[only_hd & done])


def test_resource_summaries_show_a_new_station_types_bays(toy_run):
    cfg, rep = toy_run
    table = Frame.of(rep.consignments)
    columns = {name: table[name] for name in table.names} | {"side": np.full(len(table), "single")}
    calls = Frame.of(rep.calls)
    run = SimpleNamespace(
        sides=["single"], replications=1, window=Window(rep.warmup_hours, rep.horizon_hours, rep.end_hours),
        config={"port": {"inspection_stations": {k: {"bays": v.bays} for k, v in cfg.port.inspection_stations.items()},
                         "terminals": {k: {"berths": v.berths} for k, v in cfg.port.terminals.items()}}},
        frame=lambda cols: Frame({c: columns[c] for c in [*cols, "side"]}),
        call_frame=Frame({c: calls[c] for c in calls.names} | {"side": np.full(len(calls), "single")}),
        regime_config=lambda side: {"officers": cfg.regime.officers},
    )
    panels = summaries.resource_use(run)
    assert list(panels)[-5:] == ["scan inspection bays", "physical inspection bays", "scan_hd inspection bays",
                                 "quarantine bays", "fumigation bays"]
    timeline, capacity = panels["scan_hd inspection bays"]
    assert capacity == {"single": 2}
    assert 0 < timeline["single"].max() <= 2 + 1e-9
    busy_hours = float(timeline["single"].sum()) * (timeline.index[1] - timeline.index[0])
    # A joint "3 + 1" visit takes the physical bay, not the toy's (staffing.station_rows).
    joint = (table[JOINT.flag] == 1) & (table[JOINT.joins.value] == 1)
    done = (table["station"] == TOY.code) & ~joint & ~np.isnan(table["inspection_end"])
    assert busy_hours == pytest.approx(float((table["inspection_end"] - table["inspection_start"])[done].sum()),
                                       rel=0.05)
    assert not math.isnan(busy_hours)
