"""Every byte cctrial writes reaches a terminal that reads slowly.

    test_slow_terminal.py CASE

A terminal takes only a few KiB that nobody has read yet; a writer beyond
that must wait for the reader (a user scrolling back, a slow ssh link, a
terminal emulator busy drawing).  Each case runs cctrial on a real
pseudo-terminal whose reader stops reading until cctrial has produced
much more than the terminal holds, then reads slowly to the end, and
checks that nothing is missing and that the terminal's flags (O_NONBLOCK)
are as they were once cctrial has gone.

    many_failures   `cctrial --once` on 600 tests failing 600 different
                    ways: every group, then `Ran 600 tests` and
                    `FAILED (failures=600)`
    fixloop_sigterm the fix loop on a test that logs 3,000 lines: its log,
                    whole, then SIGTERM while the terminal is still full
    fixloop_ctrl_c  the same, ended by typing ^C

A JSON reporter writing to a file, listed after the terminal's reporters,
tells when cctrial has produced the output to wait for: what the terminal
reporters print for an event precedes that event's line in the file.
"""

import json
import os
import re
import signal
import sys
import time

import harness
from harness import check, say

TESTS = 600
NOISY_LINES = 3000
# A pseudo-terminal's reader sees at most 4 KiB unread (more waits in the
# kernel's buffers): half of that says the writer is not being read.
FULL = 2048
# Tracebacks as they come (on by default on a terminal) off: the groups at
# the end are what must come through the full terminal, each failure's
# text once.
CONFIG = ("[cctrial]\nreporters = summary, oneline, json\n"
          "[reporter.oneline]\nrterrors = false\n"
          "[reporter.json]\npath = {events}\n")


TEST_HEADER = "from twisted.trial import unittest\n"


def project(files):
    """A fresh directory holding `files` ({relative path: text})."""
    root = harness.empty_dir("project")
    for name, text in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    return root


def indent(text):
    return "".join("    " + line + "\n" for line in text.splitlines())


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        check(time.monotonic() < deadline,
              f"gave up after {timeout}s waiting for {what}")
        time.sleep(0.05)


def many_failures_project():
    """TESTS tests, each failing with its own message (so its own group),
    a few lines long so that the groups weigh some 400 KiB."""
    body = "".join(
        f"    def test_{i:03d}(self):\n"
        f"        self.fail(problem({i}))\n\n" for i in range(TESTS))
    return project({
        "many/__init__.py": "",
        "many/test_many.py": TEST_HEADER +
        "\n\ndef problem(n):\n"
        "    return 'problem number %03d\\n' % n + ''.join(\n"
        "        '  detail %d of problem %03d\\n' % (d, n) for d in range(5))\n"
        "\n\nclass ManyTests(unittest.TestCase):\n" + body,
    })


def noisy_project():
    return project({
        "noisy/__init__.py": "",
        "noisy/test_noisy.py": TEST_HEADER +
        "from twisted.python import log\n\n\n"
        "class Noisy(unittest.TestCase):\n"
        "    def test_noisy(self):\n"
        f"        for i in range({NOISY_LINES}):\n"
        f"            log.msg('noisy line %04d of {NOISY_LINES}' % i)\n"
        "        print('printed at the end')\n"
        "        self.fail('the last word')\n",
    })


def start(root, args):
    """cctrial on a terminal nobody reads yet; the JSON events' path."""
    events = os.path.join(harness.empty_dir("events"), "events.jsonl")
    # Outside the project, which cctrial watches.
    config = os.path.join(os.path.dirname(events), "cctrialrc")
    with open(config, "w") as f:
        f.write(CONFIG.format(events=events))
    cct = harness.Cctrial(root, ["--config", config] + args, tty=True,
                          size=(24, 80))
    cct.pause_reading()
    cct.start()
    return cct, events


def events_of(path):
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    # The last line may be half written.
    return [json.loads(line) for line in lines if line.endswith("}")]


def wait_output_made(cct, events, made, what):
    """Keeps the terminal unread until cctrial has filled it and `made`
    (a test of the JSON events) says what is to be read was produced, or
    until cctrial has exited (it then wrote all it will)."""
    wait_until(
        lambda: cct.proc.poll() is not None or (
            cct.unread() >= FULL and made(events_of(events))),
        60, what + " while the terminal was full")
    say(f"{what}, {cct.unread()} bytes unread on the terminal")


def cpu_ticks(pid):
    """User and system time cctrial has used so far, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


class Stalled:
    """True once cctrial has used no CPU time over `quiet` seconds: it
    waits for something (here, for the terminal to take more)."""

    def __init__(self, pid, quiet):
        self.pid = pid
        self.quiet = quiet
        self.ticks = None
        self.since = None

    def __call__(self):
        ticks = cpu_ticks(self.pid)
        now = time.monotonic()
        if ticks != self.ticks:
            self.ticks = ticks
            self.since = now
        return now - self.since >= self.quiet


def read_slowly_to_the_end(cct, status_wanted):
    cct.resume_reading(chunk=1024, delay=0.001)
    status = cct.wait_exit(60)
    check(status == status_wanted,
          f"exit status {status}, not {status_wanted}\n" + cct.describe())
    check(not cct.descendants(), f"processes left: {cct.descendants()}")
    nonblock_before = cct.terminal_flags_at_start & os.O_NONBLOCK
    nonblock_after = cct.terminal_flags & os.O_NONBLOCK
    check(nonblock_after == nonblock_before,
          f"the terminal's O_NONBLOCK was {bool(nonblock_before)} and is "
          f"{bool(nonblock_after)} once cctrial has gone")
    return harness.plain(cct.output)


def missing_report(text, wanted):
    missing = [w for w in wanted if w not in text]
    return (f"{len(missing)} of {len(wanted)} missing, the first: "
            f"{missing[:3]}; the output's end:\n"
            + indent(text[-1500:]))


def many_failures():
    root = many_failures_project()
    cct, events = start(root, ["--once", "many"])
    with cct:
        # Until the closing lines were produced, or cctrial waits for the
        # terminal because more waits for it than it keeps (they are then
        # being produced: the groups outweigh what it keeps).
        stalled = Stalled(cct.pid, 0.5)
        wait_output_made(
            cct, events,
            lambda evs: sum(e["event"] == "test_result" for e in evs)
            == TESTS and (evs[-1]["event"] == "run_end" or stalled()),
            f"all {TESTS} results and the groups")
        text = read_slowly_to_the_end(cct, 1)
    failures = re.findall(r"^twisted\.trial\.unittest\.FailTest: "
                          r"problem number (\d{3})$", text, re.M)
    wanted = [f"problem number {i:03d}" for i in range(TESTS)]
    check(sorted(set(failures)) == [f"{i:03d}" for i in range(TESTS)],
          f"{len(set(failures))} groups of {TESTS} shown: "
          + missing_report(text, [f"FailTest: {w}" for w in wanted]))
    check(f"  detail 4 of problem {TESTS - 1:03d}" in text,
          "the last group's last line is missing:\n"
          + indent(text[-1500:]))
    summary = harness.parse_summary(text)
    check(summary.ran == TESTS and summary.verdict == "FAILED"
          and summary.counts["failures"] == TESTS,
          f"closing lines: {summary}")
    say(f"{TESTS} groups, 'Ran {TESTS} tests' and "
        f"'FAILED (failures={TESTS})' all shown")


def fixloop(stop, status_wanted):
    root = noisy_project()
    cct, events = start(root, ["noisy"])
    with cct:
        # The fix loop: the failing test re-run alone, its log shown, then
        # "please fix" and the wait for a change.
        wait_output_made(
            cct, events,
            lambda evs: any(e["event"] == "waiting" for e in evs),
            "the noisy test's log and the wait for a change")
        stop(cct)
        text = read_slowly_to_the_end(cct, status_wanted)
    wanted = [f"noisy line {i:04d} of {NOISY_LINES}"
              for i in range(NOISY_LINES - 100, NOISY_LINES)]
    wanted += ["Stdout:", "printed at the end",
               "please fix: test_noisy (noisy.test_noisy.Noisy)",
               "waiting for filesystem change..."]
    check(all(w in text for w in wanted),
          "the noisy test's log is cut: " + missing_report(text, wanted))
    say("the noisy test's log, whole, then 'please fix' and the wait")


def fixloop_sigterm():
    fixloop(lambda cct: cct.signal(signal.SIGTERM), 128 + signal.SIGTERM)


def fixloop_ctrl_c():
    fixloop(lambda cct: cct.write("\x03"), 128 + signal.SIGINT)


CASES = {f.__name__: f for f in (many_failures, fixloop_sigterm,
                                 fixloop_ctrl_c)}

if __name__ == "__main__":
    check(len(sys.argv) == 2 and sys.argv[1] in CASES,
          f"usage: {sys.argv[0]} {'|'.join(CASES)}")
    harness.main(CASES[sys.argv[1]])
