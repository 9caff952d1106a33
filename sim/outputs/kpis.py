"""The KPI registry: the one place that declares which KPIs a replication reports.

Each entry names a KPI, its unit, a label for people, whether the end-of-run table prints it
(`headline`), whether the KPI-table figure shows it (`key`; the report embeds that figure), and
where its value comes from: a family of `sim.outputs.kpi` (vectorised functions that compute
several KPIs from the same cohorts, for speed) or a function of the run's tables computing this
KPI alone. The printed table, the KPI-table figure, the units in the report and on sweep axes,
and the check of `run.precision_kpi` all read this registry, so adding a KPI is one entry here
(plus its computation when a family computes it).

Registry order is the order the end-of-run table prints. The order of the values returned by
`replication_kpis` (kpis.json, replications.csv) is the families' order, then the KPIs
computed alone in registry order.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sim.config import CostsConfig
from sim.outputs.costs import COMPONENTS
from sim.outputs.formatting import SHARE
from sim.outputs.frame import Frame
from sim.outputs.kpi import (IMPORT_STAGES, Window, clearance_kpis, cohort_open_share, cost_kpis, export_cohort,
                             import_cohort, import_kpis, queue_kpis, reefer_kpis, snapshot_kpis, transshipment_cohort,
                             transshipment_kpis, vessel_kpis, volume_kpis)
from sim.outputs.staffing import STATIONS, Pool, staffing_kpis


@dataclass(frozen=True)
class RunTables:
    """What every KPI is a pure function of: one replication's tables, its window and cost rates."""
    consignments: Frame
    calls: Frame
    window: Window
    berths: int | tuple
    """All berths, or the berths of each terminal by terminal code (for the busiest terminal's KPI)."""
    costs: CostsConfig
    pools: tuple[Pool, ...] = ()
    """The staffed pools' capacities (servers, calendar), from the config (`staffed_pools`); none:
    the utilisation KPIs are NaN."""


def _volumes(t: RunTables) -> dict:
    table, w = t.consignments, t.window
    return volume_kpis(import_cohort(table, w), export_cohort(table, w), transshipment_cohort(table, w), t.calls, w)


FAMILIES: dict[str, Callable[[RunTables], dict]] = {
    "clearance": lambda t: clearance_kpis(t.consignments, t.window),
    "imports": lambda t: import_kpis(t.consignments, t.window),
    "costs": lambda t: cost_kpis(t.consignments, t.window, t.costs),
    "transshipment": lambda t: transshipment_kpis(t.consignments, t.window, t.costs),
    "reefers": lambda t: reefer_kpis(t.consignments, t.window),
    "queues": lambda t: queue_kpis(t.consignments, t.window),
    "staffing": lambda t: staffing_kpis(t.consignments, t.window, t.pools),
    "volumes": _volumes,
    "vessels": lambda t: vessel_kpis(t.calls, t.window, t.berths),
    "snapshot": lambda t: snapshot_kpis(t.consignments, t.window),
}
"""Vectorised families in computation order; each selects its own cohorts, so the columns one
copies are freed before the next starts (a full-year table has ~4 M rows)."""


@dataclass(frozen=True)
class Kpi:
    name: str
    unit: str
    """One of h, share (a proportion, shown in percent), CNY/TEU, TEU, TEU/yr, or empty (a count or ratio)."""
    label: str
    source: str | Callable[[RunTables], float]
    """A key of FAMILIES, or a function of the run's tables that computes this KPI alone."""
    headline: bool = True
    key: bool = False


class KpiRegistryError(LookupError):
    """The registry and what the families compute disagree, or an entry is malformed."""


_KPIS: dict[str, Kpi] = {}


def register(kpi: Kpi, after: str | None = None) -> Kpi:
    """Add a KPI (printed last, or right after `after`). For tests and notebooks: a KPI the
    project keeps is an entry in the list below, so worker processes (spawned, not forked, on
    some platforms) know it too."""
    if kpi.name in _KPIS:
        raise KpiRegistryError(f"KPI {kpi.name!r} is already registered")
    if isinstance(kpi.source, str) and kpi.source not in FAMILIES:
        raise KpiRegistryError(f"KPI {kpi.name!r}: unknown family {kpi.source!r}; expected one of "
                               f"{', '.join(FAMILIES)} or a function of RunTables")
    if after is None:
        _KPIS[kpi.name] = kpi
        return kpi
    if after not in _KPIS:
        raise KpiRegistryError(f"cannot place {kpi.name!r} after unknown KPI {after!r}")
    items = list(_KPIS.items())
    at = [n for n, _ in items].index(after) + 1
    _KPIS.clear()
    _KPIS.update(items[:at] + [(kpi.name, kpi)] + items[at:])
    return kpi


def unregister(name: str) -> None:
    """Remove a KPI computed alone (a family's KPIs go with the family's code, not from here)."""
    _KPIS.pop(name)


def registered() -> tuple[Kpi, ...]:
    """Every KPI, in the order the end-of-run table prints."""
    return tuple(_KPIS.values())


def kpi_names() -> tuple[str, ...]:
    return tuple(_KPIS)


def headline_names() -> tuple[str, ...]:
    """What the end-of-run table prints, in order (also the KPIs run.precision_kpi may name)."""
    return tuple(k.name for k in _KPIS.values() if k.headline)


def key_kpis() -> dict[str, tuple[str, str]]:
    """{name: (label, unit)} of the KPIs the KPI-table figure shows, in order."""
    return {k.name: (k.label, k.unit) for k in _KPIS.values() if k.key}


def unit_of(name: str) -> str:
    """The KPI's unit; "" for a name not registered (say, from a run made by an older version)."""
    kpi = _KPIS.get(name)
    return kpi.unit if kpi is not None else ""


def replication_kpis(table, calls, window: Window, berths: int | tuple, rates: CostsConfig, pools=()) -> dict:
    """Every registered KPI of one replication, as floats: family by family, then the KPIs
    computed alone. A family computing a name not registered to it (or missing one) is an error,
    so the registry cannot drift from the code. `pools`: the staffed pools' capacities
    (`sim.outputs.staffing.staffed_pools`)."""
    tables = RunTables(Frame.of(table), Frame.of(calls), window, berths, rates, tuple(pools))
    k: dict[str, float] = {}
    for family, compute in FAMILIES.items():
        values = compute(tables)
        expected = {kpi.name for kpi in _KPIS.values() if kpi.source == family}
        if set(values) != expected:
            raise KpiRegistryError(
                f"family {family!r} computes {sorted(set(values) - expected) or 'nothing'} not registered to it "
                f"and misses {sorted(expected - set(values)) or 'nothing'} registered to it (sim.outputs.kpis)")
        k.update(values)
    for kpi in _KPIS.values():
        if not isinstance(kpi.source, str):
            k[kpi.name] = float(kpi.source(tables))
    return k


# ------------------------------------------------------------------ the KPIs, in printed order
HOURS = "h"
SNAPSHOT_PREFIX = "snapshot_"
"""A warm start's KPIs of its snapshot's items (the `snapshot` family) start with this."""
CNY_PER_TEU = "CNY/TEU"
for _kpi in (
    Kpi("export_release_within_24h_share", SHARE, "Exports released within 24 h of lodging", "clearance", key=True),
    Kpi("import_release_within_24h_share", SHARE, "Imports released within 24 h of lodging (not of arrival)",
        "clearance", key=True),
    Kpi("export_clearance_hours_mean", HOURS, "Export clearance time (lodged to released), mean",
        "clearance", key=True),
    Kpi("export_clearance_hours_p90", HOURS, "Export clearance time (lodged to released), 90th percentile",
        "clearance"),
    Kpi("import_clearance_hours_mean", HOURS, "Import clearance time (lodged, even before arrival, to released), mean",
        "clearance", key=True),
    Kpi("import_clearance_hours_p90", HOURS, "Import clearance time (lodged to released), 90th percentile",
        "clearance"),
    Kpi("import_arrival_to_release_hours_mean", HOURS,
        "Import arrival to customs release (the national overall clearance time's span), mean", "clearance"),
    Kpi("export_arrival_to_release_hours_mean", HOURS,
        "Export gate-in to customs release (the national overall clearance time's span), mean", "clearance"),
    Kpi("export_declarations", "", "Foreign export declarations in the cohort", "clearance", headline=False),
    Kpi("export_processing_hours_mean", HOURS, "Export customs processing (accepted to released), mean", "clearance",
        headline=False),
    Kpi("import_declarations", "", "Foreign import declarations in the cohort", "clearance", headline=False),
    Kpi("import_processing_hours_mean", HOURS, "Import customs processing (accepted to released), mean", "clearance",
        headline=False),
    Kpi("export_customs_work_hours_mean", HOURS, "Export: officers' working time per declaration, mean", "clearance",
        headline=False),
    Kpi("import_customs_work_hours_mean", HOURS, "Import: officers' working time per declaration, mean", "clearance",
        headline=False),
    Kpi("import_release_hours_mean", HOURS, "Import release time (arrival to leaving the port), mean",
        "imports", key=True),
    Kpi("import_yard_dwell_hours_mean", HOURS, "Import yard dwell, mean", "imports"),
    Kpi("import_stage_hours_unloading", HOURS, "Import stage: unloading, mean", "imports"),
    Kpi("import_stage_hours_preparing", HOURS, "Import stage: preparing the declaration, mean", "imports"),
    Kpi("import_stage_hours_clearance", HOURS,
        "Import stage: clearance (in yard or lodged, if later, to released), mean",
        "imports"),
    Kpi("import_stage_hours_removal", HOURS, "Import stage: removal from the port, mean", "imports"),
    *(Kpi(f"import_stage_share_{s}", SHARE, f"Import stage: {s}, share of the release time", "imports", headline=False)
      for s in IMPORT_STAGES),
    Kpi("inland_door_hours_mean", HOURS, "Inland door-to-door time, mean", "imports", key=True),
    Kpi("inland_door_hours_truck_mean", HOURS, "Inland door-to-door time by truck, mean", "imports"),
    Kpi("inland_door_hours_rail_mean", HOURS, "Inland door-to-door time by rail, mean", "imports"),
    Kpi("transit_share", SHARE, "Inland imports under transit", "imports", key=True),
    Kpi("declarations_per_import_mean", "", "Declarations per import", "imports", key=True),
    Kpi("logistics_cost_cny_per_teu_mean", CNY_PER_TEU, "Logistics cost", "costs", key=True),
    *(Kpi(f"logistics_cost_cny_per_teu_{c}", CNY_PER_TEU, f"Logistics cost: {c.replace('_', ' ')}", "costs")
      for c in COMPONENTS),
    Kpi("inland_logistics_cost_cny_per_teu_mean", CNY_PER_TEU, "Logistics cost of inland imports and exports", "costs"),
    Kpi("throughput_teu", "TEU", "Throughput in the observed window", "volumes", headline=False),
    Kpi("throughput_teu_per_year", "TEU/yr", "Throughput", "volumes", key=True),
    Kpi("rail_share", SHARE, "Rail share of import TEU", "volumes", key=True),
    Kpi("transshipment_teu", "TEU", "Transshipment volume", "transshipment", key=True),
    Kpi("transshipment_connection_hours_mean", HOURS, "Transshipment connection time, mean", "transshipment"),
    Kpi("transshipment_cost_cny_per_teu_mean", CNY_PER_TEU, "Transshipment cost", "transshipment"),
    Kpi("reefer_teu", "TEU", "Reefer volume in the observed window", "volumes"),
    Kpi("reefer_teu_per_year", "TEU/yr", "Reefer volume", "volumes", headline=False),
    Kpi("reefer_plug_wait_hours_mean", HOURS, "Reefer wait for a plug, mean", "reefers"),
    Kpi("officer_wait_hours_mean", HOURS, "Declaration wait for an officer, mean", "queues"),
    Kpi("officer_utilization", SHARE, "Officer utilisation (document check, open hours)", "staffing"),
    Kpi("inspection_wait_hours_mean", HOURS, "Box wait for an inspection bay, mean", "queues"),
    *(Kpi(f"inspection_wait_hours_{st.key}", HOURS, f"Box wait at the {st.key} station, mean", "staffing",
          headline=False) for st in STATIONS),
    *(Kpi(f"inspection_utilization_{st.key}", SHARE, f"Utilisation of the {st.key} bays (open hours)", "staffing",
          headline=False) for st in STATIONS),
    Kpi("inland_office_hours_mean", HOURS, "Second declaration at the inland office, mean", "queues"),
    Kpi("inland_officer_utilization", SHARE, "Inland offices: officer utilisation (open hours)", "staffing",
        headline=False),
    Kpi("inland_bay_utilization", SHARE, "Inland offices: inspection bay utilisation (open hours)", "staffing",
        headline=False),
    Kpi("inland_officer_utilization_busiest", SHARE, "Busiest inland office: officer utilisation (open hours)",
        "staffing", headline=False),
    Kpi("inland_bay_utilization_busiest", SHARE, "Busiest inland office: inspection bay utilisation (open hours)",
        "staffing", headline=False),
    Kpi("vessel_wait_hours_mean", HOURS, "Vessel wait for a berth, mean", "vessels", key=True),
    Kpi("berth_utilization", SHARE, "Berth utilisation", "vessels", key=True),
    Kpi("busiest_terminal_berth_share", SHARE, "Berth utilisation at the busiest terminal", "vessels", headline=False),
    Kpi("rolled_export_share", SHARE, "Exports rolled to a later call", "volumes"),
    Kpi("cohort_open_share", SHARE, "Cohort still in port at the end of the run",
        lambda t: cohort_open_share(t.consignments, t.window)),
    # A warm start's (`run.initial_state`): the snapshot's items, from its moment; NaN without one.
    Kpi("snapshot_items", "", "Snapshot: consignments in the port or on its vessels", "snapshot", headline=False),
    Kpi("snapshot_release_hours_mean", HOURS, "Snapshot: hours to customs release of those not yet released, mean",
        "snapshot", headline=False),
    Kpi("snapshot_released_share", SHARE, "Snapshot: share of those released by the horizon", "snapshot",
        headline=False),
    Kpi("snapshot_leave_hours_mean", HOURS, "Snapshot: hours until the item leaves the port, mean", "snapshot",
        headline=False),
):
    register(_kpi)
del _kpi
