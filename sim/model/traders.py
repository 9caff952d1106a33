"""What traders do around customs: when an importer can lodge, when an exporter lodges, when a
consignee collects its box. The TRS "preparing" and "removal" stages are mostly their time.

Why a module of its own: these steps are the same in every regime (`TradersConfig`); a regime
changes only the customs side of them (advance lodging, the CIQ application before lodging).
Each step is a working-time step on the traders' office calendar, an elapsed delay, or a
choice (keeping the box in the yard while storage is free), computed for all consignments at
once before the run, except removal, which waits for the release the run decides.
"""
from __future__ import annotations

import numpy as np

from sim.config import Config, DurationConfig, RegimeConfig, TradersConfig
from sim.domain.calendar import WorkingCalendar
from sim.domain.units import HOURS_PER_DAY


def lognormal(z: np.ndarray, d: DurationConfig) -> np.ndarray:
    """Standard normal variates turned into a lognormal duration with `d`'s mean and cv (0 if mean is 0)."""
    if d.mean <= 0:
        return np.zeros(len(z))
    if d.cv <= 0:
        return np.full(len(z), float(d.mean))
    sigma2 = np.log1p(d.cv ** 2)
    return np.exp(np.log(d.mean) - sigma2 / 2 + np.sqrt(sigma2) * np.asarray(z, dtype=float))


def free_storage_hours(cfg: Config) -> float:
    """The yard's free storage time (the costs' own figure: the choice and the charge use one number)."""
    return cfg.costs.storage_free_days * HOURS_PER_DAY


def storage_wish(cfg: Config, u_storage: np.ndarray) -> np.ndarray:
    """Hours after the box reaches the yard at which a storage user wants it (NaN: wants it at once).

    A storage user (u < share) wants the box on the last day of free time, uniformly within it
    (u / share is uniform given u < share, so one variate decides both)."""
    share = cfg.traders.storage_user_share
    user = u_storage < share
    wish = np.full(len(u_storage), np.nan)
    if share > 0:
        free = free_storage_hours(cfg)
        wish[user] = np.maximum(free - HOURS_PER_DAY * (u_storage[user] / share), 0.0)
    return wish


def import_lodging(cfg: Config, regime: RegimeConfig, arrival: np.ndarray, voyage_hours: np.ndarray,
                   legal_inspection: np.ndarray, wish: np.ndarray, z_broker: np.ndarray, take,
                   broker_share: np.ndarray | None = None) -> np.ndarray:
    """When import declarations are lodged, from the vessel's arrival.

    Papers: in hand when the vessel sails unless the original bill of lading is needed, which
    comes by courier from the loading port. An advance lodger (`regime.pre_arrival_share`) starts
    as soon as the papers are in hand, before the vessel arrives if it can; the others start at
    arrival and first exchange the bill for the delivery order. Goods under legal inspection need
    the CIQ application first (while the regime requires it); a licence, where needed, must be in
    hand. Then the broker draws up the declaration. A consignee keeping the box in free storage
    lodges `declare_ahead_hours` before it wants the box. Nobody lodges after the declaration window.
    `broker_share`: per row, the share of the broker's work the declaration needs (a two-step
    summary declaration, `regime.two_step`); None: a full declaration each.
    """
    t: TradersConfig = cfg.traders
    cal = WorkingCalendar.from_config(t.calendar)
    sailed = arrival - voyage_hours
    original = take("u_original") < t.original_documents_share
    papers = np.where(original, sailed + lognormal(take("z_courier"), t.courier), sailed)
    advance = take("u_pre_arrival") < regime.pre_arrival_share
    start = np.where(advance, papers, np.maximum(papers, arrival))
    exchange = lognormal(take("z_delivery_order"), t.delivery_order)
    ready = np.where(advance, start, cal.finish_many(start, exchange))
    application = lognormal(take("z_application"), t.inspection_application)
    applies = legal_inspection & regime.quarantine.application_before_lodging & (application > 0)
    if applies.any():
        ciq = WorkingCalendar.from_config(regime.quarantine.calendar)
        ready[applies] = ciq.finish_many(ready[applies], application[applies])
    licensed = take("u_licence") < t.licence_share
    ready = np.where(licensed, np.maximum(ready, sailed + lognormal(take("z_licence"), t.licence)), ready)
    broker = lognormal(z_broker, t.broker)
    if broker_share is not None:
        broker = broker * broker_share
    lodged = cal.finish_many(ready, broker)
    # A storage user lodges a day (declare_ahead_hours) before it wants the box; the box is
    # wanted relative to discharge, approximated here by the vessel's arrival.
    keeps = ~np.isnan(wish)
    lodged[keeps] = np.maximum(lodged[keeps], arrival[keeps] + wish[keeps] - t.declare_ahead_hours)
    return np.minimum(lodged, arrival + t.declaration_window_days * HOURS_PER_DAY)


def export_lodging(cfg: Config, shipped: np.ndarray, gate_in: np.ndarray, cutoff: np.ndarray,
                   z_broker: np.ndarray, ahead: np.ndarray | None = None) -> np.ndarray:
    """When export declarations are lodged: the broker works on the papers from the time the box is
    ready at the shipper (`shipped`), in office hours; the declaration goes in when the box has
    arrived (gate-in, the arrival report). A broker who would miss the vessel's cut-off by more than
    `traders.export_rush_hours` works out of hours instead (declarations near the cut-off).
    `ahead`: declarations lodged for loading on arrival (`regime.direct_delivery`), not held until
    the box arrives; customs releases them no earlier than the arrival (`plan`)."""
    t = cfg.traders
    work = lognormal(z_broker, t.broker)
    office = WorkingCalendar.from_config(t.calendar).finish_many(shipped, work)
    rushed = office > cutoff - t.export_rush_hours
    drawn_up = np.where(rushed, shipped + work, office)
    if ahead is None:
        return np.maximum(gate_in, drawn_up)
    return np.where(ahead, drawn_up, np.maximum(gate_in, drawn_up))


class Consignees:
    """When a released import box leaves by truck: the consignee's decision, in its own hours.

    After customs release (and the box in the yard), the terminal release in office hours; a
    storage user waits until the day it wants the box; then a truck is booked; the truck is sent
    so that it arrives within the consignee's receiving hours. A box arranged for ship-side pickup
    (`direct`, `regime.direct_delivery.import_share`) and ready when it comes off the ship leaves
    then: its truck was booked ahead and waits at the ship side (none of those steps)."""

    def __init__(self, cfg: Config, release_work: np.ndarray, booking: np.ndarray, wish: np.ndarray,
                 road_hours: np.ndarray, direct: np.ndarray | None = None):
        self.office = WorkingCalendar.from_config(cfg.traders.calendar)
        self.receiving = WorkingCalendar.from_config(cfg.traders.receiving_calendar)
        # float32 durations (a full year holds ~4 M of each for the whole run; 0.1 s resolution)
        self.release_work = np.asarray(release_work, dtype=np.float32)
        self.booking = np.asarray(booking, dtype=np.float32)
        self.wish = np.asarray(wish, dtype=np.float32)
        self.road_hours = road_hours  # per consignment: gate to consignee
        self.direct = direct          # per consignment: arranged for ship-side pickup (None: nobody)

    def at_gate(self, idx: np.ndarray, ready: np.ndarray, in_yard: np.ndarray) -> np.ndarray:
        """Times the trucks of consignments `idx` reach the out-gate, their boxes `ready` from then on."""
        released = self.office.finish_many(ready, self.release_work[idx].astype(float))
        wish = in_yard + self.wish[idx].astype(float)
        wanted = np.where(np.isnan(wish), released, np.maximum(released, wish))
        booked = wanted + self.booking[idx].astype(float)
        drive = self.road_hours[idx]
        # The earliest arrival at the consignee inside its receiving hours, then back to the gate.
        opens = self.receiving.next_open_many(booked + drive)
        at_gate = np.maximum(booked, opens - drive)
        if self.direct is not None:
            ship_side = self.direct[idx] & (ready <= in_yard)
            at_gate[ship_side] = in_yard[ship_side]
        return at_gate
