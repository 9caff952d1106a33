"""The benchmarks' reference model: a customs tandem network written the idiomatic SimPy way.

Why: benchmarks/visits.py judges portclear's speed per resource visit against a plain SimPy
model of the same kind of work, and that yardstick must ship with the project. Its answer is
known in closed form, so the reference is checked too (tests/unit/test_bench_reference.py).

The network (time in minutes, FIFO, unlimited queues):
  arrivals      Poisson, 100 declarations per hour
  1 doc check   3 servers, exponential service, mean 1.44 min   (load 0.80)
  2 inspection  2 servers, exponential service, mean 4.20 min   (20 % of declarations, load 0.70)
  3 release     2 servers, exponential service, mean 1.02 min   (load 0.85)
  every declaration: 1 -> (2 if routed) -> 3 -> exit; routing is drawn on arrival.
It is feed-forward with Poisson arrivals and exponential services, so each station sees a
Poisson stream (Burke) and its mean wait in queue is the M/M/c Erlang-C value.

run_simpy and run_heapq (a hand-written event loop, for context) both return
(records, n_arrivals): one (arrival, wait_1, wait_2, wait_3, sojourn) tuple per declaration
that left by the end, warm-up included; wait_2 is nan when not routed to inspection.
"""
from __future__ import annotations

import heapq
import math
import random
from collections import deque

ARRIVALS_PER_MIN = 100.0 / 60.0
SERVERS = (3, 2, 2)
SERVICE_MEAN_MIN = (1.44, 4.20, 1.02)
INSPECTED_SHARE = 0.2
STATION_RATES = (ARRIVALS_PER_MIN, INSPECTED_SHARE * ARRIVALS_PER_MIN, ARRIVALS_PER_MIN)
STATIONS = ("doc_check", "inspection", "release")
WARMUP_HOURS = 100.0
NAN = float("nan")


def erlang_c_wait(rate: float, service_mean: float, servers: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C); inf when overloaded."""
    load = rate * service_mean  # offered load in servers (a = lambda / mu)
    if load >= servers:
        return math.inf
    terms = [load ** k / math.factorial(k) for k in range(servers)]
    tail = load ** servers / math.factorial(servers) * servers / (servers - load)
    p_wait = tail / (sum(terms) + tail)
    return p_wait * service_mean / (servers - load)


def analytic_waits() -> dict[str, float]:
    """Mean wait in queue (minutes) at each station."""
    return {name: erlang_c_wait(STATION_RATES[k], SERVICE_MEAN_MIN[k], SERVERS[k])
            for k, name in enumerate(STATIONS)}


def run_simpy(hours: float, warmup_hours: float, seed: int):
    """Declarations as SimPy processes queueing at three Resources."""
    import simpy

    rng = random.Random(seed)
    env = simpy.Environment()
    desks = [simpy.Resource(env, capacity=c) for c in SERVERS]
    rates = [1.0 / m for m in SERVICE_MEAN_MIN]
    records = []
    arrivals = 0

    def declaration():
        start = env.now
        route = (0, 1, 2) if rng.random() < INSPECTED_SHARE else (0, 2)
        waits = [0.0, NAN, 0.0]
        for k in route:
            asked = env.now
            with desks[k].request() as turn:
                yield turn
                waits[k] = env.now - asked
                yield env.timeout(rng.expovariate(rates[k]))
        records.append((start, *waits, env.now - start))

    def arrive():
        nonlocal arrivals
        while True:
            yield env.timeout(rng.expovariate(ARRIVALS_PER_MIN))
            arrivals += 1
            env.process(declaration())

    env.process(arrive())
    env.run(until=(warmup_hours + hours) * 60.0)
    return records, arrivals


def run_heapq(hours: float, warmup_hours: float, seed: int):
    """The same network as a bare event list (heapq): the floor without a framework."""
    rng = random.Random(seed)
    expo = rng.expovariate
    rates = [1.0 / m for m in SERVICE_MEAN_MIN]
    free = list(SERVERS)
    queues = [deque(), deque(), deque()]
    end = (warmup_hours + hours) * 60.0
    records = []
    arrivals = 0
    # event: (time, order, station or -1 for an arrival, declaration); a declaration is
    # [arrival, asked at current station, w1, w2, w3, inspected]
    events = [(expo(ARRIVALS_PER_MIN), 0, -1, None)]
    order = 1

    def start(t, k, d):
        nonlocal order
        d[2 + k] = t - d[1]
        heapq.heappush(events, (t + expo(rates[k]), order, k, d))
        order += 1

    def join(t, k, d):
        d[1] = t
        if free[k]:
            free[k] -= 1
            start(t, k, d)
        else:
            queues[k].append(d)

    while events:
        t, _, k, d = heapq.heappop(events)
        if t > end:
            break
        if k < 0:
            arrivals += 1
            heapq.heappush(events, (t + expo(ARRIVALS_PER_MIN), order, -1, None))
            order += 1
            join(t, 0, [t, t, 0.0, NAN, 0.0, rng.random() < INSPECTED_SHARE])
            continue
        if queues[k]:
            start(t, k, queues[k].popleft())
        else:
            free[k] += 1
        if k == 2:
            records.append((d[0], d[2], d[3], d[4], t - d[0]))
        else:
            join(t, 1 if k == 0 and d[5] else 2, d)
    return records, arrivals
