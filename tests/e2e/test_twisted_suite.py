"""Twisted's own tests through cctrial: the same results as trial's.

    test_twisted_suite.py MODULE WORKER

runs one module of Twisted's own test suite (the Twisted of the test's
generation: python3-twisted, or the one on CCT_TWISTED_PATH, see
harness.py) with single-process `python3 -m twisted.trial MODULE` and with
`cctrial --once -j2 --worker=WORKER MODULE`, each from an empty temporary
directory (trial's run shared, see harness.reference_trial), and checks
that every test's outcomes, cctrial's closing line (Ran N tests, the
verdict and every count) and its exit status are trial's.  Whatever fails on this
machine (no network, running as root) fails for both: trial's result is the
reference, not a fixed number.
"""

import sys

import harness
from harness import check, say

# A large module of Twisted's own suite needs more than a small fixture.
TIMEOUT = 240.0


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("fast", "stock"):
        sys.exit("usage: test_twisted_suite.py MODULE {fast,stock}")
    module, worker = sys.argv[1:]
    cwd = harness.empty_dir("twisted")
    reference = harness.reference_trial(None, [module], timeout=TIMEOUT)
    say(f"trial {module}: {harness.format_summary(reference.summary)}, "
        f"exit {reference.returncode}")
    check(reference.summary.ran > 0,
          f"trial ran no test of {module}:\n{reference.output}")
    args = ["--once", "-j", "2", f"--worker={worker}", module]
    label = "cctrial " + " ".join(args)
    with harness.Cctrial(cwd, args, outcomes=True) as cct:
        status, got = harness.check_as_trial(cct, label, reference, TIMEOUT)
        left = cct.descendants()
        check(not left, f"processes left after cctrial exited: {left}")
    say(f"{label}: {harness.format_summary(got)}, exit {status}, every "
        "test's outcomes as trial's; no process left")


if __name__ == "__main__":
    harness.main(main)
