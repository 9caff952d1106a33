"""`python -m sim.report`: one self-contained HTML file from a stored run, never re-simulating;
bad input ends as one line, a non-zero exit and no report."""
from __future__ import annotations

import base64
import json
import math
import os
import re
import subprocess
import sys

import pytest
import yaml

import sim.experiment.replications
import sim.model.port
from sim.calibration.targets import check_targets, load_targets, targets_path
from sim.cli import report as report_cli
from sim.outputs.formatting import NEGLIGIBLE, format_number
from sim.outputs.kpis import unit_of
from sim.store.rundir import load_run
from sim.viz import plots, report
from tests.conftest import REPO
from tests.stored_runs import copy_of, stored_run


def _no_simulation(*args, **kwargs):
    raise AssertionError("the report must not simulate")


@pytest.fixture(scope="module")
def compare_report(tmp_path_factory):
    """A report written from a copy of a stored comparison, with the simulator disabled."""
    run_dir = copy_of(stored_run(tmp_path_factory, "compare"), tmp_path_factory.mktemp("report") / "run")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sim.model.port, "simulate", _no_simulation)
        mp.setattr(sim.experiment.replications, "simulate", _no_simulation)
        path = report.write_report(run_dir)
    return run_dir, path, path.read_text()


def run_report(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "sim.report", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)


def test_report_is_written_into_the_run_directory(compare_report):
    run_dir, path, html = compare_report
    assert path == run_dir / "report.html"
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert not list(run_dir.glob(".*.tmp")), "no temporary files left behind"


def test_report_embeds_every_figure_it_made(compare_report):
    run_dir, _, html = compare_report
    count = int(re.search(r'id="figure-list" data-count="(\d+)"', html).group(1))
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)"', html)
    figures = re.findall(r'<figure id="fig-([a-z_]+)">', html)
    assert count == len(images) == len(figures)
    assert set(figures) == set(plots.run_figures()) | {"calibration"}
    for stem, data in zip(figures, images):
        png = (run_dir / f"{stem}.png").read_bytes()
        assert base64.b64decode(data) == png, f"{stem} embeds the PNG saved in the run directory"
        assert (run_dir / f"{stem}.svg").is_file()
    assert "Not available for this run" not in html
    assert "<script" not in html and "http" not in html.split("<pre>")[0], "self-contained, nothing to fetch"


def test_report_describes_the_scenario_and_every_kpi(compare_report):
    run_dir, _, html = compare_report
    for fact in ("before_reform", "after_reform", "10.0 days", "2.0 warm-up", "2 paired", "20150701",
                 "demand.scale = 0.05"):
        assert fact in html, fact
    for name in json.loads((run_dir / "comparison.json").read_text()):
        assert f"<td>{name}</td>" in html, name
    assert "after - before [95 % CI, paired]" in html and "relative change [95 % CI]" in html


def parse_number(text: str) -> tuple[float, float]:
    """(value, rounding half-width) of a number as the report prints it: "n/a", "98.4%", "+10.8 pp",
    "-16.56", "2,779.2", "9,510,974"; percents and points back to proportions."""
    text = text.strip()
    if text == "n/a":
        return math.nan, 0.0
    scale = 1.0
    for suffix in ("%", " pp"):
        if text.endswith(suffix):
            text, scale = text[:-len(suffix)], 0.01
    digits = text.replace(",", "")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return float(digits) * scale, 0.5 * 10.0 ** -decimals * scale


def parse_interval(text: str) -> list[tuple[float, float]]:
    """"[low, high]" (with a "%" per number or " pp" after the bracket) as two parsed numbers."""
    if text == "n/a":
        return [(math.nan, 0.0)] * 2
    points = text.endswith(" pp")
    low, high = text.removesuffix(" pp").strip("[]").split(", ")
    return [parse_number(x + " pp" if points else x) for x in (low, high)]


def assert_shows(parsed: tuple[float, float], value, what: str) -> None:
    shown, half = parsed
    if value is None or not math.isfinite(value):
        assert math.isnan(shown), what
    else:
        assert abs(shown - value) <= half * (1 + 1e-9) + 1e-12, (what, shown, value)


def split_change(text: str) -> tuple[str, str]:
    """"-21.44 [-27.05, -15.84]" / "+6.6 [+5.7, +7.5] pp" / "-36.9% [-46.6%, -27.3%]" -> (value, interval)."""
    if "[" not in text:
        return text, "n/a"
    value, interval = text.split(" [", 1)
    points = interval.endswith(" pp")
    return value + (" pp" if points else ""), "[" + interval


def test_report_kpi_table_shows_the_numbers_of_comparison_json(compare_report):
    """Every cell of the KPI table, parsed back, is the comparison.json value rounded as printed:
    means and 95 % CIs of both sides (a share's clipped to [0, 1]), the paired difference with its
    CI in the KPI's unit, the relative change with its CI in percent (the CI over |before|, never
    below -100 %, n/a on a negligible base); shaded exactly where the paired CI excludes zero."""
    run_dir, _, html = compare_report
    comparison = json.loads((run_dir / "comparison.json").read_text())
    section = html[html.index("<h2>KPIs</h2>"):]
    section = section[:section.index("</table>")]
    rows = re.findall(r"<tr( class=significant)?><td>([a-z0-9_]+)</td>" + "<td>([^<]*)</td>" * 6 + "</tr>", section)
    assert [r[1] for r in rows] == list(comparison), "one row per KPI, in comparison.json's order"
    for shaded, name, before, before_ci, after, after_ci, diff_cell, rel_cell in rows:
        c = comparison[name]
        share = unit_of(name) == "share"
        for cell in (before, after):
            assert cell == "n/a" or cell.endswith("%") == share, (name, cell)
        assert_shows(parse_number(before), c["before"]["mean"], f"{name} before")
        assert_shows(parse_number(after), c["after"]["mean"], f"{name} after")
        for side, cell in (("before", before_ci), ("after", after_ci)):
            for parsed, key in zip(parse_interval(cell), ("ci_low", "ci_high")):
                value = c[side][key]
                if share and value is not None:
                    value = min(max(value, 0.0), 1.0)
                assert_shows(parsed, value, f"{name} {side} {key}")
        diff, diff_ci = split_change(diff_cell)
        assert diff == "n/a" or diff.endswith(" pp") == share, (name, diff_cell)
        assert_shows(parse_number(diff), c["diff"]["mean"], f"{name} diff")
        for parsed, key in zip(parse_interval(diff_ci), ("ci_low", "ci_high")):
            value = c["diff"][key]
            if share and value is not None:
                value = min(max(value, -1.0), 1.0)
            assert_shows(parsed, value, f"{name} diff {key}")
        rel, rel_ci = split_change(rel_cell)
        base = c["before"]["mean"]
        if rel == "n/a":  # a negligible base: below 0.01 h / CNY, 0.05 pp, half a box, or its CI covers zero
            low_b, high_b = c["before"]["ci_low"], c["before"]["ci_high"]
            covers_zero = low_b is not None and low_b <= 0 <= high_b
            assert base is None or abs(base) < NEGLIGIBLE[unit_of(name)] or covers_zero, name
        else:
            assert rel.endswith("%") and rel_ci.endswith("%]"), (name, rel_cell)
            assert_shows(parse_number(rel), c["rel_change"], f"{name} change")
            for parsed, key in zip(parse_interval(rel_ci.replace("%", "")), ("ci_low", "ci_high")):
                value = max(c["diff"][key] / abs(base), -1.0) if c["diff"][key] is not None else None
                assert_shows((parsed[0] / 100, parsed[1] / 100), value, f"{name} change {key}")
        low, high = c["diff"]["ci_low"], c["diff"]["ci_high"]
        excludes_zero = low is not None and high is not None and math.isfinite(low) and math.isfinite(high) \
            and (low > 0 or high < 0)
        assert bool(shaded) == excludes_zero, name
    assert sum(bool(r[0]) for r in rows) >= 10, "the reform moves many KPIs beyond their paired CI"


def verdict(model: float, spec: dict) -> str:
    if "low" in spec:
        return "pass" if spec["low"] <= model <= spec["high"] else "fail"
    half = spec["tolerance"] * (abs(spec["value"]) if spec.get("relative") else 1.0)
    return "pass" if abs(model - spec["value"]) <= half else "fail"


def section_of(html: str) -> str:
    return html[html.index("<h2>Model vs record</h2>"):html.index("<h2>Resolved configuration</h2>")]


def test_report_shows_calibration_status(compare_report, tmp_path):
    run_dir, _, html = compare_report
    section = section_of(html)
    for tid in ("T1", "T2", "T9"):
        assert f"<td>{tid}</td>" in section
    assert "not evaluable here: needs two demand scenarios" in section
    # Verdicts worked out from comparison.json and targets.yaml: T4 a volume scaled to full scale,
    # T2 the inland cost's relative change.
    comparison = json.loads((run_dir / "comparison.json").read_text())
    targets = yaml.safe_load((REPO / "scenarios" / "dalian" / "targets.yaml").read_text())
    t4 = comparison["throughput_teu_per_year"]["before"]["mean"] / 0.05
    t1 = comparison["export_release_within_24h_share"]["after"]["mean"]
    t2 = comparison["inland_logistics_cost_cny_per_teu_mean"]["rel_change"]
    for tid, model in (("T1", t1), ("T2", t2), ("T4", t4)):
        assert re.search(rf"<td>{tid}</td>((?!</tr>).)*class='{verdict(model, targets[tid])}'", section), tid
    assert "<td>before_reform -&gt; after_reform</td>" in section  # T2, the reform effect
    # T11 is regional integration's own effect: the reform with it against the reform without it,
    # never judged on this run's before_reform baseline.
    assert re.search(r"<td>T11</td>((?!</tr>).)*class='not-evaluable'[^>]*>not evaluable here: needs a comparison "
                     r"of without_regional_integration \(before\) with after_reform \(after\); this run has "
                     r"before: before_reform", section)
    # The same numbers stored as a run of that what-if: T11 is the inland door time's change in hours.
    relabelled = copy_of(run_dir, tmp_path / "what_if", without=("*.parquet",))
    config = yaml.safe_load((relabelled / "config.yaml").read_text())
    config["baseline"]["name"] = "without_regional_integration"
    (relabelled / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    run = load_run(relabelled)
    table = report.model_vs_record_table(check_targets(run, load_targets(targets_path(run))))
    t11 = comparison["inland_door_hours_mean"]["diff"]["mean"]
    assert re.search(rf"<td>T11</td>((?!</tr>).)*<td>without_regional_integration -&gt; after_reform</td>"
                     rf"<td>-24.00 to -12.00 h</td><td>{re.escape(format_number(t11))}</td>((?!</tr>).)*"
                     rf"class='{verdict(t11, targets['T11'])}'", table)


def test_model_vs_record_lists_every_target_with_its_source_record_and_model(compare_report):
    """One row per target of targets.yaml, in its order: the source as written there, the record
    (value and tolerance, range, or structure), the model with its CI, and a verdict in words."""
    run_dir, _, html = compare_report
    section = section_of(html)
    targets = yaml.safe_load((REPO / "scenarios" / "dalian" / "targets.yaml").read_text())
    rows = re.findall(r"<tr id='target-([^']+)'>(.*?)</tr>", section)
    assert [tid for tid, _ in rows] == list(targets)
    cells = {tid: re.findall(r"<td[^>]*>(.*?)</td>", row) for tid, row in rows}
    for tid, spec in targets.items():
        _, _, source, _, record, model, ci, verdict_text = cells[tid]
        assert source == report._esc(spec["source"]), tid
        assert verdict_text.split(":")[0] in ("met", "not met", "not evaluable here"), tid
        assert (model == "") == verdict_text.startswith("not evaluable here"), tid
    comparison = json.loads((run_dir / "comparison.json").read_text())
    assert cells["T3_import"][4] == "1.36 h ± 30 %"
    assert cells["T2"][4] == "-30.0% to -20.0%"
    assert cells["T10_order"][4] == "largest: preparing &gt; removal"
    assert cells["T10_order"][5].startswith(max(("unloading", "preparing", "clearance", "removal"), key=lambda s:
                                                comparison[f"import_stage_share_{s}"]["after"]["mean"]))
    before = comparison["import_customs_work_hours_mean"]["before"]
    assert cells["T3_import"][5] == f"{before['mean']:.2f}"
    assert cells["T3_import"][6] == f"[{before['ci_low']:.2f}, {before['ci_high']:.2f}]"
    assert cells["T12_wait"][7] == "not evaluable here: needs a run with demand.scale = 1.0 (this run has 0.05)"
    assert cells["T8"][3] == "input" and cells["T8"][7] == "met"


def test_report_embeds_the_resolved_config(compare_report):
    run_dir, _, html = compare_report
    config = html[html.index("<pre>") + 5:html.index("</pre>")]
    assert "horizon_days: 10.0" in config
    assert config.replace("&#x27;", "'").replace("&quot;", '"') == (run_dir / "config.yaml").read_text()


def test_report_without_targets_says_so(tmp_path_factory, tmp_path, monkeypatch):
    run_dir = copy_of(stored_run(tmp_path_factory, "compare"), tmp_path / "run",
                      without=("consignments.parquet",))
    monkeypatch.setattr("sim.config.locations.SCENARIOS_DIR", tmp_path / "no-scenarios")
    html = report.write_report(run_dir, tmp_path / "r.html").read_text()
    assert "No targets file" in html
    assert "Not available for this run" in html and "output.consignments=none" in html
    assert html.count("<img") == 2  # the KPI table and the cost breakdown need no consignment table


def test_single_regime_report(tmp_path_factory, tmp_path):
    run_dir = copy_of(stored_run(tmp_path_factory, "single"), tmp_path / "run")
    html = report.write_report(run_dir).read_text()
    assert "(single regime)" in html
    assert html.count("<img") == int(re.search(r'data-count="(\d+)"', html).group(1)) >= 12
    section = section_of(html)
    # the 2015 regime alone: its own targets are checked, the 2011 ones and the reform effect are not
    t1 = json.loads((run_dir / "kpis.json").read_text())["export_release_within_24h_share"]["mean"]
    targets = yaml.safe_load((REPO / "scenarios" / "dalian" / "targets.yaml").read_text())
    assert re.search(rf"<td>T1</td>((?!</tr>).)*class='{verdict(t1, targets['T1'])}'", section)
    assert "not evaluable here: measured under before_reform, which this run does not simulate (single: after_reform)" \
        in section
    assert "needs a comparison of before_reform (before) with after_reform (after)" in section


def test_command_line_writes_where_it_is_told(tmp_path_factory, tmp_path):
    run_dir = copy_of(stored_run(tmp_path_factory, "compare"), tmp_path / "run", without=("consignments.parquet",))
    proc = run_report(str(run_dir), "--out", str(tmp_path / "shared.html"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"report: {tmp_path / 'shared.html'}\n" and proc.stderr == ""
    assert (tmp_path / "shared.html").read_text().count("<img") == 3  # KPI table, costs, calibration
    assert not (run_dir / "report.html").exists()


def _damage(run_dir, how: str):
    if how == "corrupt_json":
        (run_dir / "comparison.json").write_text('{"export_release_within_24h_share": {"before": ')
        return run_dir / "comparison.json", "not valid JSON"
    if how == "not_parquet":
        (run_dir / "consignments.parquet").write_text("hello")
        return run_dir / "consignments.parquet", "not a readable Parquet file"
    if how == "damaged_parquet":  # footer intact, data pages garbled: only reading the columns finds out
        path = run_dir / "consignments.parquet"
        data = bytearray(path.read_bytes())
        middle = len(data) // 2
        data[middle - 20000:middle + 20000] = bytes(40000)
        path.write_bytes(bytes(data))
        return path, "not a readable Parquet file"
    if how == "no_results":
        (run_dir / "comparison.json").unlink()
        return run_dir, "no results here"
    raise ValueError(how)


@pytest.mark.parametrize("how", ["corrupt_json", "not_parquet", "damaged_parquet", "no_results"])
def test_bad_run_directory_gets_one_line_and_no_report(tmp_path_factory, tmp_path, capsys, how):
    run_dir = copy_of(stored_run(tmp_path_factory, "compare"), tmp_path / "run")
    culprit, problem = _damage(run_dir, how)
    with pytest.raises(SystemExit) as exit_:
        report_cli.main([str(run_dir)])
    assert exit_.value.code == report.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert str(culprit) in err and problem in err, err
    assert not (run_dir / "report.html").exists()
    assert not list(run_dir.glob(".report.html*")), "no partial report"


def test_missing_directory_from_the_command_line(tmp_path):
    proc = run_report(str(tmp_path / "nowhere"))
    assert proc.returncode == report.EXIT_BAD_INPUT
    assert proc.stderr == f"error: {tmp_path / 'nowhere'}: no such directory\n"
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_output_directory_must_exist(tmp_path_factory, tmp_path, capsys):
    run_dir = stored_run(tmp_path_factory, "compare")
    with pytest.raises(SystemExit) as exit_:
        report_cli.main([str(run_dir), "--out", str(tmp_path / "missing" / "r.html")])
    assert exit_.value.code != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no directory" in err and str(tmp_path / "missing") in err


def test_report_prices_each_side_s_staffing(compare_report):
    from sim.outputs.resources import resource_costs

    run_dir, _, text = compare_report
    section = text.split("<h2>Resource cost</h2>", 1)[1].split("<h2>", 1)[0]
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    for side in ("baseline", "regime"):  # before, after
        total = resource_costs(config["port"], config[side], config["costs"])["total"]
        assert f"<td>{total / 1e6:,.1f}</td>" in section.split("<td>total</td>", 1)[1]
