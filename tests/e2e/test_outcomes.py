"""Per-test outcomes equal trial's, first run or tenth, whatever the cache.

    test_outcomes.py FIXTURE

Compares, test by test, the outcome of every result cctrial reports (its
JSON events) with those trial's own reporter receives (trial_outcomes.py),
as multisets of (test id, outcome): a test trial runs twice must come
twice, a module that fails to import must be one error.

- importorder: modules whose import depends on what was imported before
  them (a framework chosen once per process), tests made by code from an
  earlier module's registry and from a data file.  cctrial --once with one
  worker against single-process trial (the order of imports is then
  trial's), with both workers, with a cold cache and a warm one, and after
  edits that a cache serving modules imported alone would get wrong:
  lines added to the data file, a comment added to the module that fails
  only after another, a new name registered by an earlier module.
- imported: a TestCase imported into a second test module (trial runs its
  tests once per module), with -j1 and -j2 against single-process trial,
  with both workers, cold and warm.

- autobahn: Debian's python3-autobahn, a real suite with the same import
  order effects, -j1, both workers, cold and warm.

CCT_TWISTED_PATH, when set, is put on PYTHONPATH for trial and cctrial
alike: the same checks on another Twisted generation.
"""

import collections
import json
import os
import shutil
import subprocess
import sys

import harness
from harness import check, say

HERE = os.path.dirname(os.path.abspath(__file__))
TWISTED_PATH = os.environ.get("CCT_TWISTED_PATH") or None


def generation_env():
    return {"PYTHONPATH": TWISTED_PATH} if TWISTED_PATH else {}


def trial_outcomes(project, names, jobs=None):
    """trial's results: a Counter of (id, outcome), and trial's output."""
    record = os.path.join(harness.empty_dir("trial"), "outcomes.jsonl")
    argv = [harness.TEST_PYTHON, os.path.join(HERE, "trial_outcomes.py"),
            record] + ([f"-j{jobs}"] if jobs else []) + list(names)
    env = harness.base_env()
    env.update(generation_env())
    try:
        done = subprocess.run(argv, cwd=project, env=env,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT,
                              timeout=harness.RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise harness.HarnessError(
            f"reference trial did not finish within {harness.RUN_TIMEOUT}s:"
            f" {' '.join(argv)}")
    output = done.stdout.decode("utf-8", "replace")
    counter = collections.Counter()
    with open(record, encoding="utf-8") as f:
        for line in f:
            event = json.loads(line)
            counter[(event["id"], event["outcome"])] += 1
    check(counter, f"trial reported no result:\n{output}")
    return counter, output


def cctrial_outcomes(project, args):
    """cctrial --once's results, as trial_outcomes gives trial's."""
    work = harness.empty_dir("events")
    events = os.path.join(work, "events.jsonl")
    config = os.path.join(work, "cctrialrc")
    with open(config, "w") as f:
        f.write(f"[cctrial]\nreporters = summary,json\n"
                f"[reporter.json]\npath = {events}\n")
    argv = ["--once", f"--config={config}"] + args
    with harness.Cctrial(project, argv, env=generation_env()) as cct:
        cct.run()
        counter = collections.Counter()
        with open(events, encoding="utf-8") as f:
            for line in f:
                event = json.loads(line)
                if event["event"] == "test_result":
                    counter[(event["id"], event["outcome"])] += 1
        return counter, cct.describe()


def compare(label, want, trial_output, got, cct_output):
    missing = want - got
    extra = got - want
    lines = [f"  trial only: {n} x {i} {o}"
             for (i, o), n in sorted(missing.items())]
    lines += [f"  cctrial only: {n} x {i} {o}"
              for (i, o), n in sorted(extra.items())]
    check(not lines,
          f"{label}: per-test outcomes differ from trial's:\n"
          + "\n".join(lines) + f"\n{cct_output}trial's output:\n"
          + trial_output)
    say(f"{label}: {sum(got.values())} results, each as trial's")


def cold(project):
    shutil.rmtree(os.path.join(project, ".cctrial"), True)


def runs(project, names, jobs_list, reference):
    """cctrial, both workers, cold then warm, against `reference` (a dict
    of jobs -> (Counter, output))."""
    for worker in ("fast", "stock"):
        for jobs in jobs_list:
            cold(project)
            for start in ("cold", "warm"):
                args = [f"--worker={worker}", "-j", str(jobs)] + names
                got, out = cctrial_outcomes(project, args)
                want, trial_out = reference[jobs]
                compare(f"cctrial {' '.join(args)} ({start} cache)",
                        want, trial_out, got, out)


def append(path, text):
    with open(path, "a") as f:
        f.write(text)


def check_importorder():
    project = harness.copy_project("importorder")
    names = ["fxorder"]
    reference = {1: trial_outcomes(project, names)}
    runs(project, names, [1], reference)

    edits = [
        ("a data file that makes tests gains two lines",
         "fxorder/cases.txt", "three\nbad_four\n"),
        ("the module that fails only after another gets a comment",
         "fxorder/test_b_asyncio.py", "# edited\n"),
        ("an earlier module registers one more name",
         "fxorder/test_c_register.py", "registry.names.append('gamma')\n"),
    ]
    for what, path, text in edits:
        append(os.path.join(project, path), text)
        say(f"edit: {what}")
        want, trial_out = trial_outcomes(project, names)
        for worker in ("fast", "stock"):
            got, out = cctrial_outcomes(project, [f"--worker={worker}"] +
                                        names)
            compare(f"cctrial --worker={worker} after the edit", want,
                    trial_out, got, out)


def check_imported():
    project = harness.copy_project("imported")
    names = ["fximported"]
    # trial -j2 is no reference here: its manager keys running tests by
    # id, and a test listed twice makes it report a KeyError (22.4) or
    # lose a result (24.11).  Single-process trial runs both.
    single = trial_outcomes(project, names)
    reference = {1: single, 2: single}
    runs(project, names, [1, 2], reference)


def check_autobahn():
    """Debian's python3-autobahn: txaio's framework is chosen by whichever
    test module is imported first, and several modules fail to import
    after others; a warm cache once turned its 19 errors into 41."""
    project = harness.empty_dir("autobahn")
    names = ["autobahn"]
    runs(project, names, [1], {1: trial_outcomes(project, names)})


CHECKS = {"importorder": check_importorder, "imported": check_imported,
          "autobahn": check_autobahn}


def main():
    fixture = sys.argv[1]
    if TWISTED_PATH:
        say(f"Twisted from {TWISTED_PATH}")
    CHECKS[fixture]()


if __name__ == "__main__":
    harness.main(main)
