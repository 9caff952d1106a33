"""`python -m sim.report RUN_DIR [--out FILE]`: one self-contained HTML file from a stored run
(or from a study's directory: `experiment=timeline` or `attribution`)."""
from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.errors import EXIT_BAD_INPUT, fail
from sim.store.rundir import RunDirError
from sim.viz.report import REPORT_NAME, write_report

EXIT_FAILED = 1


def _writer(run_dir: Path):
    """A study's directory (timeline.json or attribution.json, no run.json of its own) gets the
    study report; any other, the run report."""
    from sim.viz.study_report import STUDY_FILES, write_study_report

    if not (run_dir / "run.json").exists() and any((run_dir / name).exists() for name in STUDY_FILES):
        return write_study_report
    return write_report


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sim.report", description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a run directory written by python -m sim")
    parser.add_argument("--out", metavar="FILE", help=f"where to write the HTML (default: RUN_DIR/{REPORT_NAME})")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else None
    if out is not None and not out.parent.is_dir():
        fail(f"{out}: cannot write the report: no directory {out.parent}", EXIT_BAD_INPUT)
    try:
        path = _writer(Path(args.run_dir))(args.run_dir, out)
    except RunDirError as e:
        fail(str(e), EXIT_BAD_INPUT)
    except OSError as e:
        fail(f"{e.filename or out or args.run_dir}: cannot write: {e.strerror or e}", EXIT_FAILED)
    except Exception as e:  # noqa: BLE001 - a planner gets one line, not a traceback
        fail(f"{args.run_dir}: cannot make the report: {type(e).__name__}: {' '.join(str(e).split())}",
              EXIT_FAILED)
    print(f"report: {path}")
