"""Helpers for tests, benchmarks and dry runs (no network needed)."""
