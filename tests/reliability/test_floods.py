"""Floods, end to end: output and texts far bigger than anything cctrial
keeps, and bytes that are not UTF-8.

    test_floods.py CASE

stdout_once        a test writes 100 MiB to stdout (-j2, --once)
stdout_continuous  the same in continuous mode, with a file changed during
                   the flood
log_flood          a test logs 100,000 messages (each a TestWrite command
                   that cctrial answers)
testwrite_toolong  a test logs one message over 64 KiB
deep_traceback     an error raised 1,000 frames deep
bad_utf8           invalid UTF-8 on stdout, on the stderr of a dying worker,
                   and a failure message with a lone surrogate
retry_log_cut      the test being fixed has a test.log over 64 KiB and
                   invalid UTF-8 on stdout

Each checks the results, that nothing is left running, and cctrial's own
peak resident size (VmHWM, sampled from /proc while it runs) against a
generous bound: the floods are tens or hundreds of megabytes, so a copy
kept in memory would break it.

The flood test writes half of its 100 MiB, then waits (bounded) for the
script's go-ahead; the script gives it only after cctrial has reported a
test that ran meanwhile on the other worker: cctrial stays responsive while
it consumes the flood (the first half cannot have been written unless
cctrial read it).
"""

import os
import signal
import sys

import harness
import relkit
from harness import check, say

MIB = 1024 * 1024
FLOOD = relkit.TEST_HEADER + """import os
import sys
import time

STATE = {state!r}


def wait_for(name, seconds=60):
    deadline = time.monotonic() + seconds
    while not os.path.exists(os.path.join(STATE, name)):
        if time.monotonic() > deadline:
            raise AssertionError("no " + name + " after " + str(seconds) + " s")
        time.sleep(0.02)


def flood(mib):
    chunk = ("z" * 65535 + "\\n") * 16
    for _ in range(mib):
        sys.stdout.write(chunk)
    sys.stdout.flush()


class Flood(unittest.TestCase):
    def test_flood(self):
        flood(50)
        open(os.path.join(STATE, "half"), "w").close()
        wait_for("go")
        flood(50)


class Other(unittest.TestCase):
    def test_other(self):
        wait_for("half")

    def test_x(self):
        pass

    def test_y(self):
        pass
"""
OTHER = "app.test_flood.Other.test_other"


def flood_project():
    state = harness.empty_dir("state")
    root = relkit.project({"app/__init__.py": "", "app/core.py": "X = 1\n",
                           "app/test_flood.py": FLOOD.format(state=state)})
    return root, state


def let_flood_finish(session, state, what):
    """Waits for the first half of the flood and for the other worker's
    test to be reported meanwhile, then lets the flood go on."""
    relkit.wait_until(lambda: os.path.exists(os.path.join(state, "half")),
                      60, "the first 50 MiB of the flood " + what)
    session.wait_event(lambda e: e["event"] == "test_result"
                       and e["id"] == OTHER, 30,
                       f"cctrial to report {OTHER} during the flood")
    check(not os.path.exists(os.path.join(state, "go")), "go exists early")
    say(f"{OTHER} was reported while the flood was held half-way")


def check_out_log(root, size):
    logs = [os.path.join(root, "_trial_temp", n, "out.log") for n in "01"]
    sizes = [os.path.getsize(p) for p in logs if os.path.exists(p)]
    check(size in sizes, f"expected an out.log of {size} bytes, sizes: "
          f"{sizes}")
    say(f"out.log holds the whole flood ({size} bytes)")


def stdout_once():
    root, state = flood_project()
    with relkit.Session(root, ["app"], jobs=2) as session:
        session.start()
        let_flood_finish(session, state, "")
        relkit.write(os.path.join(state, "go"), "")
        run = session.finish(120)
    run.expect(0, 4, "PASSED", successes=4)
    check_out_log(root, 100 * MIB)
    run.watch.check_below(64, "a 100 MiB flood")


def stdout_continuous():
    root, state = flood_project()
    # -v: cctrial says "changed: FILE" when it takes a change in.
    with relkit.Session(root, ["app"], jobs=2, once=False,
                        args=["-f", "-v"]) as session:
        session.start()
        let_flood_finish(session, state, "")
        relkit.write(os.path.join(root, "app/core.py"), "X = 2\n")
        session.cct.wait_for(r"changed: .*app/core\.py$", 30,
                             "cctrial to take in the change during the flood")
        relkit.write(os.path.join(state, "go"), "")

        def second_run_ended():
            # The change was pending when the first run ended: the second
            # run follows at once, and only then does cctrial wait.
            evs = session.events()
            return (relkit.count(evs, "run_end") >= 2
                    and evs[-1]["event"] == "waiting")
        relkit.wait_until(second_run_ended, 120,
                          "a second run, for the change made during the "
                          "flood, to end")
        evs = session.events()
        ends = [e for e in evs if e["event"] == "run_end"]
        check(len(ends) == 2 and all(e["passed"] and e["tests_run"] == 4
                                     for e in ends),
              f"expected two passing runs of 4 tests: {ends}")
        say("the change made during the flood was acted on after it: a "
            "second run of 4 tests")
        session.watch.stop()
        session.watch.check_below(64, "two runs with a 100 MiB flood each")
        session.cct.signal(signal.SIGINT)
        run = session.finish(30)
    check(run.cct.returncode == 130, f"exit status {run.cct.returncode} "
          "after SIGINT\n" + run.cct.describe())


LOG_FLOOD = relkit.TEST_HEADER + """from twisted.python import log


class Chatty(unittest.TestCase):
    def test_chatty(self):
        for i in range(100000):
            log.msg("message %d" % i)

    def test_quiet(self):
        pass
"""


def log_flood():
    root = relkit.project({"chat/__init__.py": "",
                           "chat/test_chat.py": LOG_FLOOD})
    run = relkit.run_once(root, ["chat"], timeout=300)
    run.expect(0, 2, "PASSED", successes=2)
    log = os.path.join(root, "_trial_temp", "0", "test.log")
    with open(log) as f:
        lines = sum(1 for line in f if line.startswith("message "))
    check(lines == 100000, f"test.log holds {lines} messages, not 100000")
    say("test.log holds the 100,000 messages")
    # Each message is a command that cctrial answers while the worker,
    # busy in the test, reads none of the answers.
    run.watch.check_below(16, "100,000 unanswered log messages")


TOOLONG = relkit.TEST_HEADER + """from twisted.python import log


class Long(unittest.TestCase):
    def test_long_message(self):
        log.msg("y" * 70000)

    def test_ok(self):
        pass
"""


def testwrite_toolong():
    root = relkit.project({"long/__init__.py": "",
                           "long/test_long.py": TOOLONG})
    run = relkit.run_once(root, ["long"])
    run.expect(1, 2, "FAILED", errors=1, successes=1)
    error = run.only_result("long.test_long.Long.test_long_message")
    check(error["outcome"] == "error"
          and error["error_class"] == "twisted.protocols.amp.TooLong",
          f"expected an error of class twisted.protocols.amp.TooLong, "
          f"got {error}")
    say("the worker's TooLong is reported as the test's error")


DEEP = relkit.TEST_HEADER + """import sys


def f(n):
    if n == 0:
        raise ValueError("deep")
    return f(n - 1)


class Deep(unittest.TestCase):
    def test_deep(self):
        sys.setrecursionlimit(5000)
        f(1000)

    def test_ok(self):
        pass
"""


def deep_traceback():
    root = harness.empty_dir("d")
    module = os.path.join(root, "d", "test_d.py")
    relkit.write(os.path.join(root, "d", "__init__.py"), "")
    relkit.write(module, DEEP)
    run = relkit.run_once(root, ["d"])
    run.expect(1, 2, "FAILED", errors=1, successes=1)
    error = run.only_result("d.test_d.Deep.test_deep")
    # Twisted 22.4 sends the frames as one AMP value of at most 64 KiB:
    # three items (name, file, line) of two length bytes each per frame.
    frames_size = 1001 * (2 + 1 + 2 + len(module.encode()) + 2 + 1)
    fits = frames_size < 60000 or relkit.twisted_version() >= (22, 10)
    if fits:
        frames = error["text"].count(", in f\n")
        check(error["outcome"] == "error"
              and error["error_class"] == "builtins.ValueError"
              and frames == 1001
              and error["text"].endswith("builtins.ValueError: deep\n"),
              f"expected a ValueError with 1001 frames in f, got "
              f"{frames} frames: {error['text'][-500:]!r}")
        say(f"the error's traceback has its {frames} frames")
    else:
        check("the worker reported no result" in error["text"],
              f"expected 'no result' (frames over 64 KiB), got {error}")
        say("the frames did not fit in AMP: 'no result' error")


BAD_UTF8 = relkit.TEST_HEADER + """import os
import sys


class Bytes(unittest.TestCase):
    def test_bad_stdout(self):
        os.write(1, b"\\xff\\xfe bad\\n")

    def test_dies_with_bad_stderr(self):
        os.write(2, b"before \\xff\\xfe the end\\n")
        os._exit(3)

    def test_surrogate_failure(self):
        self.fail(b"abc \\xff".decode("utf-8", "surrogateescape"))

    def test_ok(self):
        pass
"""


def bad_utf8():
    root = relkit.project({"utf/__init__.py": "",
                           "utf/test_utf.py": BAD_UTF8})
    run = relkit.run_once(root, ["utf"])
    run.expect_valid_utf8()
    run.expect(1, 4, "FAILED", errors=2, successes=2)
    check(run.only_result("utf.test_utf.Bytes.test_bad_stdout")["outcome"]
          == "success", "the test writing invalid UTF-8 should pass")
    died = run.only_result("utf.test_utf.Bytes.test_dies_with_bad_stderr")
    check("before \ufffd\ufffd the end" in died["text"],
          f"expected U+FFFD for the invalid bytes of stderr, got {died}")
    check("before \ufffd\ufffd the end" in run.cct.stdout,
          "the summary does not show the stderr with U+FFFD:\n"
          + run.cct.describe())
    say("the dead worker's stderr is shown with U+FFFD for bad bytes")
    surrogate = run.only_result("utf.test_utf.Bytes.test_surrogate_failure")
    # AMP cannot encode a lone surrogate: Twisted 22.4's worker sends no
    # result at all.
    check(surrogate["outcome"] == "error"
          and "the worker reported no result" in surrogate["text"],
          f"expected 'no result' for the surrogate failure: {surrogate}")
    say("a failure message with a lone surrogate: 'no result' error")
    with open(os.path.join(root, "_trial_temp", "0", "out.log"), "rb") as f:
        check(b"\xff\xfe bad\n" in f.read(), "out.log lacks the raw bytes")


RETRY = relkit.TEST_HEADER + """import os
from twisted.python import log


class Noisy(unittest.TestCase):
    def test_fails(self):
        for i in range(2000):
            log.msg("line %04d %s" % (i, "q" * 40))
        os.write(1, b"out \\xff\\xfe bytes\\n")
        self.fail("still broken")

    def test_ok(self):
        pass
"""


def retry_log_cut():
    root = relkit.project({"noisy/__init__.py": "",
                           "noisy/test_noisy.py": RETRY})
    with relkit.Session(root, ["noisy"], once=False) as session:
        session.start()
        log = session.wait_event(lambda e: e["event"] == "log", 60,
                                 "the logs of the test being fixed")
        session.wait_event(lambda e: e["event"] == "waiting", 30,
                           "cctrial to wait after please fix")
        session.cct.signal(signal.SIGINT)
        run = session.finish(30)
    check(log["log"].startswith("[cut by cctrial: the last 64 KiB of ")
          and log["log"].endswith("line 1999 " + "q" * 40 + "\n")
          and len(log["log"].encode()) < 64 * 1024 + 200,
          f"expected test.log cut to its last 64 KiB, with the marker: "
          f"{log['log'][:200]!r}...{log['log'][-100:]!r}")
    check(log["out"] == "out \ufffd\ufffd bytes\n",
          f"expected U+FFFD in the out log: {log['out']!r}")
    out = run.cct.stdout
    check("[cut by cctrial: the last 64 KiB of " in out
          and "out \ufffd\ufffd bytes" in out,
          "the summary lacks the cut marker or the U+FFFD:\n"
          + run.cct.describe())
    run.expect_valid_utf8()
    say("test.log over 64 KiB shown cut, with where; bad bytes as U+FFFD")
    run.watch.check_below(64, "the retry test's logs")


CASES = {f.__name__: f for f in (stdout_once, stdout_continuous, log_flood,
                                 testwrite_toolong, deep_traceback, bad_utf8,
                                 retry_log_cut)}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        sys.exit(f"usage: test_floods.py {{{','.join(CASES)}}}")
    CASES[sys.argv[1]]()


if __name__ == "__main__":
    harness.main(main)
