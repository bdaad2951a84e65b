"""cctrial's fast worker bootstrap (worker = fast).

A drop-in for `python -m twisted.trial._dist.workertrial`, on the same
file descriptors (commands on 3, results on 4): each test is loaded and run
exactly as trial's worker runs it (TestLoader.loadByName, a TrialSuite of
its own, trial's WorkerReporter), and each result is encoded by Twisted's
own AMP argument types, so the manager receives the same boxes.  What
differs is only the plumbing around them, all about time:

- Commands are read in blocks, not one byte at a time with a flush after
  each byte, and the boxes are taken apart here rather than by Twisted's
  AMP protocol object: a result is written out at once, without the
  Deferreds that would wait for its answer (answers only say `success`,
  and trial's worker ignores them too).
- The lines trial logs during a test (its "--> <test id> <--" line first)
  go to the manager in one TestWrite when the test ends, not one each:
  test.log gets the same bytes, and trial's own worker holds them in its
  output buffer until the test ends too.  A line too long for AMP still
  goes alone, at once, and fails as it does there.
- While no command has arrived yet, the worker imports the third-party
  modules the project's tests use (the file named by CCTRIAL_PRELOAD, one
  module name per line, written by cctrial from discovery), checking for a
  command between imports: a worker prewarmed while cctrial waits for a
  change has them ready; one needed at once stops preloading at once.
  A module that fails to import here is left for the test to import (and
  fail) as it would have anyway.
"""

import os
import select
import struct
import sys

COMMANDS = 3
RESULTS = 4
# Lines of one TestWrite: well under AMP's 64 KiB for a value.
BATCH_BYTES = 48 * 1024


def command_waiting():
    readable, _, _ = select.select([COMMANDS], [], [], 0)
    return bool(readable)


def preload():
    path = os.environ.pop("CCTRIAL_PRELOAD", None)
    if not path:
        return
    try:
        with open(path, encoding="utf-8") as f:
            names = [line.strip() for line in f if line.strip()]
    except OSError:
        return
    for name in names:
        if command_waiting():
            return
        if name in sys.modules:
            continue
        try:
            __import__(name)
        except BaseException:
            # The test that needs it will import it and report the error.
            sys.modules.pop(name, None)


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


class Worker:
    """The worker's side of trial's protocol, as trial's WorkerProtocol
    does it, with results written as they come (see the docstring)."""

    def __init__(self, force_gc):
        from twisted.trial._dist.workerreporter import WorkerReporter
        from twisted.trial.runner import TestLoader

        self.force_gc = force_gc
        self.loader = TestLoader()
        self.reporter = WorkerReporter(self)
        self.asked = 0
        self.out = bytearray()
        self.lines = []
        self.lines_size = 0

    # What WorkerReporter and the log observer call.
    def callRemote(self, command, **arguments):
        from twisted.protocols.amp import AmpBox

        box = AmpBox(command.makeArguments(arguments, self))
        self.asked += 1
        box[b"_command"] = command.commandName
        box[b"_ask"] = b"%x" % self.asked
        self.out += box.serialize()  # too long: TooLong, as in trial

    def log(self, event):
        """The log observer: lines wait for the end of the test."""
        from twisted.python.log import textFromEventDict
        from twisted.trial._dist import managercommands

        text = textFromEventDict(event)
        if text is None:
            return
        size = len(text.encode("utf-8", "surrogatepass")) + 1
        if size > BATCH_BYTES:
            self.flush_lines()
            self.callRemote(managercommands.TestWrite, out=text)
            return
        if self.lines_size + size > BATCH_BYTES:
            self.flush_lines()
        self.lines.append(text)
        self.lines_size += size

    def flush_lines(self):
        from twisted.trial._dist import managercommands

        if self.lines:
            text = "\n".join(self.lines)
            self.lines, self.lines_size = [], 0
            self.callRemote(managercommands.TestWrite, out=text)

    def answer(self, ask, **values):
        from twisted.protocols.amp import AmpBox

        box = AmpBox(_answer=ask)
        for key, value in values.items():
            box[key.encode()] = value
        self.out += box.serialize()

    def error(self, ask, code, description):
        from twisted.protocols.amp import AmpBox

        self.out += AmpBox(_error=ask, _error_code=code,
                           _error_description=description.encode(
                               "utf-8", "replace")).serialize()

    def run(self, test_id):
        from twisted.trial.runner import TrialSuite

        case = self.loader.loadByName(test_id)
        TrialSuite([case], self.force_gc).run(self.reporter)

    def handle(self, box):
        if b"_command" not in box:
            return  # an answer to one of our results: nothing to do
        name, ask = box[b"_command"], box.get(b"_ask")
        try:
            if name == b"Run":
                self.run(box[b"testCase"].decode("utf-8"))
                self.flush_lines()
            elif name == b"Start":
                os.chdir(box[b"directory"].decode("utf-8"))
            else:
                if ask is not None:
                    self.error(ask, b"UNHANDLED",
                               "Unhandled Command: %r" % (name,))
                return
        except BaseException as e:
            self.flush_lines()
            if ask is not None:
                self.error(ask, b"UNKNOWN", "%s: %s" % (type(e).__name__, e))
            return
        if ask is not None:
            self.answer(ask, success=b"True")

    def send(self):
        data, self.out = bytes(self.out), bytearray()
        while data:
            data = data[os.write(RESULTS, data):]
        sys.stdout.flush()
        sys.stderr.flush()


def main():
    from twisted.python.log import startLoggingWithObserver
    from twisted.trial._dist.options import WorkerOptions

    config = WorkerOptions()
    config.parseOptions()
    worker = Worker(config["force-gc"])
    startLoggingWithObserver(worker.log, False)
    worker.flush_lines()  # "Log opened.", as trial's worker says it at once
    worker.send()
    preload()
    received = bytearray()
    while True:
        try:
            data = os.read(COMMANDS, 65536)
        except InterruptedError:
            continue
        if not data:
            break
        received += data
        for box in boxes(received):
            worker.handle(box)
            # After each command, as trial's worker flushes after each:
            # Start's answer must be out before a test that kills us runs.
            worker.send()
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
