"""trial's options that configure its workers or its output (issue 17),
end to end, against trial's own runs.

    test_trial_options.py worker_options|coverage|output|refusals

worker_options: the trialopts fixture's tests pass only when the workers
    run with the asyncio reactor, --disablegc, --force-gc,
    --recursionlimit=4321 and --without-module=fxopts.absent, and its
    last test logs a line; with that option, a module that imports
    fxopts.absent is an import error, in trial's manager as in cctrial's
    discovery.  `trial -j2` with and without those options is
    the reference; cctrial --once -j2 must give trial's closing line, exit
    status and per-test outcomes: with the options on the command line
    (fast worker, --logfile=opts.log too: the logged line is in a
    worker's _trial_temp/<n>/opts.log, and no test.log is written), with
    them as keys of the project's .cctrialrc (stock worker), and without
    them (where trial's tests fail and err, so do cctrial's).
coverage: --coverage writes each worker's line counts to
    _trial_temp/<n>/coverage/ as `trial -j1 --coverage` does: the same
    .cover files of the project's modules, with the same counts.
output: on the dirty fixture and a test whose only problem is a dirty
    reactor, --unclean-warnings makes a dirty reactor a warning (trial's
    outcomes and closing line: that test has no result at all) and
    --tbformat=emacs prints trial's traceback text for the failure.
refusals: --reporter (trial's), --debug and an abbreviated long option
    are usage errors naming the option, before anything runs;
    --help-reporters lists cctrial's reporter plugins.
"""

import filecmp
import glob
import os
import subprocess
import sys

import harness
from harness import check, say

FLAGS = ["--reactor=asyncio", "--disablegc", "--force-gc",
         "--recursionlimit=4321", "--without-module=fxopts.absent"]
KEYS = """\
[cctrial]
reactor = asyncio
disablegc = true
force_gc = true
recursionlimit = 4321
without_module = fxopts.absent
worker = stock
reporters = summary, json
[reporter.json]
path = {events}
"""


def run_as_trial(project, args, reference, label, events=None):
    outcomes = events is None
    with harness.Cctrial(project, args, outcomes=outcomes) as cct:
        if events:
            cct.events_path = events
        status, got = harness.check_as_trial(cct, label, reference)
        left = cct.descendants()
        check(not left, f"{label}: processes left after exit: {left}")
        say(f"{label}: {harness.format_summary(got)}, exit {status}, "
            "every test's outcomes as trial's")
        return cct


def worker_options():
    names = ["fxopts"]
    with_flags = harness.reference_trial("trialopts", names, jobs=2,
                                         args=FLAGS + ["--logfile=opts.log"])
    check(with_flags.summary.counts["successes"] == 6
          and with_flags.summary.counts["errors"] == 1,
          "trial -j2 with the options should pass the 6 tests of "
          "test_opts and fail to import test_needs_absent:\n"
          + with_flags.output)
    without = harness.reference_trial("trialopts", names, jobs=2)
    check(without.returncode == 1, "trial -j2 without the options should "
          "fail:\n" + without.output)

    project = harness.copy_project("trialopts")
    label = "cctrial --once -j2 --worker=fast " + " ".join(FLAGS)
    run_as_trial(project, ["--once", "-j2", "--worker=fast", "-l", "opts.log"]
                 + FLAGS + names, with_flags, label)
    logs = glob.glob(os.path.join(project, "_trial_temp", "*", "opts.log"))
    logged = [p for p in logs if "fxopts logged this" in open(p).read()]
    check(logged, f"{label}: no _trial_temp/<n>/opts.log holds the test's "
          f"log line (found {logs})")
    stray = glob.glob(os.path.join(project, "_trial_temp", "*", "test.log"))
    check(not stray, f"{label}: test.log written despite --logfile: {stray}")
    say(f"{label}: the test's log line is in {logged[0]}")

    # Inside the project: its own .cctrialrc may not write elsewhere.
    events = os.path.join(project, "events.jsonl")
    with open(os.path.join(project, ".cctrialrc"), "w") as f:
        f.write(KEYS.format(events=events))
    run_as_trial(project, ["--once", "-j2"] + names, with_flags,
                 "cctrial --once -j2 with the options as .cctrialrc keys "
                 "(stock worker)", events=events)
    os.remove(os.path.join(project, ".cctrialrc"))

    run_as_trial(project, ["--once", "-j2"] + names, without,
                 "cctrial --once -j2 without the options")


COVERED = """\
def double(x):
    return 2 * x


def never():
    return 0
"""
COVERING = """\
from twisted.trial import unittest

from fxcov import calc


class Calc(unittest.TestCase):
    def test_double(self):
        self.assertEqual(calc.double(2), 4)
"""


def coverage():
    root = harness.empty_dir("coverage")
    os.makedirs(os.path.join(root, "fxcov"))
    for name, text in (("__init__.py", ""), ("calc.py", COVERED),
                       ("test_calc.py", COVERING)):
        with open(os.path.join(root, "fxcov", name), "w") as f:
            f.write(text)
    trial = subprocess.run(
        [harness.TEST_PYTHON, "-m", "twisted.trial", "-j1", "--coverage",
         "fxcov"], cwd=root, env=harness._merge_env(None),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        timeout=harness.RUN_TIMEOUT)
    check(trial.returncode == 0, "trial -j1 --coverage failed:\n"
          + trial.stdout.decode("utf-8", "replace"))
    wanted = os.path.join(harness.empty_dir("trial-coverage"), "coverage")
    os.rename(os.path.join(root, "_trial_temp", "0", "coverage"), wanted)

    label = "cctrial --once --coverage"
    with harness.Cctrial(root, ["--once", "--coverage", "fxcov"]) as cct:
        status = cct.run(harness.RUN_TIMEOUT)
        check(status == 0, f"{label}: exit {status}\n{cct.describe()}")
    got = os.path.join(root, "_trial_temp", "0", "coverage")
    mine = sorted(n for n in os.listdir(wanted) if n.startswith("fxcov."))
    check(mine == ["fxcov.__init__.cover", "fxcov.calc.cover",
                   "fxcov.test_calc.cover"][:len(mine)] and mine,
          f"trial's coverage of the project is unexpected: {mine}")
    have = sorted(n for n in os.listdir(got) if n.startswith("fxcov.")) \
        if os.path.isdir(got) else []
    check(have == mine, f"{label}: coverage files of the project {have}, "
          f"trial -j1 writes {mine}")
    for name in mine:
        check(filecmp.cmp(os.path.join(wanted, name),
                          os.path.join(got, name), shallow=False),
              f"{label}: {name} differs from trial's:\n"
              + open(os.path.join(got, name)).read() + "trial's:\n"
              + open(os.path.join(wanted, name)).read())
    say(f"{label}: _trial_temp/0/coverage/ holds {', '.join(mine)}, each "
        "as trial -j1 --coverage writes it")


ONLY_DIRTY = """\
from twisted.internet import reactor
from twisted.trial import unittest


class OnlyDirty(unittest.TestCase):
    def test_leaves_a_call(self):
        reactor.callLater(3600, lambda: None)
"""


def output():
    names = ["fxdirty"]
    args = ["--unclean-warnings", "--tbformat=emacs"]
    # The dirty fixture, and a test whose only problem is a dirty reactor
    # (with --unclean-warnings, trial gives it no result at all).
    source = harness.copy_project("dirty")
    with open(os.path.join(source, "fxdirty", "test_only_dirty.py"),
              "w") as f:
        f.write(ONLY_DIRTY)
    reference = harness.reference_trial(source, names, args=args)
    check(reference.summary.ran == 3 and
          reference.summary.counts["errors"] == 0 and
          reference.summary.counts["successes"] == 1,
          "trial --unclean-warnings should run 3 tests, 1 a success, and "
          "report no error:\n" + reference.output)
    project = harness.copy_project(source)
    label = "cctrial --once " + " ".join(args)
    cct = run_as_trial(project, ["--once"] + args + names, reference, label)
    check("warning: fxdirty.test_dirty.Dirty.test_fails_and_leaves_a_call: "
          "Reactor was unclean." in cct.stderr,
          f"{label}: no warning for the dirty reactor\n{cct.describe()}")
    check("warning: fxdirty.test_only_dirty.OnlyDirty.test_leaves_a_call: "
          "Reactor was unclean." in cct.stderr,
          f"{label}: no warning for the dirty reactor\n{cct.describe()}")
    brief = ("Traceback: <class 'twisted.trial.unittest.FailTest'>: failed, "
             "and the reactor is dirty too\n")
    check(brief in reference.output, "trial's --tbformat=emacs text is "
          "not as expected:\n" + reference.output)
    frame = "/fxdirty/test_dirty.py:15:test_fails_and_leaves_a_call\n"
    check(brief in cct.output and frame in cct.output,
          f"{label}: trial's emacs traceback ({brief!r} then a line ending "
          f"{frame!r}) is not in the output\n{cct.describe()}")
    say(f"{label}: the dirty reactor is a warning; the failure's "
        "traceback is trial's emacs form")


def refusals():
    project = harness.copy_project("passing")
    cases = [
        (["--reporter=verbose"], "--reporter is trial's option"),
        (["--debug"], "--debug cannot work with worker processes"),
        (["--reac=asyncio"], "unknown option --reac (long options are not "
                             "abbreviated: --reactor?)"),
    ]
    for args, message in cases:
        with harness.Cctrial(project, ["--once"] + args + ["fxpass"]) as cct:
            status = cct.run(harness.RUN_TIMEOUT)
            check(status == 2 and message in cct.stderr
                  and "Ran " not in cct.output,
                  f"expected exit 2 and {message!r}, nothing run\n"
                  + cct.describe())
        say(f"cctrial {' '.join(args)}: exit 2, {message!r}")
    with harness.Cctrial(project, ["--help-reporters"]) as cct:
        status = cct.run(harness.RUN_TIMEOUT)
        listed = [line.split()[0] for line in cct.stdout.splitlines()
                  if line.startswith("    ")]
        check(status == 0 and sorted(listed) == ["json", "oneline",
                                                 "summary"],
              f"--help-reporters should list json, oneline and summary\n"
              + cct.describe())
    say("cctrial --help-reporters: json, oneline, summary")


CASES = {f.__name__: f for f in (worker_options, coverage, output, refusals)}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        sys.exit(f"usage: test_trial_options.py {{{','.join(CASES)}}}")
    CASES[sys.argv[1]]()


if __name__ == "__main__":
    harness.main(main)
