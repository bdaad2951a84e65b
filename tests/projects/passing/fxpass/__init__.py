"""A fixture for cctrial's end-to-end tests: every test passes."""
