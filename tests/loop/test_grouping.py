"""Grouping finds the real problem, end to end (docs/grouping.md).

    test_grouping.py helper|seed|verbose

helper: twenty tests call one broken helper from their own test methods,
some directly, some through Deferred callbacks, some in inlineCallbacks;
every traceback differs (the test's own frame, an object's address).
Three other tests fail for reasons of their own.  The full run shows one
group of 20 and three of one; the fix loop re-runs one of the 20, and
once the helper is fixed the retry suite leaves only the three.

seed: the project page's example: four tests whose setUp calls a
helper of the test module that breaks: `4 cases: [ERROR]`.

verbose: with -v, the summary prints, after a group's ids, the own
traceback of each member that differs from the one shown.
"""

import json
import os
import re
import signal
import sys

import harness
import loopkit
from harness import check, say

HELPER_BROKEN = """class Config(object):
    pass


def parse(text):
    config = Config()
    if not hasattr(config, "defaults"):  # the bug: it never has them
        raise LookupError("no defaults in %r" % (config,))
    left, right = text.split(" + ")
    return int(left) + int(right)
"""
HELPER_FIXED = """def parse(text):
    left, right = text.split(" + ")
    return int(left) + int(right)
"""

DIRECT = """
    def test_direct_{n}(self):
        self.assertEqual(helper.parse("1 + {n}"), 1 + {n})
"""
CHAIN = """
    def test_chain_{n}(self):
        d = defer.succeed("1 + {n}")
        d.addCallback(helper.parse)
        d.addCallback(self.assertEqual, 1 + {n})
        return d
"""
LATER = """
    def test_later_{n}(self):
        d = task.deferLater(reactor, 0, lambda: "1 + {n}")
        d.addCallback(helper.parse)
        return d
"""
INLINE = """
    @defer.inlineCallbacks
    def test_inline_{n}(self):
        text = yield defer.succeed("1 + {n}")
        self.assertEqual(helper.parse(text), 1 + {n})
"""
OTHERS = """

class Others(unittest.TestCase):
    def test_values(self):
        self.assertEqual(len("abc"), 4)

    def test_own_error(self):
        raise RuntimeError("a problem of its own")

    def test_other_values(self):
        self.assertEqual(len("abc"), 5)
"""


def helper_tests():
    body = loopkit.TEST_HEADER + (
        "from twisted.internet import defer, reactor, task\n\n"
        "from calc import helper\n\n\n"
        "class UsesHelper(unittest.TestCase):\n")
    kinds = [DIRECT] * 8 + [CHAIN] * 4 + [LATER] * 4 + [INLINE] * 4
    for n, kind in enumerate(kinds):
        body += kind.format(n=n)
    return body + OTHERS


def group_sizes(output):
    """The sizes of the groups of the summary's last run, in order."""
    return [int(n) for n in re.findall(r"^=+ (\d+) cases?: ", output, re.M)]


def full_run_shows_the_helper_as_one_group(cct, verbose=False):
    cct.wait_for(r"^FAILED \(failures=2, errors=21\)$", 60,
                 "the full suite: 2 failures, 21 errors")
    check(group_sizes(cct.output) == [1, 1, 1, 20],
          f"groups {group_sizes(cct.output)}, expected [1, 1, 1, 20]:\n"
          + cct.describe())
    match = re.search(r"^=+ 20 cases: \[ERROR\]\n(.*?)^-{79}$", cct.output,
                      re.M | re.S)
    check(match, "no group of 20 errors:\n" + cct.describe())
    group = match.group(1)
    shown = group.count("Traceback (most recent call last):")
    check(shown == (20 if verbose else 1),
          f"the group of 20 shows {shown} tracebacks:\n" + group)
    ids = re.findall(r"^calc\.test_calc\.UsesHelper\.test_\w+$", group,
                     re.M)
    check(len(ids) == 20, f"{len(ids)} member ids under the group:\n"
          + group)
    return ids


def main_helper():
    root = loopkit.project({
        "calc/__init__.py": "",
        "calc/helper.py": HELPER_BROKEN,
        "calc/test_calc.py": helper_tests(),
    })
    with harness.Cctrial(root, ["calc"]) as cct:
        cct.start()
        ids = full_run_shows_the_helper_as_one_group(cct)
        say("full run: one group of 20, three of one")
        rerun = cct.wait_for(r"^re-run: (test_\w+) \(calc\.test_calc\."
                             r"(\w+)\)$", 30, "the biggest problem re-run",
                             since_last=True)
        test = f"calc.test_calc.{rerun.group(2)}.{rerun.group(1)}"
        check(test in ids, f"re-run {test}, not one of the 20:\n"
              + cct.describe())
        cct.wait_for(r"^Running 1 tests\.$", 30, "the retry test alone",
                     since_last=True)
        cct.wait_for(r"^please fix: " + re.escape(rerun.group(1)), 30,
                     "please fix: the retry test", since_last=True)
        cct.wait_for(r"^waiting for filesystem change\.\.\.$", 30,
                     "waiting after please fix", since_last=True)
        say(f"the fix loop re-runs {test}")

        loopkit.write(os.path.join(root, "calc/helper.py"), HELPER_FIXED)
        cct.wait_for(r"^PASSED \(successes=1\)$", 30,
                     "the retry test passing once the helper is fixed",
                     since_last=True)
        cct.wait_for(r"^Running 23 tests\.$", 30, "the retry suite (23)",
                     since_last=True)
        cct.wait_for(r"^FAILED \(failures=2, errors=1, successes=20\)$", 30,
                     "the retry suite: only the three others fail",
                     since_last=True)
        say("helper fixed: the retry suite leaves the three others")
        cct.signal(signal.SIGINT)
        status = cct.wait_exit(30)
        check(status == 130, f"exit status {status} after SIGINT:\n"
              + cct.describe())


SEED = loopkit.TEST_HEADER + """

class DBConnector(object):
    def __init__(self, master):
        self.master = master


class TestUnicodeChanges(unittest.TestCase):
    def setUp(self):
        self.make_dbc(object(), "basedir")

    def make_dbc(self, master, basedir):
        self.db = DBConnector(master, basedir)

    def testAsciiChange(self):
        pass

    def testUnicodeChange(self):
        pass

    def testNonAsciiChange(self):
        pass

    def testEmptyChange(self):
        pass


class TestConnector(unittest.TestCase):
    def testFine(self):
        self.assertTrue(DBConnector(1))
"""


def main_seed():
    root = loopkit.project({"regressions/__init__.py": "",
                            "regressions/test_changes.py": SEED})
    with harness.Cctrial(root, ["--once", "regressions"]) as cct:
        status = cct.run()
        check(status == 1, f"exit status {status}, not 1:\n" + cct.describe())
        check(group_sizes(cct.output) == [4], f"groups "
              f"{group_sizes(cct.output)}, expected [4]:\n" + cct.describe())
        check(re.search(r"^=+ 4 cases: \[ERROR\]$", cct.output, re.M),
              "no '4 cases: [ERROR]':\n" + cct.describe())
        check("FAILED (errors=4, successes=1)" in cct.output,
              "not FAILED (errors=4, successes=1):\n" + cct.describe())
        say("the seed's example: 4 cases: [ERROR]")


def main_verbose():
    root = loopkit.project({
        "calc/__init__.py": "",
        "calc/helper.py": HELPER_BROKEN,
        "calc/test_calc.py": helper_tests(),
    })
    with harness.Cctrial(root, ["--once", "-v", "calc"],
                         outcomes=True) as cct:
        cct.run()
        ids = full_run_shows_the_helper_as_one_group(cct, verbose=True)
        group = re.search(r"^=+ 20 cases: \[ERROR\]\n(.*?)^-{79}$",
                          cct.output, re.M | re.S).group(1)
        own = re.findall(r"^--- (\S+)\nTraceback", group, re.M)
        # The members whose exact traceback differs from the one shown
        # (object addresses differ, unless Python reused one), from the
        # JSON events: each is shown.
        with open(cct.events_path, encoding="utf-8") as f:
            events = [json.loads(line) for line in f]
        texts = {e["id"]: e["text"] for e in events
                 if e["event"] == "test_result"}
        end = [e for e in events if e["event"] == "run_end"][-1]
        shown = next(g["text"] for g in end["groups"]
                     if len(g["tests"]) == 20)
        differ = sorted(i for i in ids if texts[i] != shown)
        check(sorted(own) == differ and len(differ) > 0,
              f"members' own tracebacks shown for {sorted(own)}, expected "
              f"those whose text differs, {differ}:\n" + group)
        say(f"-v: each member's own traceback is shown ({len(own)} differ "
            "from the group's)")


harness.main({"helper": main_helper, "seed": main_seed,
              "verbose": main_verbose}[sys.argv[1]])
