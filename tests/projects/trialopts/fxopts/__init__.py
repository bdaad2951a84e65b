"""A fixture for cctrial's end-to-end tests: trial's worker options."""
