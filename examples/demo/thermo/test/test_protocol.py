"""Tests of thermo.protocol over an in-memory transport."""

from twisted.internet import task
from twisted.internet.testing import StringTransport
from twisted.trial import unittest

from thermo.protocol import ConverterProtocol


class ProtocolTests(unittest.TestCase):
    def connect(self, **kwargs):
        protocol = ConverterProtocol(**kwargs)
        transport = StringTransport()
        protocol.makeConnection(transport)
        return protocol, transport

    def test_converts(self):
        protocol, transport = self.connect()
        protocol.dataReceived(b"100 C F\n")
        self.assertEqual(transport.value(), b"212.0 F\n")

    def test_bad_line(self):
        protocol, transport = self.connect()
        protocol.dataReceived(b"hot C F\n")
        self.assertTrue(transport.value().startswith(b"error: "))

    def test_delayed_answer(self):
        clock = task.Clock()
        protocol, transport = self.connect(clock=clock, delay=2)
        protocol.dataReceived(b"32 F C\n")
        self.assertEqual(transport.value(), b"")
        clock.advance(2)
        self.assertEqual(transport.value(), b"0.0 C\n")
