"""CI and scripts: what a job that runs cctrial without a person can rely
on (issue 17).

    test_ci.py CASE

Each case runs the built cctrial on a fresh copy of tests/projects/passing
(the package fxpass: three passing tests), with standard input a pipe, as
in a CI job.

no_test        --once selecting nothing (-g nomatch; -s, which selects by
               changes, and --once has none): exit 5 and a message saying
               why, where it used to exit 0
ignored_flags  flags the chosen mode would ignore (--since while watching,
               -H -f, -s -H, --notifier=nope --once): a usage error naming
               them, before any Python runs
unknown_name   --once with a name that does not exist: an error result as
               trial reports it (closing line, per-test outcomes, exit 1
               compared with trial's), the known names still run
plugin_sections  a committed .cctrialrc with [reporter.junit], a plugin
               this user has not installed: a warning with its file:line,
               and the run goes on; selecting it stays an error; an
               unknown key names the nearest known one
ci_once        CI=true, no --once, no terminal: one run, said on standard
               error, and its status, where it used to wait for ever; with
               -f on the command line it watches
"""

import os
import re
import sys

import harness
from harness import check, say

NAMES = ["fxpass"]


def run(project, args, env=None, timeout=harness.RUN_TIMEOUT):
    cct = harness.Cctrial(project, args, env=env)
    with cct:
        cct.run(timeout)
        left = cct.descendants()
    check(not left, f"processes left after cctrial exited: {left}\n"
          + cct.describe())
    return cct


def expect(cct, status, *patterns):
    check(cct.returncode == status,
          f"expected exit status {status}, got {cct.returncode}\n"
          + cct.describe())
    for pattern in patterns:
        check(re.search(pattern, cct.output, re.M),
              f"expected /{pattern}/ in the output\n" + cct.describe())
    lines = cct.stderr.strip().splitlines()
    args = cct.argv[1:]
    if args[:1] == ["--python"]:
        args = args[2:]
    say(f"{' '.join(args)}: exit {status}"
        + (f", {lines[0]!r}" if lines else ""))


def case_no_test(project):
    cct = run(project, ["--once", "-g", "nomatch"] + NAMES)
    expect(cct, 5, r"^no test to run$",
           r"--grep 'nomatch' keeps none of the 3 tests")
    check("Running " not in cct.output, "a run started\n" + cct.describe())
    cct = run(project, ["--once", "-s"] + NAMES)
    expect(cct, 5, r"smart mode selects the tests a change affects, and "
           r"--once has no change")


def case_ignored_flags(project):
    cases = [
        (["--since=main"], r"--since selects the tests a branch affects, "
         r"for one run: use it with --once, -H or --list-selected"),
        (["-H", "-f"], r"-f \(--forever\) keeps watching, -H runs the "
         r"tests once"),
        (["--once", "--forever"], r"-f \(--forever\) keeps watching, "
         r"--once runs"),
        (["-H", "-s"], r"-s \(--smart\) selects the tests each change "
         r"affects while watching; -H selects"),
        (["--once", "--notifier=nope"], r"--notifier: notifications are "
         r"sent only while watching, not with --once"),
        (["--once", "-c"], r"-c \(--cwd\) chooses what to watch, and "
         r"--once watches nothing"),
    ]
    for args, pattern in cases:
        # No --python: a usage error comes before any interpreter is
        # looked for.
        cct = harness.Cctrial(project, args + NAMES, python=None)
        with cct:
            cct.run()
        expect(cct, 2, pattern, r"Try 'cctrial --help'")


def case_ci_once(project):
    ci = {"CI": "true"}
    cct = run(project, NAMES, env=ci)
    expect(cct, 0, r"CI is set and standard input is not a terminal: "
           r"running the tests once, as --once does",
           r"PASSED \(successes=3\)")
    # -f on the command line asks to watch: it does, after the pass.
    with harness.Cctrial(project, ["-f"] + NAMES, env=ci) as cct:
        cct.start()
        cct.wait_for(r"waiting for filesystem change", harness.RUN_TIMEOUT,
                     "-f under CI to keep watching after the first run")
        check("CI is set" not in cct.output,
              "-f under CI ran once\n" + cct.describe())
    say("CI=true -f: watches")


def case_plugin_sections(project):
    rc = os.path.join(project, ".cctrialrc")
    with open(rc, "w") as f:
        f.write("[cctrial]\ntests = fxpass\n\n[reporter.junit]\n"
                "path = junit.xml\n")
    cct = run(project, ["--once"])
    expect(cct, 0, re.escape(f"cctrial: {rc}:5: warning: section "
                             "[reporter.junit] ignored, as no reporter "
                             "junit is selected: no reporter plugin named "
                             "'junit'"), r"PASSED \(successes=3\)")
    cct = run(project, ["--once", "--reporters=summary,junit"])
    expect(cct, 2, re.escape(f"cctrial: {rc}:5: section [reporter.junit]: "
                             "no reporter plugin named 'junit'"))
    with open(rc, "w") as f:
        f.write("[cctrial]\njbos = 2\n")
    cct = run(project, ["--once"] + NAMES)
    expect(cct, 2, re.escape(f"cctrial: {rc}:2: unknown key 'jbos' in "
                             "[cctrial]; did you mean 'jobs'? valid keys: "))


def case_unknown_name(project):
    # A module that does not exist and a class that does not: each an
    # error result, as trial reports them (its loader's ErrorHolder), and
    # the known package still runs.
    names = ["fxpass", "nosuchname", "fxpass.test_pass.Nope"]
    reference = harness.reference_trial("passing", names)
    cct = harness.Cctrial(project, ["--once"] + names, outcomes=True)
    with cct:
        status, summary = harness.check_as_trial(cct, "--once with unknown "
                                                 "names", reference)
    check(status == 1, f"expected exit status 1\n" + cct.describe())
    check(re.search(r"No module named 'nosuchname'", cct.stdout) and
          re.search(r"fxpass\.test_pass\.Nope does not exist", cct.stdout),
          "expected trial's tracebacks in the report\n" + cct.describe())
    say(f"{' '.join(names)}: exit 1, {harness.format_summary(summary)}, "
        "as trial")


CASES = {name[len("case_"):]: f for name, f in globals().items()
         if name.startswith("case_")}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        sys.exit(f"usage: test_ci.py {{{','.join(CASES)}}}")
    CASES[sys.argv[1]](harness.copy_project("passing"))


if __name__ == "__main__":
    harness.main(main)
