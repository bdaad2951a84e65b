"""An unexpected success (a todo test that passes), and a success."""

from twisted.trial import unittest


class Unexpected(unittest.TestCase):
    def test_passes_anyway(self):
        pass

    test_passes_anyway.todo = "expected to fail"

    def test_ok(self):
        pass
