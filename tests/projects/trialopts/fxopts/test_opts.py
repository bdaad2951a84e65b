"""Tests that pass only with trial's worker options of test_trial_options.py:

    --reactor=asyncio --disablegc --force-gc --recursionlimit=4321
    --without-module=fxopts.absent --logfile=opts.log

and fail (or err) without them, as trial's own do.
"""

import asyncio
import gc
import sys

from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.python import log
from twisted.trial import unittest


class Reactor(unittest.TestCase):
    def test_is_asyncio(self):
        self.assertEqual(type(reactor).__name__, "AsyncioSelectorReactor")

    def test_future(self):
        # The asyncio reactor's loop runs this coroutine; any other
        # reactor has no such loop (an error, not a hang).
        loop = reactor._asyncioEventloop

        async def answer():
            await asyncio.sleep(0)
            return 42

        d = Deferred.fromFuture(asyncio.ensure_future(answer(), loop=loop))
        d.addCallback(self.assertEqual, 42)
        return d


class Flags(unittest.TestCase):
    def test_disablegc(self):
        self.assertFalse(gc.isenabled())

    def test_recursionlimit(self):
        self.assertEqual(sys.getrecursionlimit(), 4321)

    def test_without_module(self):
        with self.assertRaises(ImportError):
            import fxopts.absent  # noqa: F401

    def test_force_gc_on_the_command_line(self):
        # What trial -j gives its workers: the flag itself.
        self.assertIn("--force-gc", sys.argv)

    def test_logs(self):
        log.msg("fxopts logged this")
