"""Target 1, throughput: `cctrial --once -j2` against `trial -j2` and
single-process `trial`, on a synthetic suite of 5,000 trivial tests and on
more than 1,000 of Twisted's own tests; and cctrial's own CPU per test.

Wall time is the whole process, from its creation to its exit.  cctrial's
own CPU (user + system of the cctrial process, its workers excluded) is
read from /proc/<pid>/stat while `cctrial -f -j2` waits after its first
run, so it includes cctrial's start-up and discovery bookkeeping.
Each cctrial figure is taken with the default worker and with
`--worker=stock` and `--worker=fast`, with a warm discovery cache (a second
start) and a cold one (`.cctrial/` removed first); the targets are judged
on the default worker with a warm cache.

    bench_throughput.py BUILD_DIR
"""

import os
import re
import shutil
import statistics

import benchlib
import gen
from benchlib import PYTHON, BenchError, Figures, Target, say

# Modules of Twisted 22.4's own suite that pass or skip quickly here (no
# network, no subprocesses, no time zone data needed): 1,476 tests.
TWISTED_MODULES = [
    "twisted.test.test_defer", "twisted.test.test_paths",
    "twisted.test.test_amp", "twisted.words.test.test_irc",
    "twisted.python.test.test_constants", "twisted.python.test.test_util",
    "twisted.test.test_task", "twisted.test.test_reflect",
    "twisted.test.test_log", "twisted.test.test_compat",
    "twisted.python.test.test_deprecate", "twisted.python.test.test_url",
    "twisted.python.test.test_urlpath", "twisted.test.test_usage",
    "twisted.python.test.test_components",
    "twisted.words.test.test_domish",
    "twisted.words.test.test_jabberxmlstream", "twisted.test.test_text",
    "twisted.test.test_cooperator", "twisted.words.test.test_xpath",
    "twisted.words.test.test_jabberjid", "twisted.logger.test.test_json",
]

# (label, extra cctrial arguments, cold discovery cache); the first is the
# one the targets are judged on.
CCTRIAL_VARIANTS = [
    ("cctrial, default worker, warm cache", [], False),
    ("cctrial --worker=stock, warm cache", ["--worker=stock"], False),
    ("cctrial --worker=fast, warm cache", ["--worker=fast"], False),
    ("cctrial, default worker, cold cache", [], True),
]
JUDGED = CCTRIAL_VARIANTS[0][0]
TRIAL_J2, TRIAL_1 = "trial -j2", "trial (one process)"

_RAN = re.compile(r"^Ran (\d+) tests? in ", re.M)
_VERDICT = re.compile(r"^(?:PASSED|FAILED)(?: \([^)]*\))?$", re.M)


def closing_lines(output):
    """(tests run, verdict line) of trial's or cctrial's summary."""
    ran, verdict = _RAN.findall(output), _VERDICT.findall(output)
    if not ran or not verdict:
        raise BenchError("no closing 'Ran N tests' and verdict line in:\n"
                         + output[-3000:])
    return int(ran[-1]), verdict[-1]


# The speed issue's mix: whole packages and modules of Twisted's suite as a
# project's suite is, judged against one-process trial on wall time and on
# the CPU of the whole process tree.
MIX_MODULES = ["twisted.python", "twisted.words", "twisted.positioning",
               "twisted.test.test_defer", "twisted.web.test.test_template"]


class Suite:
    def __init__(self, ctx, key, title, names, against_one=None):
        """`against_one`, when given, is (wall limit, tree CPU limit) as
        ratios to one-process trial, judged in place of the usual wall
        target against it."""
        self.ctx, self.title, self.names = ctx, title, names
        self.against_one = against_one
        self.cwd = ctx.directory(key)
        self.config = ctx.config(key, f"[cctrial]\npython = {PYTHON}\n")
        self.seen = {}  # label -> set of (tests run, verdict line)
        self.tree_cpu = {}  # label -> CPU seconds of the process tree

    def cctrial_argv(self, extra, forever=False):
        mode = ["-f"] if forever else ["--once"]
        return ([self.ctx.cctrial, "--config", self.config] + mode
                + ["-j2"] + extra + self.names)

    def trial_argv(self, jobs):
        return [PYTHON, "-m", "twisted.trial"] + jobs + self.names

    def commands(self):
        """Every command compared, as (label, argv, cold)."""
        listed = [(label, self.cctrial_argv(extra), cold)
                  for label, extra, cold in CCTRIAL_VARIANTS]
        listed.append((TRIAL_J2, self.trial_argv(["-j2"]), False))
        listed.append((TRIAL_1, self.trial_argv([]), False))
        return listed

    def forget_cache(self):
        shutil.rmtree(os.path.join(self.cwd, ".cctrial"), ignore_errors=True)

    def wall(self, label, argv, cold):
        if cold:
            self.forget_cache()
        done = benchlib.timed_run(argv, self.cwd)
        self.seen.setdefault(label, set()).add(closing_lines(done.output))
        self.tree_cpu.setdefault(label, []).append(done.cpu)
        return done.wall

    def own_cpu_per_test(self, label, extra, cold):
        """cctrial's own CPU per test, in microseconds, after the first run
        of `cctrial -f -j2`."""
        if cold:
            self.forget_cache()
        argv = self.cctrial_argv(extra, forever=True)
        with benchlib.Watched(argv, self.cwd) as proc:
            proc.wait_for_text(benchlib.WAITING, benchlib.RUN_TIMEOUT)
            cpu = benchlib.cpu_seconds(proc.pid)
            proc.interrupt()
            ran, verdict = closing_lines("".join(proc.output))
        self.seen.setdefault(label, set()).add((ran, verdict))
        return cpu / ran * 1e6


def measure(suite, runs):
    commands = suite.commands()
    say(f"== throughput: {suite.title}")
    # One untimed run of each kind first: Python's and Twisted's files in
    # the page cache for all, and cctrial's discovery cache written.
    for label, argv, cold in (commands[0], commands[-1]):
        suite.wall(label, argv, cold)
    suite.tree_cpu.clear()
    walls = benchlib.rounds(
        [(label, (lambda l=label, a=argv, c=cold: suite.wall(l, a, c)))
         for label, argv, cold in commands], runs, "wall")
    cpus = benchlib.rounds(
        [(label, (lambda l=label, e=extra, c=cold:
                  suite.own_cpu_per_test(l, e, c)))
         for label, extra, cold in CCTRIAL_VARIANTS], runs, "cpu")
    return commands, walls, cpus


def counts_check(suite, commands):
    """Every command must have run the same tests with the same verdict.
    Returns (tests run, verdict line) and a table row per command."""
    rows = [[label, ", ".join(f"`Ran {ran} tests`, `{verdict}`"
                              for ran, verdict in sorted(suite.seen[label]))]
            for label, _, _ in commands]
    distinct = set().union(*suite.seen.values())
    if len(distinct) != 1:
        raise BenchError(f"{suite.title}: the commands disagree on the "
                         "tests run or the verdict:\n"
                         + benchlib.table(["command", "closing lines"], rows))
    return distinct.pop(), rows


def report(suite, commands, walls, cpus):
    (ran, verdict), count_rows = counts_check(suite, commands)
    fig = {label: Figures(label, "s", v) for label, v in walls.items()}
    j2, one = fig[TRIAL_J2].median, fig[TRIAL_1].median
    rows = [[label] + fig[label].cells()
            + [f"{fig[label].median / j2:.2f}",
               f"{fig[label].median / one:.2f}",
               f"{statistics.median(suite.tree_cpu[label]):.2f}"]
            for label, _, _ in commands]
    cpu_rows = [[label] + Figures(label, "us", values).cells(digits=1)
                for label, values in cpus.items()]
    variables, names = [], " ".join(suite.names)
    if len(suite.names) > 1:
        variables = [("MODULES", names)]
    entries = [(label, benchlib.command_line(
        argv, suite.cwd, "rm -rf .cctrial" if cold else None)
        .replace(names, "$MODULES" if variables else names))
        for label, argv, cold in commands]
    block = benchlib.commands_block(suite.ctx, entries, [suite.config],
                                    variables)
    markdown = (
        f"### {suite.title}: {ran} tests\n\n"
        "Every run of every command (cctrial's `-f` runs included) ended "
        f"with trial's own closing lines, `Ran {ran} tests` and "
        f"`{verdict}`:\n\n"
        + benchlib.table(["command", "closing lines, every run"], count_rows)
        + "\nCommands, run in turns; cctrial's CPU was measured with the "
        "same cctrial commands, `-f` in place of `--once`:\n\n" + block
        + "\nWall time, seconds (whole process); the last column is the "
        "CPU time (user + system) of the whole process tree, workers "
        "included, which the machine's load changes less:\n\n"
        + benchlib.table(["command", "median", "min", "max", "x trial -j2",
                          "x trial", "tree CPU (median)"], rows)
        + "\ncctrial's own CPU (user + system, workers excluded, start-up "
        "and discovery included), microseconds per test:\n\n"
        + benchlib.table(["command", "median", "min", "max"], cpu_rows))
    judged = fig[JUDGED].median
    cpu = Figures(JUDGED, "us", cpus[JUDGED]).median
    wall_limit = suite.against_one[0] if suite.against_one else 0.8
    targets = [
        Target(f"{suite.title}: wall vs trial -j2", judged / j2, 0.6,
               "<= 0.6 x",
               f"{judged / j2:.2f} x ({judged:.2f} s / {j2:.2f} s)"),
        Target(f"{suite.title}: wall vs one-process trial", judged / one,
               wall_limit, f"<= {wall_limit} x",
               f"{judged / one:.2f} x ({judged:.2f} s / {one:.2f} s)"),
        Target(f"{suite.title}: cctrial's own CPU per test", cpu, 30.0,
               "<= 30 us", f"{cpu:.1f} us"),
    ]
    if suite.against_one:
        limit = suite.against_one[1]
        tree = statistics.median(suite.tree_cpu[JUDGED])
        tree_one = statistics.median(suite.tree_cpu[TRIAL_1])
        targets.append(Target(
            f"{suite.title}: process tree CPU vs one-process trial",
            tree / tree_one, limit, f"<= {limit} x",
            f"{tree / tree_one:.2f} x ({tree:.2f} s / {tree_one:.2f} s)"))
    return markdown, targets


def run(ctx):
    synthetic = Suite(ctx, "synthetic",
                      "synthetic suite (50 modules x 100 tests)", ["synth"])
    gen.synthetic_suite(synthetic.cwd, "synth", modules=50,
                        tests_per_module=100)
    twisted = Suite(ctx, "twisted",
                    f"Twisted's own tests ({len(TWISTED_MODULES)} modules)",
                    TWISTED_MODULES)
    mix = Suite(ctx, "mix", "Twisted packages and modules, the speed "
                "issue's mix", MIX_MODULES, against_one=(0.6, 1.05))
    suites = [synthetic, twisted, mix]
    parts, targets = [], []
    for suite in suites:
        markdown, judged = report(suite, *measure(suite, ctx.runs))
        parts.append(markdown)
        targets += judged
    intro = (
        "Targets judged on cctrial with the default worker (this build's "
        f"default: `worker = {ctx.default('worker')}`) and a warm discovery "
        "cache, its first row; the other rows are shown for comparison. "
        "The Twisted modules, chosen because they pass or skip quickly "
        "here (no network, no subprocesses, no time zone data): "
        + ", ".join(f"`{m}`" for m in TWISTED_MODULES) + ". With a warm "
        "cache, discovery answers without importing Twisted or any test "
        "module (`core/helpers/discovery_cache.py`); the cold-cache row "
        "imports them all first, as trial does.\n\n")
    return benchlib.Result("1. Throughput", intro + "\n".join(parts), targets)


if __name__ == "__main__":
    benchlib.standalone(run)
