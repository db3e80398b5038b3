"""Synthetic but realistic data for demos, tests and benchmarks."""
