"""Targets (scenarios/<scenario>/targets.yaml) judged against runs, and the fit of the
calibration knobs to them."""
