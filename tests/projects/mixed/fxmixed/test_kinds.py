"""One test of each outcome, and two failures sharing one text."""

from twisted.internet import defer
from twisted.trial import unittest


class Kinds(unittest.TestCase):
    def test_success(self):
        self.assertTrue(True)

    def test_failure(self):
        self.fail("same text")

    def test_failure_again(self):
        self.fail("same text")

    def test_error(self):
        return defer.fail(RuntimeError("mixed boom"))

    def test_skip(self):
        raise unittest.SkipTest("not here")

    def test_todo(self):
        self.fail("known")

    test_todo.todo = "known to fail"

    def test_unexpected(self):
        pass

    test_unexpected.todo = "passes anyway"

    def test_unicode(self):
        self.fail("héllo 日本")
