"""A module that imports, next to the broken one."""

from twisted.trial import unittest


class Fine(unittest.TestCase):
    def test_ok(self):
        pass
