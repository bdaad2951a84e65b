"""A fixture for the reporters' golden-output tests: every outcome."""
