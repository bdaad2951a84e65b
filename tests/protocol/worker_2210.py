"""A trial worker speaking the protocol of Twisted 22.10 and later, for
cctrial's tests on a machine that has Twisted 22.4.

From 22.10, failure texts and tracebacks travel as streams: the worker asks
the manager for a stream (StreamOpen -> streamId), sends the text in chunks
cut by bytes (StreamWrite), then the result names the streams (AddError:
testName, errorClass, errorStreamId, framesStreamId; AddFailure: failStreamId
...; AddExpectedFailure: errorStreamId).  A Run is answered only once every
command sent for its test has been answered.

This file is that worker, built on 22.4's own AMP and worker protocol: the
tests are loaded and run exactly as trial's worker runs them, only the
results go out the newer way.  Chunks are deliberately small (7 bytes) so
that they cut UTF-8 characters apart, which the manager must join before
decoding.
"""

import os
import sys

from twisted.internet.defer import DeferredList, ensureDeferred
from twisted.internet.protocol import FileWrapper
from twisted.protocols.amp import (AMP, Boolean, Command, Integer, String,
                                   Unicode)
from twisted.python.failure import Failure
from twisted.python.log import startLoggingWithObserver
from twisted.python.reflect import qual
from twisted.trial._dist import managercommands, workercommands
from twisted.trial._dist.workertrial import WorkerLogObserver
from twisted.trial.reporter import TestResult
from twisted.trial.runner import TestLoader, TrialSuite

CHUNK = 7


class StreamOpen(Command):
    response = [(b"streamId", Integer())]


class StreamWrite(Command):
    arguments = [(b"streamId", Integer()), (b"data", String())]


class AddError(Command):
    arguments = [(b"testName", Unicode()), (b"errorClass", Unicode()),
                 (b"errorStreamId", Integer()),
                 (b"framesStreamId", Integer())]
    response = [(b"success", Boolean())]


class AddFailure(Command):
    arguments = [(b"testName", Unicode()), (b"failStreamId", Integer()),
                 (b"failClass", Unicode()), (b"framesStreamId", Integer())]
    response = [(b"success", Boolean())]


class AddExpectedFailure(Command):
    arguments = [(b"testName", Unicode()), (b"errorStreamId", Integer()),
                 (b"todo", Unicode())]
    response = [(b"success", Boolean())]


async def stream(amp, chunks):
    stream_id = (await amp.callRemote(StreamOpen))["streamId"]
    for chunk in chunks:
        await amp.callRemote(StreamWrite, streamId=stream_id, data=chunk)
    return stream_id


def cut(data):
    return [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]


class Reporter(TestResult):
    def __init__(self, amp):
        super().__init__()
        self.amp = amp
        self.pending = []

    def _send(self, coroutine):
        self.pending.append(ensureDeferred(coroutine))

    @staticmethod
    def _failure(error):
        return error if isinstance(error, Failure) else Failure(
            error[1], error[0], error[2])

    @staticmethod
    def _frames(failure):
        items = []
        for frame in failure.frames:
            items.extend([frame[0], frame[1], str(frame[2])])
        return [item.encode("utf-8") for item in items]

    def addSuccess(self, test):
        super().addSuccess(test)
        self.pending.append(self.amp.callRemote(
            managercommands.AddSuccess, testName=test.id()))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.pending.append(self.amp.callRemote(
            managercommands.AddSkip, testName=test.id(), reason=str(reason)))

    def addUnexpectedSuccess(self, test, todo=None):
        super().addUnexpectedSuccess(test, todo)
        reason = todo.reason if todo is not None else "Test expected to fail"
        self.pending.append(self.amp.callRemote(
            managercommands.AddUnexpectedSuccess, testName=test.id(),
            todo=reason))

    def _problem(self, command, test, error, text_key, class_key):
        failure = self._failure(error)

        async def send():
            text = await stream(self.amp, cut(
                failure.getErrorMessage().encode("utf-8")))
            frames = await stream(self.amp, self._frames(failure))
            await self.amp.callRemote(
                command, testName=test.id(), framesStreamId=frames,
                **{text_key: text, class_key: qual(failure.type)})
        self._send(send())

    def addError(self, test, error):
        super().addError(test, error)
        self._problem(AddError, test, error, "errorStreamId", "errorClass")

    def addFailure(self, test, fail):
        super().addFailure(test, fail)
        self._problem(AddFailure, test, fail, "failStreamId", "failClass")

    def addExpectedFailure(self, test, error, todo=None):
        super().addExpectedFailure(test, error, todo)
        failure = self._failure(error)
        reason = todo.reason if todo is not None else "Test expected to fail"

        async def send():
            text = await stream(self.amp, cut(
                failure.getErrorMessage().encode("utf-8")))
            await self.amp.callRemote(AddExpectedFailure, testName=test.id(),
                                      errorStreamId=text, todo=reason)
        self._send(send())


class Worker(AMP):
    def __init__(self):
        super().__init__()
        self.loader = TestLoader()
        self.result = Reporter(self)

    @workercommands.Run.responder
    def run(self, testCase):
        self.result.pending = []
        case = self.loader.loadByName(testCase)
        TrialSuite([case]).run(self.result)
        # Answer Run only after every result has been answered.
        done = DeferredList(self.result.pending, consumeErrors=True)
        return done.addCallback(
            lambda results: {"success": all(ok for ok, _ in results)})

    @workercommands.Start.responder
    def start(self, directory):
        os.chdir(directory)
        return {"success": True}


def main():
    worker = Worker()
    out = os.fdopen(4, "wb")
    worker.makeConnection(FileWrapper(out))
    startLoggingWithObserver(WorkerLogObserver(worker).emit, False)
    while True:
        data = os.read(3, 65536)
        if not data:
            break
        worker.dataReceived(data)
        out.flush()
        sys.stdout.flush()
        sys.stderr.flush()


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        sys.path[0] = os.getcwd()
    main()
