"""Expected failures (todo) that do fail, and a success."""

from twisted.trial import unittest


class Todo(unittest.TestCase):
    def test_fails(self):
        self.fail("not yet")

    test_fails.todo = "not written yet"

    def test_raises(self):
        raise ValueError("not yet either")

    test_raises.todo = (ValueError, "known ValueError")

    def test_ok(self):
        pass
