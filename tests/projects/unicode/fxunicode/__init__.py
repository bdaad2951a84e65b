"""A fixture for cctrial's end-to-end tests: non-ASCII failure text."""
