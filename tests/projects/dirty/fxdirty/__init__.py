"""A fixture for cctrial's end-to-end tests: a dirty reactor."""
