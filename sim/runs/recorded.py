"""`sim.run_experiment`: a run started from Python, recorded as the command line records it.

Why: runs from a notebook or a script belong in the catalog beside the command line's, so they
can be listed, collected and compared later; `sim.runs.kinds.run_experiment` only writes the
result files. This goes through the same catalogued runner as `python -m sim`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from sim.config import Config
from sim.runs.runner import RunContext, execute


def run_experiment(cfg: Config, out_dir, *, overrides: Sequence[str] = (), sweep=None, job: int | None = None,
                   sweep_name: str = "", progress: bool | None = None, echo: bool = True) -> dict | None:
    """Run the configured experiment into `out_dir`, with its run.json and a catalog row.

    The catalog is where `run.catalog` says: by default `catalog.duckdb` in the `results/` folder
    that `out_dir` is under (else beside `out_dir`). `overrides`: the settings that made `cfg`
    (as given to `sim.load_config`), recorded so the catalog shows what the run is and
    `sim.collect` can tell points apart. `sweep`, `job`: this run is point `job` of the sweep
    named by the directory `sweep` (`sim.collect(sweep)` gathers its points), `sweep_name` the
    sweep's name as `+sweep=NAME` would give it. `echo`: print the
    KPI table and write report.html, as `python -m sim` does. Returns the run's summary (None
    when skipped as already complete, with `run.skip_complete=true`).
    """
    if sweep is not None and job is None:
        raise ValueError("job: a sweep's run needs its point number (job=0, 1, ...)")
    context = RunContext(run_dir=Path(out_dir), overrides=list(overrides),
                         sweep_dir=None if sweep is None else str(Path(sweep).expanduser().resolve()),
                         job_num=job, sweep=sweep_name, echo=echo)
    return execute(cfg, context, progress)
