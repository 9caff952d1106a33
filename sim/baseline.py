"""`python -m sim.baseline` (make baseline) (sim/cli/baseline.py)."""
import sys

from sim.cli.baseline import main

if __name__ == "__main__":
    sys.exit(main())
