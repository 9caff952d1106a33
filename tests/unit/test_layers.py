"""The package's shape: no import cycle anywhere in `sim` (function-level imports included),
and the layer contracts of pyproject.toml hold (the same check `make test` runs first)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("sim")


def cycles(graph) -> list[str]:
    """Every direct import a -> b with a chain back from b to a, as `a -> b -> ... -> a`."""
    found = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                found.append(" -> ".join((module, *back)))
    return found


def test_no_import_cycle(graph):
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(found)


def test_a_cycle_would_be_found():
    """The check above can fail: a graph with one planted back-edge reports it."""
    planted = grimp.build_graph("sim")
    planted.add_import(importer="sim.domain.codes", imported="sim.viz.report")
    assert any(c.startswith("sim.domain.codes -> sim.viz.report") for c in cycles(planted))


def test_layer_contracts_hold():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is a test dependency (pyproject.toml)"
    proc = subprocess.run([exe, "--no-cache"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
