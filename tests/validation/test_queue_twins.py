"""Each closed-form queue of the model against a small SimPy twin of the same queue (hypothesis).

Why: the officers, the out-gate lanes, the inland offices and the reefer plugs are not
simulated event by event but computed by recursions (`sim.model.queues`, the out-gate line in
`Hinterland.serve_gate_line`). Invariant tests cannot tell such a recursion from a plausible
wrong one (a server too few, a server idle while someone waits, a job served out of turn, a
calendar off by an hour). A twin written here, independently, in the way the queue is
described (SimPy servers that a job holds until it is done; servers that pause at each
closing and resume at the next opening) must give every job the same start and end.

Times are drawn on a grid of 1/8 h (arrivals, work, stays) and half hours (opening hours).
Why: both sides then compute exact floats, so equal times are really equal (ties at
arrival, a server freed the instant someone arrives, work ending exactly at closing), which
is where a recursion and a simulation are most likely to disagree; off the grid, rounding
would turn such ties into near-ties that either side may break differently.

Ties (equal times), the same rule on both sides:
* Jobs reaching a pool at the same instant take servers in index (consignment) order: the
  closed forms by a stable sort on the arrival time, the twin by `InIndexOrder`, which lets
  them ask, in index order, only once every event already due at that instant has fired.
  So a server freed at t serves a job arriving at t, at t, and the first job already waiting
  goes first. This covers the inland bays too: boxes done at the officers at the same
  instant, or arriving without a check then, go to the bays in consignment order.
* Out-gate: the line is a heap of (arrival, consignment, ...): trucks arriving together
  pass in consignment order, whichever batch sent them.
* Plugs: leaving comes before asking: a reefer leaving at t frees its plug before any
  arrival at t asks (the twin's arrivals wait for every due event), and a waiting reefer
  whose leave time is no later than the instant a plug frees has given up (the twin
  takes a plug only strictly before the leave time).
Start and end times must agree to RTOL (on the grid they are in fact equal).
"""
from __future__ import annotations

import dataclasses
import math
from functools import lru_cache
from types import SimpleNamespace

import numpy as np
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config.schema import CalendarConfig
from sim.domain.calendar import WorkingCalendar
from sim.model.hinterland import Hinterland
from sim.model.inspection import StaffedStation
from sim.model.queues import fifo_servers, fifo_servers_on_calendar, fifo_servers_until_leaving
from sim.model.record import consignment_columns
from tests.conftest import make_config

TWINS = settings(max_examples=120, deadline=None, derandomize=True, database=None, print_blob=True)
RTOL = 1e-9
GRID = 0.125  # hours


# ---------------------------------------------------------------- strategies
def on_grid(lo: int, hi: int, step: float = GRID):
    return st.integers(lo, hi).map(lambda k: k * step)


@st.composite
def arrivals(draw, n: int):
    """n arrival times, often equal: a spacing scale (bursts to sparse) times small integers."""
    spacing = draw(st.sampled_from([GRID, 0.5, 2.0, 8.0]))
    return np.array(draw(st.lists(st.integers(0, 40), min_size=n, max_size=n)), float) * spacing


@st.composite
def open_hours(draw):
    """Weekly opening hours as a regime can set them: any non-empty set of days, open and close
    on the half hour (0 <= open < close <= 24), often round the clock."""
    days = sorted(draw(st.sets(st.integers(0, 6), min_size=1)))
    if draw(st.booleans()):
        return days, 0.0, 24.0
    open_half = draw(st.integers(0, 47))
    close_half = draw(st.integers(open_half + 1, 48))
    return days, open_half / 2, close_half / 2


@st.composite
def pool_jobs(draw, max_jobs: int = 20, max_servers: int = 4):
    n = draw(st.integers(1, max_jobs))
    arrival = draw(arrivals(n))
    work = np.array(draw(st.lists(on_grid(1, 128), min_size=n, max_size=n)))  # 1/8 h .. 16 h
    return arrival, work, draw(st.integers(1, max_servers))


# ---------------------------------------------------------------- the twins
class OpenHours:
    """The twin's own reading of a weekly calendar (not `WorkingCalendar`): open on `days`
    (0 = Monday, time 0 = Monday 00:00) from open_hour to close_hour; a closing instant is closed."""

    def __init__(self, days, open_hour: float, close_hour: float):
        self.days, self.open_hour, self.close_hour = set(days), open_hour, close_hour

    def window_after(self, t: float) -> tuple[float, float]:
        """The first opening window [opens, closes) with closes > t."""
        day = math.floor(t / 24.0)
        while True:
            if day % 7 in self.days and 24.0 * day + self.close_hour > t:
                return 24.0 * day + self.open_hour, 24.0 * day + self.close_hour
            day += 1

    def is_open(self, t: float) -> bool:
        return self.window_after(t)[0] <= t


class InIndexOrder:
    """Lets the jobs reaching a pool at the same instant ask for a server in index order, after
    every event already due at that instant (releases, reneging) has fired.

    A zero timeout created at t fires after every event scheduled before t for t (SimPy orders
    equal times by creation), and jobs reach a pool only on events scheduled earlier (every
    work and travel time here is > 0)."""

    def __init__(self, env: simpy.Environment):
        self.env, self.pending = env, []

    def arrive(self, index: int) -> simpy.Event:
        ticket = self.env.event()
        if not self.pending:
            self.env.timeout(0).callbacks.append(self._let_in)
        self.pending.append((index, ticket))
        return ticket

    def _let_in(self, _event) -> None:
        pending, self.pending = sorted(self.pending, key=lambda p: p[0]), []
        for _, ticket in pending:
            ticket.succeed()


class TwinPool:
    """`servers` servers; a job holds one from the moment it gets it until its work is done,
    and the server works only while `hours` are open: it stops at each closing and goes on at
    the next opening (an event per shift change, the thing the closed form avoids)."""

    def __init__(self, env: simpy.Environment, servers: int, hours: OpenHours):
        self.env, self.hours = env, hours
        self.servers = simpy.Resource(env, capacity=servers)
        self.turnstile = InIndexOrder(env)

    def serve(self, index: int, work: float):
        """Process step; returns (start of the work, end of the work)."""
        env = self.env
        yield self.turnstile.arrive(index)
        with self.servers.request() as req:
            yield req
            start, remaining = None, work
            while True:
                opens, closes = self.hours.window_after(env.now)
                if env.now < opens:
                    yield env.timeout(opens - env.now)
                if start is None:
                    start = env.now
                if remaining <= closes - env.now:
                    yield env.timeout(remaining)
                    return start, env.now
                remaining -= closes - env.now
                yield env.timeout(closes - env.now)


def twin_calendar_pool(arrival, work, servers: int, hours: OpenHours):
    """(start, end) of each job at a `TwinPool`."""
    env = simpy.Environment()
    pool = TwinPool(env, servers, hours)
    start, end = np.full(len(arrival), np.nan), np.full(len(arrival), np.nan)

    def job(i):
        yield env.timeout(arrival[i])
        start[i], end[i] = yield from pool.serve(i, work[i])

    for i in range(len(arrival)):
        env.process(job(i))
    env.run()
    return start, end


def assert_same_times(model, twin, what: str) -> None:
    np.testing.assert_allclose(model, twin, rtol=RTOL, atol=0, err_msg=what)


# ---------------------------------------------------------------- officers' pool on a calendar
@TWINS
@given(jobs=pool_jobs(), hours=open_hours())
def test_officers_pool_on_calendar_matches_a_simpy_twin(jobs, hours):
    """`fifo_servers_on_calendar` (the officers' document check) gives every job the start and
    end of the twin: FIFO servers held until the work is done on the calendar. The model's own
    SimPy station (`StaffedStation`, the inspection bays) must agree too."""
    arrival, work, servers = jobs
    start, end = fifo_servers_on_calendar(arrival, work, servers, WorkingCalendar(*hours))
    twin_start, twin_end = twin_calendar_pool(arrival, work, servers, OpenHours(*hours))
    assert_same_times(start, twin_start, "start")
    assert_same_times(end, twin_end, "end")

    env = simpy.Environment()
    station = StaffedStation(env, "twin", servers, WorkingCalendar(*hours))
    bay_start, bay_end = np.full(len(arrival), np.nan), np.full(len(arrival), np.nan)

    def visit(i):  # processes made in index order: equal arrivals ask in index order
        yield env.timeout(arrival[i])
        started = []
        yield from station.serve(work[i], started)
        bay_start[i], bay_end[i] = started[0], env.now

    for i in range(len(arrival)):
        env.process(visit(i))
    env.run()
    assert_same_times(bay_start, twin_start, "StaffedStation start")
    assert_same_times(bay_end, twin_end, "StaffedStation end")


# ---------------------------------------------------------------- the gate lanes
def twin_lanes(arrival, hours, lanes: int) -> np.ndarray:
    """Exit time of each truck at `lanes` lanes, a truck holding its lane for its hours."""
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=lanes)
    turnstile = InIndexOrder(env)
    out = np.full(len(arrival), np.nan)

    def truck(i):
        yield env.timeout(arrival[i])
        yield turnstile.arrive(i)
        with servers.request() as req:
            yield req
            yield env.timeout(hours[i])
            out[i] = env.now

    for i in range(len(arrival)):
        env.process(truck(i))
    env.run()
    return out


@TWINS
@given(jobs=pool_jobs(max_jobs=30))
def test_in_gate_lanes_match_a_simpy_twin(jobs):
    """`fifo_servers` (the in-gate lanes, `plan.export_arrivals`): start + service is the exit
    of the twin's lanes."""
    arrival, hours, lanes = jobs
    assert_same_times(fifo_servers(arrival, hours, lanes) + hours, twin_lanes(arrival, hours, lanes), "exit")


class FixedPickup:
    """Stands in for `traders.Consignees`: each truck reaches the gate a fixed delay after its box is
    ready (the consignees' own steps are tested on their own; here only the gate line is)."""

    def __init__(self, pickup: np.ndarray):
        self.pickup = pickup

    def at_gate(self, idx: np.ndarray, ready: np.ndarray, in_yard: np.ndarray) -> np.ndarray:
        return np.asarray(ready, dtype=float) + self.pickup[idx]


@lru_cache(maxsize=1)
def base_config():
    return make_config("experiment=single")


@st.composite
def out_gate_batches(draw):
    """Trucks sent to the out-gate as the run sends them: in batches at non-decreasing times
    (a vessel's boxes, `trucks_to_gate`) or one at a time (`by_truck`), each ready no earlier
    than the time it is sent, plus a pickup delay; consignments with 1-3 boxes, their ids in
    any order across batches (ties at the gate go by id, not by the batch that sent them)."""
    sizes = draw(st.lists(st.integers(1, 8), min_size=1, max_size=6))
    n = sum(sizes)
    ids = np.array(draw(st.permutations(range(n))))
    now, batches, sent = 0.0, [], 0
    for size in sizes:
        now += draw(on_grid(0, 48))
        ready = now + np.array(draw(st.lists(on_grid(0, 16), min_size=size, max_size=size)))
        batches.append((now, ids[sent:sent + size], ready, draw(st.booleans())))
        sent += size
    pickup = np.array(draw(st.lists(on_grid(0, 16), min_size=n, max_size=n)))
    boxes = np.array(draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)))
    return batches, pickup, boxes, draw(st.integers(1, 4)), draw(st.sampled_from([0.125, 0.25, 1.0]))


@TWINS
@given(case=out_gate_batches())
def test_out_gate_line_matches_a_simpy_twin(case):
    """The out-gate (`Hinterland.trucks_to_gate` / `by_truck`, served by `serve_gate_line` as
    the run goes and at its end, exits written by `record_gate_line`): every truck's exit is
    the twin's, lanes held for boxes x hours per truck, trucks in arrival order."""
    batches, pickup, boxes, lanes, hours_per_truck = case
    n = len(pickup)
    cfg = base_config()
    cfg = dataclasses.replace(cfg, port=dataclasses.replace(
        cfg.port, gate=dataclasses.replace(cfg.port.gate, out_lanes=lanes, hours_per_truck=hours_per_truck)))
    rec = SimpleNamespace(out=np.full(n, np.nan), inland_arrival=np.full(n, np.nan), delivered=np.full(n, np.nan),
                          in_yard=np.zeros(n))
    plan = SimpleNamespace(consignees=FixedPickup(pickup), second_declaration=np.zeros(n, bool))
    cons = SimpleNamespace(boxes=boxes, destination=np.zeros(n, np.int64))
    env = simpy.Environment()
    land = Hinterland(env, cfg, cfg.regime, rec, plan, cons)
    for now, idx, ready, one_by_one in batches:
        if now > env.now:
            env.run(until=now)
        if one_by_one:
            for i, t in zip(idx.tolist(), ready.tolist()):
                land.by_truck(i, t)
        else:
            land.trucks_to_gate(idx, ready)
    end = batches[-1][0] + 1000.0
    land.serve_gate_line(end)
    land.record_gate_line()

    arrival = np.full(n, np.nan)
    for _, idx, ready, _ in batches:
        arrival[idx] = ready + pickup[idx]
    assert_same_times(rec.out, twin_lanes(arrival, boxes * hours_per_truck, lanes), "out-gate exit")


# ---------------------------------------------------------------- inland offices
@st.composite
def inland_cases(draw):
    n = draw(st.integers(1, 20))
    nan_or_work = st.one_of(st.just(math.nan), on_grid(1, 64))  # NaN: that step is not due for the box
    return {
        "arrival": draw(arrivals(n)),
        "preparation": np.array(draw(st.lists(on_grid(1, 64), min_size=n, max_size=n))),
        "doc_work": np.array(draw(st.lists(nan_or_work, min_size=n, max_size=n))),
        "inspection_work": np.array(draw(st.lists(nan_or_work, min_size=n, max_size=n))),
        "destination": np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))),
        "second": np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))),
        "officers": draw(st.integers(1, 3)), "bays": draw(st.integers(1, 3)), "hours": draw(open_hours()),
    }


def twin_inland_offices(c) -> np.ndarray:
    """Release time of each second declaration: lodged after the preparation, then the officers'
    check and then the inspection bays, where due, each a `TwinPool` per destination office."""
    env = simpy.Environment()
    hours = OpenHours(*c["hours"])
    offices = {k: (TwinPool(env, c["officers"], hours), TwinPool(env, c["bays"], hours))
               for k in np.unique(c["destination"]).tolist()}
    released = np.full(len(c["arrival"]), np.nan)

    def declaration(i):
        yield env.timeout(c["arrival"][i] + c["preparation"][i])
        officers, bays = offices[int(c["destination"][i])]
        for pool, work in ((officers, c["doc_work"][i]), (bays, c["inspection_work"][i])):
            if not np.isnan(work):
                yield from pool.serve(i, work)
        released[i] = env.now

    for i in np.flatnonzero(c["second"]).tolist():
        env.process(declaration(i))
    env.run()
    return released


@TWINS
@given(c=inland_cases())
def test_inland_offices_match_a_simpy_twin(c):
    """`Hinterland.clear_inland` (two closed-form pools in tandem per inland office, on the
    inland calendar) releases every second declaration when the twin does, and delivers it the
    destination's local delivery time later; boxes without a second declaration are untouched."""
    n = len(c["arrival"])
    cfg = base_config()
    days, open_hour, close_hour = c["hours"]
    transit = dataclasses.replace(cfg.regime.transit, inland_officers=c["officers"],
                                  inland_inspection_bays=c["bays"],
                                  inland_calendar=CalendarConfig(days=days, open_hour=open_hour, close_hour=close_hour))
    regime = dataclasses.replace(cfg.regime, transit=transit)
    rec = consignment_columns(n)
    rec.inland_arrival[:] = c["arrival"]
    plan = SimpleNamespace(second_declaration=c["second"], inland_preparation=c["preparation"],
                           inland_doc_check_work=c["doc_work"], inland_inspection_work=c["inspection_work"])
    cons = SimpleNamespace(destination=c["destination"])
    Hinterland(simpy.Environment(), cfg, regime, rec, plan, cons).clear_inland()

    twin = twin_inland_offices(c)
    assert_same_times(rec.inland_released, twin, "inland release")
    local = np.array([cfg.port.destinations[name].local_delivery_hours for name in cfg.port.destinations])
    assert_same_times(rec.delivered, twin + local[c["destination"]], "delivery")
    assert_same_times(rec.inland_lodged, np.where(c["second"], c["arrival"] + c["preparation"], np.nan), "lodged")


# ---------------------------------------------------------------- reefer plugs
def twin_plugs(arrival, leave, plugs: int) -> np.ndarray:
    """When each job gets a plug (NaN if never): it holds it until it leaves; a job still waiting
    at its leave time gives up its place, even if a plug frees at that very instant."""
    env = simpy.Environment()
    sockets = simpy.Resource(env, capacity=plugs)
    turnstile = InIndexOrder(env)
    got = np.full(len(arrival), np.nan)

    def reefer(i):
        yield env.timeout(arrival[i])
        yield turnstile.arrive(i)
        with sockets.request() as req:
            if math.isinf(leave[i]):
                yield req
            else:
                yield req | env.timeout(leave[i] - env.now)
            if req.triggered and env.now < leave[i]:
                got[i] = env.now
                if math.isinf(leave[i]):
                    yield env.event()  # holds the plug to the end
                yield env.timeout(leave[i] - env.now)

    for i in range(len(arrival)):
        env.process(reefer(i))
    env.run()
    return got


@st.composite
def reefers(draw, max_jobs: int = 25):
    n = draw(st.integers(1, max_jobs))
    arrival = draw(arrivals(n))
    stay = np.array(draw(st.lists(st.one_of(on_grid(1, 256), st.just(math.inf)), min_size=n, max_size=n)))
    return arrival, arrival + stay, draw(st.integers(1, 4))


@TWINS
@given(case=reefers())
def test_plugs_match_a_twin_with_reneging(case):
    """`fifo_servers_until_leaving` (reefer plugs, `sim.model.yard`) gives every reefer its plug
    when the twin does (or none, NaN, when neither does). A reefer leaves strictly after it
    arrives (in the model it is loaded or goes out after it reaches the yard); leave = inf:
    still in the yard at the end of the run."""
    arrival, leave, plugs = case
    assert_same_times(fifo_servers_until_leaving(arrival, leave, plugs), twin_plugs(arrival, leave, plugs),
                      "plugged")


# ---------------------------------------------------------------- overload: never idle while someone waits
def assert_work_conserving(arrival, start, end, servers: int, is_open=lambda t: True, gives_up=None) -> None:
    """At every event instant (counting right after everything due then): at most `servers`
    jobs in service, and all of them in service whenever one waits (while the pool is open).

    In service: start <= t < end; waiting: arrival <= t < start (NaN start: never served), and
    t < gives_up (the time a job stops waiting unserved, if it may)."""
    start = np.where(np.isnan(start), np.inf, start)
    stop_waiting = start if gives_up is None else np.minimum(start, gives_up)
    instants = np.unique(np.concatenate([arrival, start[np.isfinite(start)], end[np.isfinite(end)]]))
    assert (stop_waiting > arrival).any(), "nobody waited: not an overload"
    for t in instants.tolist():
        busy = int(np.sum((start <= t) & (t < end)))
        waiting = int(np.sum((arrival <= t) & (t < stop_waiting)))
        assert busy <= servers, f"{busy} jobs in service at {t} with {servers} servers"
        if waiting and is_open(t):
            assert busy == servers, f"{waiting} waiting at {t} while only {busy} of {servers} servers work"


@st.composite
def overload(draw):
    """n arrivals within n/8 h, each bringing 1-16 h of work, to 1-4 servers: load >= 2, a growing queue."""
    n = draw(st.integers(20, 40))
    arrival = np.sort(np.array(draw(st.lists(on_grid(0, n), min_size=n, max_size=n))))
    work = np.array(draw(st.lists(on_grid(8, 128), min_size=n, max_size=n)))
    return arrival, work, draw(st.integers(1, 4))


@TWINS
@given(case=overload(), hours=open_hours())
def test_overloaded_closed_forms_never_idle_while_someone_waits(case, hours):
    """Under overload (arrivals far faster than the servers), each closed form keeps every
    server busy whenever a job waits and never uses more than it has: `fifo_servers`,
    `fifo_servers_on_calendar` (at open instants; closed, nobody works) and
    `fifo_servers_until_leaving` (a job that waits until it leaves does not count after)."""
    arrival, work, servers = case
    start = fifo_servers(arrival, work, servers)
    assert_work_conserving(arrival, start, start + work, servers)

    start, end = fifo_servers_on_calendar(arrival, work, servers, WorkingCalendar(*hours))
    assert_work_conserving(arrival, start, end, servers, OpenHours(*hours).is_open)

    leave = arrival + work
    plugged = fifo_servers_until_leaving(arrival, leave, servers)
    assert_work_conserving(arrival, plugged, leave, servers, gives_up=leave)
