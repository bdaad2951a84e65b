"""Target 2, the fix loop: from the moment a fix is saved to the result of
the test being fixed, with cctrial's workers already up, against a cold
`python3 -m twisted.trial <test id>` and against what importing the test's
module and running the test costs in a warm interpreter.

One `cctrial -f` session runs on a small project (ten tests) whose suite
passes.  Each measurement breaks one file (the module under test, or the
test module), waits until cctrial has re-run the failing test alone, said
"please fix", is waiting for a change and its prewarmed worker is idle;
then takes the time right before writing the fixed file and the time the
test's `test_result` event (json reporter, on cctrial's standard output,
read as it arrives) comes in.  cctrial's debounce (a quiet period after a
change, 50 ms by default) is part of that time; a second session with
`debounce = 0` shows how much.  A third has its project in a git
repository, as a real project is: there cctrial asks git whether a changed
file is ignored (once per file, until a .gitignore changes).

    bench_fixloop.py BUILD_DIR
"""

import os
import subprocess
import time

import benchlib
import gen
from benchlib import PYTHON, BenchError, Figures, Target, say

HERE = os.path.dirname(os.path.abspath(__file__))
# (label, configuration added, whether the project is a git repository:
# there cctrial asks git whether a changed file is ignored).
SESSIONS = [("default settings", "", False),
            ("debounce = 0", "debounce = 0\n", False),
            ("default settings, in a git repository", "", True)]
# What a save breaks and fixes: (label, file, broken text, right text).
SCENARIOS = [
    ("fix saved to the module under test", "calc.py",
     gen.CALC_BROKEN, gen.CALC_RIGHT),
    ("fix saved to the test module", "test_calc.py",
     gen.TESTS_BROKEN, gen.TESTS_RIGHT),
]
JUDGED_SESSION = SESSIONS[0][0]
TRIAL_COLD, IMPORT_COST = "cold trial", "import + run, warm interpreter"
TIMEOUT = 300.0


def save(path, text):
    with open(path, "w") as f:
        f.write(text)


class Session:
    """One `cctrial -f` on its own copy of the project."""

    def __init__(self, ctx, key, label, extra_config, git):
        self.label = label
        self.project = ctx.directory(key)
        gen.fix_loop_project(self.project)
        if git:
            subprocess.run(["git", "init", "-q"], cwd=self.project,
                           check=True)
        self.config = ctx.config(
            key,
            f"[cctrial]\npython = {PYTHON}\nreporters = json\n{extra_config}"
            "\n[reporter.json]\npath = -\n")
        self.argv = [ctx.cctrial, "--config", self.config, "-f",
                     gen.FIX_PACKAGE]
        self.proc = benchlib.Watched(self.argv, self.project)
        self.wait_idle()

    def event(self, predicate, what):
        return self.proc.wait_for_event(predicate, TIMEOUT, what)

    def wait_idle(self):
        self.event(lambda e: e["event"] == "waiting",
                   "the 'waiting' event")
        benchlib.wait_workers_idle(self.proc.pid)

    def latency(self, name, broken, right):
        """Seconds from the save of the fix to the fixed test's result."""
        path = os.path.join(self.project, gen.FIX_PACKAGE, name)
        save(path, broken)
        self.event(lambda e: e["event"] == "message"
                   and e["kind"] == "please_fix", "'please fix' after "
                   f"breaking {name}")
        self.wait_idle()
        start = time.monotonic()
        save(path, right)
        self.event(lambda e: e["event"] == "run_start"
                   and e["suite"] == "retry_test", "the retry test's run")
        stamp, result = self.event(lambda e: e["event"] == "test_result",
                                   "the retry test's result")
        if result["id"] != gen.FIX_TEST_ID or result["outcome"] != "success":
            raise BenchError(f"expected {gen.FIX_TEST_ID} to pass after the "
                             f"fix, got {result}")
        self.wait_idle()
        return stamp - start


class ImportCost:
    """import_cost.py in a warm interpreter, asked for one figure at a
    time."""

    def __init__(self, project):
        self.argv = [PYTHON, os.path.join(HERE, "import_cost.py"), project,
                     gen.FIX_TEST_ID]
        self.proc = subprocess.Popen(self.argv, env=benchlib.clean_env(),
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def measure(self):
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        seconds, verdict, ran = self.proc.stdout.readline().split()
        if verdict != "PASSED" or ran != "1":
            raise BenchError(f"import_cost.py: expected 1 test PASSED, got "
                             f"{ran} {verdict}")
        return float(seconds)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def cold_trial(argv, cwd):
    done = benchlib.timed_run(argv, cwd)
    if done.status != 0 or "PASSED (successes=1)" not in done.output:
        raise BenchError(f"cold trial did not pass its one test:\n"
                         + done.output)
    return done.wall


def run(ctx):
    reference = ctx.directory("fixloop-reference")
    gen.fix_loop_project(reference)
    trial_argv = [PYTHON, "-m", "twisted.trial", gen.FIX_TEST_ID]
    say("== fix loop")
    cold_trial(trial_argv, reference)  # untimed: the page cache warm
    cost = ImportCost(reference)
    sessions = []
    try:
        for i, (label, extra, git) in enumerate(SESSIONS):
            sessions.append(Session(ctx, f"fixloop-{i}", label, extra, git))
        measures = [(f"{s.label}: {label}",
                     lambda s=s, n=name, b=broken, r=right: s.latency(n, b, r))
                    for s in sessions
                    for label, name, broken, right in SCENARIOS]
        measures.insert(1, (TRIAL_COLD,
                            lambda: cold_trial(trial_argv, reference)))
        measures.insert(2, (IMPORT_COST, cost.measure))
        values = benchlib.rounds(measures, ctx.runs, "fix loop")
        for s in sessions:
            s.proc.interrupt()
    finally:
        cost.close()
        for s in sessions:
            s.proc.kill()
    return report(ctx, values, sessions, trial_argv, reference, cost)


def report(ctx, values, sessions, trial_argv, reference, cost):
    fig = {label: Figures(label, "s", v) for label, v in values.items()}
    debounce = ctx.default("debounce")
    cold = fig[TRIAL_COLD].median
    floor = fig[IMPORT_COST].median
    rows = [[label] + f.cells(scale=1000, digits=1)
            + [f"{f.median / cold:.3f}", f"{(f.median - floor) * 1000:+.1f}"]
            for label, f in fig.items()]
    targets = []
    for label, *_ in SCENARIOS:
        judged = fig[f"{JUDGED_SESSION}: {label}"].median
        targets.append(Target(
            f"fix loop ({label}) vs cold trial", judged / cold, 0.25,
            "<= 0.25 x", f"{judged / cold:.3f} x ({judged * 1000:.0f} ms / "
            f"{cold * 1000:.0f} ms)"))
        targets.append(Target(
            f"fix loop ({label}) minus import + run", judged - floor, 0.050,
            "<= 50 ms", f"{(judged - floor) * 1000:+.0f} ms "
            f"({judged * 1000:.0f} ms - {floor * 1000:.0f} ms)"))
    entries = [(f"cctrial, {s.label}",
                benchlib.command_line(s.argv, s.project)) for s in sessions]
    entries.append((TRIAL_COLD, benchlib.command_line(trial_argv, reference)))
    entries.append((f"{IMPORT_COST} (one figure per line on its stdin)",
                    benchlib.command_line(cost.argv, reference)))
    block = benchlib.commands_block(ctx, entries, [s.config for s in sessions])
    markdown = (
        f"The test: `{gen.FIX_TEST_ID}` in a project of ten tests. Judged on "
        "the session with default settings, its debounce "
        f"(`debounce = {debounce}` ms, this build's default) included. "
        "Each figure: break one file, wait for cctrial's `please fix`, its "
        "`waiting` event and an idle prewarmed worker, then time from right "
        "before writing the fixed file to the arrival of the test's "
        "`test_result` event on cctrial's standard output.\n\n"
        "Commands:\n\n" + block
        + "\nMilliseconds:\n\n"
        + benchlib.table(["measure", "median", "min", "max", "x cold trial",
                          "minus import + run (ms)"], rows))
    return benchlib.Result("2. Fix loop", markdown, targets)


if __name__ == "__main__":
    benchlib.standalone(run)
