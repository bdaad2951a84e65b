"""Both generations of trial's worker protocol give the same results.

    test_generations.py FIXTURES WORKER
    test_generations.py FIXTURES emulated

FIXTURES is one fixture project or several joined by "+", run together as
one project (harness.merged_project).

Twisted 22.4 (Debian 12's) sends failure texts inline; 22.10 and later
send them as streams, cut into chunks by bytes.  The reference is cctrial's
summary of the fixture project with trial's own worker on 22.4 (the inline
protocol); the run under test must give the same summary, word for word
(only times, object addresses and the place and line numbers of Twisted's
own frames differ), and trial's counts on the same Twisted:

- with WORKER (fast or stock), cctrial runs that worker on the Twisted of
  the test's generation: the interpreter's own, or the one on
  CCT_TWISTED_PATH (Debian 13's 24.11, real workertrial and reporter);
- emulated: worker_2210.py, a worker of the newer kind on 22.4 whose
  chunks are 7 bytes (cutting UTF-8 characters apart), is started in place
  of trial's own through an interpreter wrapper.
"""

import hashlib
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
    # Twisted's own frames: where it is installed and its line numbers.
    text = re.sub(r'File "[^"\n]*/(twisted/[^"\n]*)", line \d+',
                  r'File "…/\1", line …', text)
    text = re.sub(r"0x[0-9a-f]+", "0x…", text)
    text = re.sub(r"\[[0-9.]+s\]", "[…s]", text)
    # With two workers, which of two groups of one size came first depends
    # on which result arrived first: compare the groups, not their order.
    head, sep, tail = text.partition("\n" + "-" * 79 + "\n")
    blocks = re.split(r"(?m)^(?==+ \d+ cases?: \[)", head)
    groups = sorted(b.rstrip("\n") + "\n" for b in blocks[1:])
    return "".join(blocks[:1] + groups) + sep + tail


def reference(fixture):
    """The reference: cctrial with 22.4's own worker, whatever the test's
    generation; made once for the tests of one fixture (harness.cached),
    under a key of the fixture, the Twisted it runs on and the cctrial
    binary under test."""
    env = {"PYTHONPATH": None}
    digest = hashlib.sha256(b"generations reference\0")
    stat = os.stat(harness.CCTRIAL)
    digest.update(f"{harness.CCTRIAL} {stat.st_size} {stat.st_mtime_ns}"
                  .encode())
    harness.project_digest(digest, fixture)
    harness.twisted_digest(digest, env)

    def make():
        cct, names = run(harness.copy_project(fixture), harness.TEST_PYTHON,
                         "stock", env=env)
        return {"returncode": cct.returncode, "stdout": cct.stdout,
                "cwd": cct.cwd, "names": names}

    return harness.cached(f"22.4's worker on {fixture}", digest, make,
                          lambda kept: kept, lambda kept: kept)


def run(project, python, worker, env=None):
    names = sorted(n for n in os.listdir(project)
                   if os.path.exists(os.path.join(project, n, "__init__.py")))
    cct = harness.Cctrial(project, ["--once", "-j2", f"--worker={worker}",
                                    "--reporters=summary"]
                          + names, python=python, env=env)
    with cct:
        cct.run(180)
    return cct, names


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("fast", "stock",
                                                  "emulated"):
        sys.exit("usage: test_generations.py FIXTURE {fast,stock,emulated}")
    fixture, mode = sys.argv[1:]
    if "+" in fixture:
        fixture = harness.merged_project(fixture.split("+"))
    old = reference(fixture)
    names = old["names"]
    if mode == "emulated":
        label = "the emulated 22.10 worker"
        new, _ = run(harness.copy_project(fixture),
                     wrapper(harness.empty_dir("python")), "stock")
    else:
        label = f"--worker={mode} on Twisted {harness.twisted_version()}"
        new, _ = run(harness.copy_project(fixture), harness.TEST_PYTHON,
                     mode)
    check(new.returncode == old["returncode"],
          f"exit status {new.returncode} with {label}, "
          f"{old['returncode']} with 22.4's worker:\n" + new.describe())
    # Paths differ between the two copies of the project; replaced first,
    # before a "0x" in a temporary directory's name looks like an address.
    a = normalised(old["stdout"].replace(old["cwd"], "PROJECT"))
    b = normalised(new.stdout.replace(new.cwd, "PROJECT"))
    check(a == b, f"the summaries differ:\n--- 22.4's worker\n{a}"
          f"\n--- {label}\n{b}")
    # trial on the same generation as the run under test.
    trial = harness.reference_trial(fixture, names)
    check(new.summary().counts == trial.summary.counts,
          f"counts {new.summary().counts}, trial's {trial.summary.counts}")
    say(f"{fixture}: {label} gives the summary of 22.4's worker")


harness.main(main)
