"""One test of each outcome trial knows, in one class.

The messages hold what XML must escape (& < > " '), a tab, a newline and
control characters XML 1.0 forbids even escaped (U+0001, ESC), so that the
report shows they were escaped or dropped and still parses.
"""

from twisted.trial import unittest


class Outcomes(unittest.TestCase):
    def test_pass(self):
        pass

    def test_fail(self):
        self.assertEqual(1, 2)

    def test_error(self):
        raise ValueError('bad <value> & "quotes" \'too\'\tand\x01\x1b[31m')

    def test_skip(self):
        pass

    test_skip.skip = "skipped <because> & so"

    def test_todo(self):
        self.fail("not yet")

    test_todo.todo = "not written yet"

    def test_unexpected(self):
        pass

    test_unexpected.todo = "expected to fail"
