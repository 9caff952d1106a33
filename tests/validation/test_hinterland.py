"""The closed-form queues of sim.model.queues and the event-driven block-train service.

Why: export boxes reach the port through `fifo_servers` (in-gate) and `allocate_trains`
(inland trains), and import trains are timed by `weekly_times`; nothing downstream feeds
back into them, so an error here (an idle server, a train over capacity, a box that makes
a train it was not ready for, an off-by-one week) silently biases every gate-in, lodging
and inland door time. The reefer plugs (`fifo_servers_until_leaving`, computed after the run)
observe yard arrivals and departures the same way. Each function is checked against an
independent formulation (brute force, SimPy, Lindley's recursion) and against the invariants its docstring
promises. `RailCorridor` (the import side) must allocate boxes exactly as `allocate_trains`
does whenever loading is instantaneous.
"""
from __future__ import annotations

import math

import numpy as np
import simpy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.config import DestinationConfig
from sim.model.hinterland import RailCorridor
from sim.domain.units import HOURS_PER_WEEK
from sim.model.queues import allocate_trains, fifo_servers, fifo_servers_until_leaving, weekly_times

EPS = 1e-9


# ================================================================== fifo_servers
@st.composite
def queue_inputs(draw):
    """Arrivals (with ties from an integer grid or arbitrary floats), services (zeros allowed)."""
    n = draw(st.integers(0, 40))
    grid = draw(st.booleans())
    if grid:
        arrival = draw(st.lists(st.integers(0, 60).map(float), min_size=n, max_size=n))
        service = draw(st.lists(st.integers(0, 10).map(float), min_size=n, max_size=n))
    else:
        arrival = draw(st.lists(st.floats(0.0, 500.0, allow_nan=False), min_size=n, max_size=n))
        service = draw(st.lists(st.floats(0.0, 40.0, allow_nan=False), min_size=n, max_size=n))
    servers = draw(st.integers(1, 6))
    return np.array(arrival, dtype=float), np.array(service, dtype=float), servers


def reference_fifo(arrival, service, servers):
    """FIFO with c servers, stated directly: job k (in arrival order) starts at the latest of its
    arrival, the previous job's start (FIFO), and the moment at most c-1 earlier jobs are still in
    service, i.e. the c-th largest completion time among the earlier jobs. O(n^2), no heap."""
    order = np.argsort(arrival, kind="stable")
    start = np.empty(len(arrival))
    done: list[float] = []
    prev = -math.inf
    for i in order.tolist():
        cth = sorted(done)[-servers] if len(done) >= servers else -math.inf
        s = max(arrival[i], prev, cth)
        start[i] = s
        done.append(s + service[i])
        prev = s
    return start


def simpy_fifo(arrival, service, servers):
    """The same queue run as a SimPy resource: jobs request in arrival order (stable)."""
    env = simpy.Environment()
    res = simpy.Resource(env, capacity=servers)
    start = np.full(len(arrival), np.nan)

    def job(i):
        yield env.timeout(arrival[i])
        with res.request() as req:
            yield req
            start[i] = env.now
            yield env.timeout(service[i])

    for i in np.argsort(arrival, kind="stable").tolist():
        env.process(job(i))
    env.run()
    return start


@settings(deadline=None, max_examples=150)
@given(queue_inputs())
def test_fifo_servers_matches_brute_force_reference(inputs):
    """Same start times as the direct c-th-largest-completion statement of a FIFO c-server queue."""
    arrival, service, servers = inputs
    np.testing.assert_array_equal(fifo_servers(arrival, service, servers),
                                  reference_fifo(arrival, service, servers))


@settings(deadline=None, max_examples=60)
@given(queue_inputs())
def test_fifo_servers_matches_simpy(inputs):
    """Same start times as an event-driven SimPy resource with `servers` slots."""
    arrival, service, servers = inputs
    np.testing.assert_allclose(fifo_servers(arrival, service, servers),
                               simpy_fifo(arrival, service, servers), rtol=0, atol=1e-9)


@settings(deadline=None, max_examples=150)
@given(queue_inputs())
def test_fifo_servers_invariants(inputs):
    """No job starts before it arrives; never more than `servers` jobs in service at once;
    starts follow arrival order (FIFO); no server idles while a job waits (a job that waits
    starts exactly when some earlier job completes)."""
    arrival, service, servers = inputs
    start = fifo_servers(arrival, service, servers)
    assert start.shape == arrival.shape
    assert (start >= arrival).all()
    end = start + service
    for t in start:
        in_service = (start <= t) & (end > t)
        assert in_service.sum() <= servers
    order = np.argsort(arrival, kind="stable")
    assert (np.diff(start[order]) >= 0).all()
    # A job that waited starts the moment another job completes (no idle server meanwhile).
    for i in np.flatnonzero(start > arrival):
        others = np.arange(len(start)) != i
        assert np.isclose(end[others], start[i], rtol=0, atol=EPS).any()


@settings(deadline=None, max_examples=150)
@given(queue_inputs())
def test_fifo_single_server_is_lindley(inputs):
    """With one server the waits follow Lindley's recursion W' = max(0, W + S - (A' - A))."""
    arrival, service, _ = inputs
    start = fifo_servers(arrival, service, 1)
    order = np.argsort(arrival, kind="stable")
    a, s = arrival[order], service[order]
    wait = np.zeros(len(a))
    for k in range(1, len(a)):
        wait[k] = max(0.0, wait[k - 1] + s[k - 1] - (a[k] - a[k - 1]))
    np.testing.assert_allclose(start[order], a + wait, rtol=0, atol=1e-9)


def test_fifo_servers_hand_example():
    """2 servers: jobs at 0, 0, 1, 2 with service 5, 3, 1, 1 start at 0, 0, 3, 4."""
    start = fifo_servers(np.array([0.0, 0.0, 1.0, 2.0]), np.array([5.0, 3.0, 1.0, 1.0]), 2)
    np.testing.assert_array_equal(start, [0.0, 0.0, 3.0, 4.0])


# ================================================================== fifo_servers_until_leaving
@st.composite
def holding_inputs(draw):
    """Arrivals and stays as arbitrary floats (no ties); some jobs never leave (inf)."""
    n = draw(st.integers(0, 40))
    arrival = np.array(draw(st.lists(st.floats(0.0, 200.0, allow_nan=False), min_size=n, max_size=n)))
    stay = np.array(draw(st.lists(st.floats(0.01, 60.0, allow_nan=False), min_size=n, max_size=n)))
    never = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    leave = np.where(never, np.inf, arrival + stay)
    assume(len(np.unique(np.concatenate((arrival, leave[np.isfinite(leave)])))) == n + np.isfinite(leave).sum())
    return arrival, leave, draw(st.integers(1, 4))


def simpy_until_leaving(arrival, leave, servers):
    """The same queue as the SimPy yard had it: a job asks at arrival, holds its server until it
    leaves, and cancels its request if it leaves first."""
    env = simpy.Environment()
    res = simpy.Resource(env, capacity=servers)
    start = np.full(len(arrival), np.nan)

    def job(i):
        yield env.timeout(arrival[i])
        left = env.timeout(leave[i] - env.now) if np.isfinite(leave[i]) else env.event()
        req = res.request()
        got = yield req | left
        if req in got:
            start[i] = env.now
            yield left
            res.release(req)
        else:
            req.cancel()

    for i in np.argsort(arrival, kind="stable").tolist():
        env.process(job(i))
    env.run(until=1e6)
    return start


@settings(deadline=None, max_examples=150)
@given(holding_inputs())
def test_fifo_servers_until_leaving_matches_simpy(inputs):
    """Same plug times (and the same boxes never plugged) as the event-driven SimPy yard."""
    arrival, leave, servers = inputs
    np.testing.assert_allclose(fifo_servers_until_leaving(arrival, leave, servers),
                               simpy_until_leaving(arrival, leave, servers), rtol=0, atol=1e-9)


@settings(deadline=None, max_examples=150)
@given(holding_inputs())
def test_fifo_servers_until_leaving_invariants(inputs):
    """At most `servers` held at once; a job is served between its arrival and its leaving; and
    nobody waits while a server is free (every moment a job waits, all servers are held)."""
    arrival, leave, servers = inputs
    start = fifo_servers_until_leaving(arrival, leave, servers)
    got = ~np.isnan(start)
    assert (start[got] >= arrival[got]).all() and (start[got] < leave[got]).all()
    held = lambda t: int(((start[got] <= t) & (leave[got] > t)).sum())  # noqa: E731
    for t in np.concatenate((start[got], arrival)):
        assert held(t) <= servers
    for i in range(len(arrival)):
        until = start[i] if got[i] else leave[i]
        if until > arrival[i]:  # waited: check just after arrival and just before it stops waiting
            for t in (np.nextafter(arrival[i], np.inf), min(until, 1e6) - 1e-9):
                assert held(t) == servers


def test_fifo_servers_until_leaving_hand_example():
    """One server. A holds 0-10. B (arrives 1) leaves at 5 before getting it. C (arrives 2) gets it
    at 10. D arrives at 10 as A leaves: leaving goes first, but C is ahead. E never leaves."""
    arrival = np.array([0.0, 1.0, 2.0, 10.0, 3.0])
    leave = np.array([10.0, 5.0, 20.0, 15.0, np.inf])
    start = fifo_servers_until_leaving(arrival, leave, 1)
    np.testing.assert_array_equal(start, [0.0, np.nan, 10.0, np.nan, 20.0])


# ================================================================== weekly_times
timetables = st.lists(st.one_of(st.floats(0.0, HOURS_PER_WEEK, exclude_max=True, allow_nan=False),
                                st.integers(0, 167).map(float)), min_size=0, max_size=8)
bounds = st.tuples(st.floats(-2000.0, 6000.0, allow_nan=False), st.floats(0.0, 2000.0, allow_nan=False))


@settings(deadline=None, max_examples=200)
@given(table=timetables, window=bounds)
def test_weekly_times_lists_every_occurrence_in_window(table, window):
    """Every occurrence in [start, until) (none missing, none extra: the brute-force list over
    the surrounding weeks), sorted, and each one a timetable hour modulo the week."""
    start, length = window
    until = start + length
    times = weekly_times(table, start, until)
    assert ((times >= start) & (times < until)).all()
    assert (np.diff(times) >= 0).all()
    for t in times:
        assert any(abs((t - h) / HOURS_PER_WEEK - round((t - h) / HOURS_PER_WEEK)) < 1e-9 for h in table)
    weeks = range(math.floor(start / HOURS_PER_WEEK) - 1, math.ceil(until / HOURS_PER_WEEK) + 2)
    brute = sorted(w * HOURS_PER_WEEK + h for w in weeks for h in table
                   if start <= w * HOURS_PER_WEEK + h < until)
    np.testing.assert_array_equal(times, brute)


def test_weekly_times_hand_example():
    """Mon 08:00 and Wed 20:00 from Tue of week 0 to Tue of week 2."""
    np.testing.assert_array_equal(weekly_times([8.0, 68.0], 30.0, 30.0 + 2 * HOURS_PER_WEEK),
                                  [68.0, 176.0, 236.0, 344.0])
    assert len(weekly_times([], 0.0, 1000.0)) == 0


# ================================================================== allocate_trains
@st.composite
def train_inputs(draw):
    """Boxes (1 or 2 TEU, i.e. one 20- or 40-foot box) on a grid with ties, a weekly-ish set of
    departures, a capacity of at least one 40-foot box (what the config validator allows)."""
    n = draw(st.integers(0, 40))
    ready = np.array(draw(st.lists(st.integers(0, 300).map(float), min_size=n, max_size=n)))
    teu = np.array(draw(st.lists(st.sampled_from([1.0, 2.0]), min_size=n, max_size=n)))
    departures = np.array(draw(st.lists(st.integers(0, 400).map(float), min_size=0, max_size=25, unique=True)))
    capacity = float(draw(st.integers(2, 12)))
    cutoff = float(draw(st.integers(0, 10)))
    return ready, teu, departures, capacity, cutoff


def reference_trains(ready, teu, departures, capacity, cutoff):
    """Box by box in ready order: the earliest train no earlier than the previous box's train
    (strict FIFO) that it is ready for and still has room on; NaN (and NaN for every later box)
    when there is none."""
    out = np.full(len(ready), np.nan)
    load: dict[float, float] = {}
    prev = -math.inf
    deps = sorted(departures.tolist())
    for i in np.argsort(ready, kind="stable").tolist():
        if math.isnan(prev):
            break
        choice = math.nan
        for d in deps:
            if d >= prev and ready[i] <= d - cutoff and load.get(d, 0.0) + teu[i] <= capacity:
                choice = d
                break
        out[i] = choice
        if not math.isnan(choice):
            load[choice] = load.get(choice, 0.0) + teu[i]
        prev = choice
    return out


@settings(deadline=None, max_examples=200)
@given(train_inputs())
def test_allocate_trains_matches_reference(inputs):
    """Same departures as the box-by-box statement of a first-come-first-served train service."""
    np.testing.assert_array_equal(allocate_trains(*inputs), reference_trains(*inputs))


@settings(deadline=None, max_examples=200)
@given(train_inputs())
def test_allocate_trains_invariants(inputs):
    """Capacity per train, cut-off, FIFO by ready time, and full trains are the only reason a box
    that was ready misses a train."""
    ready, teu, departures, capacity, cutoff = inputs
    out = allocate_trains(ready, teu, departures, capacity, cutoff)
    left = ~np.isnan(out)
    # Only listed trains.
    assert np.isin(out[left], departures).all()
    # Capacity.
    for d in np.unique(out[left]):
        assert teu[out == d].sum() <= capacity
    # Cut-off: boards only a train leaving at least `cutoff` after it is ready.
    assert (ready[left] <= out[left] - cutoff).all()
    # FIFO: a later-ready box never leaves on an earlier train than an earlier-ready box
    # (a box that never leaves counts as leaving at +inf).
    o = np.where(left, out, np.inf)
    for i in range(len(ready)):
        assert not ((ready > ready[i]) & (o < o[i])).any()
    # A ready box misses a train only when that train is full for it, or a box ahead of it in
    # the line (ready earlier, or equally ready and listed earlier) missed it too.
    rank = np.empty(len(ready), dtype=int)
    rank[np.argsort(ready, kind="stable")] = np.arange(len(ready))
    for i in range(len(ready)):
        for d in departures:
            if ready[i] <= d - cutoff and d < o[i]:
                load = teu[out == d].sum()
                ahead_missed = ((rank < rank[i]) & (ready <= d - cutoff) & (o > d)).any()
                assert load + teu[i] > capacity or ahead_missed


def test_allocate_trains_hand_example():
    """Capacity 4 TEU, cut-off 2 h, trains at 10, 20, 30. The 10:00 train takes boxes 0 and 1
    (4 TEU) and leaves box 2 for the next; the 20:00 train takes boxes 2 and 3 (3 TEU) and has
    no room for box 4 (2 TEU), which leaves at 30; box 5, ready at 29, is past the last cut-off."""
    ready = np.array([0.0, 1.0, 2.0, 9.0, 12.0, 29.0])
    teu = np.array([2.0, 2.0, 2.0, 1.0, 2.0, 1.0])
    out = allocate_trains(ready, teu, np.array([30.0, 10.0, 20.0]), 4.0, 2.0)
    np.testing.assert_array_equal(out, [10.0, 10.0, 20.0, 20.0, 30.0, np.nan])


def test_allocate_trains_cutoff_boundary_and_empty():
    """Ready exactly at departure - cut-off makes the train; one hour later does not."""
    out = allocate_trains(np.array([6.0, 7.0]), np.array([1.0, 1.0]), np.array([10.0]), 10.0, 4.0)
    np.testing.assert_array_equal(out, [10.0, np.nan])
    assert len(allocate_trains(np.zeros(0), np.zeros(0), np.array([10.0]), 4.0, 1.0)) == 0
    np.testing.assert_array_equal(allocate_trains(np.array([0.0]), np.array([1.0]), np.zeros(0), 4.0, 1.0), [np.nan])


def test_allocate_trains_oversized_consignment_does_not_block_the_line():
    """Regression (fixed; was a model bug in sim/model/queues.py: allocate_trains; same rule in hinterland.RailCorridor.run).

    Trains move whole consignments, and a consignment (geometric number of boxes, 20 or 40 ft)
    can hold more TEU than a train; the validator only requires capacity >= one 40-foot box.
    Such a consignment never "fits", and because the loop stops at the first box that does not
    fit, every box behind it is stranded forever: here the 2-TEU box ready at 1 never leaves
    although three empty 4-TEU trains follow. Expected: the line keeps moving (the oversized
    consignment is split, rides alone, or is skipped), so the small box gets a train.
    """
    out = allocate_trains(np.array([0.0, 1.0]), np.array([6.0, 2.0]), np.array([10.0, 20.0, 30.0]), 4.0, 0.0)
    assert not np.isnan(out[1]), f"box stranded behind an oversized consignment: {out}"


# ================================================================== RailCorridor (SimPy)
def corridor_departures(ready, teu, boxes, timetable, capacity, cutoff, tracks=1, boxes_per_hour=1024.0,
                        until=600.0):
    """Run one RailCorridor with all boxes known at t=0; return each box's departure (NaN: none)."""
    env = simpy.Environment()
    dest = DestinationConfig(distance_km=100.0, truck_hours=2.0, rail_hours=5.0, rail_departures=list(timetable),
                             rail_capacity_teu=capacity, rail_cutoff_hours=cutoff)
    out = np.full(len(ready), np.nan)

    def departed(i, departure, arrival):
        out[i] = departure

    corridor = RailCorridor(env, "d", dest, simpy.Resource(env, capacity=tracks), boxes_per_hour, departed)
    for i in range(len(ready)):
        corridor.add(i, float(ready[i]), float(teu[i]), int(boxes[i]))
    env.process(corridor.run(until))
    env.run(until=until + cutoff + 1.0)
    return out


@settings(deadline=None, max_examples=60)
@given(ready=st.lists(st.integers(0, 300).map(float), min_size=0, max_size=30),
       table=st.lists(st.integers(0, 167).map(float), min_size=1, max_size=4, unique=True),
       capacity=st.integers(4, 12).map(float), cutoff=st.integers(0, 6).map(float),
       data=st.data())
def test_rail_corridor_matches_allocate_trains_when_loading_is_instant(ready, table, capacity, cutoff, data):
    """With near-instant loading (1024 boxes/h, exact in binary) every train leaves on time, and
    the event-driven import corridor must then put each box on the train the closed-form export
    allocator would: the two sides of the model share one train rule.

    Timetables with two departures less than a cut-off apart are excluded here: they crash the
    corridor (see the regression tests below)."""
    hours = sorted(table)
    gaps = np.diff(hours + [hours[0] + HOURS_PER_WEEK])
    assume((gaps > cutoff + 0.5).all())
    n = len(ready)
    teu = np.array(data.draw(st.lists(st.sampled_from([1.0, 2.0]), min_size=n, max_size=n)))
    ready = np.array(ready)
    until = 500.0
    out = corridor_departures(ready, teu, np.ones(n, dtype=int), table, capacity, cutoff, until=until)
    deps = weekly_times(table, cutoff, until + cutoff)
    expected = allocate_trains(ready, teu, deps, capacity, cutoff)
    # Loading takes boxes/1024 h after the cut-off, far less than the cut-off itself (>= 1 h) ...
    if cutoff >= 1:
        np.testing.assert_array_equal(out, expected)
    else:  # ... except with no cut-off, when the train leaves as soon as it is loaded.
        np.testing.assert_array_equal(np.isnan(out), np.isnan(expected))
        left = ~np.isnan(out)
        assert (out[left] >= expected[left]).all() and (out[left] - expected[left] < 0.05).all()


def test_rail_corridor_hand_example():
    """Trains at 10:00 and 20:00 with 4 TEU and a 4 h cut-off: the 10:00 train takes the two
    boxes ready first (4 TEU) and leaves the third for 20:00, with the box ready at 7 (too late for
    10:00, cut-off 6); a box ready at 17 misses 20:00 (cut-off 16) and waits for next Monday 10:00."""
    out = corridor_departures(np.array([0.0, 1.0, 2.0, 7.0, 17.0]), np.array([2.0, 2.0, 2.0, 1.0, 1.0]),
                              np.ones(5, dtype=int), [10.0, 20.0], 4.0, 4.0, until=400.0)
    np.testing.assert_array_equal(out, [10.0, 10.0, 20.0, 20.0, 178.0])


def test_rail_corridor_train_held_past_next_cutoff_does_not_crash():
    """Regression (fixed; was a model bug in sim/model/hinterland.py: RailCorridor.run).

    A train that waits for a loading track, or loads slowly, may leave late; if it is still
    loading at the NEXT train's cut-off, the loop's `env.timeout(departure - cutoff - env.now)`
    gets a negative delay and SimPy raises ValueError, killing the whole replication.
    Here: one track, 1 box/h, trains at 10 and 20 with a 4 h cut-off; the 10:00 train takes
    12 boxes at its cut-off (6) and finishes loading at 18, after the 20:00 train's cut-off (16).
    Expected: the 10:00 train leaves late (at 18), and a box ready at 12 leaves on a later train.
    """
    ready = np.array([0.0] * 12 + [12.0])
    out = corridor_departures(ready, np.ones(13), np.ones(13, dtype=int), [10.0, 20.0], 100.0, 4.0,
                              boxes_per_hour=1.0, until=200.0)
    np.testing.assert_array_equal(out[:12], 18.0)
    assert out[12] >= 20.0


def test_rail_corridor_departures_closer_than_cutoff_do_not_crash():
    """Regression (fixed; was a model bug in sim/model/hinterland.py: RailCorridor.run), second trigger of the same defect,
    with no loading delay at all: trains at 2:00 and 3:00 with a 2 h cut-off. The 2:00 train takes
    the box ready at 0 and leaves at 2, when the 3:00 train's cut-off (1:00) is already past, so
    `env.timeout(3 - 2 - 2)` raises `ValueError: Negative delay -1.0`. The config validator accepts
    such a timetable (each hour in [0, 168) is all it checks); in a full run,
    `port.destinations.shenyang.rail_departures=[8,10]` crashes the same way.
    Expected: the box leaves at 2 and the run goes on."""
    out = corridor_departures(np.array([0.0]), np.ones(1), np.ones(1, dtype=int), [2.0, 3.0], 100.0, 2.0,
                              until=200.0)
    np.testing.assert_array_equal(out, [2.0])
