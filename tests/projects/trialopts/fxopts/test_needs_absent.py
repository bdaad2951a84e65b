"""With --without-module=fxopts.absent this module cannot be imported:
trial's manager and cctrial's discovery report it as one error."""

import fxopts.absent  # noqa: F401
from twisted.trial import unittest


class NeedsAbsent(unittest.TestCase):
    def test_imported(self):
        pass
