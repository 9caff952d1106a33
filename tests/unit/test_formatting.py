"""One number formatter (sim.outputs.formatting) for every table people read: each caller keeps
its digits, no number is in scientific notation, shares read in percent (differences in points,
intervals clipped), a change and its interval are in one unit, a negligible base gives no
relative change. Every expected string is written by hand."""
from __future__ import annotations

import math

import pytest

from sim.calibration.fit import _f as calibration_number
from sim.cli.baseline import _fmt as baseline_number
from sim.experiment.writing import _fmt as printed_number
from sim.outputs.formatting import (NEGLIGIBLE, format_difference_interval, format_factor, format_interval,
                                   format_number, format_points, format_relative, negligible_base, relative_change)


@pytest.mark.parametrize("x", [None, math.nan, math.inf, -math.inf])
def test_missing_reads_n_a_everywhere(x):
    for fmt in (format_number, printed_number, baseline_number, calibration_number, format_points):
        assert fmt(x) == "n/a"
    assert format_interval(x, 1.0) == format_interval(0.0, x, "share", difference=True) == "n/a"


@pytest.mark.parametrize("x, figure, printed, calibration, baseline", [
    (0.012345, "0.01", "0.012", "0.0123", "0.012345"),
    (12.3456, "12.35", "12.346", "12.3", "12.3456"),
    (123.456, "123.5", "123.5", "123", "123.456"),
    (1234.5678, "1,234.6", "1,234.6", "1,235", "1,234.57"),
    (12345.678, "12,346", "12,345.7", "12,346", "12,345.7"),
    (1234567.89, "1,234,568", "1,234,568", "1,234,568", "1,234,570"),  # six significant digits, no 1.23457e+06
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
    assert format_interval(1.5, 123.456, "h") == "[1.5, 123.5]"  # both ends at the larger one's precision



@pytest.mark.parametrize("x, digits, text", [
    (1234567.89, 3, "1,230,000"), (9.3e6, 6, "9,300,000"), (0.000123456, 3, "0.000123"), (2.5e-7, 2, "0.00000025"),
    (-45678.9, 2, "-46,000"), (0.0, 3, "0.00"), (100.0, 3, "100"), (0.5, 3, "0.5"),
])
def test_significant_digits_never_use_scientific_notation(x, digits, text):
    assert format_number(x, significant=digits, whole_from=math.inf) == text
    assert "e" not in text


def test_share_intervals_are_clipped_to_what_a_share_can_be():
    assert format_interval(-0.02, 0.05, "share") == "[0.0%, 5.0%]"  # a t interval of a level near 0 %
    assert format_interval(0.97, 1.03, "share") == "[97.0%, 100.0%]"
    assert format_interval(-1.2, 0.4, "share", difference=True) == "[-100.0, +40.0] pp"
    assert format_interval(-2.0, 150.0, "h") == "[-2.0, 150.0]"  # other units are not clipped


def test_a_change_and_its_interval_share_one_unit():
    # The printed table used to show "-36.9 %   [-27.045, -15.835]": a relative change with an absolute CI.
    before = {"mean": 58.070, "ci_low": 50.0, "ci_high": 66.0}
    diff = {"mean": -21.440, "ci_low": -27.045, "ci_high": -15.835}
    rel, low, high = relative_change(before, diff, "CNY/TEU")
    assert (rel, low, high) == pytest.approx((-21.440 / 58.070, -27.045 / 58.070, -15.835 / 58.070))
    assert format_relative(rel, low, high) == "-36.9% [-46.6%, -27.3%]"
    assert format_difference_interval(-21.440, -27.045, -15.835, "CNY/TEU") == "-21.44 [-27.05, -15.84]"
    # A share: the difference and its interval in percentage points, the relative change in percent.
    assert format_difference_interval(0.066, 0.057, 0.075, "share") == "+6.6 [+5.7, +7.5] pp"
    assert format_difference_interval(math.nan, 0.0, 0.1, "share") == "n/a"
    assert format_difference_interval(-0.5, math.nan, math.nan, "h") == "-0.50"
    # A non-negative quantity cannot fall by more than all of it: the interval stops at -100 %.
    rel, low, high = relative_change({"mean": 45.248}, {"mean": -45.248, "ci_low": -52.482, "ci_high": -38.014})
    assert format_relative(rel, low, high) == "-100.0% [-100.0%, -84.0%]"


@pytest.mark.parametrize("base, unit, low, high, negligible", [
    (0.001, "CNY/TEU", None, None, True),     # detention 0.001 -> 0.000 printed -100.0 %
    (0.011, "CNY/TEU", 0.010, 0.012, False),
    (0.009, "h", None, None, True), (0.02, "h", None, None, False),
    (0.0004, "share", None, None, True), (0.001, "share", None, None, False),
    (0.4, "TEU", None, None, True), (3.0, "TEU", None, None, False),
    (0.219, "h", -0.3, 0.7, True),            # its interval covers zero: it cannot be told from nothing
    (0.219, "h", 0.1, 0.3, False),
    (0.0, "", None, None, True), (math.nan, "h", None, None, True), (-5.0, "h", -6.0, -4.0, False),
])
def test_a_relative_change_on_a_negligible_base_reads_n_a(base, unit, low, high, negligible):
    assert negligible_base(base, unit, low, high) is negligible
    rel = relative_change({"mean": base, "ci_low": low, "ci_high": high}, {"mean": -base, "ci_low": -1, "ci_high": 1},
                          unit)
    assert math.isnan(rel[0]) is negligible
    assert (format_relative(*rel) == "n/a") is negligible
    assert set(NEGLIGIBLE) == {"h", "CNY/TEU", "TEU", "TEU/yr", "share", ""}


def test_sweep_factor_values_read_exactly():
    assert [format_factor(v) for v in (0.35, 76, 76.0, 1e6, 0.125, "office")] == \
        ["0.35", "76", "76", "1,000,000", "0.125", "office"]


def test_the_printed_comparison_puts_each_change_in_one_unit():
    from sim.experiment.writing import comparison_row

    c = {"before": {"mean": 58.070, "ci_low": 50.0, "ci_high": 66.0}, "after": {"mean": 36.630},
         "diff": {"mean": -21.440, "ci_low": -27.045, "ci_high": -15.835}}
    assert comparison_row(c, "CNY/TEU") == ("58.070", "36.630", "-21.440 [-27.045, -15.835]",
                                            "-36.9% [-46.6%, -27.3%]")
    detention = {"before": {"mean": 0.001, "ci_low": -0.01, "ci_high": 0.012}, "after": {"mean": 0.0},
                 "diff": {"mean": -0.001, "ci_low": -0.018, "ci_high": 0.016}}
    assert comparison_row(detention, "CNY/TEU")[3] == "n/a"
    share = {"before": {"mean": 0.916, "ci_low": 0.91, "ci_high": 0.923}, "after": {"mean": 0.982},
             "diff": {"mean": 0.066, "ci_low": 0.057, "ci_high": 0.075}}
    assert comparison_row(share, "share") == ("91.6%", "98.2%", "+6.6 [+5.7, +7.5] pp", "+7.2% [+6.2%, +8.2%]")


def test_a_value_and_its_interval_share_one_precision():
    # The end nearer zero used to get more decimals: "+9,696.4 [-19.795, +19,412.6]".
    assert format_difference_interval(9696.4, -19.795, 19412.6, "TEU/yr") == "+9,696 [-20, +19,413]"
    assert format_difference_interval(-21.44, -27.045, -15.835, "CNY/TEU") == "-21.44 [-27.05, -15.84]"
    assert format_difference_interval(0.5, 0.2, 150.0, "h") == "+0.5 [+0.2, +150.0]"
