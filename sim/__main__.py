"""`python -m sim`: the Hydra app (sim/cli/app.py)."""
from sim.cli.app import main

if __name__ == "__main__":
    main()
