"""Import stages and volume KPIs on tables small enough to work out by hand."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.domain import CargoClass, Direction, Mode
from sim.outputs.frame import Frame
from sim.outputs.kpi import Window, import_stages, volume_kpis

WINDOW = Window(warmup_hours=0.0, horizon_hours=8760.0, end_hours=8760.0)


def test_import_stages_keep_the_row_labels_of_the_table():
    """The stage table lines up with the consignments it was computed from (a filtered table keeps
    its labels), so stages can be joined back onto consignments. Arrival 0, yard 2, lodged 1
    (before the yard: preparing 0), released 10, out 12 -> 2, 0, 8, 2; arrival 5, yard 6,
    lodged 9, released 9.5, out 20 -> 1, 3, 0.5, 10.5."""
    t = pd.DataFrame({"vessel_arrival": [0.0, 5.0], "in_yard": [2.0, 6.0], "lodged": [1.0, 9.0],
                      "released": [10.0, 9.5], "out": [12.0, 20.0]}, index=[17, 42])
    s = import_stages(t)
    assert s.index.tolist() == [17, 42]
    assert s.loc[17].tolist() == [2.0, 0.0, 8.0, 2.0]
    assert s.loc[42].tolist() == [1.0, 3.0, 0.5, 10.5]
    joined = t.join(s)
    assert joined["removal"].tolist() == [2.0, 10.5]


def _frames(directions, teu, modes):
    n = len(directions)
    table = Frame({"direction": np.array(directions), "teu": np.array(teu, float), "mode": np.array(modes),
                   "cargo_class": np.full(n, CargoClass.GENERAL.code), "rolled_calls": np.zeros(n, int)})
    d = table["direction"]
    return (table.select(d == Direction.IMPORT.code), table.select(d == Direction.EXPORT.code),
            table.select(d == Direction.TRANSSHIPMENT.code))


CALLS = Frame({"departed": np.array([10.0]), "import_teu": np.array([3.0]), "loaded_teu": np.array([1.0])})


def test_rail_share_is_by_teu_of_imports():
    """Imports of 2 TEU by rail and 1 TEU by truck, an export of 4 TEU by rail: 2 / 3."""
    imp, exp, tx = _frames([Direction.IMPORT.code, Direction.IMPORT.code, Direction.EXPORT.code],
                           [2.0, 1.0, 4.0], [Mode.RAIL.code, Mode.TRUCK.code, Mode.RAIL.code])
    assert volume_kpis(imp, exp, tx, CALLS, WINDOW)["rail_share"] == pytest.approx(2.0 / 3.0)


def test_rail_share_without_imports_is_undefined_not_a_division_by_zero():
    """No import in the cohort: the rail share is NaN (missing), computed without dividing 0 by 0
    (warnings are errors in this test suite)."""
    imp, exp, tx = _frames([Direction.EXPORT.code], [1.0], [Mode.RAIL.code])
    k = volume_kpis(imp, exp, tx, CALLS, WINDOW)
    assert math.isnan(k["rail_share"])
    assert k["throughput_teu"] == 4.0
