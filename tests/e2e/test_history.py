"""The history of runs (issue 20), end to end, on a small project made
here: the package fxflaky, whose test_flaky.Flaky.test_fails_once fails
the first time it runs and passes after (it counts its runs in a file
outside the project, where no watcher looks), beside two steady modules.

    test_history.py

One watching session (not forever): the full suite fails, the workflow
re-runs the failing test with nothing changed, it passes: its result is
flaky in the JSON events and in the summary, and the full suite passes.
A test whose cleanup raises (a SynchronousTestCase: trial reports the
cleanup's error, then the test's success) is not flaky in its one run.
Then `cctrial history` and `--json` show the three runs, the tests'
durations and the flaky test; `--list-selected --shard=K/2` splits the
selection into two parts that cover it exactly, each module whole; a bad
--shard is refused; and with `history = off` a run keeps nothing.
Longest first: on a second small project whose slow module comes last in
trial's order, a -j1 run records the durations; the next run with -j2
hands the slow module's tests out first, together (the order of the
json reporter's test_start events, no timing), and -v says so; with
--order=toptobottom, trial's order again.
"""

import json
import os
import re

import harness
from harness import check, say

FLAKY = "fxflaky.test_flaky.Flaky.test_fails_once"

FILES = {
    "fxflaky/__init__.py": "",
    "fxflaky/test_flaky.py": '''
import os
from twisted.trial import unittest

# Outside the project: counting the runs changes no watched file.
COUNTER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "..", "counter")


class Flaky(unittest.TestCase):
    def test_fails_once(self):
        with open(COUNTER, "a+") as f:
            f.seek(0)
            runs = len(f.read())
            f.write("x")
        self.assertTrue(runs > 0, "the first run fails")
''',
    "fxflaky/test_steady.py": '''
from twisted.trial import unittest


class Steady(unittest.TestCase):
    def test_a(self):
        pass

    def test_b(self):
        pass
''',
    "fxflaky/test_other.py": '''
from twisted.trial import unittest


class Other(unittest.TestCase):
    def test_c(self):
        pass
''',
    ".cctrialrc": '''[cctrial]
reporters = summary, json
[reporter.json]
path = events.jsonl
''',
}


def make_project(files=FILES):
    top = harness.empty_dir("history")
    project = os.path.join(top, "proj")
    for name, text in files.items():
        path = os.path.join(project, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text.lstrip("\n"))
    return project


def run(project, args, python=harness.TEST_PYTHON):
    cct = harness.Cctrial(project, args, python=python)
    with cct:
        cct.run()
    return cct


def flaky_in_a_watching_session(project):
    cct = run(project, ["fxflaky"])
    check(cct.returncode == 0, "the session did not end with the full "
          "suite passing\n" + cct.describe())
    with open(os.path.join(project, "events.jsonl")) as f:
        events = [json.loads(line) for line in f]
    results = [e for e in events if e["event"] == "test_result"]
    flaky = [e for e in results if e["flaky"]]
    check([(e["id"], e["outcome"]) for e in flaky] == [(FLAKY, "success")],
          f"expected one flaky success of {FLAKY}, got {flaky}\n"
          + cct.describe())
    outcomes = [(e["id"], e["outcome"]) for e in results if e["id"] == FLAKY]
    check(outcomes == [(FLAKY, "failure"), (FLAKY, "success"),
                       (FLAKY, "success")],
          f"{FLAKY}: expected a failure, the flaky success, then a "
          f"success that is not flaky; got {outcomes}")
    check(f"[FLAKY] {FLAKY}: failed, then passed with no change in "
          "between" in cct.stdout,
          "the summary does not name the flaky test\n" + cct.describe())
    say(f"watching: {FLAKY} failed, passed on its re-run: flaky in the "
        "events and the summary")


CLEANUP_FILES = {
    "fxclean/__init__.py": "",
    "fxclean/test_cleanup.py": '''
from twisted.trial import unittest


class Cleanup(unittest.SynchronousTestCase):
    def test_cleanup_raises(self):
        # trial reports the cleanup's error, then the test's success: two
        # results of one run of the test.
        self.addCleanup(lambda: 1 / 0)
''',
    ".cctrialrc": FILES[".cctrialrc"],
}


def cleanup_error_not_flaky():
    project = make_project(CLEANUP_FILES)
    cct = run(project, ["--once", "fxclean"])
    check(cct.returncode == 1, "expected the run to fail\n" + cct.describe())
    with open(os.path.join(project, "events.jsonl")) as f:
        results = [e for e in map(json.loads, f)
                   if e["event"] == "test_result"]
    got = [(e["outcome"], e["flaky"]) for e in results]
    check(got == [("error", False), ("success", False)],
          f"expected the cleanup's error, then a success that is not flaky "
          f"(as trial reports them); got {got}\n" + cct.describe())
    check("[FLAKY]" not in cct.stdout,
          "the summary calls the test flaky\n" + cct.describe())
    say("a cleanup's error, then the success, in one run: not flaky")


def history_report(project):
    cct = run(project, ["history", "--json"], python=None)
    check(cct.returncode == 0, cct.describe())
    report = json.loads(cct.stdout)
    check(report["file"] == os.path.join(project, ".cctrial",
                                         "history.sqlite"), report["file"])
    runs = [(r["mode"], r["suite"], r["verdict"], r["tests"], r["failed"])
            for r in report["runs"]]
    check(runs == [("watch", "full", "passed", 4, 0),
                   ("watch", "retry-test", "passed", 1, 0),
                   ("watch", "full", "failed", 4, 1)],
          f"runs, newest first: {runs}")
    check(all(r["twisted"] and r["interpreter"] for r in report["runs"]),
          f"runs without their Twisted or interpreter: {report['runs']}")
    slowest = sorted(t["test_id"] for t in report["slowest"])
    check(slowest == sorted([FLAKY, "fxflaky.test_steady.Steady.test_a",
                             "fxflaky.test_steady.Steady.test_b",
                             "fxflaky.test_other.Other.test_c"]),
          f"slowest: {slowest}")
    flakiest = [(t["test_id"], t["flaky"], t["runs"])
                for t in report["flakiest"]]
    check(flakiest == [(FLAKY, 1, 3)], f"flakiest: {flakiest}")
    text = run(project, ["history", "--limit=1"], python=None)
    check(text.returncode == 0 and
          re.search(r"^Last runs", text.stdout, re.M) and
          len(re.findall(r" watch ", text.stdout)) == 1 and
          re.search(r"^ +1 times +" + re.escape(FLAKY), text.stdout, re.M),
          "cctrial history --limit=1\n" + text.describe())
    say("cctrial history: 3 runs newest first, 4 tests' durations, "
        f"{FLAKY} flaky once")


def shards(project):
    listed = run(project, ["--list-selected", "fxflaky"])
    everything = listed.stdout.split()
    parts = []
    for k in (1, 2):
        cct = run(project, ["--list-selected", f"--shard={k}/2", "fxflaky"])
        check(cct.returncode == 0, cct.describe())
        parts.append(cct.stdout.split())
    check(sorted(parts[0] + parts[1]) == sorted(everything) and
          not set(parts[0]) & set(parts[1]),
          f"shards {parts} do not cover {everything} exactly once")
    for part in parts:
        check(part, f"an empty shard: {parts}")
        modules = {i.rsplit(".", 2)[0] for i in part}
        check(all(m not in {i.rsplit(".", 2)[0] for i in other}
                  for m in modules for other in parts if other is not part),
              f"a module split between shards: {parts}")
    bad = run(project, ["--list-selected", "--shard=3/2", "fxflaky"])
    check(bad.returncode == 2 and
          "shard '3/2': the part must be 1 to 2" in bad.stderr,
          bad.describe())
    watching = run(project, ["--shard=1/2", "fxflaky"])
    check(watching.returncode == 2 and "use it with --once" in
          watching.stderr, watching.describe())
    say(f"--shard=1/2 and 2/2: {parts[0]} and {parts[1]}; 3/2 and a "
        "watching --shard refused")


def shard_runs():
    """Parts run one after another on one machine, with no history at
    first: each part must split by what the one before saw, so a shard's
    run keeps nothing in the history."""
    project = make_project()
    ran = []
    for k in (1, 2):
        cct = run(project, ["--once", f"--shard={k}/2", "fxflaky"])
        check(cct.returncode in (0, 1), cct.describe())
        with open(os.path.join(project, "events.jsonl")) as f:
            ran.append([e["id"] for e in map(json.loads, f)
                        if e["event"] == "test_result"])
    listed = run(project, ["--list-selected", "fxflaky"]).stdout.split()
    check(sorted(ran[0] + ran[1]) == sorted(listed),
          f"--once --shard=1/2 then 2/2 ran {ran}, not {listed} once each")
    report = json.loads(run(project, ["history", "--json"],
                            python=None).stdout)
    check(report["runs"] == [], f"a shard's run was kept: {report['runs']}")
    say(f"--once --shard=1/2, then 2/2: {ran[0]} and {ran[1]}, kept in no "
        "history")


def history_off():
    project = make_project()
    with open(os.path.join(project, ".cctrialrc"), "w") as f:
        f.write("[cctrial]\nhistory = off\n")
    cct = run(project, ["--once", "fxflaky.test_steady"])
    check(cct.returncode == 0, cct.describe())
    check(not os.path.exists(os.path.join(project, ".cctrial",
                                          "history.sqlite")),
          "history = off, yet .cctrial/history.sqlite was written")
    say("history = off: no history.sqlite")


LONG_FILES = {
    "fxlong/__init__.py": "",
    "fxlong/test_quick.py": '''
from twisted.trial import unittest


class Quick(unittest.TestCase):
    def test_one(self):
        pass

    def test_two(self):
        pass
''',
    "fxlong/test_slow.py": '''
import time
from twisted.trial import unittest


class Slow(unittest.TestCase):
    def test_sleeps(self):
        time.sleep(0.4)

    def test_too(self):
        pass
''',
    ".cctrialrc": FILES[".cctrialrc"],
}
QUICK = ["fxlong.test_quick.Quick.test_one", "fxlong.test_quick.Quick.test_two"]
SLOW = ["fxlong.test_slow.Slow.test_sleeps", "fxlong.test_slow.Slow.test_too"]


def started(project, args):
    """The ids of a --once run's test_start events, in their order."""
    cct = run(project, ["--once"] + args + ["fxlong"])
    check(cct.returncode == 0, cct.describe())
    with open(os.path.join(project, "events.jsonl")) as f:
        return cct, [e["id"] for e in map(json.loads, f)
                     if e["event"] == "test_start"]


def longest_first():
    project = make_project(LONG_FILES)
    _, first = started(project, ["-j1"])
    check(first == QUICK + SLOW, f"-j1 without history: trial's order "
          f"{QUICK + SLOW}, got {first}")
    cct, second = started(project, ["-j2", "-v"])
    check(second == SLOW + QUICK,
          f"-j2 after a run: the slow module first, got {second}\n"
          + cct.describe())
    check(f"longest module first, by the history's durations: {SLOW[0]} "
          "goes out first" in cct.stderr, "-v does not say so\n"
          + cct.describe())
    _, ordered = started(project, ["-j2", "--order=toptobottom"])
    check(ordered == QUICK + SLOW,
          f"--order: trial's order {QUICK + SLOW}, got {ordered}")
    say(f"longest first: -j2 hands out {SLOW} before {QUICK} once the "
        "history has them; --order keeps trial's")


def main():
    cleanup_error_not_flaky()
    longest_first()
    project = make_project()
    flaky_in_a_watching_session(project)
    history_report(project)
    shards(project)
    shard_runs()
    history_off()


if __name__ == "__main__":
    harness.main(main)
