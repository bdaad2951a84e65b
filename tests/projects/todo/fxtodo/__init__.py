"""A fixture for cctrial's end-to-end tests: expected failures."""
