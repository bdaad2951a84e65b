"""A fixture for the terminal captures of docs/captures: tests that take a
while, so that the status line shows its times (see
tests/reporters/captures.py)."""
