"""A run as a planner starts it: the experiment kinds (compare, single, calibrate,
summary-only) into a run directory, the catalogued runner, the studies (timeline and
attribution: sets of single runs on common random numbers), and the regression baseline."""
