"""The docs match the tree: the layout page (docs/reference/layout.md) names every path that
exists and every module of every package folder under sim/, the files the docs name are real,
and the links of the pages outside the site (README, CONTRIBUTING) lead somewhere."""
from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAYOUT = REPO / "docs" / "reference" / "layout.md"


def layout_entries() -> dict[str, str]:
    """{path: its description} from the first code block of the layout page."""
    block = LAYOUT.read_text().split("```", 2)[1]
    entries, current = {}, None
    for line in block.splitlines():
        if line and not line[0].isspace():
            current, _, rest = line.partition(" ")
            entries[current] = rest
        elif current:
            entries[current] += " " + line.strip()
    return entries


def test_the_layout_page_lists_something():
    assert {"sim/model/", "sim/cli/", "configs/", "tests/"} <= set(layout_entries())


def test_every_listed_path_exists():
    missing = [path for path in layout_entries() if not (REPO / path).exists()]
    assert not missing, f"the layout page names paths that do not exist: {missing}"


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
    assert not unlisted, f"not described on the layout page (docs/reference/layout.md): {unlisted}"


DOCS = ("README.md", "CONTRIBUTING.md", "notebooks/README.md", "scenarios/dalian/README.md", "benchmarks/RESULTS.md",
        *(str(p.relative_to(REPO)) for p in sorted((REPO / "docs").rglob("*.md")) if "tutorials" not in p.parts))


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
    assert len(DOCS) > 20
    assert not missing, f"docs name files that do not exist: {missing}"


def test_links_outside_the_site_lead_to_files():
    """README and CONTRIBUTING are read on their own (the strict site build checks docs/ only):
    every relative link goes to a file, and every #anchor to a heading of that file."""
    broken = []
    for doc in ("README.md", "CONTRIBUTING.md"):
        for target in re.findall(r"\]\(([^)\s]+)\)", (REPO / doc).read_text()):
            if "://" in target:
                continue
            path, _, anchor = target.partition("#")
            page = REPO / path
            if not page.is_file():
                broken.append(f"{doc}: {target}")
            elif anchor and anchor not in {slug(h) for h in re.findall(r"(?m)^#+ (.+)$", page.read_text())}:
                broken.append(f"{doc}: {target} (no such heading)")
    assert not broken, f"broken links: {broken}"


def slug(heading: str) -> str:
    """The anchor MkDocs gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[\s]+", "-", re.sub(r"[^\w\s-]", "", heading.strip().lower()))
