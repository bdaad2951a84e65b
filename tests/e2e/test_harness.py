"""The harness's own checks, so that a test built on it fails when it should.

Uses small shell scripts in place of cctrial (harness.CCTRIAL is replaced):
- parse_summary reads trial's closing lines, and refuses output without;
- plain() resolves a status line rewritten in place;
- wait_for returns a match, and gives up saying what it waited for, both
  on a timeout and when the output ends;
- descendants() finds a process left behind, even one that left the
  process group, and the context manager then ends it;
- tty=True gives a terminal of the requested size;
- pause_reading leaves a writer waiting until resume_reading, which then
  reads all, and terminal_flags sees a writer's O_NONBLOCK on the terminal.
"""

import os
import re
import time

import harness
from harness import HarnessError, check, say


def expect_failure(function, pattern, what):
    try:
        function()
    except HarnessError as e:
        check(re.search(pattern, str(e)),
              f"{what}: the failure does not say /{pattern}/:\n{e}")
        return
    raise HarnessError(f"{what}: expected a failure, got none")


def script(text):
    path = os.path.join(harness.empty_dir("fake"), "fake-cctrial")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + text)
    os.chmod(path, 0o755)
    return path


def check_parse_summary():
    text = ("stuff\nRan 1 tests in 0.001s\n\nFAILED (failures=1)\n"
            "more\n-----\nRan 11 tests in 0.014s\n\n"
            "FAILED (skips=1, expectedFailures=1, failures=4, errors=3, "
            "unexpectedSuccesses=1, successes=2)\n")
    got = harness.parse_summary(text)
    check(got.ran == 11 and got.verdict == "FAILED" and got.counts == {
        "skips": 1, "expectedFailures": 1, "failures": 4, "errors": 3,
        "unexpectedSuccesses": 1, "successes": 2},
        f"the last closing lines, not the first: {got}")
    got = harness.parse_summary("Ran 0 tests in 0.000s\n\nPASSED\n")
    check(got == harness.Summary(0, "PASSED",
                                 dict.fromkeys(harness.TRIAL_KEYS, 0)),
          f"PASSED without counts: {got}")
    expect_failure(lambda: harness.parse_summary("Running 3 tests.\n"),
                   "no 'Ran N tests", "output without closing lines")
    expect_failure(lambda: harness.parse_summary(
        "Ran 3 tests in 1.000s\n\nPASSED (sucesses=3)\n"),
        "unexpected item", "a misspelt count")
    say("parse_summary: reads the last closing lines, refuses bad ones")


def check_plain():
    text = ("\x1b[1mfoo\x1b[0m 1/3\r\x1b[Kfoo.bar 2/3\r\x1b[K"
            "Ran 3 tests in 0.100s\r\n\r\nPASSED (successes=3)\r\n")
    check(harness.plain(text) ==
          "Ran 3 tests in 0.100s\n\nPASSED (successes=3)\n",
          f"plain() left {harness.plain(text)!r}")
    check(harness.parse_summary(text).counts["successes"] == 3,
          "parse_summary on terminal output")
    say("plain: escape sequences and rewritten status lines resolved")


def check_wait_for():
    harness.CCTRIAL = script('echo "Running 2 tests."; echo done >&2\n'
                             'exec sleep 30\n')
    with harness.Cctrial(harness.empty_dir(), [], python=None) as cct:
        cct.start()
        match = cct.wait_for(r"^Running (\d+) tests\.$", 10, "the start")
        check(match.group(1) == "2", f"matched {match.group(0)!r}")
        cct.wait_for("^done$", 10, "stderr's line")
        expect_failure(lambda: cct.wait_for("never", 0.5, "a thing that "
                                            "never comes", since_last=True),
                       r"gave up waiting for a thing that never comes "
                       r"\(/never/\): 0.5s passed(.|\n)*still running",
                       "a wait that times out")
        cct.signal(15)
        check(cct.wait_exit(10) == -15, "SIGTERM did not end it")
    harness.CCTRIAL = script('echo one line\n')
    with harness.Cctrial(harness.empty_dir(), [], python=None) as cct:
        cct.start()
        expect_failure(lambda: cct.wait_for("two", 10, "a second line"),
                       "its output ended", "a wait past the end of output")
    say("wait_for: returns the match; gives up saying what and why")


def check_descendants():
    harness.CCTRIAL = script("setsid sleep 60 </dev/null >/dev/null 2>&1 &\n"
                             "sleep 60 </dev/null >/dev/null 2>&1 &\n"
                             "exit 0\n")
    with harness.Cctrial(harness.empty_dir(), [], python=None) as cct:
        check(cct.run(10) == 0, "the fake cctrial failed\n" + cct.describe())
        # A background job may still be between its fork and its exec of
        # sleep (an empty or a shell's command line) when the script ends.
        deadline = time.monotonic() + 5
        while True:
            left = cct.descendants()
            if len(left) == 2 and all("sleep 60" in c for _, c in left):
                break
            check(time.monotonic() < deadline,
                  f"expected the two sleeps left behind within 5 s, found "
                  f"{left}")
            time.sleep(0.05)
    check(not cct.descendants(), "leaving the block did not end them")
    say("descendants: finds processes left behind, in the group or not; "
        "the context manager ends them")


def check_tty():
    harness.CCTRIAL = script('[ -t 1 ] && stty size\n')
    with harness.Cctrial(harness.empty_dir(), [], python=None, tty=True,
                         size=(33, 77)) as cct:
        check(cct.run(10) == 0, "stdout is no terminal\n" + cct.describe())
        check("33 77" in cct.output, "wrong size\n" + cct.describe())
    say("tty: a terminal of the requested size")


def check_tty_reading():
    # 200 KiB, far more than a terminal holds unread, then a line.
    harness.CCTRIAL = script(
        'head -c 204800 /dev/zero | tr "\\0" x; echo; echo the end\n')
    with harness.Cctrial(harness.empty_dir(), [], python=None,
                         tty=True) as cct:
        cct.pause_reading()
        cct.start()
        deadline = time.monotonic() + 10
        while cct.unread() < 2048:
            check(time.monotonic() < deadline,
                  "the terminal did not fill within 10 s")
            time.sleep(0.05)
        check(cct.proc.poll() is None and cct.output == "",
              "a writer went on while nobody read\n" + cct.describe())
        cct.resume_reading(chunk=1024)
        check(cct.wait_exit(10) == 0, "the writer failed\n" + cct.describe())
        check(cct.output.count("x") == 204800 and "the end" in cct.output,
              f"{cct.output.count('x')} of 204800 bytes read")
        check(cct.terminal_flags == cct.terminal_flags_at_start,
              f"flags {cct.terminal_flags:#o}, were "
              f"{cct.terminal_flags_at_start:#o}")
    harness.CCTRIAL = script(
        f'exec {harness.TEST_PYTHON} -c "import fcntl, os; '
        f'fcntl.fcntl(1, fcntl.F_SETFL, os.O_NONBLOCK)"\n')
    with harness.Cctrial(harness.empty_dir(), [], python=None,
                         tty=True) as cct:
        check(cct.run(10) == 0, "the writer failed\n" + cct.describe())
        check(cct.terminal_flags & os.O_NONBLOCK and
              not cct.terminal_flags_at_start & os.O_NONBLOCK,
              "O_NONBLOCK set on the terminal went unseen")
    say("tty: a paused reader makes the writer wait, and reads it all; "
        "the terminal's flags are seen")


def main():
    check_parse_summary()
    check_plain()
    check_wait_for()
    check_descendants()
    check_tty()
    check_tty_reading()


if __name__ == "__main__":
    harness.main(main)
