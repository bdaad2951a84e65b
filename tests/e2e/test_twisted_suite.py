"""Twisted's own tests through cctrial: the same counts as trial's.

    test_twisted_suite.py MODULE

runs one module of Twisted's own test suite (as installed with
python3-twisted) with single-process `python3 -m twisted.trial MODULE` and
with `cctrial --once -j2 MODULE`, both from the same empty temporary
directory, and checks that cctrial's closing line (Ran N tests, the verdict
and every count) and exit status are trial's.  Whatever fails on this
machine (no network, running as root) fails for both: trial's result is the
reference, not a fixed number.
"""

import sys

import harness
from harness import check, say

# A large module of Twisted's own suite needs more than a small fixture.
TIMEOUT = 240.0


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: test_twisted_suite.py MODULE")
    module = sys.argv[1]
    cwd = harness.empty_dir("twisted")
    reference = harness.run_trial(cwd, [module], timeout=TIMEOUT)
    say(f"trial {module}: {harness.format_summary(reference.summary)}, "
        f"exit {reference.returncode}")
    check(reference.summary.ran > 0,
          f"trial ran no test of {module}:\n{reference.output}")
    for worker in ("fast", "stock"):
        args = ["--once", "-j", "2", f"--worker={worker}", module]
        label = "cctrial " + " ".join(args)
        with harness.Cctrial(cwd, args) as cct:
            status, got = harness.check_as_trial(cct, label, reference,
                                                 TIMEOUT)
            left = cct.descendants()
            check(not left, f"processes left after cctrial exited: {left}")
        say(f"{label}: {harness.format_summary(got)}, exit {status}, as "
            f"trial; no process left")


if __name__ == "__main__":
    harness.main(main)
