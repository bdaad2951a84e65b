"""Parity with trial: cctrial --once gives trial's results, test by test.

    test_parity.py FIXTURE WORKER

FIXTURE is passing (a run that passes: exit 0), mixed (every kind of
result in one package) or kinds: the fixtures of one kind of result each
(failing, erroring, skipped, todo, unexpected, syntax, unicode, dirty)
copied side by side into one project and run together, as a project with
many packages is, at the cost of one run instead of eight.

The test runs, on a fresh copy of the fixture, `python3 -m twisted.trial`
and `trial -j2` (each run once per fixture and generation, shared by the
tests of both workers and both build trees, see harness.reference_trial),
then `cctrial --once --worker=WORKER` with -j1 and with -j2, one with a
cold discovery cache and the next with the warm one it left: -j1 first
with the fast worker, -j2 first with the stock one, so that the tests of
both workers together run each of -j1 and -j2 cold and warm.  All on the
Twisted of the test's generation (CCT_TWISTED_PATH, see harness.py); each
run is checked against trial's (for -j2, trial -j2's, unless that run is
broken: with Twisted 22.4, `trial -j2` dies silently at the end of a run
holding an unexpected success; then single-process trial's):

- every test's outcomes, as often as trial reports them (a test may have
  two results: a failure, then an error for a dirty reactor);
- the same closing line as trial's: Ran N tests, PASSED or FAILED, and every
  count (successes, failures, errors, skips, expectedFailures,
  unexpectedSuccesses);
- the same exit status as trial's (1 when not successful, 0 otherwise);
- "Running N tests." before anything ran, with trial's N;
- the fixture's own marks in the output (a traceback's text, non-ASCII
  characters arriving intact as UTF-8);
- no process of cctrial's left once it has exited.
"""

import sys

import harness
from harness import check, say

# fixture -> (test names, text cctrial's output must hold)
FIXTURES = {
    "passing": (["fxpass"], []),
    "failing": (["fxfail"], ["twisted.trial.unittest.FailTest: always"]),
    "erroring": (["fxerror"], ["builtins.RuntimeError: boom",
                               "builtins.ValueError: deferred boom",
                               "builtins.KeyError: 'missing'"]),
    "skipped": (["fxskip"], []),
    "todo": (["fxtodo"], []),
    "unexpected": (["fxunexpected"], []),
    "syntax": (["fxsyntax"], ["SyntaxError", "fxsyntax.test_broken"]),
    "unicode": (["fxunicode"], ["FailTest: h\u00e9llo \u65e5\u672c",
                                "ValueError: caf\u00e9 \u2603 \U0001f600",
                                'self.fail("h\u00e9llo \u65e5\u672c")']),
    "dirty": (["fxdirty"], ["failed, and the reactor is dirty too",
                            "DirtyReactorAggregateError",
                            "fxdirty.test_dirty.Dirty"
                            ".test_fails_and_leaves_a_call"]),
    "mixed": (["fxmixed"], ["SyntaxError", "DirtyReactorAggregateError",
                            "h\u00e9llo \u65e5\u672c"]),
}
# The fixtures run together as FIXTURE kinds.
KINDS = ("failing", "erroring", "skipped", "todo", "unexpected", "syntax",
         "unicode", "dirty")
RUN_ALONE = ("passing", "mixed")


def fixture_of(name):
    """(project to copy, names, marks) of a FIXTURE argument."""
    if name == "kinds":
        return (harness.merged_project(KINDS),
                [n for f in KINDS for n in FIXTURES[f][0]],
                [m for f in KINDS for m in FIXTURES[f][1]])
    names, marks = FIXTURES[name]
    return name, names, marks


def check_run(project, names, jobs, worker, reference, marks):
    args = ["--once", f"--worker={worker}", "-j", str(jobs)] + names
    label = "cctrial " + " ".join(args)
    with harness.Cctrial(project, args, outcomes=True) as cct:
        status, got = harness.check_as_trial(cct, label, reference)
        running = f"Running {got.ran} tests."
        check(running in cct.output.splitlines(),
              f"{label}: expected the line {running!r}\n{cct.describe()}")
        try:
            cct.stdout_bytes.decode("utf-8")
        except UnicodeDecodeError as e:
            raise harness.HarnessError(
                f"{label}: standard output is not valid UTF-8: {e}\n"
                + cct.describe())
        for mark in marks:
            check(mark in cct.output,
                  f"{label}: expected {mark!r} in the output\n"
                  + cct.describe())
        left = cct.descendants()
        check(not left, f"{label}: processes left after exit: {left}")
    say(f"{label}: {harness.format_summary(got)}, exit {status}, every "
        f"test's outcomes as trial's; {len(marks)} marks found; no process "
        "left")


def distributed_reference(fixture, names, single):
    """trial -j2's run, when it is whole: its closing lines and as many
    results as it says it ran.  None otherwise (said why)."""
    try:
        dist = harness.reference_trial(fixture, names, jobs=2)
    except harness.HarnessError as e:
        say(f"trial -j2 is no reference here: {str(e).splitlines()[0]}")
        return None
    if dist.outcomes != single.outcomes:
        say("trial -j2's results differ from trial's (a broken run): "
            "single-process trial is the reference for -j2 too")
        return None
    return dist


def main():
    choices = RUN_ALONE + ("kinds",)
    if (len(sys.argv) != 3 or sys.argv[1] not in choices
            or sys.argv[2] not in ("fast", "stock")):
        sys.exit(f"usage: test_parity.py {{{','.join(choices)}}} "
                 "{fast,stock}")
    fixture, worker = sys.argv[1:]
    source, names, marks = fixture_of(fixture)
    project = harness.copy_project(source)
    reference = harness.reference_trial(source, names)
    say(f"trial {' '.join(names)} on {fixture}: "
        f"{harness.format_summary(reference.summary)}, "
        f"exit {reference.returncode}")
    dist = distributed_reference(source, names, reference) or reference
    runs = [(1, reference), (2, dist)]
    if worker == "stock":
        runs.reverse()
    # A fresh copy has no cache: the first run fills it, the second finds it.
    for (jobs, want), start in zip(runs, ("cold", "warm")):
        say(f"-j{jobs}, {start} discovery cache:")
        check_run(project, names, jobs, worker, want, marks)


if __name__ == "__main__":
    harness.main(main)
