"""A fixture for cctrial's end-to-end tests: tests that raise."""
