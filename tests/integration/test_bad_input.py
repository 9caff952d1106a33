"""Bad input: one `error: <dotted.key>: <problem>` line, exit 2, no traceback, no results directory.

The whole catalogue runs in-process through `first_config_error` (about 0.2 s a case);
a handful also goes through the real CLI to check the exit status, stderr and that
nothing was written.
"""
from __future__ import annotations

import pytest
from conftest import REPO, SMALL, make_config, run_cli

from sim.cli.preflight import first_config_error
from sim.config import ConfigError, validate

# Every regime file a planner can name, as the one-line message lists them.
REGIME_FILES = ", ".join(sorted(p.stem for p in (REPO / "configs" / "regime").glob("*.yaml")))

# (overrides, key the message must start with, words the problem must contain)
CASES = [
    # 1. wrong types (OmegaConf rejects bools for int and float fields)
    ("run.replications=abc", "run.replications", "could not be converted to Integer"),
    ("port.terminals.dct.berths=2.5", "port.terminals.dct.berths", "could not be converted to Integer"),
    ("run.horizon_days=true", "run.horizon_days", "could not be converted to Float"),
    ("experiment.report=maybe", "experiment.report", "not a valid bool"),
    ("output.consignments=some", "output.consignments", "unknown choice 'some'; expected one of auto, full, sample, none"),
    ("output.sample_share=0", "output.sample_share", "must be in (0, 1]"),
    ("output.event_log_start=2015-07-07", "output.event_log_start", "2015-07-07 is a Tuesday; the model's week starts on a Monday"),
    ("output.event_log_start=July", "output.event_log_start", "'July' is not a date (YYYY-MM-DD)"),
    ("output.event_log=maybe", "output.event_log", "unknown choice 'maybe'; expected one of false, true, ocel, xes, both"),
    (("output.event_log=true", "output.consignments=none"), "output.event_log",
     "output.consignments=none keeps no consignment table to write the event log from"),
    (("output.event_log=both", "experiment=single", "run.summary_only=true", "run.horizon_days=63"), "output.event_log",
     "run.summary_only=true keeps no consignment table"),
    (("output.event_log=xes", "experiment=calibrate"), "output.event_log", "a calibrate run writes no event log"),
    ("regime.officer_calendar.days=[1,x]", "regime.officer_calendar.days[1]", "could not be converted to Integer"),
    ("regime.officers=null", "regime.officers", "not Optional"),
    # intermodal: a train that cannot hold one 40-foot box, rail shares without trains,
    # an unknown mode-choice option, an empty plug yard
    ("port.destinations.shenyang.rail_capacity_teu=1", "port.destinations.shenyang.rail_capacity_teu",
     "at least one 40-foot box"),
    (("port.destinations.tongliao.rail_departures=[]", "port.destinations.tongliao.rail_arrivals=[]"),
     "demand.rail_share.tongliao", "has no trains"),
    ("demand.mode_choice=fastest", "demand.mode_choice", "unknown option"),
    ("port.reefer_plugs=0", "port.reefer_plugs", "capacity must be >= 1"),
    # 2. NaN and infinities
    ("run.horizon_days=nan", "run.horizon_days", "must be a finite number"),
    ("demand.scale=inf", "demand.scale", "must be a finite number"),
    ("demand.scale=-inf", "demand.scale", "must be a finite number"),
    ("baseline.duty_hours_mean=nan", "baseline.duty_hours_mean", "must be a finite number"),
    ("demand.services.japan_1.import_boxes_per_call=nan", "demand.services.japan_1.import_boxes_per_call",
     "must be a finite number"),
    ("port.gate.hours_per_truck=inf", "port.gate.hours_per_truck", "must be a finite number"),
    ("regime.officers=1e400", "regime.officers", "could not be converted to Integer"),
    # 3. negative rates and durations
    ("regime.duty_hours_mean=-1", "regime.duty_hours_mean", "must be >= 0"),
    ("port.terminals.dct.crane_moves_per_hour=-5", "port.terminals.dct.crane_moves_per_hour", "must be > 0"),
    ("baseline.acceptance_hours_mean.export=-0.5", "baseline.acceptance_hours_mean.export", "must be >= 0"),
    ("run.drain_days=-1", "run.drain_days", "must be >= 0"),
    ("demand.irregular.calls_per_week=-1", "demand.irregular.calls_per_week", "must be >= 0"),
    ("costs.handling_cny_per_teu=-1", "costs.handling_cny_per_teu", "must be >= 0"),
    ("traders.broker.mean=-4", "traders.broker.mean", "must be >= 0"),
    ("traders.storage_user_share=1.5", "traders.storage_user_share", "must be a probability in [0, 1]"),
    ("demand.services.japan_1.voyage_days=-2", "demand.services.japan_1.voyage_days", "must be >= 0"),
    ("regime.officers=-3", "regime.officers", "capacity must be >= 1"),
    # 3b. zero rates and durations that must be positive
    ("port.terminals.dct.crane_moves_per_hour=0", "port.terminals.dct.crane_moves_per_hour", "must be > 0"),
    ("regime.doc_check_hours_mean.import=0", "regime.doc_check_hours_mean.import", "must be > 0"),
    ("regime.inspection_hours_mean.scan=0", "regime.inspection_hours_mean.scan", "must be > 0"),
    ("demand.scale=0", "demand.scale", "must be > 0"),
    ("run.horizon_days=0", "run.horizon_days", "must be > 0"),
    ("port.rail_terminal.boxes_per_hour_per_track=0", "port.rail_terminal.boxes_per_hour_per_track", "must be > 0"),
    ("demand.services.japan_1.calls_per_week=0", "demand.services.japan_1.calls_per_week", "must be >= 1"),
    ("run.replications=0", "run.replications", "must be >= 1"),
    # 4. probabilities outside [0, 1]
    ("regime.pre_arrival_share=1.5", "regime.pre_arrival_share", "probability in [0, 1]"),
    ("demand.domestic_share=-0.1", "demand.domestic_share", "probability in [0, 1]"),
    # 5. shares not summing to 1
    ("regime.channels.import.general.red=0.5", "regime.channels.import.general", "must sum to 1"),
    ("demand.destination_shares.dalian=0.9", "demand.destination_shares", "must sum to 1"),
    ("demand.class_shares.import.general=0.5", "demand.class_shares.import", "must sum to 1"),
    ("demand.services.japan_1.transship_to.europe_1=0.9", "demand.services.japan_1.transship_to", "must sum to 1"),
    # 6. zero capacities
    ("port.terminals.dct.berths=0", "port.terminals.dct.berths", "capacity must be >= 1"),
    ("regime.officers=0", "regime.officers", "capacity must be >= 1"),
    ("port.inspection_stations.scan.bays=0", "port.inspection_stations.scan.bays", "capacity must be >= 1"),
    ("port.gate.in_lanes=0", "port.gate.in_lanes", "capacity must be >= 1"),
    ("regime.transit.inland_officers=0", "regime.transit.inland_officers", "capacity must be >= 1"),
    ("port.destinations.shenyang.rail_capacity_teu=0", "port.destinations.shenyang.rail_capacity_teu",
     "at least one 40-foot box"),
    # 6b. capacity far below the offered load (sim/stability.py): the queue would grow without end
    # (after the reform: document checks 0.5 h import, 0.2 h export since paperless -> 3,353 h a week over 5 x 168 h)
    ("regime.officers=5", "regime.officers", "offered load 3.99 >= capacity"),
    ("port.inspection_stations.physical.bays=5", "port.inspection_stations.physical.bays", "offered load"),
    # 6c. empty timetables and calendars
    ("port.destinations.shenyang.rail_departures=[]", "port.destinations.shenyang.rail_departures",
     "empty timetable, but demand.rail_share.shenyang sends imports by rail"),
    ("port.destinations.harbin.rail_arrivals=[]", "port.destinations.harbin.rail_arrivals", "sends exports by rail"),
    ("regime.officer_calendar.days=[]", "regime.officer_calendar.days", "at least one working day"),
    ("regime.quarantine.calendar.days=[]", "regime.quarantine.calendar.days", "at least one working day"),
    (("regime.officer_calendar.open_hour=18", "regime.officer_calendar.close_hour=8"), "regime.officer_calendar",
     "need 0 <= open_hour < close_hour <= 24"),
    # 7. unknown keys and unknown group options (these list what is available)
    ("run.foo=1", "run.foo", "unknown key; expected one of horizon_days, warmup_days"),
    ("foo=1", "foo", "unknown key; expected one of run, experiment"),
    ("port.terminals.nope.berths=3", "port.terminals.nope", "unknown key; expected one of dct"),
    ("regime=nonexistent", "regime", f"unknown option 'nonexistent'; available: {REGIME_FILES}"),
    ("experiment=nope", "experiment", "unknown option 'nope'; available: attribution, calibrate, compare, sensitivity, single, timeline"),
    ("regime@baseline=nope", "regime@baseline", f"unknown option 'nope'; available: {REGIME_FILES}"),
    # 8. '+' on schema keys, and '+'/'++' adding keys the schema lacks
    ("+run.seed=5", "run.seed", "already in the schema"),
    ("+run.newkey=1", "run.newkey", "unknown key"),
    ("+regime.newthing=1", "regime.newthing", "unknown key"),
    ("++run.newkey=1", "run.newkey", "unknown key"),
    ("+foo=1", "foo", "unknown key"),
    ("+port.terminals.dct.foo=1", "port.terminals.dct.foo", "unknown key; expected one of berths"),
    ("+regime=after_reform", "regime", "already in the defaults list"),
    ("+demand.scale=2", "demand.scale", "already in the schema"),
    ("port=nope", "port", "unknown option 'nope'; available: dalian"),
    ("+sweep=nope", "sweep", "unknown option 'nope'; available: demand_growth"),
    # 9. cross-field checks
    ("run.warmup_days=28", "run.warmup_days", "must be shorter than run.horizon_days"),
    (("run.horizon_days=5", "run.warmup_days=6"), "run.warmup_days", "must be shorter than run.horizon_days"),
    ("run.horizon_days=7", "run.warmup_days", "must be shorter than run.horizon_days"),  # equal is not shorter
    ("run.replications=1", "run.replications", "needs >= 2 replications"),
    # reefer spoilage: derived from the product mix, which must be a mix
    ("costs.spoilage_share_per_day.reefer=0.01", "costs.spoilage_share_per_day.reefer", "must be 0 when"),
    ("costs.reefer_products.frozen.share=0.5", "costs.reefer_products", "shares must sum to 1"),
    ("regime.transit.export_share_truck=1.5", "regime.transit.export_share_truck", "must be a probability"),
    # 9b. a knob that cannot be applied (sim/config/knobs.py): names the cell and what it allows
    ("regime.channel_factors.red=6", "regime.channel_factors",
     ("red x6 leaves regime.channels.import.reefer.green at -0.25 (< 0): yellow 0.35 -> 0.35, red 0.15 -> 0.9; "
      "this cell allows red up to x4.333")),
    ("baseline.channel_factors.yellow=3", "baseline.channel_factors", "leaves baseline.channels.import.general.green at -0.08"),
    ("regime.channel_factors.red=-0.5", "regime.channel_factors.red", "must be a finite number >= 0"),
    ("regime.channel_factors.red=nan", "regime.channel_factors.red", "must be a finite number"),
    ("regime.channel_factors.green=2", "regime.channel_factors.green", "unknown key; expected one of yellow, red"),
    # 9c. a run that cannot fit in memory (sim/config/footprint.py): refused from the config, before anything is drawn
    ("run.horizon_days=1e12", "run.horizon_days", "consignments and"),
    (("demand.scale=1e6", "run.allow_overload=true"), "demand.scale", "this machine has"),
    ("run.replications=1000000000", "run.replications", "2e+09 replication results held"),
    (("experiment=single", "run.replications=1", "run.horizon_days=365070"), "run.horizon_days",
     "run.summary_only=true would fit"),
    # 9d. studies (sim/cli/study.py): a timeline of one regime, a regime twice or unknown; an unknown
    # measure, a measure without a file, a regime that differs from its base by more than its measures
    (("experiment=timeline", "experiment.regimes=[after_reform]"), "experiment.regimes",
     "a timeline needs at least two regimes, got 1"),
    (("experiment=timeline", "experiment.regimes=[before_reform,after_reform,before_reform]"), "experiment.regimes",
     "regime 'before_reform' appears twice"),
    (("experiment=timeline", "experiment.regimes=[before_reform,nope]"), "experiment.regimes",
     "unknown regime 'nope'; available: after_reform, before_reform"),
    (("experiment=attribution", "experiment.measures=[paperless,nope]"), "experiment.measures",
     "unknown measure 'nope'; after_reform's measures: regional_integration"),
    (("experiment=attribution", "regime.measures=[paperless,nope]"), "regime.measures",
     "after_reform names measure 'nope', which has no file regime/measure/nope.yaml"),
    (("experiment=attribution", "regime=red_channel_x2"), "regime",
     "red_channel_x2 differs from its base (after_reform) with all its measures at channel_factors_applied.red"),
    (("experiment=attribution", "experiment.permutations=1"), "experiment.permutations", "must be >= 2"),
    (("experiment=timeline", "experiment.figure_kpis=[nope]"), "experiment.figure_kpis", "unknown KPI 'nope'"),
    # 10. bad override syntax
    ("run.seed=[", "run.seed", "cannot parse override"),
    ("run.seed=1,2", "run.seed", "is a sweep"),
]


@pytest.mark.parametrize("overrides, key, problem", CASES, ids=[str(c[0]) for c in CASES])
def test_bad_input_is_one_line_naming_the_key(overrides, key, problem):
    overrides = [overrides] if isinstance(overrides, str) else list(overrides)
    message = first_config_error(overrides)
    assert message is not None, "bad input was accepted"
    assert message.startswith(f"{key}: "), message
    assert problem in message
    assert "\n" not in message


@pytest.mark.parametrize("overrides", [
    [],
    [*SMALL, "hydra.run.dir=/tmp/portclear-never-created"],
    ["experiment=single", "run.replications=1", "++run.seed=5", "regime@baseline=after_reform"],
    ["+load=dalian_congested"],  # '+' for a group the defaults list lacks (not "already in the defaults list")
    ["experiment=timeline", "experiment.regimes=[before_reform,after_reform,red_channel_x2]"],
    ["experiment=attribution"],
    ["output.event_log=true"],
    ["output.event_log=both", "output.consignments=sample"],
], ids=["defaults", "small", "single", "add_group", "timeline", "attribution", "event_log", "event_log_sample"])
def test_valid_input_passes(overrides):
    assert first_config_error(overrides) is None


def test_validate_rejects_stray_attributes_and_bools():
    """Configs built without Hydra get the same checks: a typo'd attribute, a bool for a number."""
    cfg = make_config()
    cfg.run.horizon = 3
    with pytest.raises(ConfigError, match=r"^run\.horizon: unknown key"):
        validate(cfg)
    cfg = make_config()
    cfg.regime.officers = True
    with pytest.raises(ConfigError, match=r"^regime\.officers: must be a number"):
        validate(cfg)


def _emptied(path: str):
    def empty(cfg):
        *parents, name = path.split(".")
        node = cfg
        for p in parents:
            node = getattr(node, p)
        setattr(node, name, {})
        if path == "demand.services":
            cfg.demand.irregular.calls_per_week = 0.0
    return empty


@pytest.mark.parametrize("path, key, problem", [
    ("demand.services", "demand.services", "nothing arrives"),
    ("port.terminals", "port.terminals", "at least one terminal"),
    ("port.destinations", "port.destinations", "at least one destination"),
    ("demand.destination_shares", "demand.destination_shares", "at least one share"),
])
def test_validate_rejects_empty_services_and_tables(path, key, problem):
    """Empty collections, as a notebook might build them (on the command line Hydra merges `{}` into the dict)."""
    cfg = make_config()
    _emptied(path)(cfg)
    with pytest.raises(ConfigError) as e:
        validate(cfg)
    assert str(e.value).startswith(f"{key}: ") and problem in str(e.value)


@pytest.mark.parametrize("args, key", [
    (["run.replications=abc"], "run.replications"),                      # type error
    (["regime.pre_arrival_share=1.5"], "regime.pre_arrival_share"),      # semantic error
    (["run.foo=1"], "run.foo"),                                          # unknown key
    (["regime@baseline=nope"], "regime@baseline"),                       # unknown group option
    (["+run.seed=5"], "run.seed"),                                       # '+' on a schema key
    (["regime.officers=5"], "regime.officers"),                          # overloaded station (stability)
    (["run.horizon_days=1e12"], "run.horizon_days"),                     # cannot fit in memory
    (["--config-name=config", "run.replications=1"], "run.replications"),  # caught in app(), after Hydra made the dir
    (["experiment=timeline", "experiment.regimes=[after_reform]"], "experiment.regimes"),  # a timeline of one
    (["experiment=attribution", "experiment.measures=[nope]"], "experiment.measures"),     # an unknown measure
    (["output.event_log=true", "output.consignments=none"], "output.event_log"),           # a log without a table
], ids=["type", "semantic", "unknown-key", "unknown-option", "plus-key", "overloaded", "memory", "in-app",
        "timeline-of-one", "unknown-measure", "event-log-without-table"])
def test_cli_bad_input(tmp_path, args, key):
    out = tmp_path / "out"
    result = run_cli(*args, f"hydra.run.dir={out}", timeout=60)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {key}: "), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout == ""
    assert not out.exists(), "bad input left a results directory"
    assert tmp_path.exists(), "removed a directory it did not create"


# Malformed YAML (sim/config/yamlfile.py): `path:line:col: problem`, 1-based as editors count.
# A planner's own regime file (the same loader reads the bundled configs), and the scenario's
# targets.yaml and knobs.yaml that `experiment=calibrate` reads.
HEAD = "defaults:\n  - after_reform\n  - _self_\nname: mine\n"
YAML_CASES = [
    ("regime/tab.yaml", HEAD + "officers:\t60\n", ["regime=tab"],
     "regime/tab.yaml:5:10: found character '\\t' that cannot start any token"),
    ("regime/bracket.yaml", HEAD + "channels: {import: [1, 2\n", ["regime=bracket"],
     "regime/bracket.yaml:6:1: expected ',' or ']', but got '<stream end>' (while parsing a flow sequence at 5:20)"),
    ("regime/indent.yaml", HEAD + "transit:\n  share_truck: 0.3\n    share_rail: 0.2\n", ["regime@baseline=indent"],
     "regime/indent.yaml:7:15: mapping values are not allowed here"),
    ("regime/dup.yaml", HEAD + "officers: 60\nofficers: 70\n", ["regime=dup"],
     "regime/dup.yaml:6:1: found duplicate key officers (while constructing a mapping at 1:1)"),
    ("scenario/targets.yaml", "T1: {value: [1, 2}\n", ["experiment=calibrate"],
     "scenario/targets.yaml:1:18: expected ',' or ']', but got '}'"),
    ("scenario/knobs.yaml", "knobs:\n  - key: a\n   bounds: [1, 2]\n", ["experiment=calibrate"],
     "scenario/knobs.yaml:3:4: expected <block end>, but found '<block mapping start>'"),
]


@pytest.mark.parametrize("name, text, overrides, expected", YAML_CASES, ids=[c[0] for c in YAML_CASES])
def test_malformed_yaml_names_file_line_and_column(tmp_path, name, text, overrides, expected):
    import shutil

    from sim.config.locations import SCENARIOS_DIR

    scenario = tmp_path / "scenario"
    shutil.copytree(SCENARIOS_DIR / "dalian", scenario)
    (tmp_path / name).parent.mkdir(exist_ok=True)
    (tmp_path / name).write_text(text)
    message = first_config_error([*overrides, f"hydra.searchpath=['file://{tmp_path}']", f"scenario.dir={scenario}"])
    assert message.startswith(f"{tmp_path}/{expected}"), message
    assert "\n" not in message


def test_a_file_of_the_wrong_shape_is_named(tmp_path):
    """Well-formed YAML that is not a mapping: no line to point at, so the config is named."""
    (tmp_path / "regime").mkdir()
    (tmp_path / "regime" / "list.yaml").write_text("- a\n- b\n")
    message = first_config_error(["regime=list", f"hydra.searchpath=['file://{tmp_path}']"])
    assert message.startswith("regime/list.yaml: Invalid type assigned: list is not a subclass of RegimeConfig"), message


def test_cli_malformed_yaml_is_one_line_and_writes_nothing(tmp_path):
    (tmp_path / "mine" / "regime").mkdir(parents=True)
    (tmp_path / "mine" / "regime" / "tab.yaml").write_text(HEAD + "officers:\t60\n")
    out = tmp_path / "out"
    result = run_cli("-cd", str(tmp_path / "mine"), "regime=tab", f"hydra.run.dir={out}", timeout=60)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        (f"error: {tmp_path}/mine/regime/tab.yaml:5:10: found character '\\t' that cannot start any token "
         "(while scanning for the next token)")]
    assert result.stdout == "" and not out.exists()


MEASURE_CASES = [
    # a measure that changes a key no regime has
    ("officerz: 3\n", "regime.measure.bogus.officerz", "not a regime key"),
    # a measure that changes a key to a value of the wrong type
    ("transit: {share_truck: lots}\n", "regime.measure.bogus.transit.share_truck", "not a regime key or not of its type"),
]


@pytest.mark.parametrize("text, key, problem", MEASURE_CASES, ids=["unknown-key", "wrong-type"])
def test_bad_measure_file_is_one_line(tmp_path, text, key, problem):
    """A planner's reform whose measure overrides a key that does not exist (or with a wrong type):
    found when the attribution reads the measure, before anything runs."""
    (tmp_path / "regime" / "measure").mkdir(parents=True)
    (tmp_path / "regime" / "measure" / "bogus.yaml").write_text(text)
    (tmp_path / "regime" / "bogus_reform.yaml").write_text(
        "defaults:\n  - before_reform@_here_\n  - _self_\nname: bogus_reform\nmeasures: [bogus]\n")
    message = first_config_error(["experiment=attribution", "regime=bogus_reform",
                                  f"hydra.searchpath=['file://{tmp_path}']"])
    assert message is not None and message.startswith(f"{key}: "), message
    assert problem in message and "\n" not in message


def test_cli_bad_measure_file_writes_nothing(tmp_path):
    own = tmp_path / "own"
    (own / "regime" / "measure").mkdir(parents=True)
    (own / "regime" / "measure" / "bogus.yaml").write_text("officerz: 3\n")
    (own / "regime" / "bogus_reform.yaml").write_text(
        "defaults:\n  - before_reform@_here_\n  - _self_\nname: bogus_reform\nmeasures: [bogus]\n")
    out = tmp_path / "out"
    result = run_cli("--config-dir", str(own), "experiment=attribution", "regime=bogus_reform",
                     f"hydra.run.dir={out}", timeout=60)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("error: regime.measure.bogus.officerz: ")
    assert not out.exists()


# A malformed snapshot (`run.initial_state`, sim/config/snapshot.py): the file, the row, the problem.
SNAPSHOT = REPO / "scenarios" / "dalian" / "snapshot_example.csv"
SNAPSHOT_CASES = [
    # (row id, column, new value) applied to the example; or a whole extra row
    (("I-0004", "status", "on_holiday"), "status: unknown value 'on_holiday'"),
    (("I-0005", "id", "I-0004"), "is in two places: rows"),
    (("I-0001", "hours_in_status", "-3"), "a negative time or count (-3)"),
    (("V-JP1-0708", "discharge_moves", "1800"), "has more moves (1800 to discharge, 150 to load) than its capacity_boxes (1700)"),
    (("I-0002", "hours_in_port", "2"), "hours_in_status (6) is longer than hours_in_port (2)"),
    (("E-0004", "vessel", "V-GHOST"), "vessel 'V-GHOST' is not a vessel row of this snapshot"),
    (("I-0006", "station", ""), "station is required at_inspection and only then"),
    (("I-0001", "taken_at", "2015-07-08T07:00"), "taken_at differs between rows"),
    (("I-0001", "destination", "paris"), "destination: unknown value 'paris'"),
    (("V-IRR-0708", "status", "at_berth"), None),  # valid: dict has 6 berths
]


def _edited_snapshot(tmp_path, rid, column, value):
    lines = SNAPSHOT.read_text().splitlines()
    comments = [line for line in lines if line.startswith("#")]
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO("\n".join(line for line in lines if not line.startswith("#")))))
    for row in rows:
        if row["id"] == rid:
            row[column] = value
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    path = tmp_path / "snapshot.csv"
    path.write_text("\n".join(comments) + "\n" + out.getvalue())
    return path


@pytest.mark.parametrize("edit, problem", SNAPSHOT_CASES, ids=[f"{c[0][1]}-{c[0][2] or 'blank'}" for c in SNAPSHOT_CASES])
def test_malformed_snapshot_is_one_line_naming_row_and_problem(tmp_path, edit, problem):
    path = _edited_snapshot(tmp_path, *edit)
    message = first_config_error([f"run.initial_state={path}", *SMALL])
    if problem is None:
        assert message is None
        return
    assert message is not None and message.startswith("run.initial_state: snapshot.csv"), message
    assert problem in message and "\n" not in message, message


def test_snapshot_file_missing_or_with_summary_only(tmp_path):
    assert first_config_error([f"run.initial_state={tmp_path}/none.csv"]) == f"run.initial_state: {tmp_path}/none.csv: no such file"
    message = first_config_error([f"run.initial_state={SNAPSHOT}", "run.summary_only=true", "run.horizon_days=63"])
    assert message.startswith("run.initial_state: a warm start is one run")


def test_cli_malformed_snapshot_writes_nothing(tmp_path):
    path = _edited_snapshot(tmp_path, "I-0004", "status", "on_holiday")
    out = tmp_path / "out"
    result = run_cli(f"run.initial_state={path}", "run.warmup_days=0", f"hydra.run.dir={out}", timeout=60)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: run.initial_state: snapshot.csv row "), result.stderr
    assert "Traceback" not in result.stdout + result.stderr and result.stdout == ""
    assert not out.exists()
