"""One test of each outcome trial knows, and two errors with the same
traceback so that the summary groups them.

test_strange_text fails with a message holding quotes, a newline, a
control character and CJK text: the reporters must carry it unchanged.
"""

from twisted.trial import unittest


def broken_helper():
    raise KeyError("missing")


class Outcomes(unittest.TestCase):
    def test_a_pass(self):
        pass

    def test_b_pass(self):
        pass

    def test_error(self):
        raise ValueError("boom")

    def test_fail(self):
        # Not assertEqual: its traceback would quote unittest's own lines,
        # which change with the version of Python.
        raise self.failureException("1 != 2")

    def _grouped(self):
        broken_helper()

    # One function under two names: identical tracebacks, one group.
    test_grouped_one = _grouped
    test_grouped_two = _grouped

    def test_skip(self):
        raise unittest.SkipTest("not on this machine")

    def test_strange_text(self):
        self.fail("quote \" and ' newline\nctrl \x01 CJK \u6f22\u5b57\u30c6\u30b9\u30c8")

    def test_todo(self):
        self.fail("known bug")

    test_todo.todo = "not yet"

    def test_unexpected(self):
        pass

    test_unexpected.todo = "should fail but passes"

    def test_z_last_pass(self):
        pass
