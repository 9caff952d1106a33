"""`python -m sim.priors [SCENARIO]` (sim/cli/priors.py)."""
from sim.cli.priors import main

if __name__ == "__main__":
    main()
