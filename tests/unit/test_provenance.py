"""Every numeric parameter in configs/ says where it comes from.

A numeric value is a YAML int or float scalar (also inside flow mappings and lists). It
has provenance when a comment on its own line, or on the line of any enclosing key, names
a source (`S:`), a derivation (`D:`), an estimate (`estimated`) or a calibration
(`calibrated`). `configs/hydra/` (launchers) and `configs/sweep/` (sweep definitions:
their numbers are sweep points, not parameters) are skipped. In config.yaml, run settings
experiment/, load/ (regression loads) and optimise/ (studies) files, choices rather than model parameters (seed,
workers, fit size, a load chosen so that every pool queues) may say `setting:`.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sim.uncertainty.priors import comment_of
from tests.conftest import REPO

CONFIGS = REPO / "configs"
SKIP = ("hydra", "sweep")
MARKER = re.compile(r"(\bS:|\bD:|\bestimated\b|\bcalibrated\b)", re.IGNORECASE)
SETTING = re.compile(r"\bsetting:", re.IGNORECASE)
NUMERIC_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def missing_provenance(text: str, name: str = "<string>", allow_setting: bool = False) -> list[str]:
    """`name:line: value` for every numeric scalar in `text` without provenance."""
    lines = text.splitlines()
    comments = [comment_of(line) for line in lines]

    def ok(line_no: int) -> bool:
        c = comments[line_no] if line_no < len(comments) else ""
        return bool(MARKER.search(c) or (allow_setting and SETTING.search(c)))

    bad: list[str] = []

    def walk(node, key_lines: tuple[int, ...]) -> None:
        if isinstance(node, yaml.ScalarNode):
            if node.tag in NUMERIC_TAGS and not any(ok(n) for n in (node.start_mark.line, *key_lines)):
                bad.append(f"{name}:{node.start_mark.line + 1}: {node.value}")
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item, key_lines)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(value, key_lines + (key.start_mark.line,))

    for document in yaml.compose_all(text):
        if document is not None:
            walk(document, ())
    return bad


def config_files() -> list[Path]:
    return sorted(p for p in CONFIGS.rglob("*.yaml") if p.relative_to(CONFIGS).parts[0] not in SKIP)


def test_every_numeric_parameter_has_provenance():
    files = config_files()
    assert any(p.name == "config.yaml" for p in files) and len(files) >= 6
    bad = []
    for path in files:
        rel = path.relative_to(REPO)
        bad += missing_provenance(path.read_text(), str(rel), allow_setting=path.name == "config.yaml" or path.parent.name in ("experiment", "load", "optimise"))
    assert not bad, "numbers without provenance (S:, D:, estimated, calibrated):\n" + "\n".join(bad)


SYNTHETIC = """\
a: 1                 # S: a source
b: 2.5
c: {x: 1, y: 2}      # estimated: guess
d: {x: 1, y: [3, 4]}
e:                   # D: from a and b
  f: 3
  g: [1, 2]
h: "7"               # a string, not a number
i: [0.5, "a # S: inside quotes is not a comment"]
j: text # no number here
k: 4 # calibrated (T1)
"""


def test_detects_missing_provenance_in_synthetic_yaml():
    bad = missing_provenance(SYNTHETIC, "synthetic.yaml")
    assert bad == [
        "synthetic.yaml:2: 2.5",
        "synthetic.yaml:4: 1", "synthetic.yaml:4: 3", "synthetic.yaml:4: 4",
        "synthetic.yaml:9: 0.5",
    ]


def test_own_line_comment_above_key_does_not_count_but_enclosing_key_does():
    text = "# S: file header\nouter:  # estimated: block\n  inner:\n    v: 5\nw: 6\n"
    assert missing_provenance(text, "t.yaml") == ["t.yaml:5: 6"]


@pytest.mark.parametrize("comment,ok", [("S: x", True), ("D: y", True), ("estimated: z", True),
                                        ("calibrated (T1)", True), ("setting: seed", False), ("guess", False)])
def test_markers(comment, ok):
    assert (missing_provenance(f"v: 1  # {comment}\n") == []) == ok


SOURCES = REPO / "scenarios" / "dalian" / "SOURCES.md"
# Where sources and references once lived, outside the repository (spelled in pieces so that
# searching the repository for them finds nothing, this file included).
OUTSIDE = ("../" + "shared", "shared" + "/bench", "DESIGN" + ".md")


def test_cited_sources_sections_exist():
    """A comment citing `SOURCES.md, "Section"` (or `SOURCES.md, Section)`) names a real section."""
    sections = {line.lstrip("#").strip() for line in SOURCES.read_text().splitlines() if line.startswith("## ")}
    cite = re.compile(r'SOURCES\.md,\s*(?:"([^"]+)"|([A-Z][\w ]*)\))')
    cited = 0
    for path in [*CONFIGS.rglob("*.yaml"), *SOURCES.parent.glob("*.yaml")]:
        for match in cite.finditer(path.read_text()):
            cited += 1
            assert (match.group(1) or match.group(2)) in sections, (path, match.group(0))
    assert cited >= 5


def test_nothing_refers_to_files_outside_the_repository():
    files = [p for top in ("sim", "configs", "scenarios", "benchmarks", "notebooks", "tests", "docs")
             for p in (REPO / top).rglob("*") if p.is_file() and p.suffix in (".py", ".yaml", ".md", ".ipynb", ".json")]
    files += [REPO / name for name in ("README.md", "CONTRIBUTING.md", "pyproject.toml", "Makefile", "mkdocs.yml")]
    for path in files:
        if path.resolve() == Path(__file__).resolve():
            continue
        text = path.read_text(errors="replace")
        assert not any(ref in text for ref in OUTSIDE), path


def test_every_target_is_in_the_sources_targets_table():
    """targets.yaml and SOURCES.md's "Targets" table list the same ids (a row may list several)."""
    import yaml

    targets = yaml.safe_load((SOURCES.parent / "targets.yaml").read_text())
    text = SOURCES.read_text()
    table = text[text.index("## Targets"):text.index("\n## ", text.index("## Targets") + 1)]
    ids = {i.strip() for line in table.splitlines() if line.startswith("| T") for i in line.split("|")[1].split(",")}
    assert ids == set(targets)
