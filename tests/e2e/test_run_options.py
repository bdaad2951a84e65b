"""trial's options that shape a run, end to end, against trial itself.

    test_run_options.py exitfirst|until_failure|order|rterrors|testmodule

Each case writes a small package, runs `python3 -m twisted.trial` with the
option as the reference, then cctrial --once with the same option, one
worker (where trial's result is comparable: trial refuses -x with -j, and
one worker runs the tests in the order they are handed out).

exitfirst: -x ends the run once the first failure's test has ended: trial's
    closing line and exit status, each test's outcome as trial's; and the
    keys -x and the others set are shown by --print-config.
until_failure: -u runs the tests again until a pass fails, saying each
    pass's number as trial does ("Test Pass N"), and exits 1 then.
order: -z SEED runs the tests in trial's very order for that seed and
    prints the seed as trial does; -o toptobottom in trial's order too.
rterrors: -e prints each failure's traceback as it comes, before the
    tests after it and before the closing summary.
testmodule: --testmodule takes a test_*.py file as the test, else the
    file's test-case-name header, skips a missing file with trial's
    warning: trial's result.
"""

import json
import os
import sys

import harness
from harness import check, say

TEST_A = """\
from twisted.trial import unittest


class Zeta(unittest.TestCase):
    def test_z(self):
        pass

    def test_a(self):
        pass


class Alpha(unittest.TestCase):
    def test_m(self):
        pass

    def test_fails(self):
        self.fail("first failure")

    def test_b(self):
        pass
"""

TEST_B = """\
from twisted.trial import unittest


class B(unittest.TestCase):
    def test_one(self):
        pass

    def test_two(self):
        self.fail("second failure")

    def test_three(self):
        pass
"""

# Fails on its third run: the count is kept in a file beside the package
# (each pass, and each of cctrial's runs, is a new worker).
FLAKY = """\
import os
from twisted.trial import unittest

COUNT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                     "count")


class Flaky(unittest.TestCase):
    def test_third_time(self):
        n = int(open(COUNT).read()) if os.path.exists(COUNT) else 0
        with open(COUNT, "w") as f:
            f.write(str(n + 1))
        if n + 1 >= 3:
            self.fail("run %d" % (n + 1))
"""

THING = """\
#!/usr/bin/env python3
# -*- coding: utf-8; test-case-name: runpkg.test_b -*-
VALUE = 1
"""


def write(root, name, text):
    path = os.path.join(root, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def project():
    root = harness.empty_dir("runopts")
    write(root, "runpkg/__init__.py", "")
    write(root, "runpkg/test_a.py", TEST_A)
    write(root, "runpkg/test_b.py", TEST_B)
    write(root, "runpkg/thing.py", THING)
    return root


def result_ids(cct):
    """The ids of cctrial's results, in the order they came."""
    ids = []
    with open(cct.events_path, encoding="utf-8") as f:
        for line in f:
            event = json.loads(line)
            if event["event"] == "test_result":
                ids.append(event["id"])
    return ids


def verbose_ids(output):
    """The ids trial's verbose reporter ran, in order."""
    return [line.split(" ... ")[0] for line in output.splitlines()
            if " ... [" in line]


def exitfirst():
    root = project()
    with harness.Cctrial(root, ["--print-config", "-x", "-u", "-z", "4",
                                "-e", "--testmodule", "x.py"]) as cct:
        status = cct.run()
    check(status == 0, "--print-config failed\n" + cct.describe())
    for line in ("exitfirst = true ; command line",
                 "until_failure = true ; command line",
                 "random = 4 ; command line",
                 "testmodule = x.py ; command line",
                 "rterrors = true ; command line"):
        check(line in cct.output,
              f"--print-config does not show {line!r}\n" + cct.describe())
    say("--print-config shows the keys -x, -u, -z, -e and --testmodule set")

    reference = harness.run_trial(root, ["-x", "runpkg"])
    check(reference.summary.ran < 8,
          "trial -x did not stop early:\n" + reference.output)
    with harness.Cctrial(root, ["--once", "-x", "runpkg"],
                         outcomes=True) as cct:
        harness.check_as_trial(cct, "cctrial --once -x", reference)
    check("stopped at the first failure or error (exitfirst)" in cct.output,
          "cctrial did not say why the run stopped\n" + cct.describe())
    say(f"-x: {harness.format_summary(reference.summary)}, as trial -x")


def until_failure():
    root = project()
    write(root, "runpkg/test_flaky.py", FLAKY)
    count = os.path.join(root, "count")
    reference = harness.run_trial(root, ["-u", "runpkg.test_flaky"])
    passes = [line for line in reference.output.splitlines()
              if line.startswith("Test Pass ")]
    check(passes == ["Test Pass 1", "Test Pass 2", "Test Pass 3"],
          "trial -u did not fail at its third pass:\n" + reference.output)
    os.unlink(count)
    with harness.Cctrial(root, ["--once", "-u", "runpkg.test_flaky"],
                         outcomes=True) as cct:
        harness.check_as_trial(cct, "cctrial --once -u", reference)
    got = [line for line in harness.plain(cct.output).splitlines()
           if line.startswith("Test Pass ")]
    check(got == passes, f"expected trial's pass lines {passes}, got {got}\n"
          + cct.describe())
    say("-u: three passes, the third fails, exit 1, as trial -u")


def order():
    root = project()
    reference = harness.run_trial(root, ["-z", "5", "--reporter=bwverbose",
                                         "runpkg"])
    want = verbose_ids(reference.output)
    check(len(want) == 8, "trial -z did not run 8 tests:\n"
          + reference.output)
    # Not trial's default order, or the test would prove nothing.
    check(want != sorted(want), "the seed gives the default order")
    with harness.Cctrial(root, ["--once", "-z", "5", "runpkg"],
                         outcomes=True) as cct:
        harness.check_as_trial(cct, "cctrial --once -z 5", reference)
    check("Running tests shuffled with seed 5\n" in cct.output,
          "cctrial did not print the seed as trial does\n" + cct.describe())
    got = result_ids(cct)
    check(got == want, "-z 5: not trial's order\n  trial:   "
          + " ".join(want) + "\n  cctrial: " + " ".join(got))
    say("-z 5: trial's order for the seed, the seed printed")

    reference = harness.run_trial(root, ["--order=toptobottom",
                                         "--reporter=bwverbose", "runpkg"])
    want = verbose_ids(reference.output)
    with harness.Cctrial(root, ["--once", "-o", "toptobottom", "runpkg"],
                         outcomes=True) as cct:
        harness.check_as_trial(cct, "cctrial --once -o toptobottom",
                               reference)
    got = result_ids(cct)
    check(got == want, "-o toptobottom: not trial's order\n  trial:   "
          + " ".join(want) + "\n  cctrial: " + " ".join(got))
    check(got[0] == "runpkg.test_a.Zeta.test_z", "not top to bottom")
    say("-o toptobottom: trial's order")


def rterrors():
    root = project()
    with harness.Cctrial(root, ["--once", "-e", "runpkg"]) as cct:
        status = cct.run()
    check(status == 1, f"expected exit status 1, got {status}\n"
          + cct.describe())
    out = harness.plain(cct.output)
    at_once = out.find("[FAIL]\nTraceback")
    summary = out.find("=" * 79)
    check(0 <= at_once < summary,
          "no traceback printed before the summary\n" + cct.describe())
    # The first failure's traceback came while the run went on: the tests
    # of test_b ran after it.
    block = out[at_once:summary]
    check("first failure" in block and
          "runpkg.test_a.Alpha.test_fails\n" in block,
          "the first failure's traceback and id are not there\n"
          + cct.describe())
    check(block.index("first failure") < block.index("second failure"),
          "tracebacks not in the order they came\n" + cct.describe())
    say("-e: each traceback as it comes, then the summary")


def testmodule():
    root = project()
    args = ["--testmodule", "runpkg/thing.py", "--testmodule",
            "runpkg/test_a.py", "--testmodule", "runpkg/gone.py"]
    reference = harness.run_trial(root, args)
    check(reference.summary.ran == 8,
          "trial did not run test_b (the header) and test_a (the file):\n"
          + reference.output)
    with harness.Cctrial(root, ["--once"] + args, outcomes=True) as cct:
        harness.check_as_trial(cct, "cctrial --once --testmodule",
                               reference)
    check("File 'runpkg/gone.py' doesn't exist" in cct.output,
          "no warning for the missing file\n" + cct.describe())
    say("--testmodule: the header's names and the test file, trial's result")


CASES = {
    "exitfirst": exitfirst,
    "until_failure": until_failure,
    "order": order,
    "rterrors": rterrors,
    "testmodule": testmodule,
}

harness.main(CASES[sys.argv[1]])
