"""A figure, not a target: Twisted's whole suite (`twisted`, about 11,800
tests), `cctrial --once` against `trial -j2` and single-process `trial`.

The whole suite holds tests that need the network, a terminal, time zone
data or another user than root; on a machine without them they fail or
error, and some outcomes change from one run to the next (timeouts on a
busy machine).  So nothing is judged: the figures are reported with each
command's closing lines, which say what each run made of the suite.  Each
command runs once (the suite takes minutes), in turns, cctrial first with
its discovery cache warm from an untimed `--list-selected`.

    bench_fullsuite.py BUILD_DIR
"""

import os
import stat

import benchlib
from bench_throughput import closing_lines
from benchlib import PYTHON, BenchError, say

SUITE = ["twisted"]
# Single-process trial takes several minutes; a hung run still ends.
FULL_TIMEOUT = 3600.0


def closing(output):
    ran, verdict = closing_lines(output)
    return f"`Ran {ran} tests`, `{verdict}`"


def devnull_mode():
    return os.stat(os.devnull).st_mode


def restore_devnull(label, before):
    """Run as root, Twisted's own test_logfile.LogFileTests.
    test_cantChangeFileMode leaves /dev/null mode 0555: it opens /dev/null
    as a LogFile with defaultMode=0o555, a chmod meant to fail, which root
    may make.  apt's sandbox user then cannot write to /dev/null, and the
    next fetch of Twisted 24.11 failed.  The mode is put back after each
    command and the run says so."""
    after = devnull_mode()
    if after == before:
        return None
    os.chmod(os.devnull, stat.S_IMODE(before))
    note = (f"{label}: a test changed {os.devnull}'s mode from "
            f"{stat.S_IMODE(before):04o} to {stat.S_IMODE(after):04o}; "
            "put back")
    say(note)
    return note


def run(ctx):
    cwd = ctx.directory("fullsuite")
    config = ctx.config("fullsuite", f"[cctrial]\npython = {PYTHON}\n")
    jobs = ["-j2"]
    commands = [
        ("cctrial --once -j2", [ctx.cctrial, "--config", config, "--once"]
         + jobs + SUITE),
        ("trial -j2", [PYTHON, "-m", "twisted.trial"] + jobs + SUITE),
        ("trial (one process)", [PYTHON, "-m", "twisted.trial"] + SUITE),
    ]
    say("== the whole Twisted suite: discovery cache first (untimed)")
    benchlib.timed_run([ctx.cctrial, "--config", config, "--list-selected"]
                       + SUITE, cwd)
    rows, entries, repairs = [], [], []
    for label, argv in commands:
        say(f"== the whole Twisted suite: {label}")
        before = devnull_mode()
        done = benchlib.timed_run(argv, cwd, timeout=FULL_TIMEOUT)
        repair = restore_devnull(label, before)
        if repair:
            repairs.append(repair)
        # trial exits 1 when a test failed; anything else is no result.
        if done.status not in (0, 1):
            raise BenchError(f"{label} exited {done.status}:\n"
                             + done.output[-3000:])
        rows.append([label, f"{done.wall:.1f}", f"{done.cpu:.1f}",
                     closing(done.output)])
        entries.append((label, benchlib.command_line(argv, cwd)))
    markdown = (
        "Not judged: the whole suite includes tests that need the network, "
        "a terminal or another user, whose outcomes vary here. One run of "
        "each command, in turns:\n\n"
        + benchlib.commands_block(ctx, entries, [config])
        + "\n" + benchlib.table(
            ["command", "wall (s)", "tree CPU (s)", "closing lines"], rows)
        + "".join(f"\n- {repair}\n" for repair in repairs))
    return benchlib.Result("5. Twisted's whole suite (a figure)", markdown,
                           [])


if __name__ == "__main__":
    benchlib.standalone(run)
