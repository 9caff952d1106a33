"""README's layout section matches the tree: every path it names exists, and every module of
every package folder under sim/ is named in that folder's entry."""
from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def layout_entries() -> dict[str, str]:
    """{path: its description} from the code block under '## Layout'."""
    text = (REPO / "README.md").read_text()
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    entries, current = {}, None
    for line in block.splitlines():
        if line and not line[0].isspace():
            current, _, rest = line.partition(" ")
            entries[current] = rest
        elif current:
            entries[current] += " " + line.strip()
    return entries


def test_every_listed_path_exists():
    missing = [path for path in layout_entries() if not (REPO / path).exists()]
    assert not missing, f"README layout names paths that do not exist: {missing}"


def test_every_package_and_module_is_listed():
    entries = layout_entries()
    unlisted = []
    for package in sorted(p for p in (REPO / "sim").iterdir() if (p / "__init__.py").is_file()):
        key = f"sim/{package.name}/"
        if key not in entries:
            unlisted.append(key)
            continue
        for module in sorted(package.glob("*.py")):
            if module.name != "__init__.py" and not re.search(rf"\b{module.stem}\b", entries[key]):
                unlisted.append(f"{key}{module.name}")
    assert not unlisted, f"not described in README's layout section: {unlisted}"


DOCS = ("README.md", "CONTRIBUTING.md", "notebooks/README.md", "scenarios/dalian/README.md", "benchmarks/RESULTS.md")


def test_paths_named_in_the_docs_exist():
    """`sim/...py`, `tests/...py` and `benchmarks/...py` paths named in the docs are real files."""
    missing = []
    for doc in DOCS:
        path = REPO / doc
        if not path.is_file():
            continue
        for named in re.findall(r"`((?:sim|tests|benchmarks)/[\w/]+\.py)`", path.read_text()):
            if not (REPO / named).is_file():
                missing.append(f"{doc}: {named}")
    assert not missing, f"docs name files that do not exist: {missing}"
