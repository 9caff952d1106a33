"""`python -m sim.results ...`: the catalog from the command line (sim/cli/results.py)."""
import sys

from sim.cli.results import main

if __name__ == "__main__":
    sys.exit(main())
