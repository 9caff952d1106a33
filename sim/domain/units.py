"""Units of time. Every duration in the model is in hours from the scenario start (a Monday
00:00); these are the only definitions of the calendar's constants."""
HOURS_PER_DAY = 24.0
DAYS_PER_WEEK = 7
HOURS_PER_WEEK = HOURS_PER_DAY * DAYS_PER_WEEK
HOURS_PER_YEAR = 365 * HOURS_PER_DAY
