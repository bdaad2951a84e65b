"""A module with a syntax error, imported directly and through other.py."""

def convert(x)
    return x
