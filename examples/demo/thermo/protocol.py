"""A line protocol: "100 C F" in, "212.0 F" out.

Each line is a number, the scale it is in and the scale wanted; the answer
is the converted number and its scale, or "error: ..." for a bad line.
The answer may be delayed by `delay` seconds of the reactor's clock, so
that the tests can show Twisted's Clock.
"""

from twisted.protocols.basic import LineReceiver

from thermo.convert import convert


class ConverterProtocol(LineReceiver):
    delimiter = b"\n"

    def __init__(self, clock=None, delay=0):
        self.clock = clock
        self.delay = delay

    def lineReceived(self, line):
        answer = self.answer(line.decode("utf-8", "replace").split())
        if self.clock is not None and self.delay:
            self.clock.callLater(self.delay, self.sendLine, answer)
        else:
            self.sendLine(answer)

    def answer(self, words):
        try:
            value, source, target = words
            result = convert(float(value), source, target)
        except ValueError as e:
            return f"error: {e}".encode("utf-8")
        return f"{result:.1f} {target}".encode("utf-8")
