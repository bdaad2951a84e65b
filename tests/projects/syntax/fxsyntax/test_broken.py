"""A test module with a syntax error: trial reports an error for it."""

from twisted.trial import unittest


class Broken(unittest.TestCase):
    def test_never(self:
        pass
