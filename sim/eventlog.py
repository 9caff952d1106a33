"""`python -m sim.eventlog RUN_DIR [--xes]`: a run as an OCEL 2.0 / XES event log (sim/cli/eventlog.py)."""
from sim.cli.eventlog import main

if __name__ == "__main__":
    main()
