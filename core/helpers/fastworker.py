"""cctrial's fast worker bootstrap (worker = fast).

A drop-in for `python -m twisted.trial._dist.workertrial`, on the same
file descriptors (commands on 3, results on 4).  Everything that decides a
result is the installed Twisted's own: its `WorkerProtocol` (an AMP
protocol object) loads and runs each test, gathers its results through
the installed `WorkerReporter` and answers `Run`, whichever generation
it is (22.4 sends results inline and answers at once; 22.10 and later
stream failure texts, wait for the manager's answers, and fall back to
`addErrorFallible` when reporting fails).  What differs from trial's
worker is only the plumbing around that object, all about time:

- Commands are read in blocks, not one byte at a time with a flush
  after each byte; complete boxes are handed to the protocol one by one.
- A `Run` that arrives while another is still unanswered (cctrial sends
  a worker its next test ahead of time) waits until the first one is
  answered, so tests never overlap, on any generation.
- What the protocol writes is gathered and written to fd 4 after each
  box it handled, and at once for each log line: a test that hangs and
  is killed keeps the lines it logged (trial's worker holds them in a
  buffer until the test ends).

It imports nothing of its own beyond what trial's worker imports: a test
module's import may depend on what was imported before it (a framework
chosen once per process), so the worker's imports are the tests' own, in
the order the tests come.
"""

import os
import struct
import sys

COMMANDS = 3
RESULTS = 4


def boxes(buffer):
    """Complete AMP boxes at the start of `buffer` (a bytearray), removed
    from it, as dicts of bytes."""
    found = []
    pos = 0
    while True:
        box, cursor = {}, pos
        while True:
            if len(buffer) - cursor < 2:
                del buffer[:pos]
                return found
            (key_len,) = struct.unpack_from("!H", buffer, cursor)
            if key_len == 0:
                cursor += 2
                break
            if len(buffer) - cursor < 2 + key_len + 2:
                del buffer[:pos]
                return found
            key = bytes(buffer[cursor + 2:cursor + 2 + key_len])
            (value_len,) = struct.unpack_from("!H", buffer,
                                              cursor + 2 + key_len)
            start = cursor + 4 + key_len
            if len(buffer) - start < value_len:
                del buffer[:pos]
                return found
            box[key] = bytes(buffer[start:start + value_len])
            cursor = start + value_len
        found.append(box)
        pos = cursor


class Transport:
    """What the AMP protocol writes to: a buffer, written out by `send`."""

    disconnecting = False

    def __init__(self):
        self.out = bytearray()

    def write(self, data):
        self.out += data

    def writeSequence(self, data):
        for item in data:
            self.out += item

    def send(self):
        data, self.out = bytes(self.out), bytearray()
        while data:
            data = data[os.write(RESULTS, data):]
        sys.stdout.flush()
        sys.stderr.flush()

    def loseConnection(self):
        # Twisted's AMP drops a connection that sent a malformed box; the
        # manager sees the worker end, as with trial's own worker.
        self.send()
        os._exit(1)

    def getPeer(self):
        return "manager"

    def getHost(self):
        return "worker"


def protocol_class():
    from twisted.trial._dist.worker import WorkerProtocol

    class Protocol(WorkerProtocol):
        """Twisted's worker protocol, telling when a Run is answered."""

        running = None  # the _ask of the Run not answered yet

        def sendBox(self, box):
            answered = box.get(b"_answer", box.get(b"_error"))
            if answered is not None and answered == self.running:
                self.running = None
            super().sendBox(box)

    return Protocol


def log_observer(protocol, transport):
    """trial's worker's log observer, with each line written at once."""
    from twisted.python.log import textFromEventDict
    from twisted.trial._dist import managercommands

    def emit(event):
        text = textFromEventDict(event)
        if text is None:
            return
        protocol.callRemote(managercommands.TestWrite, out=text)
        transport.send()

    return emit


def serve(protocol, transport):
    """Hands the manager's boxes to the protocol until fd 3 closes."""
    from twisted.protocols.amp import AmpBox

    received = bytearray()
    waiting = []  # commands held while a Run is unanswered
    while True:
        try:
            data = os.read(COMMANDS, 65536)
        except InterruptedError:
            continue
        if not data:
            return
        received += data
        for box in boxes(received):
            if b"_command" in box:
                waiting.append(box)
            else:
                protocol.ampBoxReceived(AmpBox(box))
                transport.send()
            while waiting and protocol.running is None:
                box = waiting.pop(0)
                if box[b"_command"] == b"Run":
                    protocol.running = box.get(b"_ask")
                protocol.ampBoxReceived(AmpBox(box))
                # After each command, as trial's worker flushes after each
                # byte: a test that kills the worker keeps the results of
                # the tests before it.
                transport.send()


def main():
    from twisted.python.log import startLoggingWithObserver
    from twisted.trial._dist.options import WorkerOptions

    config = WorkerOptions()
    config.parseOptions()
    protocol = protocol_class()(config["force-gc"])
    transport = Transport()
    protocol.makeConnection(transport)
    startLoggingWithObserver(log_observer(protocol, transport), False)
    transport.send()
    serve(protocol, transport)
    if config.tracer:
        # --coverage, as trial's worker finishes it.
        sys.settrace(None)
        config.tracer.results().write_results(
            show_missing=True, summary=False, coverdir=config.coverdir().path
        )


if __name__ == "__main__":
    # As `python -m` would: the current directory first, not this file's.
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        sys.path[0] = os.getcwd()
    main()
