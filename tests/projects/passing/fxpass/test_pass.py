"""Three tests that pass."""

from twisted.internet import defer, task
from twisted.trial import unittest


class Arithmetic(unittest.TestCase):
    def test_add(self):
        self.assertEqual(1 + 1, 2)

    def test_deferred(self):
        return defer.succeed(None).addCallback(self.assertIsNone)


class Clock(unittest.TestCase):
    def test_call_later(self):
        clock = task.Clock()
        calls = []
        clock.callLater(5, calls.append, "done")
        clock.advance(5)
        self.assertEqual(calls, ["done"])
