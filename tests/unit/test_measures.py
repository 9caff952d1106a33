"""A regime differs from the one it starts from only where a named reform measure says so.

`configs/regime/after_reform.yaml` is before_reform plus the measure files of
`configs/regime/measure/`, each holding only the keys it changes, every line with its source
or reason. These tests keep that structural: every measure key is a regime key, every measure
line says where it comes from, before_reform + the measures (merged by hand, without Hydra) is
exactly the composed after_reform, no key differs between the two regimes unless a measure sets
it, and the `measures` list recorded in the resolved config is the defaults list.
"""
from __future__ import annotations

import re
import shutil

import pytest
import yaml
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.cli.compose import CONFIG_DIR
from sim.config.schema import RegimeConfig
from tests.conftest import REPO
from tests.unit.test_provenance import MARKER, comment_of, config_files

REGIMES = REPO / "configs" / "regime"
MEASURES = REGIMES / "measure"
MEASURE_FILES = sorted(MEASURES.glob("*.yaml"))
OWN_KEYS = {"defaults", "name", "description", "measures"}
"""All a composed regime file may set itself: the rest comes from the files it lists."""


def load(path) -> dict:
    return yaml.safe_load(path.read_text()) or {}


def leaves(node, prefix: str = "") -> dict:
    """{dotted.path: value} for every leaf of a mapping; a list is one leaf (YAML lists replace)."""
    if not isinstance(node, dict):
        return {prefix: node}
    out = {}
    for key, value in node.items():
        out.update(leaves(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def measure_names(path) -> list[str]:
    """The measures a regime file's defaults list applies, in order (`measure/NAME@_here_`)."""
    names = []
    for entry in load(path).get("defaults", []):
        if isinstance(entry, str) and entry.startswith("measure/"):
            names.append(entry.removeprefix("measure/").split("@")[0])
    return names


def composed_regime(option: str, package: str = "regime") -> dict:
    """The regime node as `python -m sim` composes it (interpolations unresolved)."""
    group = "regime" if package == "regime" else f"regime@{package}"
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"{group}={option}"])
    return OmegaConf.to_container(cfg[package], resolve=False)


def base_of(path) -> str | None:
    """The regime a composed regime file starts from (`- NAME@_here_` in its defaults list), or None."""
    for entry in load(path).get("defaults", []):
        if isinstance(entry, str) and not entry.startswith("measure/") and entry != "_self_":
            return entry.split("@")[0]
    return None


def parts_by_hand(name: str) -> list[dict]:
    """The files a regime's defaults list merges, in order, down to the regime written out in full:
    its base's parts, then its measures, then its own labels."""
    path = REGIMES / f"{name}.yaml"
    base = base_of(path)
    if base is None:
        return [load(path)]
    own = {k: v for k, v in load(path).items() if k != "defaults"}
    return parts_by_hand(base) + [load(MEASURES / f"{m}.yaml") for m in measure_names(path)] + [own]


CHAINED = [p for p in sorted(REGIMES.glob("*.yaml")) if measure_names(p)]
"""Regime files that apply measures on top of another regime (after_reform, the later reforms, what-ifs)."""
TIMELINE = ["before_reform", "after_reform", "national_integration_2017", "ciq_merger_2018", "facilitation_2019"]
"""The real timeline: each regime starts from the one before it."""


def by_hand(base: str, measures: list[str], own: dict) -> dict:
    """base + measures + the regime's own keys, merged onto the schema in that order: what the
    defaults list `[base@_here_, measure/...@_here_, ..., _self_]` should compose."""
    parts = [load(REGIMES / f"{base}.yaml")] + [load(MEASURES / f"{m}.yaml") for m in measures] + [own]
    merged = OmegaConf.merge(OmegaConf.structured(RegimeConfig), *parts)
    return OmegaConf.to_container(merged, resolve=False)


def test_there_are_measures_and_the_provenance_test_reads_them():
    assert len(MEASURE_FILES) >= 19  # 9 of the 2015-16 reform, 3 of 2017, 3 of 2018, 4 of 2019
    assert set(MEASURE_FILES) <= set(config_files())  # tests/unit/test_provenance.py covers the subfolder


@pytest.mark.parametrize("path", MEASURE_FILES, ids=lambda p: p.stem)
def test_every_measure_key_is_a_regime_key(path):
    """A measure changes keys the 2014 regime has (the schema's, and no new direction or cargo
    class in a mapping), and its values have the schema's types."""
    before = leaves(composed_regime("before_reform"))
    keys = leaves(load(path))
    assert keys, f"{path.name} changes nothing"
    unknown = [k for k in keys if k not in before]
    assert not unknown, f"{path.name}: not keys of a regime: {unknown}"
    assert not set(keys) & {"name", "description", "measures"}, "a measure changes parameters, not labels"
    OmegaConf.merge(OmegaConf.structured(RegimeConfig), load(path))  # raises on a wrong type


@pytest.mark.parametrize("path", MEASURE_FILES, ids=lambda p: p.stem)
def test_every_measure_line_has_provenance(path):
    """Every leaf (numbers, but also flags and lists) names a source, derivation or estimate on its
    line or an enclosing key's: a measure is a claim about the reform."""
    lines = path.read_text().splitlines()
    bad = []

    def walk(node, key_lines):
        if isinstance(node, (yaml.ScalarNode, yaml.SequenceNode)):
            if not any(MARKER.search(comment_of(lines[n])) for n in (node.start_mark.line, *key_lines)):
                bad.append(f"{path.name}:{node.start_mark.line + 1}")
        else:
            for key, value in node.value:
                walk(value, key_lines + (key.start_mark.line,))

    walk(yaml.compose(path.read_text()), ())
    assert not bad, f"measure lines without S:, D:, estimated or calibrated: {bad}"


@pytest.mark.parametrize("path", CHAINED, ids=lambda p: p.stem)
def test_a_composed_regime_sets_only_its_labels_and_records_its_measures(path):
    data = load(path)
    assert set(data) <= OWN_KEYS, f"{path.name} sets parameters itself: {set(data) - OWN_KEYS}"
    assert data["measures"] == measure_names(path), "`measures` must equal the defaults list, in order"
    assert data["defaults"][-1] == "_self_"
    for name in measure_names(path):
        assert (MEASURES / f"{name}.yaml").is_file(), name
    assert composed_regime(path.stem)["measures"] == measure_names(path)


def test_before_reform_plus_the_measures_is_after_reform_exactly():
    """The Hydra composition (as `regime` and as `regime@baseline`) equals a plain merge of
    before_reform, each measure in order, and after_reform's own labels: same keys, same values."""
    own = {k: v for k, v in load(REGIMES / "after_reform.yaml").items() if k != "defaults"}
    expected = by_hand("before_reform", measure_names(REGIMES / "after_reform.yaml"), own)
    assert composed_regime("after_reform") == expected
    assert composed_regime("after_reform", package="baseline") == expected
    assert composed_regime("before_reform")["measures"] == []


@pytest.mark.parametrize("path", CHAINED, ids=lambda p: p.stem)
def test_a_chained_regime_is_its_base_plus_its_measures_exactly(path):
    """Any depth of chain (2019 on 2018 on 2017 on after_reform on before_reform): the Hydra
    composition, as `regime` and as `regime@baseline`, equals a plain merge of every file down the
    chain in order."""
    merged = OmegaConf.merge(OmegaConf.structured(RegimeConfig), *parts_by_hand(path.stem))
    expected = OmegaConf.to_container(merged, resolve=False)
    assert composed_regime(path.stem) == expected
    assert composed_regime(path.stem, package="baseline") == expected


def test_the_timeline_is_a_chain():
    """Each regime of the real timeline starts from the one before it and records its own step's measures."""
    for earlier, later in zip(TIMELINE, TIMELINE[1:]):
        assert base_of(REGIMES / f"{later}.yaml") == earlier
        assert composed_regime(later)["name"] == later


@pytest.mark.parametrize("path", CHAINED, ids=lambda p: p.stem)
def test_a_chained_regime_differs_from_its_base_only_where_its_measures_say(path):
    """Every key that differs from the base regime is set by exactly one of this regime's measures,
    and every key a measure sets differs (no measure restating the value it starts from)."""
    base = leaves(composed_regime(base_of(path)))
    this = leaves(composed_regime(path.stem))
    assert base.keys() == this.keys()
    differ = {k for k in base if base[k] != this[k]} - {"name", "description", "measures"}
    set_by = {}
    for name in measure_names(path):
        for key in leaves(load(MEASURES / f"{name}.yaml")):
            assert key not in set_by, f"{key} set by both {set_by[key]} and {name}: attribution needs one owner"
            set_by[key] = name
    assert differ == set(set_by), (f"differ without a measure: {sorted(differ - set(set_by))}; "
                                   f"set to the base's value (no-op): {sorted(set(set_by) - differ)}")


def test_no_key_differs_between_the_regimes_unless_a_measure_sets_it():
    before = leaves(composed_regime("before_reform"))
    after = leaves(composed_regime("after_reform"))
    assert before.keys() == after.keys()
    differ = {k for k in before if before[k] != after[k]} - {"name", "description", "measures"}
    set_by = {}
    for name in measure_names(REGIMES / "after_reform.yaml"):
        for key in leaves(load(MEASURES / f"{name}.yaml")):
            assert key not in set_by, f"{key} set by both {set_by[key]} and {name}: attribution needs one owner"
            set_by[key] = name
    assert differ == set(set_by), (f"differ without a measure: {sorted(differ - set(set_by))}; "
                                   f"set to the 2014 value (no-op): {sorted(set(set_by) - differ)}")


def test_officers_resolve_per_regime_calendar():
    """`officers` stays before_reform's interpolation: 300 on office hours, 76 round the clock."""
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="config")
    assert (cfg.baseline.officers, cfg.regime.officers) == (300, 76)


def test_a_what_if_without_one_measure(tmp_path):
    """The recipe in docs/reference/configuration.md: a regime file listing every measure but one
    composes to after_reform with that measure's keys back at their 2014 values (here: paperless)."""
    configs = tmp_path / "configs"
    shutil.copytree(CONFIG_DIR, configs)
    text = (REGIMES / "after_reform.yaml").read_text()
    text = re.sub(r"^  - measure/paperless@_here_\n", "", text, flags=re.MULTILINE)
    text = text.replace("name: after_reform", "name: no_paperless").replace(" paperless,", "")
    (configs / "regime" / "no_paperless.yaml").write_text(text)
    with initialize_config_dir(config_dir=str(configs), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["regime=no_paperless", "regime@baseline=after_reform"])
    what_if, after = (leaves(OmegaConf.to_container(cfg[p], resolve=True)) for p in ("regime", "baseline"))
    before = leaves(composed_regime("before_reform"))
    assert "paperless" not in what_if["measures"] and "paperless" in after["measures"]
    assert what_if["pre_arrival_share"] == before["pre_arrival_share"] == 0.1
    assert what_if["doc_check_hours_mean.import"] == 0.75 and after["doc_check_hours_mean.import"] == 0.5
    differ = {k for k in what_if if what_if[k] != after[k]} - {"name", "description", "measures"}
    assert differ == set(leaves(load(MEASURES / "paperless.yaml")))
