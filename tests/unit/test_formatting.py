"""One number formatter (sim.outputs.formatting) for every table people read: the formats
each caller printed before it existed stay as they were."""
from __future__ import annotations

import math

import pytest

from sim.calibration.fit import _f as calibration_number
from sim.cli.baseline import _fmt as baseline_number
from sim.experiment.writing import _fmt as printed_number
from sim.outputs.formatting import format_interval, format_number, format_points


@pytest.mark.parametrize("x", [None, math.nan, math.inf, -math.inf])
def test_missing_reads_n_a_everywhere(x):
    for fmt in (format_number, printed_number, baseline_number, calibration_number, format_points):
        assert fmt(x) == "n/a"
    assert format_interval(x, 1.0) == format_interval(0.0, x, "share", difference=True) == "n/a"


@pytest.mark.parametrize("x, figure, printed, calibration, baseline", [
    (0.012345, "0.01", "0.012", "0.0123", "0.012345"),
    (12.3456, "12.35", "12.346", "12.3", "12.3456"),
    (123.456, "123.5", "123.5", "123", "123.456"),
    (1234.5678, "1,234.6", "1,234.6", "1,235", "1234.57"),
    (12345.678, "12,346", "12,345.7", "12,346", "12345.7"),
    (1234567.89, "1,234,568", "1,234,568", "1,234,568", "1.23457e+06"),
    (-123.456, "-123.5", "-123.5", "-123", "-123.456"),
])
def test_each_table_keeps_its_digits(x, figure, printed, calibration, baseline):
    assert format_number(x) == format_number(x, "h") == figure
    assert printed_number(x) == printed
    assert calibration_number(x) == calibration
    assert baseline_number(x) == baseline


def test_shares_read_in_percent_and_their_differences_in_points():
    assert format_number(0.9123, "share") == "91.2%"
    assert format_number(0.0456, "share", signed=True) == "+4.6%"
    assert format_number(-0.794, "share", signed=True) == "-79.4%"
    assert format_interval(0.1, 0.25, "share") == "[10.0%, 25.0%]"
    assert format_interval(-0.012, 0.034, "share", difference=True) == "[-1.2, +3.4] pp"
    assert format_points(0.0123) == "+1.2 pp"
    assert format_interval(1.5, 123.456, "h") == "[1.50, 123.5]"
