"""Two failures with the same text, one with another, and a success."""

from twisted.trial import unittest


class Same(unittest.TestCase):
    def test_one(self):
        self.assertEqual(1, 2)

    def test_two(self):
        self.fail("always")

    def test_three(self):
        self.fail("always")


class Fine(unittest.TestCase):
    def test_ok(self):
        pass
