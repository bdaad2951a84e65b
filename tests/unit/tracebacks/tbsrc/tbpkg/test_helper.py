"""One broken helper, reached in every way a test reaches code."""

from twisted.internet import defer, reactor, task
from twisted.trial import unittest

from tbpkg.helpers import broken_helper, outer


class Direct(unittest.TestCase):
    def test_direct_one(self):
        broken_helper(1)

    def test_direct_two(self):
        x = 2
        broken_helper(x - 1)

    def test_through_outer(self):
        outer(1)

    def test_mktemp_path(self):
        path = self.mktemp()
        open(path + "/nothere").read()


class Deferreds(unittest.TestCase):
    def test_callback_chain(self):
        d = defer.succeed(1)
        d.addCallback(lambda v: v)
        d.addCallback(broken_helper)
        return d

    def test_callback_later(self):
        d = task.deferLater(reactor, 0, lambda: 1)
        d.addCallback(broken_helper)
        return d

    @defer.inlineCallbacks
    def test_inline_callbacks(self):
        value = yield defer.succeed(1)
        broken_helper(value)

    @defer.inlineCallbacks
    def test_inline_callbacks_later(self):
        value = yield task.deferLater(reactor, 0, lambda: 1)
        broken_helper(value)

    @defer.inlineCallbacks
    def test_yield_failed_deferred(self):
        yield defer.maybeDeferred(broken_helper, 1)

    def test_clock(self):
        clock = task.Clock()
        clock.callLater(1, broken_helper, 1)
        clock.advance(1)

    def test_deferred_repr(self):
        d = defer.Deferred()
        raise ValueError("bad state of %r" % (d,))


class SetUpCallsHelper(unittest.TestCase):
    def setUp(self):
        broken_helper(1)

    def test_a(self):
        pass

    def test_b(self):
        pass


class SetUpRaises(unittest.TestCase):
    def setUp(self):
        raise RuntimeError("no database")

    def test_a(self):
        pass

    def test_b(self):
        pass


class Assertions(unittest.TestCase):
    def test_equal_one(self):
        self.assertEqual(1 + 1, 3)

    def test_equal_two(self):
        self.assertEqual(2 + 2, 5)

    def test_equal_one_again(self):
        self.assertEqual(1 + 1, 3)

    def test_own_raise(self):
        raise RuntimeError("boom")

    def test_own_raise_too(self):
        raise RuntimeError("boom")


class OwnHelper(unittest.TestCase):
    def _check(self, value):
        if value > 1:
            raise ValueError("too big")

    def test_first(self):
        self._check(2)

    def test_second(self):
        self._check(3)
