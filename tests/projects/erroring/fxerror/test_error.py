"""Errors: an exception in a test, in setUp, and in a Deferred."""

from twisted.internet import defer
from twisted.trial import unittest


class Raises(unittest.TestCase):
    def test_raises(self):
        raise RuntimeError("boom")

    def test_deferred_errback(self):
        return defer.fail(ValueError("deferred boom"))

    def test_ok(self):
        pass


class BadSetUp(unittest.TestCase):
    def setUp(self):
        {}["missing"]

    def test_never_runs(self):
        pass
