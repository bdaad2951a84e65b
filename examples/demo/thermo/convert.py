"""Temperature conversions between Celsius, Fahrenheit and Kelvin."""

# The demo's deliberate bug: absolute zero is -273.15 degrees Celsius, not
# -273.  test_convert.ConvertTests.test_absolute_zero fails until it is
# fixed (README.md tells the story).
ABSOLUTE_ZERO_C = -273.0


def celsius_to_fahrenheit(c):
    return c * 9.0 / 5.0 + 32.0


def fahrenheit_to_celsius(f):
    return (f - 32.0) * 5.0 / 9.0


def celsius_to_kelvin(c):
    return c - ABSOLUTE_ZERO_C


CONVERSIONS = {
    ("C", "F"): celsius_to_fahrenheit,
    ("F", "C"): fahrenheit_to_celsius,
    ("C", "K"): celsius_to_kelvin,
}


def convert(value, source, target):
    """Convert value from the source to the target scale ("C", "F", "K")."""
    try:
        function = CONVERSIONS[(source, target)]
    except KeyError:
        raise ValueError(f"cannot convert {source} to {target}") from None
    return function(value)
