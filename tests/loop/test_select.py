"""Selectors end to end: listing, smart mode and hook mode.

    test_select.py CASE

A layered project: lay/a.py imports lay/b.py imports lay/c.py; test_a
imports a, test_b imports b, test_c imports c, test_none imports nothing of
the project.  Hook-mode cases run in a temporary git repository.
"""

import os
import shutil
import signal
import subprocess
import sys

import harness
import loopkit
from harness import check, say

FILES = {
    "lay/__init__.py": "",
    "lay/c.py": "def c():\n    return 1\n",
    "lay/b.py": "from lay.c import c\n\n\ndef b():\n    return c()\n",
    "lay/a.py": "from lay import b\n\n\ndef a():\n    return b.b()\n",
    "lay/test_a.py": loopkit.TEST_HEADER + "from lay.a import a\n\n\n"
    "class A(unittest.TestCase):\n    def test_a(self):\n"
    "        self.assertEqual(a(), 1)\n",
    "lay/test_b.py": loopkit.TEST_HEADER + "from lay.b import b\n\n\n"
    "class B(unittest.TestCase):\n    def test_b(self):\n"
    "        self.assertEqual(b(), 1)\n",
    "lay/test_c.py": loopkit.TEST_HEADER + "from lay import c\n\n\n"
    "class C(unittest.TestCase):\n    def test_c(self):\n"
    "        self.assertEqual(c.c(), 1)\n",
    "lay/test_none.py": loopkit.TEST_HEADER +
    "class N(unittest.TestCase):\n    def test_none(self):\n        pass\n",
}
ALL = ["lay.test_a.A.test_a", "lay.test_b.B.test_b", "lay.test_c.C.test_c",
       "lay.test_none.N.test_none"]


def listed(root, *args):
    cct = harness.Cctrial(root, ["--list-selected"] + list(args) + ["lay"])
    with cct:
        status = cct.run(120)
    check(status == 0, f"--list-selected exited {status}:\n" + cct.describe())
    return cct.stdout.split("\n")[:-1], cct


def git(root, *args):
    done = subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t",
         "-c", "init.defaultBranch=main"] + list(args),
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    check(done.returncode == 0, f"git {' '.join(args)} failed:\n"
          + done.stdout.decode("utf-8", "replace"))
    return done.stdout.decode("utf-8", "replace")


def repo():
    root = loopkit.project(FILES)
    loopkit.write(os.path.join(root, ".gitignore"),
                  "_trial_temp*\n.cctrial/\n__pycache__/\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first")
    return root


def expect_list(root, expected, *args):
    ids, cct = listed(root, *args)
    check(ids == expected, f"--list-selected {' '.join(args)} printed "
          f"{ids}, expected {expected}:\n" + cct.describe())
    return cct


def list_all():
    expect_list(loopkit.project(FILES), ALL)
    say("--list-selected prints every id, one per line")


def list_grep():
    expect_list(loopkit.project(FILES), ["lay.test_b.B.test_b"], "-g",
                "test_b")
    say("--list-selected applies --grep")


SMART_WAITING = r"^waiting for filesystem change\.\.\. \(smart mode\)$"


def smart(config_text, changes):
    root = loopkit.project(FILES)
    args = ["-s", "lay"]
    if config_text:
        args = ["--config", loopkit.config(root, config_text)] + args
    with harness.Cctrial(root, args) as cct:
        cct.start()
        cct.wait_for(SMART_WAITING, 60,
                     "smart mode to wait without running anything")
        check(not loopkit.runs(cct.output), "smart mode ran tests before "
              "any change:\n" + cct.describe())
        for path, expected in changes:
            full = os.path.join(root, path)
            with open(full, "a") as f:
                f.write("# changed\n")
            cct.wait_for(rf"^Running {expected} tests\.$", 60,
                         f"{expected} tests to run after {path} changed",
                         since_last=True)
            cct.wait_for(SMART_WAITING, 60,
                         "the run to end", since_last=True)
        cct.signal(signal.SIGINT)
        check(cct.wait_exit(30) == 130, "exit after SIGINT:\n"
              + cct.describe())
        check(not cct.descendants(), f"processes left: {cct.descendants()}")
        return cct


def smart_transitive():
    smart(None, [("lay/c.py", 3), ("lay/a.py", 1), ("lay/test_none.py", 1)])
    say("smart mode: c.py runs 3 tests, a.py 1, a test module itself")


def smart_direct():
    smart("[selector.smart-import]\nsmart_depth = direct\n",
          [("lay/c.py", 1), ("lay/b.py", 1)])
    say("smart_depth = direct: only a module's own imports")


def smart_unreached():
    root = loopkit.project(FILES)
    with harness.Cctrial(root, ["-s", "lay"]) as cct:
        cct.start()
        cct.wait_for(SMART_WAITING, 60,
                     "smart mode to wait")
        loopkit.write(os.path.join(root, "lay/orphan.py"), "X = 1\n")
        cct.wait_for(r"^no test detected for lay/orphan\.py$", 60,
                     "the message for a file no test imports")
        check(not loopkit.runs(cct.output), "a file no test imports ran "
              "tests:\n" + cct.describe())
        cct.signal(signal.SIGINT)
        cct.wait_exit(30)
    say("a changed file no test reaches: no test detected")


def hook(root, expected_runs, expected_status=0, extra=()):
    cct = harness.Cctrial(root, ["-H"] + list(extra) + ["lay"])
    with cct:
        status = cct.run(120)
    check(status == expected_status, f"hook mode exited {status}, expected "
          f"{expected_status}:\n" + cct.describe())
    runs = loopkit.runs(cct.output)
    check(runs == expected_runs, f"hook mode runs {runs}, expected "
          f"{expected_runs}:\n" + cct.describe())
    check("waiting for filesystem change" not in cct.output,
          "hook mode waited for a change:\n" + cct.describe())
    check(not cct.descendants(), f"processes left: {cct.descendants()}")
    return cct


def hook_first_commit():
    root = repo()
    hook(root, [4])
    expect_list(root, ALL, "-H")
    say("the first commit (against the empty tree) selects everything")


def hook_change():
    root = repo()
    with open(os.path.join(root, "lay/c.py"), "a") as f:
        f.write("# changed\n")
    git(root, "commit", "-qam", "change c")
    hook(root, [3])
    expect_list(root, ALL[:3], "-H")
    say("a commit changing c.py runs the 3 tests that reach it")


def hook_rename():
    root = repo()
    git(root, "mv", "lay/c.py", "lay/c2.py")
    for name, old, new in (("lay/b.py", "from lay.c import", "from lay.c2 import"),
                           ("lay/test_c.py", "from lay import c\n",
                            "from lay import c2 as c\n")):
        path = os.path.join(root, name)
        with open(path) as f:
            text = f.read()
        check(old in text, f"{old!r} not in {name}")
        with open(path, "w") as f:
            f.write(text.replace(old, new))
    git(root, "commit", "-qam", "rename c to c2")
    expect_list(root, ALL[:3], "-H")
    hook(root, [3])
    say("a rename counts as the new path")


def hook_delete():
    root = repo()
    git(root, "rm", "-q", "lay/c.py")
    git(root, "commit", "-qm", "delete c")
    # The modules that imported it no longer import: each is an error.
    expect_list(root, ["lay.test_a", "lay.test_b", "lay.test_c"], "-H")
    hook(root, [3], expected_status=1)
    say("a deleted file selects the tests that imported it")


def hook_space():
    root = repo()
    loopkit.write(os.path.join(root, "lay/with space.py"), "Y = 1\n")
    with open(os.path.join(root, "lay/c.py"), "a") as f:
        f.write("# changed\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "a name with a space")
    cct = hook(root, [3])
    check("no test detected for lay/with space.py" in cct.output,
          "no message for the file with a space:\n" + cct.describe())
    say("a file name with a space is handled")


def hook_no_python():
    root = repo()
    loopkit.write(os.path.join(root, "README"), "notes\n")
    git(root, "add", "README")
    git(root, "commit", "-qm", "docs only")
    cct = hook(root, [])
    check("no test to run" in cct.output, "no 'no test to run':\n"
          + cct.describe())
    say("a commit touching no Python file: no test to run, exit 0")


def hook_since():
    root = repo()
    git(root, "checkout", "-qb", "feature")
    with open(os.path.join(root, "lay/a.py"), "a") as f:
        f.write("# changed\n")
    git(root, "commit", "-qam", "change a")
    loopkit.write(os.path.join(root, "README"), "notes\n")
    git(root, "add", "README")
    git(root, "commit", "-qm", "docs")
    expect_list(root, ["lay.test_a.A.test_a"], "-H", "--since", "main")
    expect_list(root, ["lay.test_a.A.test_a"], "--since", "main")
    hook(root, [1], extra=["--since", "main"])
    expect_list(root, [], "-H")  # the last commit alone touched no .py
    say("--since REF: what the branch affects")


def hook_not_a_repo():
    """git's refusal, which arrives after select() returned, ends the
    session with its message and status 2."""
    root = loopkit.project(FILES)
    cct = hook(root, [], expected_status=2)
    check("git rev-parse failed: " in cct.output
          and "not a git repository" in cct.output,
          "no message from git:\n" + cct.describe())
    say("hook mode outside a repository: git's message, exit 2")


# A git that takes its time: it says it started, then sleeps far longer
# than any wait below before doing its job.
SLOW_GIT = """#!/bin/sh
echo "$$" > '{marker}'
sleep 600
exec '{git}' "$@"
"""


def hook_slow_git():
    """cctrial waits for git without blocking its loop: SIGINT ends it at
    once, and the git it was waiting for goes with it."""
    root = repo()
    bin_dir = harness.empty_dir("slow-git")
    marker = os.path.join(bin_dir, "started")
    real_git = shutil.which("git")
    check(real_git, "no git on PATH")
    wrapper = os.path.join(bin_dir, "git")
    loopkit.write(wrapper, SLOW_GIT.format(marker=marker, git=real_git))
    os.chmod(wrapper, 0o755)
    env = {"PATH": bin_dir + os.pathsep + os.environ["PATH"]}
    with harness.Cctrial(root, ["-H", "lay"], env=env) as cct:
        cct.start()
        loopkit.wait_until(lambda: os.path.exists(marker), 60,
                           "cctrial to start git (the slow one)")
        cct.signal(signal.SIGINT)
        status = cct.wait_exit(30)
        check(status == 130, f"exit {status} after SIGINT while git ran:\n"
              + cct.describe())
        check(not loopkit.runs(cct.output), "tests ran:\n" + cct.describe())
        check(not cct.descendants(), f"processes left: {cct.descendants()}")
    say("SIGINT while the git-diff selector waits for git: cctrial exits, "
        "git and its children killed")


def install_hook():
    root = repo()
    cct = harness.Cctrial(root, ["install-hook", "lay"], python=None)
    with cct:
        check(cct.run(30) == 0, "install-hook failed:\n" + cct.describe())
    hook_file = os.path.join(root, ".git/hooks/post-commit")
    check(os.access(hook_file, os.X_OK), "the hook is not executable")
    with open(hook_file) as f:
        script = f.read()
    check("--hook" in script, f"the hook does not run --hook:\n{script}")
    again = harness.Cctrial(root, ["install-hook", "lay"], python=None)
    with again:
        check(again.run(30) == 0, "a second install-hook failed:\n"
              + again.describe())
    # A commit now runs the hook, which runs the tests the commit affects.
    with open(os.path.join(root, "lay/c.py"), "a") as f:
        f.write("# changed\n")
    out = git(root, "commit", "-qam", "change c")
    check("Running 3 tests." in out and "PASSED (successes=3)" in out,
          f"the post-commit hook did not run the 3 tests:\n{out}")
    # Someone else's hook is left alone unless --force.
    with open(hook_file, "w") as f:
        f.write("#!/bin/sh\necho mine\n")
    other = harness.Cctrial(root, ["install-hook", "lay"], python=None)
    with other:
        status = other.run(30)
    check(status == 2 and "--force" in other.output,
          "install-hook replaced another hook:\n" + other.describe())
    with open(hook_file) as f:
        check(f.read() == "#!/bin/sh\necho mine\n", "the other hook changed")
    forced = harness.Cctrial(root, ["install-hook", "--force", "lay"],
                             python=None)
    with forced:
        check(forced.run(30) == 0, "--force failed:\n" + forced.describe())
    with open(hook_file) as f:
        check("--hook" in f.read(), "--force did not install the hook")
    say("install-hook installs, runs on commit, refuses another hook")


CASES = {f.__name__: f for f in (
    list_all, list_grep, smart_transitive, smart_direct, smart_unreached,
    hook_first_commit, hook_change, hook_rename, hook_delete, hook_space,
    hook_no_python, hook_since, hook_not_a_repo, hook_slow_git,
    install_hook)}

harness.main(CASES[sys.argv[1]])
