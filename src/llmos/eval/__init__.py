"""Evaluation harness: llmos's capabilities scored on bundled reference data."""
