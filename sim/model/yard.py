"""Reefer plugs in the yard: a limited resource a reefer box holds until it leaves.

A reefer box asks for a plug when it reaches the yard (discharge or gate-in); without
one it waits unplugged, which the cost model charges. The box holds the plug until it
leaves the port (gate-out, train departure or loading onto a vessel).
"""
from __future__ import annotations

import numpy as np
import simpy

from sim.model.cargo import CargoClass


class Yard:
    def __init__(self, env, plugs: int, cargo_class, rec):
        self.env = env
        self.plugs = simpy.Resource(env, capacity=plugs)
        self.is_reefer = cargo_class == CargoClass.REEFER.code
        self.rec = rec
        self.left: dict[int, simpy.Event] = {}

    def _left_event(self, i: int) -> simpy.Event:
        ev = self.left.get(i)
        if ev is None:
            ev = self.left[i] = self.env.event()
        return ev

    def dispatch(self, boxes, times, until: float):
        """Process: plug requests of boxes arriving at known times (exports), started when due."""
        sel = self.is_reefer[boxes] & (times >= 0) & (times < until)
        boxes, times = boxes[sel], times[sel]
        order = np.argsort(times, kind="stable")
        for i, t in zip(boxes[order].tolist(), times[order].tolist()):
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            self.env.process(self._plug(i, t))

    def arrive(self, i: int, t: float) -> None:
        """Box i reaches the yard at time t (>= now): reefers start asking for a plug then."""
        if self.is_reefer[i]:
            self.env.process(self._plug(i, t))

    def leaves(self, i: int, t: float) -> None:
        """Box i leaves the yard at time t (>= now): its plug is freed then."""
        if not self.is_reefer[i]:
            return
        ev = self._left_event(i)
        if t <= self.env.now:
            if not ev.triggered:
                ev.succeed()
        else:
            self.env.timeout(t - self.env.now).callbacks.append(lambda _: ev.triggered or ev.succeed())

    def _plug(self, i: int, t: float):
        env = self.env
        if t > env.now:
            yield env.timeout(t - env.now)
        left = self._left_event(i)
        req = self.plugs.request()
        result = yield req | left
        if req in result:
            self.rec.plugged[i] = env.now
            if not left.triggered:
                yield left
            self.plugs.release(req)
        else:
            req.cancel()  # left before a plug came free: it never got one
        self.left.pop(i, None)
