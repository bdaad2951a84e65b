"""Failures and errors whose text is not ASCII.

The characters appear both in the messages and in the source lines that
the tracebacks quote.
"""

from twisted.trial import unittest


class Unicode(unittest.TestCase):
    def test_fail(self):
        self.fail("héllo 日本")

    def test_error(self):
        raise ValueError("café ☃ 😀")

    def test_compare(self):
        self.assertEqual("héllo 日本", "hello")

    def test_ok_ünïcode_docstring(self):
        """A passing test with a non-ASCII name: ça marche."""
