"""Tests of thermo.convert; one of them fails on purpose (see README.md)."""

from twisted.trial import unittest

from thermo import convert


class ConvertTests(unittest.TestCase):
    def test_freezing(self):
        self.assertEqual(convert.celsius_to_fahrenheit(0), 32.0)

    def test_boiling(self):
        self.assertEqual(convert.convert(100, "C", "F"), 212.0)

    def test_minus_forty(self):
        self.assertEqual(convert.fahrenheit_to_celsius(-40), -40.0)

    def test_absolute_zero(self):
        # Fails until ABSOLUTE_ZERO_C in thermo/convert.py is fixed.
        self.assertAlmostEqual(convert.celsius_to_kelvin(-273.15), 0.0)

    def test_unknown_scale(self):
        self.assertRaises(ValueError, convert.convert, 1, "K", "X")
