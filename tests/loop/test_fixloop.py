"""The fix loop's answers, end to end (issue 13, "smaller wrong answers").

    test_fixloop.py deleted_retry_test|import_error_rerun|result_first|
                    rediscovery_held|rerun_time

deleted_retry_test: while "please fix" waits on a test, its module is
    deleted: the test leaves the workflow, which goes on at once with the
    other failed test (re-run alone, then "please fix" on it), never
    re-running the deleted one.
import_error_rerun: a module that failed to import is the test re-run;
    once it imports, the re-run's "Ran N tests" counts the tests it ran,
    as trial does for that module, and agrees with its PASSED line.
result_first: the full suite fails, and the failed test is re-run at
    once: the full run's verdict is written before the re-run begins
    (before it clears _trial_temp, which strace shows), not held back by
    its start.
rediscovery_held: a fix saved to a test module, which the tests must be
    discovered again for: the re-discovery's helper starts once the
    retry test's run has started, and once it has ended unless that took
    longer than the hold (strace shows when cctrial spawned it, or asked
    the worker template to fork it).
rerun_time: the workers take seconds to start (a sitecustomize that
    sleeps in workers only); "Ran N tests in X" of the full suite and of
    the first re-run count the tests' time, as trial's does, not the
    workers' start-up: X stays under the start-up delay, which the tests
    themselves are far from taking.
"""

import os
import re
import signal
import sys

import harness
import loopkit
from harness import check, say

OK_TESTS = loopkit.TEST_HEADER + """

class A(unittest.TestCase):
    def test_1(self):
        pass

    def test_2(self):
        self.fail("a2 fails")
"""

# Both tests fail in setUp, with one traceback: the biggest problem.
GONE_TESTS = loopkit.TEST_HEADER + """

class G(unittest.TestCase):
    def setUp(self):
        raise ValueError("gone module")

    def test_1(self):
        pass

    def test_2(self):
        pass
"""


def deleted_retry_test():
    root = loopkit.project({"pk/__init__.py": "",
                            "pk/test_ok.py": OK_TESTS,
                            "pk/test_gone.py": GONE_TESTS})
    with harness.Cctrial(root, ["pk"]) as cct:
        cct.start()
        cct.wait_for(r"^please fix: test_1 \(pk\.test_gone\.G\)$", 60,
                     "please fix on the biggest problem, in test_gone")
        cct.wait_for(r"^waiting for filesystem change\.\.\.$", 30,
                     "waiting after please fix", since_last=True)
        mark = len(cct.output)
        os.remove(os.path.join(root, "pk/test_gone.py"))
        cct.wait_for(r"^please fix: test_2 \(pk\.test_ok\.A\)$", 60,
                     "the workflow moving on to the other failed test "
                     "once test_gone.py is deleted", since_last=True)
        after = harness.plain(cct.output[mark:])
        check("test_gone" not in after,
              "a test of the deleted module ran again or was named:\n"
              + after)
        say("deleting the retry test's module: it is forgotten, the other "
            "failed test is next")


BAD_MODULE = "import no_such_module_for_cctrial\n"
GOOD_MODULE = loopkit.TEST_HEADER + """

class B(unittest.TestCase):
    def test_1(self):
        pass

    def test_2(self):
        pass

    def test_3(self):
        pass
"""


def import_error_rerun():
    root = loopkit.project({"pk/__init__.py": "",
                            "pk/test_ok.py": OK_TESTS,
                            "pk/test_bad.py": BAD_MODULE})
    with harness.Cctrial(root, ["pk"]) as cct:
        cct.start()
        cct.wait_for(r"^please fix: pk\.test_bad$", 60,
                     "please fix on the module that cannot be imported")
        cct.wait_for(r"^waiting for filesystem change\.\.\.$", 30,
                     "waiting after please fix", since_last=True)
        loopkit.write(os.path.join(root, "pk/test_bad.py"), GOOD_MODULE)
        cct.wait_for(r"^re-run: pk\.test_bad$", 30,
                     "the module re-run after the fix", since_last=True)
        ran = cct.wait_for(r"^Ran (\d+) tests? in [0-9.]+s$", 60,
                           "the re-run's Ran line", since_last=True)
        verdict = cct.wait_for(r"^(PASSED|FAILED) \(.*\)$", 30,
                               "the re-run's verdict", since_last=True)
    reference = harness.run_trial(root, ["pk.test_bad"])
    check(int(ran.group(1)) == reference.summary.ran,
          f"the re-run says {ran.group(0)!r} then {verdict.group(0)!r}; "
          f"trial ran {reference.summary.ran} tests:\n"
          + reference.output)
    check(verdict.group(0) == "PASSED (successes=3)",
          f"the re-run's verdict is {verdict.group(0)!r}")
    say(f"the re-run of the module: {ran.group(0)!r}, "
        f"{verdict.group(0)!r}, as trial")


FIXED_TESTS = OK_TESTS.replace('self.fail("a2 fails")', "pass")
# core/session_change.c's REDISCOVERY_HOLD_MS, less the clock's grain.
HOLD_S = 0.09


def traced_session():
    """A project whose test_2 fails, cctrial watching it under strace, and
    the file its trace goes to: the time of each write, unlinkat and
    process or thread creation, with --seccomp-bpf, so that no other
    system call stops (it needs -f: the workers and helpers are traced
    too; strace_calls keeps cctrial's)."""
    root = loopkit.project({"pk/__init__.py": "",
                            "pk/test_ok.py": OK_TESTS})
    trace = os.path.join(harness.empty_dir("strace"), "trace")
    cct = harness.Cctrial(root, ["pk"])
    cct.argv = ["strace", "-f", "--seccomp-bpf", "-qq", "-ttt", "-o", trace,
                "-s", "65536",
                "-e", "trace=write,unlinkat,clone,clone3,fork,vfork,"
                "sendmsg"] + \
        cct.argv
    return root, cct, trace


def strace_calls(path, written):
    """The calls of the process that wrote `written` to its standard
    output (cctrial's main thread), as (seconds, call), in order."""
    lines = []
    with open(path) as f:
        for line in f:
            pid, stamp, call = line.split(None, 2)
            lines.append((pid, float(stamp), call.rstrip("\n")))
    own = next((pid for pid, _, call in lines
                if call.startswith("write(1,") and written in call), None)
    check(own is not None, f"strace shows no write of {written!r}")
    return [(stamp, call) for pid, stamp, call in lines if pid == own]


def is_cleared(call):
    """A run's start removing the last run's test.log."""
    return call.startswith("unlinkat(") and '"test.log"' in call


def first(calls, start, predicate, what):
    index = next((i for i in range(start, len(calls))
                  if predicate(calls[i][1])), None)
    check(index is not None, f"strace shows no {what}:\n"
          + "\n".join(call for _, call in calls[start:start + 60]))
    return index


def result_first():
    _, cct, trace = traced_session()
    with cct:
        cct.start()
        cct.wait_for(r"^please fix: test_2 \(pk\.test_ok\.A\)$", 90,
                     "please fix, after the full run and the re-run")
        cct.signal(signal.SIGINT, group=True)
        cct.wait_exit(30)
    calls = strace_calls(trace, "please fix: test_2")
    verdict = first(calls, 0, lambda c: c.startswith("write(1,")
                    and "FAILED (" in c, "write of the full run's verdict")
    # The first run found no _trial_temp: only the re-run's start removes
    # its test.log.
    cleared = first(calls, 0, is_cleared, "start of the re-run (its "
                    "_trial_temp cleared)")
    check(cleared > verdict,
          "the re-run cleared _trial_temp before the full run's verdict "
          f"was written:\n{calls[cleared][1]}\n{calls[verdict][1]}")
    say("the full run's verdict was written before the re-run cleared "
        "_trial_temp")


def rediscovery_held():
    root, cct, trace = traced_session()
    with cct:
        cct.start()
        cct.wait_for(r"^please fix: test_2 \(pk\.test_ok\.A\)$", 90,
                     "please fix on the failing test")
        cct.wait_for(r"^waiting for filesystem change\.\.\.$", 30,
                     "waiting after please fix", since_last=True)
        loopkit.write(os.path.join(root, "pk/test_ok.py"), FIXED_TESTS)
        cct.wait_for(r"^PASSED \(successes=1\)$", 60,
                     "the retry test passing", since_last=True)
        cct.wait_for(r"^PASSED \(successes=2\)$", 90,
                     "the whole suite, after re-discovery", since_last=True)
        cct.signal(signal.SIGINT, group=True)
        cct.wait_exit(30)
    calls = strace_calls(trace, "please fix: test_2")
    fix = first(calls, 0, lambda c: c.startswith("write(1,")
                and "please fix: test_2" in c, "write of please fix")
    run = first(calls, fix, is_cleared, "start of the retry run (its "
                "_trial_temp cleared)")
    verdict = first(calls, fix, lambda c: c.startswith("write(1,")
                    and "PASSED (successes=1)" in c,
                    "write of the retry run's verdict")
    # A process, not a thread of libuv's pool: discovery's helper, or the
    # template's fork of it (a script, in a process group of its own: see
    # fastworker.py).
    spawn = first(calls, fix, lambda c: c.startswith(("clone", "fork",
                                                      "vfork"))
                  and "CLONE_THREAD" not in c or c.startswith("sendmsg(")
                  and re.search(r'"fork [0-9]+ 1 - [0-9a-f]+ ', c),
                  "spawn after please fix")
    check(spawn > run,
          "re-discovery's helper was spawned before the retry run "
          f"started:\n{calls[spawn][1]}\n{calls[run][1]}")
    held = calls[spawn][0] - calls[run][0]
    check(spawn > verdict or held >= HOLD_S,
          "re-discovery's helper was spawned before the retry run's "
          f"verdict was written, {held * 1000:.0f} ms after the run "
          "started (the hold is 100 ms)")
    took = calls[verdict][0] - calls[run][0]
    say(f"the retry run's verdict came {took * 1000:.0f} ms after its start; "
        f"re-discovery's helper was spawned {held * 1000:.0f} ms after it, "
        + ("after the verdict" if spawn > verdict else "at the hold's end"))


# Slows down only cctrial's workers (trial's workertrial or cctrial's
# fast bootstrap), not discovery, and leaves a mark that it did.
STARTUP_DELAY = 4
SLOW_START = f"""\
import os, sys, time
if any("workertrial" in a or "fastworker" in a for a in sys.orig_argv):
    open(os.path.join(os.path.dirname(__file__), "slowed"), "w").close()
    time.sleep({STARTUP_DELAY})
"""


def rerun_time():
    root = loopkit.project({"sitecustomize.py": SLOW_START,
                            "pk/__init__.py": "",
                            "pk/test_ok.py": OK_TESTS})
    with harness.Cctrial(root, ["pk"]) as cct:
        cct.start()
        full = cct.wait_for(r"^Ran 2 tests in ([0-9.]+)s$", 90,
                            "the full suite's Ran line")
        cct.wait_for(r"^re-run: test_2 \(pk\.test_ok\.A\)$", 30,
                     "the re-run of the failed test", since_last=True)
        rerun = cct.wait_for(r"^Ran 1 tests? in ([0-9.]+)s$", 90,
                             "the re-run's Ran line", since_last=True)
        cct.wait_for(r"^please fix: test_2 \(pk\.test_ok\.A\)$", 30,
                     "please fix", since_last=True)
    check(os.path.exists(os.path.join(root, "slowed")),
          "the workers did not load sitecustomize.py: nothing was slowed")
    for label, match in (("full suite", full), ("first re-run", rerun)):
        seconds = float(match.group(1))
        check(seconds < STARTUP_DELAY,
              f"the {label} says {match.group(0)!r}: it counts the "
              f"workers' {STARTUP_DELAY} s start-up\n" + cct.describe())
        say(f"{label}: {match.group(0)!r}, without the start-up")


CASES = {"deleted_retry_test": deleted_retry_test,
         "import_error_rerun": import_error_rerun,
         "result_first": result_first,
         "rediscovery_held": rediscovery_held,
         "rerun_time": rerun_time}

harness.main(CASES[sys.argv[1]])
