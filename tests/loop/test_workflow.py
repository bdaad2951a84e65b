"""The cctrial workflow on a real project, end to end.

    test_workflow.py once|forever

Three tests share one broken helper (called from setUp, so their
tracebacks are identical) and one other test fails differently.  cctrial
runs the full suite, re-runs one test of the biggest group, says "please
fix" and waits; after the helper is fixed it runs that test, then the
retry suite, then what still fails; after the last fix, the full suite,
then exits 0 (once) or keeps waiting (forever, until SIGINT: 130).
"""

import os
import signal
import sys

import harness
import loopkit
from harness import check, say

HELPER_BROKEN = "def make(x):\n    raise TypeError('broken helper')\n"
HELPER_FIXED = "def make(x):\n    return x\n"
TESTS = loopkit.TEST_HEADER + """from calc import helper


class Shared(unittest.TestCase):
    def setUp(self):
        self.value = helper.make(1)

    def test_a(self):
        pass

    def test_b(self):
        pass

    def test_c(self):
        pass


class Other(unittest.TestCase):
    def test_other(self):
        self.assertEqual(1, {expected})

    def test_fine(self):
        pass
"""


def main():
    forever = sys.argv[1] == "forever"
    root = loopkit.project({
        "calc/__init__.py": "",
        "calc/helper.py": HELPER_BROKEN,
        "calc/test_calc.py": TESTS.format(expected=2),
    })
    args = (["-f"] if forever else []) + ["calc"]
    with harness.Cctrial(root, args) as cct:
        cct.start()
        cct.wait_for(r"^FAILED \(failures=1, errors=3, successes=1\)$", 60,
                     "the full suite failing with 1 failure and 3 errors")
        cct.wait_for(r"^re-run: test_a \(calc\.test_calc\.Shared\)$", 30,
                     "the first test of the biggest group re-run",
                     since_last=True)
        cct.wait_for(r"^Running 1 tests\.$", 30, "the retry test alone",
                     since_last=True)
        cct.wait_for(r"^please fix: test_a \(calc\.test_calc\.Shared\)$", 30,
                     "please fix: the retry test", since_last=True)
        cct.wait_for(r"^waiting for filesystem change\.\.\.$", 30,
                     "waiting after please fix", since_last=True)
        check("Logs: " in cct.output, "the retry test's logs were not shown:\n"
              + cct.describe())
        say("full suite, biggest problem, please fix: as expected")

        loopkit.write(os.path.join(root, "calc/helper.py"), HELPER_FIXED)
        cct.wait_for(r"^re-run: test_a \(calc\.test_calc\.Shared\)$", 30,
                     "the retry test re-run after the fix", since_last=True)
        cct.wait_for(r"^PASSED \(successes=1\)$", 30, "the retry test passing",
                     since_last=True)
        cct.wait_for(r"^Running 4 tests\.$", 30, "the retry suite (4 tests)",
                     since_last=True)
        cct.wait_for(r"^FAILED \(failures=1, successes=3\)$", 30,
                     "the retry suite failing on the other test",
                     since_last=True)
        cct.wait_for(r"^re-run: test_other \(calc\.test_calc\.Other\)$", 30,
                     "the remaining failure re-run", since_last=True)
        cct.wait_for(r"^please fix: test_other \(calc\.test_calc\.Other\)$",
                     30, "please fix: the other test", since_last=True)
        say("helper fixed: retry test, retry suite, remaining failure")

        loopkit.write(os.path.join(root, "calc/test_calc.py"),
                      TESTS.format(expected=1))
        cct.wait_for(r"^re-run: test_other \(calc\.test_calc\.Other\)$", 30,
                     "the other test re-run after its fix", since_last=True)
        cct.wait_for(r"^Running 5 tests\.$", 60,
                     "the full suite after the retry test passed",
                     since_last=True)
        cct.wait_for(r"^PASSED \(successes=5\)$", 60, "the full suite passing",
                     since_last=True)
        say("last fix: the full suite passes")
        runs = loopkit.runs(cct.output)
        check(runs == [5, 1, 1, 4, 1, 1, 5],
              f"runs were {runs}, expected [5, 1, 1, 4, 1, 1, 5]:\n"
              + cct.describe())
        if forever:
            cct.wait_for(r"^waiting for filesystem change\.\.\.$", 30,
                         "waiting after the full suite passed (-f)",
                         since_last=True)
            check(cct.proc.poll() is None, "cctrial -f exited:\n"
                  + cct.describe())
            cct.signal(signal.SIGINT)
            status = cct.wait_exit(30)
            check(status == 130, f"exit status {status} after SIGINT, not "
                  "130:\n" + cct.describe())
        else:
            status = cct.wait_exit(30)
            check(status == 0, f"exit status {status}, not 0, once the full "
                  "suite passed:\n" + cct.describe())
        left = cct.descendants()
        check(not left, f"processes left behind: {left}")
        check(not os.path.lexists(os.path.join(root, "_trial_temp.lock")),
              "_trial_temp.lock left behind")
        say(f"exit status {status}, nothing left behind")


harness.main(main)
