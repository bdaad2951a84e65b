"""The demo project of `make demo` (examples/demo) gives what its README says.

On a fresh copy of examples/demo, with no test names (its .cctrialrc sets
`tests = thermo`):
- `cctrial --once` runs 8 tests, 1 failing on purpose (test_absolute_zero),
  exits 1, and agrees with `python3 -m twisted.trial thermo`;
- after the fix README.md describes, `cctrial --once` passes all 8, exits 0.

With --tty, cctrial runs on a pseudo-terminal, as `make demo` runs it.
"""

import os
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
    with open(source) as f:
        text = f.read()
    check(text.count(BUG) == 1,
          f"README.md's fix no longer applies: no line {BUG!r} in "
          "examples/demo/thermo/convert.py")
    with open(source, "w") as f:
        f.write(text.replace(BUG, FIX))
    once(project, 8, "PASSED", {"successes": 8}, 0, tty)


if __name__ == "__main__":
    harness.main(main)
