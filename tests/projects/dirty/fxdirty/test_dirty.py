"""A test that fails and also leaves a pending call in the reactor.

trial reports two results for it: the failure, then an error
(DirtyReactorAggregateError).  A clean test runs next, so the mess must
not leak into it.
"""

from twisted.internet import reactor
from twisted.trial import unittest


class Dirty(unittest.TestCase):
    def test_fails_and_leaves_a_call(self):
        reactor.callLater(3600, lambda: None)
        self.fail("failed, and the reactor is dirty too")

    def test_zclean(self):
        pass
