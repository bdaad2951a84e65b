"""A figure, not a target: Twisted's whole suite (`twisted`, about 11,800
tests), `cctrial --once` against `trial -j2` and single-process `trial`,
and which tests each of the first two gave another outcome than
single-process trial (trial through tests/e2e/trial_outcomes.py, which
records each result its reporter is given; cctrial through its json
reporter).

The whole suite holds tests that need the network, a terminal, time zone
data or another user than root; on a machine without them they fail or
error, and some outcomes change from one run to the next (timeouts on a
busy machine).  So nothing is judged: the figures are reported with each
command's closing lines, which say what each run made of the suite.  Each
command runs once (the suite takes minutes), in turns, cctrial first with
its discovery cache warm from an untimed `--list-selected`.

    bench_fullsuite.py BUILD_DIR
"""

import collections
import json
import os
import stat

import benchlib
from bench_throughput import closing_lines
from benchlib import PYTHON, BenchError, say

SUITE = ["twisted"]
HERE = os.path.dirname(os.path.abspath(__file__))
TRIAL_OUTCOMES = os.path.normpath(os.path.join(HERE, "..", "e2e",
                                               "trial_outcomes.py"))
# The differing tests listed for each command, at most.
LISTED = 40
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


def outcomes(path, cctrial):
    """{test id: sorted outcomes} from a json reporter's events or
    trial_outcomes.py's lines."""
    found = collections.defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            event = json.loads(line)
            if cctrial and event.get("event") != "test_result":
                continue
            found[event["id"]].append(event["outcome"])
    return {test: sorted(seen) for test, seen in found.items()}


def differences(label, mine, reference):
    """Markdown listing the tests whose outcomes differ from the
    reference's."""
    differ = sorted(test for test in set(mine) | set(reference)
                    if mine.get(test) != reference.get(test))
    text = (f"\n{label}: {len(differ)} of {len(reference)} tests differ "
            "from single-process trial")
    if not differ:
        return text + ".\n"
    rows = [[f"`{test}`", ", ".join(mine.get(test, [])) or "(none)",
             ", ".join(reference.get(test, [])) or "(none)"]
            for test in differ[:LISTED]]
    more = (f"\n({len(differ) - LISTED} more not listed)\n"
            if len(differ) > LISTED else "")
    return (text + ":\n\n" + benchlib.table(
        ["test", label, "trial (one process)"], rows) + more)


def run(ctx):
    cwd = ctx.directory("fullsuite")
    recorded = {label: os.path.join(ctx.root, f"fullsuite-{name}.jsonl")
                for label, name in (("cctrial --once -j2", "cctrial"),
                                    ("trial -j2", "trial-j2"),
                                    ("trial (one process)", "trial"))}
    config = ctx.config(
        "fullsuite", f"[cctrial]\npython = {PYTHON}\n"
        "reporters = summary,json\n\n[reporter.json]\n"
        f"path = {recorded['cctrial --once -j2']}\n")
    jobs = ["-j2"]
    commands = [
        ("cctrial --once -j2", [ctx.cctrial, "--config", config, "--once"]
         + jobs + SUITE),
        ("trial -j2", [PYTHON, TRIAL_OUTCOMES, recorded["trial -j2"]]
         + jobs + SUITE),
        ("trial (one process)",
         [PYTHON, TRIAL_OUTCOMES, recorded["trial (one process)"]] + SUITE),
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
    reference = outcomes(recorded["trial (one process)"], cctrial=False)
    markdown = (
        "Not judged: the whole suite includes tests that need the network, "
        "a terminal or another user, whose outcomes vary here. One run of "
        "each command, in turns (trial through trial_outcomes.py, which "
        "runs it in its own process and writes down each result):\n\n"
        + benchlib.commands_block(ctx, entries, [config])
        + "\n" + benchlib.table(
            ["command", "wall (s)", "tree CPU (s)", "closing lines"], rows)
        + "".join(f"\n- {repair}\n" for repair in repairs)
        + differences("cctrial --once -j2",
                      outcomes(recorded["cctrial --once -j2"], cctrial=True),
                      reference)
        + differences("trial -j2",
                      outcomes(recorded["trial -j2"], cctrial=False),
                      reference))
    return benchlib.Result("5. Twisted's whole suite (a figure)", markdown,
                           [])


if __name__ == "__main__":
    benchlib.standalone(run)
