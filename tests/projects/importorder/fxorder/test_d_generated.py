# Tests made by code: one per name registered before this module was
# imported, and one per line of cases.txt.
import os

from twisted.trial import unittest

from fxorder import registry


class GeneratedTests(unittest.TestCase):
    pass


def _make(value):
    def test(self):
        self.assertTrue(value)
    return test


for _name in list(registry.names):
    setattr(GeneratedTests, "test_registered_" + _name, _make(_name))

with open(os.path.join(os.path.dirname(__file__), "cases.txt")) as _f:
    for _line in _f:
        if _line.strip():
            _case = _line.strip()
            setattr(GeneratedTests, "test_case_" + _case,
                    _make(not _case.startswith("bad")))
