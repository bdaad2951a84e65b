from twisted.trial import unittest

from fxorder import registry

registry.names.extend(["alpha", "beta"])


class RegisterTests(unittest.TestCase):
    def test_registered(self):
        self.assertIn("alpha", registry.names)
