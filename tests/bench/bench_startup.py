"""Target 3, start-up: on a synthetic suite of 10,000 tests (100 modules of
100), the time from starting `cctrial --once -j2` to its first test
result, with no `.cctrial/` (cold) and with the discovery cache the cold
start wrote (warm).

The clock starts with time.time() right before the process is created and
stops at the `time` of the first `test_result` event of the json reporter
(milliseconds, UTC).  cctrial is then interrupted: the rest of the run is
not part of this target, and the cache is written by discovery, before
the first test runs (checked: `.cctrial/discovery.json` must exist after a
cold start).

    bench_startup.py BUILD_DIR
"""

import datetime
import os
import shutil

import benchlib
import gen
from benchlib import PYTHON, BenchError, Figures, Target, say

COLD, WARM = "first start (no .cctrial/)", "second start (warm cache)"
TIMEOUT = 600.0


def event_time(event):
    stamp = datetime.datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
    return stamp.replace(tzinfo=datetime.timezone.utc).timestamp()


def first_result(argv, cwd):
    """Seconds from the creation of the process to its first test result."""
    with benchlib.Watched(argv, cwd) as proc:
        _, event = proc.wait_for_event(
            lambda e: e["event"] == "test_result", TIMEOUT,
            "the first test_result event")
        proc.interrupt()
    return event_time(event) - proc.started


def run(ctx):
    project = ctx.directory("startup")
    tests = gen.synthetic_suite(project, "big", modules=100,
                                tests_per_module=100)
    config = ctx.config("startup", f"[cctrial]\npython = {PYTHON}\n"
                        "reporters = json\n\n[reporter.json]\npath = -\n")
    argv = [ctx.cctrial, "--config", config, "--once", "-j2", "big"]
    cache = os.path.join(project, ".cctrial")

    def cold():
        shutil.rmtree(cache, ignore_errors=True)
        seconds = first_result(argv, project)
        if not os.path.exists(os.path.join(cache, "discovery.json")):
            raise BenchError("no .cctrial/discovery.json after a cold start")
        return seconds

    say("== start-up")
    cold()  # untimed: the page cache warm for both
    values = benchlib.rounds([(COLD, cold),
                              (WARM, lambda: first_result(argv, project))],
                             ctx.runs, "start-up")
    fig = {label: Figures(label, "s", v) for label, v in values.items()}
    first, second = fig[COLD].median, fig[WARM].median
    rows = [[label] + f.cells() + [f"{f.median / first:.3f}"]
            for label, f in fig.items()]
    block = benchlib.commands_block(ctx, [
        (COLD, benchlib.command_line(argv, project, "rm -rf .cctrial")),
        (WARM, benchlib.command_line(argv, project))], [config])
    markdown = (
        f"{tests} tests in 100 modules of one package, named by the "
        "package. Each cold start is followed by a warm one.\n\n"
        "Commands:\n\n" + block
        + "\nSeconds from starting cctrial to its first test result:\n\n"
        + benchlib.table(["start", "median", "min", "max", "x first"], rows))
    target = Target("second start vs first", second / first, 0.10,
                    "<= 0.10 x", f"{second / first:.3f} x ({second:.2f} s / "
                    f"{first:.2f} s)")
    return benchlib.Result("3. Start-up", markdown, [target])


if __name__ == "__main__":
    benchlib.standalone(run)
