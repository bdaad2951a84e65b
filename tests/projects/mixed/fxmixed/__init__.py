"""A fixture for cctrial's end-to-end tests: every kind of result at once."""
