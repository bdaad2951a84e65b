"""cctrial itself under valgrind: no invalid access, no definite leak, on
the paths a day of use takes.

    test_valgrind.py once|loop

once: `cctrial --once -j2` on a project with every kind of result.
loop: `cctrial -f` through a failure, a fix and a green suite, then Ctrl-C.
valgrind's own exit status (99) replaces cctrial's when it finds anything.
"""

import os
import shutil
import signal
import sys

import harness
import loopkit
from harness import check, say

VALGRIND = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite", "--trace-children=no"]


def under_valgrind(cct):
    cct.argv = VALGRIND + cct.argv
    return cct


def once():
    root = harness.copy_project("mixed")
    names = sorted(n for n in os.listdir(root)
                   if os.path.isdir(os.path.join(root, n)) and
                   os.path.exists(os.path.join(root, n, "__init__.py")))
    cct = under_valgrind(harness.Cctrial(root, ["--once", "-j2"] + names))
    with cct:
        status = cct.run(600)
    check(status == 1, f"exit status {status} (99 is valgrind's):\n"
          + cct.describe())
    say("cctrial --once under valgrind: clean")


def loop():
    root = loopkit.project({
        "app/__init__.py": "",
        "app/core.py": "VALUE = 2\n",
        "app/test_core.py": loopkit.TEST_HEADER + "from app import core\n\n\n"
        "class Core(unittest.TestCase):\n"
        "    def test_value(self):\n        self.assertEqual(core.VALUE, 1)\n"
        "    def test_other(self):\n        pass\n",
    })
    cct = under_valgrind(harness.Cctrial(root, ["-f", "-j2", "app"]))
    with cct:
        cct.start()
        cct.wait_for(r"^please fix: test_value", 300, "please fix")
        cct.wait_for(r"^waiting for filesystem change", 120, "waiting",
                     since_last=True)
        loopkit.write(os.path.join(root, "app/core.py"), "VALUE = 1\n")
        cct.wait_for(r"^PASSED \(successes=2\)$", 300, "the full suite to "
                     "pass after the fix", since_last=True)
        cct.wait_for(r"^waiting for filesystem change", 120, "waiting",
                     since_last=True)
        cct.signal(signal.SIGINT)
        status = cct.wait_exit(120)
    check(status == 130, f"exit status {status} (99 is valgrind's):\n"
          + cct.describe())
    say("a continuous session under valgrind: clean")


check(shutil.which("valgrind"), "valgrind is not installed")
harness.main({"once": once, "loop": loop}[sys.argv[1]])
