"""A failing test that leaves a pending call, then a clean one."""

from twisted.internet import reactor
from twisted.trial import unittest


class Dirty(unittest.TestCase):
    def test_dirty(self):
        reactor.callLater(3600, lambda: None)
        self.fail("dirty and failing")

    def test_zclean(self):
        pass
