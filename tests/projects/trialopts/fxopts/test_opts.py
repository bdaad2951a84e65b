"""Tests that pass only with trial's worker options of test_trial_options.py:

    --reactor=asyncio --disablegc --force-gc --recursionlimit=4321
    --without-module=fxopts.absent --logfile=opts.log

and fail (or err) without them, as trial's own do.

No test here waits on the reactor (returns a Deferred): with the asyncio
reactor, trial's worker (22.4 and 24.11 alike) makes such a test fail with
a KeyboardInterrupt, and its Run with AMP's Unknown Error, whenever a test
that did not run the reactor ran before it in the same worker.  After
each test the worker fires the reactor's shutdown (TrialSuite._bail),
whose crash() asks an asyncio loop that is not running to stop; asyncio
keeps that request, and the next run of the loop stops after one turn.
Which tests share a worker varies from run to run (-j2), so the outcome
would too: under trial -j2 as under cctrial.
"""

import gc
import sys

from twisted.internet import reactor
from twisted.python import log
from twisted.trial import unittest


class Reactor(unittest.TestCase):
    def test_is_asyncio(self):
        self.assertEqual(type(reactor).__name__, "AsyncioSelectorReactor")


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
