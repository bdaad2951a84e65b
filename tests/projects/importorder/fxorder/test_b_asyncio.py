# Imports alone, but not after test_a_twisted: trial reports one import
# error for this module.
from twisted.trial import unittest

from fxorder import framework

framework.use("asyncio")


class AsyncioTests(unittest.TestCase):
    def test_chosen(self):
        self.assertEqual(framework.chosen, "asyncio")

    def test_other(self):
        pass
