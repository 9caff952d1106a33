"""`python -m sim.report RUN_DIR [--out FILE]` (sim/cli/report.py)."""
from sim.cli.report import main

if __name__ == "__main__":
    main()
