"""A run as a planner starts it: the experiment kinds (compare, single, calibrate,
summary-only) into a run directory, the catalogued runner, and the regression baseline."""
