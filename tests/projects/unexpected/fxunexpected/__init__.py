"""A fixture for cctrial's end-to-end tests: a todo that passes."""
