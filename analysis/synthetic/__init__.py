"""Seeded synthetic data-generating processes, one module per report."""
