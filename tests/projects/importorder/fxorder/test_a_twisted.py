from twisted.trial import unittest

from fxorder import framework

framework.use("twisted")


class TwistedTests(unittest.TestCase):
    def test_chosen(self):
        self.assertEqual(framework.chosen, "twisted")
