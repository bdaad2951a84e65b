from twisted.trial import unittest


class SharedTests(unittest.TestCase):
    """Imported into test_user too: trial runs these twice, once for each
    module that holds the class."""

    def test_shared(self):
        pass

    def test_shared_fails(self):
        self.fail("fails wherever it is run from")
