"""cctrial's fast worker bootstrap (worker = fast).

A drop-in for `python -m twisted.trial._dist.workertrial`: the same worker
protocol object (twisted.trial._dist.worker.WorkerProtocol), the same log
observer, the same file descriptors (commands on 3, results on 4), so that
every test runs and reports exactly as in trial's own worker.  Two things
differ, both about time:

- Commands are read in blocks, not one byte at a time with a flush after
  each byte.
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
import sys

COMMANDS = 3
RESULTS = 4


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


def main():
    from twisted.internet.protocol import FileWrapper
    from twisted.python.log import startLoggingWithObserver
    from twisted.trial._dist.options import WorkerOptions
    from twisted.trial._dist.worker import WorkerProtocol
    from twisted.trial._dist.workertrial import WorkerLogObserver

    config = WorkerOptions()
    config.parseOptions()
    protocol = WorkerProtocol(config["force-gc"])
    results = os.fdopen(RESULTS, "wb")
    protocol.makeConnection(FileWrapper(results))
    startLoggingWithObserver(WorkerLogObserver(protocol).emit, False)
    preload()
    while True:
        try:
            data = os.read(COMMANDS, 65536)
        except InterruptedError:
            continue
        if not data:
            break
        protocol.dataReceived(data)
        results.flush()
        sys.stdout.flush()
        sys.stderr.flush()
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
