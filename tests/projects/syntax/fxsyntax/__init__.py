"""A fixture for cctrial's end-to-end tests: a module that cannot import."""
