"""A module with a syntax error: one error, named after the module."""

from twisted.trial import unittest


class Broken(unittest.TestCase)
    def test_never(self):
        pass
