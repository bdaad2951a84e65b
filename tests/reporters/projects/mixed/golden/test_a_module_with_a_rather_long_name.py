"""Tests whose ids are long, for the status line's shortening."""

from twisted.trial import unittest


class AnotherTestCaseWithAVeryLongName(unittest.TestCase):
    def test_method_with_a_long_name(self):
        pass

    def test_second_method_with_a_long_name(self):
        pass
