"""Replications with common random numbers, paired intervals, replications to a target
precision, summary-only long runs, and the result files of a run."""
