"""Skips: by attribute, by SkipTest, a whole class, and a success."""

from twisted.trial import unittest


class Skips(unittest.TestCase):
    def test_attribute(self):
        pass

    test_attribute.skip = "skipped by attribute"

    def test_raise(self):
        raise unittest.SkipTest("skipped at run time")

    def test_ok(self):
        pass


class WholeClass(unittest.TestCase):
    skip = "the whole class"

    def test_a(self):
        pass

    def test_b(self):
        pass
