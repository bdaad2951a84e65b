"""A subpackage: its tests form a suite of their own."""
