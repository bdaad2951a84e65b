from twisted.trial import unittest

from fximported.test_base import SharedTests  # noqa: F401


class OwnTests(unittest.TestCase):
    def test_own(self):
        pass
