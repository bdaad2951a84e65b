"""Usage and configuration errors: exit status 2 and a message that says why.

    test_errors.py CASE

Each case runs cctrial --once on a fresh copy of tests/projects/passing set
up to go wrong in one way, and checks the exit status, the message, that no
test ran (no "Running N tests."), that nothing of the user's was removed,
and that no process of cctrial's is left.  Some cases check the other side:
a stale lock is taken over, a live one passed over for _trial_temp-1 (as
trial does), and a python3 without Twisted first on PATH is passed over for
one with it.
"""

import concurrent.futures
import os
import re
import subprocess
import sys

import harness
from harness import check, say

NAMES = ["fxpass"]


def no_twisted_python(directory):
    """A real Python that cannot import Twisted: the test interpreter
    without its site-packages (-S), behind a python3 script."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "python3")
    with open(path, "w") as f:
        f.write(f'#!/bin/sh\nexec "{harness.TEST_PYTHON}" -S "$@"\n')
    os.chmod(path, 0o755)
    probe = subprocess.run([path, "-c", "import twisted"],
                           stderr=subprocess.DEVNULL)
    check(probe.returncode != 0, f"{path} imports twisted after all")
    return path


def run(project, args, **kwargs):
    cct = harness.Cctrial(project, ["--once"] + args, **kwargs)
    with cct:
        cct.run()
        left = cct.descendants()
    check(not left, f"processes left after cctrial exited: {left}\n"
          + cct.describe())
    return cct


def expect_usage_error(cct, *patterns):
    """Exit status 2, each pattern in the message, and no run."""
    check(cct.returncode == 2,
          f"expected exit status 2, got {cct.returncode}\n" + cct.describe())
    for pattern in patterns:
        check(re.search(pattern, cct.output, re.I | re.M),
              f"expected /{pattern}/ in the message\n" + cct.describe())
    check("Running " not in cct.output,
          "expected no test to run\n" + cct.describe())
    message = cct.output.strip().splitlines()
    say(f"{' '.join(cct.argv[1:])}: exit 2, "
        f"message: {message[0] if message else ''!r}")


def expect_success(cct):
    check(cct.returncode == 0,
          f"expected exit status 0, got {cct.returncode}\n" + cct.describe())
    summary = cct.summary()
    check(summary.verdict == "PASSED" and summary.counts["successes"] == 3,
          "expected PASSED (successes=3)\n" + cct.describe())
    say(f"{' '.join(cct.argv[1:])}: exit 0, "
        f"{harness.format_summary(summary)}")


def case_no_names(project):
    cct = run(project, [])
    expect_usage_error(cct, r"test names?")


def case_python_missing(project):
    cct = run(project, ["--python", "/nonexistent/python3"] + NAMES,
              python=None)
    expect_usage_error(cct, re.escape("/nonexistent/python3"))


def case_python_without_twisted(project):
    pythons = [no_twisted_python(harness.empty_dir("bin"))]
    # On a machine where the first python3 on PATH lacks Twisted (a pyenv
    # build, say), that one too.
    first = subprocess.run(["sh", "-c", "command -v python3"],
                           capture_output=True, text=True).stdout.strip()
    if first and subprocess.run([first, "-c", "import twisted.trial"],
                                capture_output=True).returncode != 0:
        pythons.append(first)
    for python in pythons:
        cct = run(project, ["--python", python] + NAMES, python=None)
        expect_usage_error(cct, re.escape(python), r"twisted")
    # The worker template, started before discovery with that interpreter,
    # dies too: with -v, only discovery's error says so.
    cct = run(project, ["-v", "--python", pythons[0]] + NAMES, python=None)
    expect_usage_error(cct, re.escape(pythons[0]), r"twisted")
    check("Traceback" not in cct.output and "template" not in cct.output,
          "-v told of the worker template's death before discovery's error\n"
          + cct.describe())


def case_path_without_twisted(project):
    bin_dir = harness.empty_dir("bin")
    python = no_twisted_python(bin_dir)
    cct = run(project, NAMES, python=None, env={"PATH": bin_dir})
    expect_usage_error(cct, re.escape(python), r"twisted")


def case_path_fallback(project):
    bin_dir = harness.empty_dir("bin")
    no_twisted_python(bin_dir)
    good = harness.empty_dir("bin")
    os.symlink(harness.TEST_PYTHON, os.path.join(good, "python3"))
    cct = run(project, NAMES, python=None,
              env={"PATH": f"{bin_dir}:{good}"})
    expect_success(cct)


def case_lock_live(project):
    """A live process holds _trial_temp: the tests run in _trial_temp-1,
    as a second trial's would (tests/e2e/test_root.py trial_holds does it
    beside a real trial)."""
    lock = os.path.join(project, "_trial_temp.lock")
    me = str(os.getpid())
    os.symlink(me, lock)
    cct = run(project, NAMES)
    expect_success(cct)
    check(os.path.islink(lock) and os.readlink(lock) == me,
          f"expected {lock} to still point at {me}, the live owner")
    check(os.path.isfile(os.path.join(project, "_trial_temp-1",
                                      "_trial_marker")),
          "expected the tests to run in _trial_temp-1\n" + cct.describe())
    say("the live process's lock is untouched; _trial_temp-1 was used")


def case_lock_stale(project):
    dead = subprocess.Popen(["true"])
    dead.wait()
    lock = os.path.join(project, "_trial_temp.lock")
    os.symlink(str(dead.pid), lock)
    cct = run(project, NAMES)
    expect_success(cct)
    check(not os.path.lexists(lock),
          f"expected cctrial to release the lock it took over, but {lock} "
          f"-> {os.readlink(lock) if os.path.islink(lock) else '?'} "
          f"is still there")
    say(f"the stale lock (dead pid {dead.pid}) was taken over and released")


def case_temp_not_trials(project):
    temp = os.path.join(project, "_trial_temp")
    os.mkdir(temp)
    precious = os.path.join(temp, "precious.txt")
    with open(precious, "w") as f:
        f.write("not trial's\n")
    cct = run(project, NAMES)
    expect_usage_error(cct, re.escape("_trial_temp"), r"_trial_marker")
    check(os.path.isfile(precious),
          f"expected {precious} to survive: _trial_temp is not trial's")
    say("_trial_temp without _trial_marker was left as it was")


def case_discovery_hangs(project):
    """A test module whose import never ends: discovery stops at
    discovery_timeout and names the module and line."""
    hang = os.path.join(project, "fxpass", "test_hangs.py")
    with open(hang, "w") as f:
        f.write("import time\n\ntime.sleep(3600)\n")
    with open(os.path.join(project, ".cctrialrc"), "w") as f:
        f.write("[cctrial]\ndiscovery_timeout = 2\n")
    cct = run(project, NAMES)
    expect_usage_error(cct, r"did not finish within 2 s",
                       r"discovery_timeout",
                       re.escape(hang) + r", line 3")


def case_python_hangs(project):
    """An interpreter that never answers is refused after the probe's
    bound, and the search goes on to the next one.  The two sessions wait
    out the bound side by side, each in a project of its own."""
    bin_dir = harness.empty_dir("bin")
    stuck = os.path.join(bin_dir, "python3")
    with open(stuck, "w") as f:
        f.write("#!/bin/sh\nexec /bin/sleep 3600\n")
    os.chmod(stuck, 0o755)
    good = harness.empty_dir("bin")
    os.symlink(harness.TEST_PYTHON, os.path.join(good, "python3"))
    other = harness.copy_project("passing")
    sessions = {
        "chosen": lambda: run(project, ["--python", stuck] + NAMES,
                              python=None),
        "searched": lambda: run(other, NAMES, python=None,
                                env={"PATH": f"{bin_dir}:{good}"}),
    }
    with concurrent.futures.ThreadPoolExecutor(len(sessions)) as pool:
        done = {name: pool.submit(start) for name, start in sessions.items()}
    expect_usage_error(done["chosen"].result(), re.escape(stuck),
                       r"did not start .* within")
    expect_success(done["searched"].result())


CASES = {name[len("case_"):]: f for name, f in globals().items()
         if name.startswith("case_")}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        sys.exit(f"usage: test_errors.py {{{','.join(CASES)}}}")
    CASES[sys.argv[1]](harness.copy_project("passing"))


if __name__ == "__main__":
    harness.main(main)
