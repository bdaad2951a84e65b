"""Many skipped tests for few reasons, two todos of one reason whose
messages differ, and passing tests: the summary counts the skips and todos
by reason (their ids only with -v), and the run passes.
"""

from twisted.trial import unittest


def _passes(self):
    pass


class NotOnThisPlatform(unittest.TestCase):
    skip = "not on this platform"

    test_01 = test_02 = test_03 = test_04 = test_05 = test_06 = _passes


class NoSSL(unittest.TestCase):
    skip = "no SSL support"

    test_client = test_server = _passes


class Mixed(unittest.TestCase):
    def test_network(self):
        raise unittest.SkipTest("needs a network")

    def test_flaky_one(self):
        self.fail("first message")

    test_flaky_one.todo = "flaky"

    def test_flaky_two(self):
        self.fail("second message")

    test_flaky_two.todo = "flaky"

    def test_passes(self):
        pass
