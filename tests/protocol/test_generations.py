"""Both generations of trial's worker protocol give the same results.

    test_generations.py FIXTURE

Twisted 22.4 (installed here) sends failure texts inline; 22.10 and later
send them as streams, cut into chunks by bytes.  worker_2210.py is a worker
of the newer kind; an interpreter wrapper makes cctrial start it in place of
trial's own.  On the same fixture project, cctrial's summary must be the
same, word for word, with either worker (only times and object addresses
differ), and its counts trial's.
"""

import os
import re
import sys

import harness
from harness import check, say

HERE = os.path.dirname(os.path.abspath(__file__))


def wrapper(directory):
    """A `python` that starts worker_2210.py for trial's worker module, and
    makes discovery see the Twisted version such workers come with (cctrial
    sends a test ahead only to workers that take commands one after the
    other, as those before 22.10 do)."""
    path = os.path.join(directory, "python-2210")
    site = os.path.join(directory, "site")
    os.makedirs(site)
    with open(os.path.join(site, "sitecustomize.py"), "w") as f:
        f.write("import twisted\ntwisted.__version__ = '24.3.0'\n")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n"
                'if [ "$1" = -m ] && [ "$2" = twisted.trial._dist.workertrial ]'
                "; then\n"
                f'    shift 2; exec "{harness.TEST_PYTHON}" '
                f'"{HERE}/worker_2210.py" "$@"\n'
                "fi\n"
                f'PYTHONPATH="{site}" exec "{harness.TEST_PYTHON}" "$@"\n')
    os.chmod(path, 0o755)
    return path


def normalised(output):
    text = re.sub(r"Ran (\d+) tests in [0-9.]+s", r"Ran \1 tests", output)
    text = re.sub(r"0x[0-9a-f]+", "0x…", text)
    text = re.sub(r"\[[0-9.]+s\]", "[…s]", text)
    return text


def run(project, python):
    names = sorted(n for n in os.listdir(project)
                   if os.path.exists(os.path.join(project, n, "__init__.py")))
    cct = harness.Cctrial(project, ["--once", "-j2", "--worker=stock",
                                    "--reporters=summary"]
                          + names, python=python)
    with cct:
        cct.run(180)
    return cct, names


def main():
    fixture = sys.argv[1]
    old, names = run(harness.copy_project(fixture), harness.TEST_PYTHON)
    new, _ = run(harness.copy_project(fixture),
                 wrapper(harness.empty_dir("python")))
    check(new.returncode == old.returncode,
          f"exit status {new.returncode} with the 22.10 worker, "
          f"{old.returncode} with 22.4's:\n" + new.describe())
    a, b = normalised(old.stdout), normalised(new.stdout)
    # Paths differ between the two copies of the project.
    a = a.replace(old.cwd, "PROJECT")
    b = b.replace(new.cwd, "PROJECT")
    check(a == b, "the summaries differ:\n--- 22.4 worker\n" + a
          + "\n--- 22.10 worker\n" + b)
    trial = harness.run_trial(harness.copy_project(fixture), names)
    check(new.summary().counts == trial.summary.counts,
          f"counts {new.summary().counts}, trial's {trial.summary.counts}")
    say(f"{fixture}: the same summary with both protocol generations")


harness.main(main)
