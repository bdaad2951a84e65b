"""Target 6, the first re-run: after a full run that fails, the time from
the full run's closing line to the closing line of the failing test run
again alone (the retry test), with two workers: what a developer waits
for between "FAILED" and the test being fixed.

Each measurement is one `cctrial -f -j2` session on the fix loop's project
(ten tests) with its module under test broken: the full run fails, the
retry test runs at once; the figure is the arrival, on cctrial's standard
output (json reporter), of the full run's `run_end` and of the retry
test's `run_end`.  With the warm template (the default) and, for
comparison, with `--template=false`, in turns.

    bench_rerun.py BUILD_DIR
"""

import itertools

import benchlib
import gen
from benchlib import PYTHON, BenchError, Figures, Target, say

TIMEOUT = 300.0
VARIANTS = [("cctrial -j2 (warm template)", []),
            ("cctrial -j2 --template=false", ["--template=false"])]
JUDGED = VARIANTS[0][0]
_sessions = itertools.count()


def first_rerun(ctx, extra):
    """Seconds from the failing full run's end to the retry test's."""
    key = f"rerun-{next(_sessions)}"
    project = ctx.directory(key)
    gen.fix_loop_project(project, calc=gen.CALC_BROKEN)
    config = ctx.config(key, f"[cctrial]\npython = {PYTHON}\n"
                        "reporters = json\n[reporter.json]\npath = -\n")
    argv = [ctx.cctrial, "--config", config, "-f", "-j2"] + extra + [
        gen.FIX_PACKAGE]
    with benchlib.Watched(argv, project) as proc:
        full, event = proc.wait_for_event(
            lambda e: e["event"] == "run_end", TIMEOUT,
            "the full run's end")
        if event["suite"] != "full" or event["passed"]:
            raise BenchError(f"expected a failing full run first, got "
                             f"{event}")
        retry, event = proc.wait_for_event(
            lambda e: e["event"] == "run_end", TIMEOUT,
            "the retry test's end")
        if event["suite"] != "retry_test" or event["tests_run"] != 1:
            raise BenchError(f"expected the retry test's run, got {event}")
        proc.interrupt()
    return retry - full


def run(ctx):
    say("== first re-run")
    first_rerun(ctx, [])  # untimed: the page cache warm
    figures = benchlib.rounds(
        [(label, (lambda e=extra: first_rerun(ctx, e)))
         for label, extra in VARIANTS], ctx.runs, "seconds")
    rows = [[label] + Figures(label, "s", figures[label]).cells()
            for label, _ in VARIANTS]
    judged = Figures(JUDGED, "s", figures[JUDGED]).median
    markdown = (
        "`cctrial -f -j2` on the fix loop's project (ten tests) with its "
        "module under test broken; from the full run's `run_end` to the "
        "retry test's `run_end` (json reporter on standard output, each "
        "line stamped as it arrives), one session per measurement, the "
        "variants in turns. Seconds:\n\n"
        + benchlib.table(["command", "median", "min", "max"], rows))
    return benchlib.Result("6. First re-run after a failing full run",
                           markdown,
                           [Target("first re-run: full run's end to the "
                                   "retry test's end", judged, 0.15,
                                   "<= 0.15 s", f"{judged:.3f} s")])


if __name__ == "__main__":
    benchlib.standalone(run)
