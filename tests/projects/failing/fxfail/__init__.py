"""A fixture for cctrial's end-to-end tests: assertions that fail."""
