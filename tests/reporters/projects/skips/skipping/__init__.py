"""A fixture for the summary's golden-output tests: many skips, few reasons."""
