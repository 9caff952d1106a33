"""The pool-wait KPIs (sim.outputs.kpi.queue_kpis) on a hand-built table: who is in each queue,
and Kaplan-Meier censoring of the ones still waiting when the run stopped."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.domain import Channel, Direction, Trade
from sim.outputs.frame import Frame
from sim.outputs.kpi import Window, queue_kpis
from sim.outputs.stats import kaplan_meier, km_mean

NAN = math.nan
WINDOW = Window(warmup_hours=10.0, horizon_hours=100.0, end_hours=200.0)
G, Y, R = Channel.GREEN.code, Channel.YELLOW.code, Channel.RED.code
IMP, EXP = Direction.IMPORT.code, Direction.EXPORT.code


def table(rows):
    """rows: (direction, trade, cohort time, channel, accepted, doc_check_start, queued, inspection_start,
    inland_lodged, inland_released); the cohort time is the vessel arrival (imports) or gate-in (exports)."""
    cols = ("direction", "trade", "t", "channel", "accepted", "doc_check_start", "inspection_queued",
            "inspection_start", "inland_lodged", "inland_released")
    df = pd.DataFrame(rows, columns=cols)
    df["vessel_arrival"] = np.where(df["direction"] == IMP, df["t"], NAN)
    df["gate_in"] = np.where(df["direction"] == EXP, df["t"], NAN)
    return Frame.of(df.drop(columns="t"))


F, D = Trade.FOREIGN.code, Trade.DOMESTIC.code
ROWS = [
    # in the cohort, checked: waits 2, 6 and one still waiting at the end (censored at 200 - 150 = 50)
    (IMP, F, 20.0, Y, 30.0, 32.0, NAN, NAN, NAN, NAN),
    (EXP, F, 40.0, R, 41.0, 47.0, 50.0, 53.0, NAN, NAN),
    (IMP, F, 90.0, Y, 150.0, NAN, NAN, NAN, 160.0, NAN),
    # green: never checked, its (instant) check does not count
    (IMP, F, 50.0, G, 51.0, 51.0, NAN, NAN, 70.0, 74.0),
    # outside the cohort (arrived in the warm-up), domestic: neither counts
    (IMP, F, 5.0, Y, 6.0, 100.0, 7.0, 100.0, 8.0, 100.0),
    (IMP, D, 30.0, Y, 31.0, 100.0, NAN, NAN, NAN, NAN),
]


def test_each_queue_counts_its_own_members_and_censors_the_open_ones():
    k = queue_kpis(table(ROWS), WINDOW)
    officer = km_mean(*kaplan_meier([2.0, 6.0, 50.0], [True, True, False]))
    assert k["officer_wait_hours_mean"] == pytest.approx(officer)
    assert k["officer_wait_hours_mean"] != pytest.approx((2 + 6 + 50) / 3)  # not the naive estimate
    assert k["inspection_wait_hours_mean"] == pytest.approx(3.0)
    inland = km_mean(*kaplan_meier([4.0, 40.0], [True, False]))
    assert k["inland_office_hours_mean"] == pytest.approx(inland) == pytest.approx(4.0)


def test_a_queue_nobody_joined_is_nan():
    rows = [r[:6] + (NAN, NAN, NAN, NAN) for r in ROWS]
    k = queue_kpis(table(rows), WINDOW)
    assert math.isnan(k["inspection_wait_hours_mean"]) and math.isnan(k["inland_office_hours_mean"])
