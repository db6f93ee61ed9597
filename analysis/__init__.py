"""Statistics for evaluation reports: estimators, matching, survival, costs, disclosure control and synthetic data-generating processes. Pure functions returning tidy results; no formatting."""
