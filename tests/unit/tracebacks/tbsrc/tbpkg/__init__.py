"""Tests whose real tracebacks are kept as fixtures for the grouping's unit
tests (tests/unit/tracebacks/make-fixtures)."""
