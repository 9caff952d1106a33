"""The command line, the only layer that imports Hydra: the `python -m sim` app, composing
YAML into a validated Config, pre-flight checks, one-line error wording, sweeps, and the
`sim.results`, `sim.report` and `sim.baseline` commands."""
