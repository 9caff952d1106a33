"""Everything computed from a run's tables, never from the model: KPIs, logistics costs,
statistics (t intervals, Kaplan-Meier), tidy summaries for figures, the warm-up check."""
