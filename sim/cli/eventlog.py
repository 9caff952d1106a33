"""`python -m sim.eventlog RUN_DIR [--xes] [--out FILE] [--start DATE]`: a stored run's consignment
table as an OCEL 2.0 event log (SQLite), or with --xes as an XES log of the declarations
(sim/store/eventlog.py)."""
from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.errors import EXIT_BAD_INPUT, fail
from sim.store.eventlog import EventLogError, write_ocel, write_xes
from sim.store.rundir import RunDirError, load_run

EXIT_FAILED = 1


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sim.eventlog", description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a run directory written by python -m sim")
    parser.add_argument("--xes", action="store_true", help="write the XES log of the declarations instead")
    parser.add_argument("--out", metavar="FILE", help="where to write (default: RUN_DIR/eventlog.sqlite or .xes)")
    parser.add_argument("--start", metavar="DATE", help="the calendar date of hour 0, a Monday "
                        "(default: the run's output.event_log_start)")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else None
    if out is not None and not out.parent.is_dir():
        fail(f"{out}: cannot write the event log: no directory {out.parent}", EXIT_BAD_INPUT)
    try:
        run = load_run(args.run_dir)
        written = (write_xes if args.xes else write_ocel)(run, out, start=args.start)
    except (RunDirError, EventLogError) as e:
        fail(str(e), EXIT_BAD_INPUT)
    except OSError as e:
        fail(f"{e.filename or out or args.run_dir}: cannot write: {e.strerror or e}", EXIT_FAILED)
    what = "traces" if args.xes else "objects"
    print(f"event log: {written.path} ({written.events} events, {written.objects} {what}, "
          f"{written.seconds:.1f} s)")
