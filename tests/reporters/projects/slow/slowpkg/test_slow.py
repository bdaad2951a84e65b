"""Eight tests of a third of a second each, one of which waits while a file
named .hold exists beside the package: the capture script creates it to find
the status line at a known test, then removes it.  Without it (as in a
first run) every test passes after its sleep."""

import os
import time

from twisted.trial import unittest

HOLD = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))), ".hold")
STEP = 0.3
HOLD_BOUND = 60.0


class Steps(unittest.TestCase):
    def test_1_parse(self):
        time.sleep(STEP)

    def test_2_resolve(self):
        time.sleep(STEP)

    def test_3_connect(self):
        time.sleep(STEP)

    def test_4_handshake(self):
        time.sleep(STEP)

    def test_5_transfer(self):
        """Waits while .hold exists, at most HOLD_BOUND seconds."""
        deadline = time.monotonic() + HOLD_BOUND
        while os.path.exists(HOLD):
            if time.monotonic() > deadline:
                self.fail(f"{HOLD} still exists after {HOLD_BOUND:.0f}s")
            time.sleep(0.05)
        time.sleep(STEP)

    def test_6_verify(self):
        time.sleep(STEP)

    def test_7_close(self):
        time.sleep(STEP)

    def test_8_report(self):
        time.sleep(STEP)
