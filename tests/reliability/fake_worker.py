"""A trial worker that lies: AMP spoken by hand on fds 3 and 4.

    fake_worker.py [trial's worker options, ignored]

cctrial starts it in place of `python -m twisted.trial._dist.workertrial`
(see fake_python() in test_liars.py).  It behaves as Twisted 22.4's worker
does, as far as cctrial can see: it answers Start, and for each Run sends
AddSuccess for the test and then answers the Run; except for a test whose
name contains "lie", where it misbehaves in the way CCT_FAKE_MODE names
(see LIES), and for the modes that lie at other moments (see main()).

CCT_FAKE_STATE is a directory where it records what it did and saw:
`worker-<n>` (its pid; n counts the workers started), `ran-<test id>` (the
pid that ran the test), `answer-<mode>.json` (an answer cctrial gave).
A worker that has lied then waits, doing nothing: cctrial must kill it.
"""

import json
import os
import random
import sys
import time

COMMANDS, RESULTS = 3, 4
MODE = os.environ.get("CCT_FAKE_MODE", "")
STATE = os.environ["CCT_FAKE_STATE"]
# Longer than any bound of the tests: a liar cctrial forgets to kill
# shows up as a test that times out, and as a process left behind.
LINGER = 300


def encode(pairs):
    """An AMP box from (key, value) pairs; str values are UTF-8."""
    out = bytearray()
    for key, value in pairs:
        if isinstance(key, str):
            key = key.encode()
        if isinstance(value, str):
            value = value.encode()
        out += len(key).to_bytes(2, "big") + key
        out += len(value).to_bytes(2, "big") + value
    return bytes(out + b"\0\0")


def list_of(items):
    """AMP's ListOf: each item as a two-byte length and its bytes."""
    return b"".join(len(i).to_bytes(2, "big") + i for i in items)


def send_raw(data):
    while data:
        data = data[os.write(RESULTS, data):]


def send(*pairs):
    send_raw(encode(pairs))


class Reader:
    """Boxes from cctrial, read from fd 3 whole."""

    def __init__(self):
        self.buffer = b""

    def _need(self, n):
        while len(self.buffer) < n:
            data = os.read(COMMANDS, 65536)
            if not data:
                sys.exit(0)  # EOF on commands: asked to exit
            self.buffer += data
        taken, self.buffer = self.buffer[:n], self.buffer[n:]
        return taken

    def box(self):
        box = {}
        while True:
            key = self._need(int.from_bytes(self._need(2), "big"))
            if not key:
                return box
            box[key.decode()] = self._need(int.from_bytes(self._need(2),
                                                           "big"))


reader = Reader()
asks = 0
# Commands that came while we waited for an answer: cctrial may send a
# worker its next Run before the current one ends, and trial's worker
# reads it when it gets there.
pending = []


def next_command():
    return pending.pop(0) if pending else reader.box()


def call(command, *pairs):
    """Sends a command and returns cctrial's answer (or error) box."""
    global asks
    asks += 1
    ask = b"%x" % asks
    send(("_command", command), ("_ask", ask), *pairs)
    while True:
        box = reader.box()
        if box.get("_answer") == ask or box.get("_error") == ask:
            return box
        if "_command" in box:
            pending.append(box)
            continue
        fail(f"unexpected box while waiting for the answer to {command}: "
             f"{box}")


def fail(why):
    sys.stderr.write(f"fake worker: {why}\n")
    sys.stderr.flush()
    os._exit(7)


def linger():
    time.sleep(LINGER)
    os._exit(0)


def record(name, text):
    with open(os.path.join(STATE, name), "w") as f:
        f.write(text)


def register():
    """Takes the next worker number n, recording worker-<n>."""
    n = 1
    while True:
        try:
            fd = os.open(os.path.join(STATE, f"worker-{n}"),
                         os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            n += 1
            continue
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        return n


def report_success(test):
    answer = call("AddSuccess", ("testName", test))
    if answer.get("success") != b"True":
        fail(f"AddSuccess answered with {answer}")


# ---- the lies, each told while `test` runs ---------------------------------

def lie_key_too_long(test):
    send_raw(encode([("k" * 300, "v")]))


def lie_list_length(test):
    # AddError's frames, a ListOf whose first item claims 255 bytes of 3.
    send(("_command", "AddError"), ("_ask", "ff"), ("testName", test),
         ("error", "boom"), ("errorClass", "builtins.ValueError"),
         ("frames", b"\x00\xffabc"))


def lie_too_many_pairs(test):
    send_raw(encode([("_command", "AddSuccess"), ("_ask", "ff"),
                     ("testName", test)]
                    + [(f"extra{i}", "x") for i in range(70)]))


def lie_no_ask(test):
    send(("_command", "AddSuccess"), ("testName", test))


def lie_random_bytes(test):
    data = random.Random(20240501).randbytes(4096)
    # The first two bytes are a key length: over 255, which no box has.
    assert int.from_bytes(data[:2], "big") > 255
    send_raw(data)


def lie_premature_eof(test):
    box = encode([("_command", "AddSuccess"), ("_ask", "ff"),
                  ("testName", test)])
    send_raw(box[:len(box) // 2])
    os._exit(0)


def lie_unsolicited_answer(test):
    send(("_answer", "ff"), ("success", "True"))


def lie_neither(test):
    send(("what", "ever"))


def lie_closed_commands(test):
    # No one reads cctrial's answers any more: its writes fail (EPIPE, and
    # SIGPIPE unless it is ignored).
    os.close(COMMANDS)
    send(("_command", "TestWrite"), ("_ask", "fe"), ("out", "hello"))


LIES = {name[len("lie_"):]: f for name, f in globals().items()
        if name.startswith("lie_")}


# ---- modes that are not lies: cctrial must understand them --------------

def unknown_command(test):
    """An unknown command: cctrial answers UNHANDLED, as AMP does."""
    answer = call("Frobnicate", ("x", "1"))
    record("answer-unknown_command.json", json.dumps(
        {k: v.decode("utf-8", "replace") for k, v in answer.items()}))
    report_success(test)


def invalid_utf8(test):
    """A failure whose texts are not UTF-8 (AMP's Unicode would be)."""
    answer = call("AddFailure", ("testName", test),
                  ("fail", b"bad \xff\xfe text"),
                  ("failClass", b"fake.Bad\xc3"),
                  ("frames", list_of([b"f\xff", b"/x/y\xfe.py", b"7"])))
    if answer.get("success") != b"True":
        fail(f"AddFailure answered with {answer}")


def open_stream(items):
    """A stream of Twisted 22.10 and later: its id, once `items` are
    written to it, each cut in chunks that fit in AMP values."""
    answer = call("StreamOpen")
    stream = answer["streamId"]
    for item in items:
        for start in range(0, max(len(item), 1), 65535):
            call("StreamWrite", ("streamId", stream),
                 ("data", item[start:start + 65535]))
    return stream


def stream_failure(test, text_stream, frames_stream):
    answer = call("AddFailure", ("testName", test),
                  ("failStreamId", text_stream),
                  ("failClass", "twisted.trial.unittest.FailTest"),
                  ("framesStreamId", frames_stream))
    if answer.get("success") != b"True":
        fail(f"AddFailure answered with {answer}")


def stream_cut(test):
    """A 1.5 MiB failure text, streamed: more than cctrial keeps."""
    text = open_stream([b"t" * (1536 * 1024)])
    frames = open_stream([b"test_it", b"/x/test_it.py", b"3"])
    stream_failure(test, text, frames)


def stream_hog(test):
    """Streams opened and filled but never used: 40 of 1 MiB each."""
    for _ in range(40):
        open_stream([b"h" * (1024 * 1024)])
    text = open_stream([b"the failure"])
    frames = open_stream([])
    stream_failure(test, text, frames)


def many_streams(test):
    """150 errors, as a test with 150 logged errors reports them with
    Twisted 22.10 or later: every stream is opened before any is used."""
    streams = [call("StreamOpen")["streamId"] for _ in range(300)]
    for i, stream in enumerate(streams):
        item = b"error %d" % (i // 2) if i % 2 == 0 else b"f"
        call("StreamWrite", ("streamId", stream), ("data", item))
    for i in range(0, 300, 2):
        answer = call("AddError", ("testName", test),
                      ("errorClass", "builtins.RuntimeError"),
                      ("errorStreamId", streams[i]),
                      ("framesStreamId", streams[i + 1]))
        if answer.get("success") != b"True":
            fail(f"AddError answered with {answer}")


HEALTHY = {f.__name__: f for f in (unknown_command, invalid_utf8, stream_cut,
                                   stream_hog, many_streams)}


def run_test(test):
    record(f"ran-{test}", str(os.getpid()))
    if "lie" in test and MODE in LIES:
        LIES[MODE](test)
        linger()
    elif "lie" in test and MODE in HEALTHY:
        HEALTHY[MODE](test)
    else:
        report_success(test)


def main():
    number = register()
    if MODE == "stray_result" and number == 2:
        # The second worker, prewarmed while cctrial waits for a change,
        # reports a result although no test runs.
        send(("_command", "AddSuccess"), ("_ask", "1"), ("testName", "x.y"))
        linger()
    if MODE == "dies_at_start":
        sys.stderr.write("fake worker: cannot start\n")
        sys.stderr.flush()
        os._exit(5)
    while True:
        box = next_command()
        command = box.get("_command")
        if command == b"Start":
            os.chdir(box["directory"])
        elif command == b"Run":
            run_test(box["testCase"].decode())
        else:
            fail(f"unexpected box {box}")
        send(("_answer", box["_ask"]), ("success", "True"))


if __name__ == "__main__":
    main()
