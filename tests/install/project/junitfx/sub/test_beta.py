"""Non-ASCII text, a multi-line message, a skipped class, and a test that
both fails and leaves the reactor dirty (two results for one test)."""

from twisted.internet import reactor
from twisted.trial import unittest


class Beta(unittest.TestCase):
    def test_ok(self):
        pass

    def test_unicode(self):
        self.fail("héllo 日本 ☃")

    def test_lines(self):
        self.fail("first line\nsecond line")

    def test_dirty(self):
        reactor.callLater(3600, lambda: None)
        self.fail("failed, and the reactor is dirty too")


class Skipped(unittest.TestCase):
    skip = "the whole class"

    def test_a(self):
        pass

    def test_b(self):
        pass
