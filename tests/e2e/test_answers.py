"""Small wrong answers of issue 13, one case each, end to end.

    test_answers.py timeout_log_stock|timeout_log_fast|space_in_name

timeout_log_*: a test that logs lines, prints, then hangs past --timeout
    is reported as timed out, and its worker's test.log keeps the lines
    it logged before the kill (its "--> id <--" line and its own), with
    each worker.  trial's workers hold a test's log lines until the test
    ends, so cctrial must have the worker end the test before killing it.
space_in_name: a test file under a directory with a space in its name,
    given by path as trial takes it, runs as one name, with trial's
    result, from the command line and from `tests =` in .cctrialrc (the
    name in double quotes there).
"""

import os
import sys

import harness
from harness import check, say

HANGS = """\
import time
from twisted.python import log
from twisted.trial import unittest


class Hangs(unittest.TestCase):
    def test_hangs(self):
        log.msg("logged before the hang")
        print("printed before the hang")
        time.sleep(600)

    def test_fine(self):
        pass
"""

SPACED = """\
from twisted.trial import unittest


class Spaced(unittest.TestCase):
    def test_one(self):
        pass

    def test_two(self):
        self.fail("two fails")
"""


def write(root, name, text):
    path = os.path.join(root, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def timeout_log(worker):
    root = harness.empty_dir("timeout")
    write(root, "hang/__init__.py", "")
    write(root, "hang/test_hang.py", HANGS)
    cct = harness.Cctrial(root, ["--once", "--timeout=2",
                                 f"--worker={worker}",
                                 "hang.test_hang.Hangs.test_hangs"])
    with cct:
        status = cct.run()
    check(status == 1, f"expected exit status 1, got {status}\n"
          + cct.describe())
    check("timed out after 2 s" in cct.output,
          "the test was not reported as timed out\n" + cct.describe())
    with open(os.path.join(root, "_trial_temp", "0", "test.log")) as f:
        log = f.read()
    for line in ("--> hang.test_hang.Hangs.test_hangs <--",
                 "logged before the hang"):
        check(line in log.splitlines(),
              f"test.log lost {line!r} of the killed test; it holds:\n"
              f"{log}{cct.describe()}")
    with open(os.path.join(root, "_trial_temp", "0", "out.log")) as f:
        out = f.read()
    check("printed before the hang" in out,
          f"out.log lost what the test printed; it holds:\n{out}")
    say(f"{worker} worker: the killed test's log lines are in test.log")


def space_in_name():
    # A package in a directory whose name has a space, named by the file's
    # absolute path, as a shell completion or an editor gives it.
    root = os.path.join(harness.empty_dir("space"), "my project")
    write(root, "pk/__init__.py", "")
    write(root, "pk/test_s.py", SPACED)
    name = os.path.join(root, "pk", "test_s.py")
    reference = harness.run_trial(root, [name])
    check(reference.summary.ran == 2,
          "trial itself did not run the 2 tests of the file:\n"
          + reference.output)
    with harness.Cctrial(root, ["--once", name]) as cct:
        harness.check_as_trial(cct, "from the command line", reference)
    say(f"cctrial --once {name!r}: trial's result")
    write(root, ".cctrialrc",
          '[cctrial]\ntests = "%s"\n' % name.replace("\\", "\\\\"))
    with harness.Cctrial(root, ["--once"]) as cct:
        harness.check_as_trial(cct, "from .cctrialrc", reference)
    say("the same name, quoted, in tests = of .cctrialrc: trial's result")
    # The issue's own example: a test file outside any package, in a
    # directory with a space.  trial's workers cannot import such a file
    # by its module name (trial -j reports both tests as errors, where
    # single-process trial runs them); cctrial gives what trial -j does.
    write(root, "my tests/test_t.py", SPACED)
    name = "my tests/test_t.py"
    reference = harness.run_trial(root, [name], jobs=1)
    check(reference.summary.ran == 2,
          "trial -j1 did not load the 2 tests of the file:\n"
          + reference.output)
    with harness.Cctrial(root, ["--once", name]) as cct:
        harness.check_as_trial(cct, "a file outside a package", reference)
    say(f"cctrial --once {name!r}: trial -j1's result")


CASES = {
    "timeout_log_stock": lambda: timeout_log("stock"),
    "timeout_log_fast": lambda: timeout_log("fast"),
    "space_in_name": space_in_name,
}

harness.main(CASES[sys.argv[1]])
