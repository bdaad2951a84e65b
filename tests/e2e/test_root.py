"""Where the project is: cctrial started below the root, a src/ layout,
the pythonpath and env keys, and trial's working directory.

    test_root.py CASE

subdirectory   in thermo/ of a copy of examples/demo, whose .cctrialrc is
               one level up: `cctrial --once` runs the demo's 8 tests (as
               trial from the root does) with .cctrial/ and _trial_temp at
               the root and none in thermo/, -v says which root and why;
               a path typed there (test/test_convert.py) is one from
               there
src_layout     tests only importable from src/ (mypkg under src/, no
               .cctrialrc, a git work tree): `cctrial --once mypkg`
               passes, and -v says src/ went on sys.path
pythonpath_env a module only importable from lib/ (pythonpath = lib) and
               a test module whose tests exist only when the env key's
               variable reaches discovery, and which checks it reached the
               worker too; an untrusted .cctrialrc's env naming
               LD_PRELOAD, or a pythonpath outside the project, is
               refused before anything runs, and --trust-project lifts
               that
trial_holds    a real `python3 -m twisted.trial` holding _trial_temp (its
               test waits for a file): cctrial --once runs in
               _trial_temp-1, as a second trial would, and leaves trial's
               lock alone
temp_directory temp_directory in .cctrialrc (a file written there while
               watching is no change), --temp-directory typed in a
               subdirectory (relative to it), and a named directory
               another process holds: exit 2 naming its lock
"""

import os
import re
import signal
import subprocess
import sys
import time

import harness
from harness import check, say

DEMO = os.path.join(harness.SOURCE_DIR, "examples", "demo")


def run(cwd, args, besides=None, **kwargs):
    """cctrial --once ARGS in `cwd`; no process of its left behind (the
    process `besides` is this script's own)."""
    cct = harness.Cctrial(cwd, ["--once"] + args, **kwargs)
    try:
        cct.run()
        left = [p for p in cct.descendants() if p[0] != besides]
        check(not left, f"processes left after cctrial exited: {left}\n"
              + cct.describe())
    finally:
        # Not the harness's context manager: it would end `besides` too
        # (this script's child, which outlives cctrial).
        if cct.proc is not None and cct.proc.poll() is None:
            cct.kill()
    return cct


def expect(cct, status, ran, verdict):
    check(cct.returncode == status,
          f"expected exit status {status}, got {cct.returncode}\n"
          + cct.describe())
    summary = cct.summary()
    check(summary.ran == ran and summary.verdict == verdict,
          f"expected {ran} tests {verdict}, got "
          f"{harness.format_summary(summary)}\n" + cct.describe())
    say(f"{' '.join(cct.argv[1:])}: exit {status}, "
        f"{harness.format_summary(summary)}")


def expect_refused(cct, *patterns):
    check(cct.returncode == 2,
          f"expected exit status 2, got {cct.returncode}\n" + cct.describe())
    for pattern in patterns:
        check(re.search(pattern, cct.output),
              f"expected /{pattern}/ in the message\n" + cct.describe())
    check("Running " not in cct.output, "expected no test to run\n"
          + cct.describe())
    say(f"{' '.join(cct.argv[1:])}: refused, "
        f"{cct.output.strip().splitlines()[0]!r}")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def case_subdirectory():
    root = harness.copy_project(DEMO)
    below = os.path.join(root, "thermo")
    cct = run(below, ["-v"])
    expect(cct, 1, 8, "FAILED")
    check(re.search(r"project root: " + re.escape(root)
                    + r" \(where its \.cctrialrc is\)", cct.output),
          "expected -v to say the root and why\n" + cct.describe())
    for name in (".cctrial", "_trial_temp"):
        check(not os.path.exists(os.path.join(below, name)),
              f"a stray {name} in thermo/")
        check(os.path.isdir(os.path.join(root, name)),
              f"expected {name} at the root {root}")
    cct = run(below, [os.path.join("test", "test_convert.py")])
    expect(cct, 1, 5, "FAILED")


SRC_TEST = """\
from twisted.trial import unittest

import mypkg


class Tests(unittest.TestCase):
    def test_imports_from_src(self):
        self.assertTrue(mypkg.__file__.endswith("src/mypkg/__init__.py"))
"""


def case_src_layout():
    root = harness.empty_dir("srclayout")
    write(os.path.join(root, "src", "mypkg", "__init__.py"), "")
    write(os.path.join(root, "src", "mypkg", "test", "__init__.py"), "")
    write(os.path.join(root, "src", "mypkg", "test", "test_src.py"),
          SRC_TEST)
    subprocess.run(["git", "init", "-q", root], check=True)
    # Started below the root, too: the git work tree's top is the root.
    cct = run(os.path.join(root, "src"), ["-v", "mypkg"])
    expect(cct, 0, 1, "PASSED")
    src = os.path.join(root, "src")
    check(re.search(r"src/ layout: .*" + re.escape(src), cct.output),
          "expected -v to say src/ went on sys.path\n" + cct.describe())
    check(re.search(r"project root: " + re.escape(root) + r" \(.*git",
                    cct.output),
          "expected the git work tree's top as the root\n" + cct.describe())


ENV_TEST = """\
import os

from twisted.trial import unittest

import helper

# Tests exist only where the project's env reached the import: discovery's
# and the worker's.
if os.environ.get("CCT_ROOT_PROBE") == "two words":
    class Tests(unittest.TestCase):
        def test_env_and_pythonpath(self):
            self.assertEqual(helper.WHERE, "lib")
            self.assertEqual(os.environ.get("CCT_ROOT_PROBE"), "two words")
            self.assertEqual(os.environ.get("CCT_ROOT_SECOND"), "2")
"""


def case_pythonpath_env():
    root = harness.empty_dir("pyenv")
    write(os.path.join(root, "lib", "helper.py"), 'WHERE = "lib"\n')
    write(os.path.join(root, "envtests", "__init__.py"), "")
    write(os.path.join(root, "envtests", "test_env.py"), ENV_TEST)
    config = os.path.join(root, ".cctrialrc")
    settings = ("[cctrial]\ntests = envtests\npythonpath = lib\n"
                "env = CCT_ROOT_PROBE=two words\n      CCT_ROOT_SECOND=2\n")
    write(config, settings)
    expect(run(root, []), 0, 1, "PASSED")

    write(config, settings + "      LD_PRELOAD=/nonexistent/evil.so\n")
    expect_refused(run(root, []), r"\.cctrialrc:\d+: .*env.*LD_PRELOAD",
                   r"--trust-project")
    # Trusted, it is set: the loader says it cannot preload the file, and
    # the tests still run.
    expect(run(root, ["--trust-project"]), 0, 1, "PASSED")

    write(config, settings.replace("pythonpath = lib",
                                   "pythonpath = lib ../elsewhere"))
    expect_refused(run(root, []), r"pythonpath.*outside.*\.\./elsewhere")


BLOCKER = """\
import os
import time

from twisted.trial import unittest


class Holds(unittest.TestCase):
    def test_until_released(self):
        deadline = time.monotonic() + 120
        while not os.path.exists(os.environ["CCT_RELEASE"]):
            self.assertLess(time.monotonic(), deadline, "never released")
            time.sleep(0.05)
"""


def case_trial_holds():
    project = harness.copy_project("passing")
    write(os.path.join(project, "blocker", "__init__.py"), "")
    write(os.path.join(project, "blocker", "test_hold.py"), BLOCKER)
    release = os.path.join(harness.empty_dir("release"), "go")
    env = harness.base_env()
    env["CCT_RELEASE"] = release
    trial = subprocess.Popen([harness.TEST_PYTHON, "-m", "twisted.trial",
                              "blocker"], cwd=project, env=env,
                             stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    lock = os.path.join(project, "_trial_temp.lock")
    try:
        deadline = time.monotonic() + 60
        while not os.path.islink(lock):
            check(trial.poll() is None and time.monotonic() < deadline,
                  "trial did not take _trial_temp.lock")
            time.sleep(0.05)
        cct = run(project, ["-v", "fxpass"], besides=trial.pid)
        expect(cct, 0, 3, "PASSED")
        temp = os.path.join(project, "_trial_temp-1")
        check(re.search(r"_trial_temp is in use \(process %d .*"
                        % trial.pid + re.escape(temp), cct.output),
              "expected -v to say _trial_temp-1 is used\n" + cct.describe())
        check(os.path.isfile(os.path.join(temp, "_trial_marker")),
              f"expected cctrial's tests to have run in {temp}")
        check(os.path.islink(lock) and os.readlink(lock) == str(trial.pid),
              "trial's lock was not left alone")
        check(not os.path.lexists(temp + ".lock"),
              "cctrial left _trial_temp-1.lock behind")
    finally:
        write(release, "")
        out, _ = trial.communicate(timeout=60)
    check(trial.returncode == 0,
          f"trial failed beside cctrial:\n{out.decode(errors='replace')}")
    say(f"trial (pid {trial.pid}) held _trial_temp throughout and passed")


def case_temp_directory():
    project = harness.copy_project("passing")
    write(os.path.join(project, ".cctrialrc"),
          "[cctrial]\ntests = fxpass\ntemp_directory = build/tt\n")
    expect(run(project, []), 0, 3, "PASSED")
    check(os.path.isfile(os.path.join(project, "build", "tt",
                                      "_trial_marker")),
          "expected the tests to run in build/tt")
    check(not os.path.exists(os.path.join(project, "_trial_temp")),
          "_trial_temp made although temp_directory says build/tt")

    below = os.path.join(project, "fxpass")
    expect(run(below, ["--temp-directory=here"]), 0, 3, "PASSED")
    check(os.path.isfile(os.path.join(below, "here", "_trial_marker")),
          "expected --temp-directory=here to be fxpass/here, where it was "
          "typed")

    # Watching, the named directory is not: a test module written there
    # is no change, one of the project's is.
    with harness.Cctrial(project, ["-f", "-v"]) as cct:
        cct.start()
        cct.wait_for(r"PASSED", harness.RUN_TIMEOUT, "the first run")
        write(os.path.join(project, "build", "tt", "test_junk.py"), "")
        test_file = os.path.join(project, "fxpass", "test_pass.py")
        with open(test_file, "a") as f:
            f.write("\n")
        cct.wait_for(r"changed: " + re.escape(test_file),
                     harness.RUN_TIMEOUT, "the change of test_pass.py")
        check("test_junk.py" not in cct.output,
              "a file in temp_directory counted as a change\n"
              + cct.describe())
        cct.signal(signal.SIGINT)  # its lock goes with it
        cct.wait_exit()
    say("a file written in temp_directory is not a change")

    held = os.path.join(project, "build", "tt.lock")
    os.symlink(str(os.getpid()), held)
    expect_refused(run(project, []), re.escape(held),
                   r"process %d" % os.getpid())


CASES = {name[len("case_"):]: f for name, f in globals().items()
         if name.startswith("case_")}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        sys.exit(f"usage: test_root.py {{{','.join(CASES)}}}")
    CASES[sys.argv[1]]()


if __name__ == "__main__":
    harness.main(main)
