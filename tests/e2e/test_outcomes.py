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
  trial's), with a cold cache and a warm one, and after edits that a cache
  serving modules imported alone would get wrong: lines added to the data
  file, a comment added to the module that fails only after another, a new
  name registered by an earlier module.
- imported: a TestCase imported into a second test module (trial runs its
  tests once per module), with -j1 and -j2 against single-process trial,
  cold and warm.
- autobahn: Debian's python3-autobahn, a real suite with the same import
  order effects, -j1, cold and warm.

The runs are pairwise, not every combination: each pair of values of two
of the dimensions (worker, -j, cold or warm cache, edit) comes in some run
of the test, or of the same test on the other generation, which pairs the
workers the other way round (see plan()); every run costs an interpreter
start and the import of the suite, and most cost none of cctrial's paths
that another run does not take.

CCT_TWISTED_PATH, when set, is put on PYTHONPATH for trial and cctrial
alike (see harness.py): the same checks on another Twisted generation.
"""

import os
import shutil
import sys

import harness
from harness import say


def trial_outcomes(project, names, jobs=None):
    return harness.run_trial(project, names, jobs=jobs)


def check_run(label, project, args, reference):
    """cctrial --once ARGS: trial's per-test outcomes."""
    with harness.Cctrial(project, ["--once"] + args, outcomes=True) as cct:
        cct.run()
        harness.compare_outcomes(label, reference, cct)
        say(f"{label}: {sum(cct.outcomes().values())} results, each as "
            "trial's")


def cold(project):
    shutil.rmtree(os.path.join(project, ".cctrial"), True)


def this_generation(worker):
    """`worker` on the first generation, the other one on the second
    (CCT_TWISTED_VERSION set): both generations together pair each worker
    with each value of the other dimensions."""
    if not harness.TWISTED_VERSION:
        return worker
    return {"fast": "stock", "stock": "fast"}[worker]


def plan(*runs):
    """The runs (worker, jobs, cache) given, on this generation."""
    return [(this_generation(worker), jobs, start)
            for worker, jobs, start in runs]


def runs(project, names, planned, reference):
    """cctrial's `planned` runs (see plan()) against `reference` (a dict
    of jobs -> trial's run); a cold run empties the cache first."""
    for worker, jobs, start in planned:
        if start == "cold":
            cold(project)
        args = [f"--worker={worker}", "-j", str(jobs)] + names
        check_run(f"cctrial {' '.join(args)} ({start} cache)", project,
                  args, reference[jobs])


def append(path, text):
    with open(path, "a") as f:
        f.write(text)


def check_importorder():
    project = harness.copy_project("importorder")
    names = ["fxorder"]
    reference = {1: trial_outcomes(project, names)}
    runs(project, names, plan(("fast", 1, "cold"), ("stock", 1, "warm")),
         reference)

    edits = [
        ("a data file that makes tests gains two lines",
         "fxorder/cases.txt", "three\nbad_four\n"),
        ("the module that fails only after another gets a comment",
         "fxorder/test_b_asyncio.py", "# edited\n"),
        ("an earlier module registers one more name",
         "fxorder/test_c_register.py", "registry.names.append('gamma')\n"),
    ]
    for (what, path, text), worker in zip(edits, ("stock", "fast", "stock")):
        worker = this_generation(worker)
        append(os.path.join(project, path), text)
        say(f"edit: {what}")
        check_run(f"cctrial --worker={worker} after the edit", project,
                  [f"--worker={worker}"] + names,
                  trial_outcomes(project, names))


def check_imported():
    project = harness.copy_project("imported")
    names = ["fximported"]
    # trial -j2 is no reference here: its manager keys running tests by
    # id, and a test listed twice makes it report a KeyError (22.4) or
    # lose a result (24.11).  Single-process trial runs both.
    single = trial_outcomes(project, names)
    reference = {1: single, 2: single}
    runs(project, names, plan(("fast", 1, "cold"), ("fast", 2, "warm"),
                              ("stock", 2, "cold"), ("stock", 1, "warm")),
         reference)


def check_autobahn():
    """Debian's python3-autobahn: txaio's framework is chosen by whichever
    test module is imported first, and several modules fail to import
    after others; a warm cache once turned its 19 errors into 41."""
    project = harness.empty_dir("autobahn")
    names = ["autobahn"]
    runs(project, names, plan(("fast", 1, "cold"), ("stock", 1, "warm")),
         {1: trial_outcomes(project, names)})


CHECKS = {"importorder": check_importorder, "imported": check_imported,
          "autobahn": check_autobahn}


def main():
    say(f"Twisted {harness.twisted_version()}")
    CHECKS[sys.argv[1]]()


if __name__ == "__main__":
    harness.main(main)
