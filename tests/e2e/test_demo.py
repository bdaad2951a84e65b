"""The demo project of `make demo` (examples/demo) gives what its README says.

On a fresh copy of examples/demo, with no test names (its .cctrialrc sets
`tests = thermo`):
- `cctrial --once` runs 8 tests, 1 failing on purpose (test_absolute_zero),
  exits 1, and agrees with `python3 -m twisted.trial thermo`;
- after the fix README.md describes, `cctrial --once` passes all 8, exits 0.

With --tty, cctrial runs on a pseudo-terminal, as `make demo` runs it, and
then watches as `make demo` does (plain `cctrial`): its first wait shows
the .cctrialrc's first_wait_hint, once; after the fix the suite passes and
cctrial keeps waiting (forever = true), so that the keys can be tried; q
quits.
"""

import os
import re
import sys

import harness
from harness import check, say

FAILING = "thermo.test.test_convert.ConvertTests.test_absolute_zero"
BUG = "ABSOLUTE_ZERO_C = -273.0\n"
FIX = "ABSOLUTE_ZERO_C = -273.15\n"


def once(project, ran, verdict, counts, status, tty):
    with harness.Cctrial(project, ["--once"], tty=tty) as cct:
        got_status = cct.run()
        got = cct.summary()
        want = harness.Summary(ran, verdict,
                               dict(dict.fromkeys(harness.TRIAL_KEYS, 0),
                                    **counts))
        check(got == want,
              f"expected [{harness.format_summary(want)}], got "
              f"[{harness.format_summary(got)}]\n{cct.describe()}")
        check(got_status == status,
              f"expected exit status {status}, got {got_status}\n"
              + cct.describe())
        check(not cct.descendants(), "processes left after cctrial exited")
    say(f"cctrial --once in a copy of examples/demo"
        f"{' on a terminal' if tty else ''}: "
        f"{harness.format_summary(got)}, exit {got_status}")
    return cct


def hint_of(project):
    """The first_wait_hint line of the demo's .cctrialrc."""
    with open(os.path.join(project, ".cctrialrc")) as f:
        hints = [line.split("=", 1)[1].strip() for line in f
                 if line.startswith("first_wait_hint")]
    check(len(hints) == 1, "examples/demo/.cctrialrc sets no "
          "first_wait_hint")
    return hints[0]


def watch_as_make_demo(project, source):
    """Plain `cctrial` on a terminal: the hint at the first wait, the fix,
    a passing suite, a second wait without the hint, q."""
    hint = hint_of(project)
    waiting = r"^waiting for filesystem change\.\.\.\r?$"
    with harness.Cctrial(project, [], tty=True) as cct:
        cct.start()
        cct.wait_for(waiting, harness.RUN_TIMEOUT,
                     "the first wait, after the failing run")
        cct.wait_for("^" + re.escape(hint) + r"\r?$", harness.RUN_TIMEOUT,
                     "the demo's hint under the first wait", since_last=True)
        say(f"the first wait shows the hint: {hint}")
        fix(source)
        cct.wait_for(r"PASSED \(successes=8\)", harness.RUN_TIMEOUT,
                     "the whole suite passing after the fix",
                     since_last=True)
        cct.wait_for(waiting, harness.RUN_TIMEOUT,
                     "a wait after the suite passed (forever = true)",
                     since_last=True)
        check(cct.output.count(hint) == 1,
              "the hint should show at the first wait only\n"
              + cct.describe())
        check(cct.proc.poll() is None, "cctrial exited after the suite "
              "passed: the keys cannot be tried\n" + cct.describe())
        cct.write("q")
        status = cct.wait_exit()
        check(status == 0, f"q exited with {status}\n" + cct.describe())
    say("after the fix the suite passes and cctrial keeps waiting; q quits")


def fix(source):
    with open(source) as f:
        text = f.read()
    check(text.count(BUG) == 1,
          f"README.md's fix no longer applies: no line {BUG!r} in "
          "examples/demo/thermo/convert.py")
    with open(source, "w") as f:
        f.write(text.replace(BUG, FIX))


def main():
    tty = sys.argv[1:] == ["--tty"]
    project = harness.copy_project(
        os.path.join(harness.SOURCE_DIR, "examples", "demo"))
    cct = once(project, 8, "FAILED", {"failures": 1, "successes": 7}, 1, tty)
    check(FAILING in cct.output,
          f"expected the failing test {FAILING} to be named\n"
          + cct.describe())
    reference = harness.reference_trial(
        os.path.join(harness.SOURCE_DIR, "examples", "demo"), ["thermo"])
    check(reference.summary == cct.summary()
          and reference.returncode == cct.returncode,
          "trial thermo disagrees: " + harness.format_summary(
              reference.summary) + f", exit {reference.returncode}")
    say("trial thermo agrees")

    source = os.path.join(project, "thermo", "convert.py")
    if tty:
        watch_as_make_demo(project, source)
        return
    fix(source)
    once(project, 8, "PASSED", {"successes": 8}, 0, tty)


if __name__ == "__main__":
    harness.main(main)
