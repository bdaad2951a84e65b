"""Two failures with identical text (the biggest problem), one other
failure, and a success: 4 tests, 3 broken while calc.py says so."""

from twisted.trial import unittest

from fxnotify import calc


def check_x(self):
    self.assertFalse(calc.X_BROKEN, "x is broken")


class TestX(unittest.TestCase):
    # One function under two names: their tracebacks are identical.
    test_a = check_x
    test_b = check_x


class TestY(unittest.TestCase):
    def test_c(self):
        self.assertFalse(calc.Y_BROKEN, "y is broken")


class TestFine(unittest.TestCase):
    def test_ok(self):
        pass
