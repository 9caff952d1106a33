"""The planner notebooks run top to bottom on their small default settings, and are stored clean.

Executed with nbclient in a Jupyter kernel started from this interpreter (the same packages
as the tests). A notebook fails on any cell error; warnings the notebook code raises show
up as stderr output, which fails it too, so notebooks stay as clean as the test suite.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT_SECONDS = 600
FIGURES = {
    "01_reform_comparison": 5,          # export and import clearance ECDFs, import and export stages, costs
    "02_what_if_sweep": 2,              # response curves, heat map
    "03_calibration": 2,                # calibration targets, warm-up
    "04_intermodal_and_cold_chain": 6,  # train loads, reefer plugs, inland door, transshipment, resources, queues
    "05_reform_attribution": 2,         # waterfalls: import release time, exports within 24 h
    "06_uncertainty": 3,                # uncertainty bands, a tornado, Sobol indices
    "07_staffing": 1,                   # the cost-time Pareto front
    "08_next_72_hours": 1,              # the snapshot's items still in port, hour by hour, plans A and B
}
"""Figures each notebook shows, one per figure cell."""


def test_there_are_eight_planner_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "01_reform_comparison.ipynb", "02_what_if_sweep.ipynb", "03_calibration.ipynb",
        "04_intermodal_and_cold_chain.ipynb", "05_reform_attribution.ipynb", "06_uncertainty.ipynb",
        "07_staffing.ipynb", "08_next_72_hours.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {k} has outputs: clear them before committing"
            assert cell.execution_count is None, f"{path.name} cell {k} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_a_parameter_cell(path: Path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "one cell tagged 'parameters' (papermill-style), saying how to run at full scale"
    assert "full scale" in tagged[0].source.lower()


RUNS = {"01_reform_comparison": 1, "02_what_if_sweep": 6, "03_calibration": 1, "04_intermodal_and_cold_chain": 1,
        "05_reform_attribution": 8,  # 05: the 2^3 subsets of three measures, each a run
        "06_uncertainty": 1,
        "07_staffing": 5,
        "08_next_72_hours": 1}  # 08: plans A and B from one snapshot, one paired compare run
"""Runs each notebook writes into the results folder, each catalogued there. 07_staffing: two studies of 3 trials; both samplers start from the same seed, so the frontier's first
points are the staffing study's, reused (skip-complete by config hash: a study's own settings are not
part of a point's identity); the two regimes marked on the front run once each; no point meets 0.982 on 2
replications, so there is no confirmation run."""


def repo_results() -> set[str]:
    return {str(p.relative_to(REPO)) for p in (REPO / "results").rglob("*")}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path, monkeypatch):
    from nbclient import NotebookClient

    import sim

    nb = nbformat.read(path, as_version=4)
    # Runs go into a results folder of this test's own (and its catalog), never into the repository's.
    results = tmp_path / "results"
    for cell in nb.cells:
        if "parameters" in cell.metadata.get("tags", []):
            cell.source += f"\nRESULTS_DIR = {str(results)!r}"
    before = repo_results()
    # The kernel inherits the environment: make `sim` importable there as here.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_SECONDS, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    for k, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stderr":
                pytest.fail(f"{path.name} cell {k} wrote to stderr:\n{out.text}")
    # Exactly one figure per cell that makes one (a line `fig = ...`), none anywhere else.
    shown = {k: sum("image/png" in out.get("data", {}) for out in cell.get("outputs", []))
             for k, cell in enumerate(nb.cells) if cell.cell_type == "code"}
    figure_cells = [k for k, cell in enumerate(nb.cells)
                    if cell.cell_type == "code" and re.search(r"^fig = ", cell.source, re.MULTILINE)]
    assert len(figure_cells) == FIGURES[path.stem], f"{path.name}: the figure cells changed; update FIGURES"
    assert {k: n for k, n in shown.items() if n} == dict.fromkeys(figure_cells, 1), f"{path.name} figures shown"
    # Every run the notebook made is complete and in the catalog of its results folder; nothing in the repository's.
    runs = sim.list_runs(results / "catalog.duckdb")
    assert list(runs["status"]) == ["complete"] * RUNS[path.stem], runs[["run_dir", "status"]]
    assert all(Path(d).is_relative_to(results / "notebooks") for d in runs["run_dir"])
    assert repo_results() == before, "the notebook wrote into the repository's results/"
