"""The watcher and signals, end to end, on a small real project.

    test_watch.py CASE

burst                200 writes in a burst make one run, and so do 20 new
                     files written over 150 ms: one run shown, no run
                     stopped and shown for the burst's first file
during_run           a change made while tests run leads to another run
write_save           a plain save (write, close) is acted on at once, with
                     no wait for the quiet period (inotify)
rename_save          a write-then-rename save is seen (at once: inotify)
backup_save          a rename-the-original-then-write save (vim) is seen
                     (at once: inotify)
new_package          a sub-package created after the start is watched
new_and_deleted_tests  a new test module runs, a deleted one disappears
sigint_mid_run       Ctrl-C mid-run: exit 130, no process, no lock left
sigterm_idle         SIGTERM while waiting: exit 143, nothing left
sigint_during_discovery  Ctrl-C while tests are being discovered: 130
ignored              in a git repository: changes in what .gitignore
                     ignores (at the start, or a directory ignored and made
                     later) and in the default ignores (.venv, build) start
                     no run, and those directories are not watched
asked_once           in a git repository: git is asked about a saved file
                     once, not at each save, until a .gitignore changes
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import re

import harness
import loopkit
from harness import check, say

SLOW = loopkit.TEST_HEADER + """import time


class Slow(unittest.TestCase):
    def test_slow(self):
        # Workers run in _trial_temp/<n>: a sign the test started.
        open("slow-started", "w").close()
        time.sleep({seconds})
"""
FAST = loopkit.TEST_HEADER + """from app import core


class Fast(unittest.TestCase):
    def test_one(self):
        self.assertEqual(core.VALUE, 1)

    def test_two(self):
        pass
"""


def basic_project(slow_seconds=None):
    files = {
        "app/__init__.py": "",
        "app/core.py": "VALUE = 1\n",
        "app/test_fast.py": FAST,
    }
    if slow_seconds:
        files["app/test_slow.py"] = SLOW.format(seconds=slow_seconds)
    return loopkit.project(files)


# The longest quiet period: a save that inotify sees whole goes out at once,
# so its run comes long before the quiet period could end.  libuv cannot
# tell a save is whole: it keeps the quiet period, left at its default.
SAVE_CONFIG = ("[cctrial]\ndebounce = 60000\n"
               if harness.WATCHER != "libuv" else None)
SAVE_WAIT = 30  # seconds, half the quiet period


def start(root, extra=(), config=None):
    args = ["-f"] + list(extra)
    if config:
        args = ["--config", loopkit.config(root, config)] + args
    cct = harness.Cctrial(root, args + ["app"])
    cct.start()
    cct.wait_for(r"^waiting for filesystem change\.\.\.$", 60,
                 "the first run to end and cctrial to wait")
    return cct


def wait_run(cct, what):
    cct.wait_for(r"^Running \d+ tests\.$", 30, what, since_last=True)
    cct.wait_for(r"^waiting for filesystem change\.\.\.$", 60,
                 "the run after " + what + " to end", since_last=True)


def finish(cct, root):
    cct.signal(signal.SIGINT)
    status = cct.wait_exit(30)
    check(status == 130, f"exit status {status} after SIGINT:\n"
          + cct.describe())
    check(not cct.descendants(), f"processes left: {cct.descendants()}")
    check(not os.path.lexists(os.path.join(root, "_trial_temp.lock")),
          "_trial_temp.lock left behind")


def burst():
    root = basic_project()
    if harness.WATCHER != "libuv":
        # No result before the rest of a burst is seen, on a loaded
        # machine too: a run stopped then is not shown at all, one stopped
        # after a result is (as interrupted), which is not this case.
        # (libuv sends no set at once: no run to stop.)
        loopkit.write(os.path.join(root, "app/core.py"),
                      "import time\ntime.sleep(0.5)\nVALUE = 1\n")
    events = os.path.join(harness.empty_dir("events"), "events.jsonl")
    # A generous quiet period: the point is that a burst is one change set,
    # not how short the quiet period can be on a loaded machine.
    config = ("[cctrial]\ndebounce = 300\n"
              "reporters = summary, oneline, json\n"
              f"[reporter.json]\npath = {events}\n")
    with start(root, config=config) as cct:
        core = os.path.join(root, "app/core.py")
        for i in range(200):
            with open(core, "a") as f:
                f.write(f"# {i}\n")
        wait_run(cct, "the burst")
        # Many files, over about 150 ms: one run too.  The first comes
        # alone, well before the rest: it goes out at once (inotify), and
        # the run it begins is stopped by the rest, unseen.
        for i in range(20):
            loopkit.write(os.path.join(root, f"app/m{i}.py"), "X = 1\n")
            time.sleep(0.05 if i == 0 else 0.005)
        wait_run(cct, "the burst of new files")
        # A sentinel change: any run still owed to the bursts would come
        # before the sentinel's own.
        loopkit.write(os.path.join(root, "app/other.py"), "X = 1\n")
        wait_run(cct, "the sentinel change")
        # A burst's first file goes out at once, before the rest is seen:
        # the run it began is stopped, unseen, and the burst runs once
        # (no "Running" and "Interrupted" of a false start).
        runs = len(loopkit.runs(cct.output))
        stopped = len(re.findall(r"^Interrupted after \d+ of the tests\.$",
                                 cct.output, re.M))
        check(runs == 4 and stopped == 0,
              f"expected 4 runs (start, two bursts, sentinel), none "
              f"interrupted, saw {runs} runs, {stopped} interrupted:\n"
              + cct.describe())
        with open(events) as f:
            kinds = [json.loads(line)["event"] for line in f]
        check(kinds.count("run_start") == 4 and kinds.count("run_end") == 4,
              f"the JSON reporter saw {kinds.count('run_start')} run "
              f"starts, {kinds.count('run_end')} run ends, expected 4")
        say("200 writes made one run, 20 files one run")
        finish(cct, root)


def slow_started(root):
    """The marks the slow test leaves in the workers' directories."""
    temp = os.path.join(root, "_trial_temp")
    return [os.path.join(temp, d, "slow-started") for d in ("0", "1")
            if os.path.exists(os.path.join(temp, d, "slow-started"))]


def during_run():
    root = basic_project(slow_seconds=3)
    with start(root) as cct:
        for mark in slow_started(root):
            os.unlink(mark)  # the first run's
        loopkit.write(os.path.join(root, "app/core.py"), "VALUE = 1\n# a\n")
        cct.wait_for(r"^Running 3 tests\.$", 30, "the run for the change",
                     since_last=True)
        # Change again once the slow test runs: during the run, not within
        # the quiet period after the first change (that would be the rest
        # of a burst, which stops the run and runs once).
        loopkit.wait_until(lambda: slow_started(root), 30,
                           "a worker to start the slow test")
        loopkit.write(os.path.join(root, "app/core.py"), "VALUE = 1\n# b\n")
        cct.wait_for(r"^PASSED", 60, "the run to end", since_last=True)
        cct.wait_for(r"^Running 3 tests\.$", 30,
                     "another run for the change made during the run",
                     since_last=True)
        cct.wait_for(r"^waiting for filesystem change\.\.\.$", 60,
                     "that run to end", since_last=True)
        say("a change during a run led to another run")
        finish(cct, root)


def write_save():
    root = basic_project()
    with start(root, config=SAVE_CONFIG) as cct:
        loopkit.write(os.path.join(root, "app/core.py"), "VALUE = 2\n")
        cct.wait_for(r"^FAILED", SAVE_WAIT, "the run after a plain save "
                     "(VALUE = 2 fails a test), sent at once: the quiet "
                     "period is a minute", since_last=True)
        say("a plain save acted on at once")
        finish(cct, root)


def rename_save():
    root = basic_project()
    with start(root, config=SAVE_CONFIG) as cct:
        temp = os.path.join(root, "app/.core.py.tmp")
        loopkit.write(temp, "VALUE = 2\n")
        os.rename(temp, os.path.join(root, "app/core.py"))
        cct.wait_for(r"^FAILED", SAVE_WAIT if SAVE_CONFIG else 60,
                     "the run after a write-then-rename save (VALUE = 2 "
                     "fails a test)", since_last=True)
        say("write-then-rename save seen")
        finish(cct, root)


def backup_save():
    root = basic_project()
    with start(root, config=SAVE_CONFIG) as cct:
        core = os.path.join(root, "app/core.py")
        os.rename(core, core + "~")
        loopkit.write(core, "VALUE = 3\n")
        cct.wait_for(r"^FAILED", SAVE_WAIT if SAVE_CONFIG else 60,
                     "the run after a rename-then-write save",
                     since_last=True)
        cct.wait_for(r"^waiting for filesystem change\.\.\.$", 60,
                     "waiting after the save", since_last=True)
        runs = loopkit.runs(cct.output)
        # Full suite, then the re-run of the failing test: one change set.
        check(runs[:2] == [2, 2], f"runs {runs}:\n" + cct.describe())
        say("rename-the-original-then-write save seen, as one change")
        finish(cct, root)


def new_package():
    root = basic_project()
    with start(root) as cct:
        os.mkdir(os.path.join(root, "app/sub"))
        loopkit.write(os.path.join(root, "app/sub/__init__.py"), "")
        loopkit.write(os.path.join(root, "app/sub/test_sub.py"),
                      loopkit.TEST_HEADER +
                      "class Sub(unittest.TestCase):\n"
                      "    def test_sub(self):\n        pass\n")
        cct.wait_for(r"^Running 3 tests\.$", 60,
                     "a run including the new sub-package's test",
                     since_last=True)
        cct.wait_for(r"^waiting for filesystem change\.\.\.$", 60,
                     "that run to end", since_last=True)
        # Files in the new directory are watched too.
        loopkit.write(os.path.join(root, "app/sub/helper.py"), "Y = 1\n")
        wait_run(cct, "a change inside the new sub-package")
        say("a sub-package created after the start is watched")
        finish(cct, root)


def new_and_deleted_tests():
    root = basic_project()
    with start(root) as cct:
        loopkit.write(os.path.join(root, "app/test_new.py"),
                      loopkit.TEST_HEADER +
                      "class New(unittest.TestCase):\n"
                      "    def test_1(self):\n        pass\n"
                      "    def test_2(self):\n        pass\n")
        cct.wait_for(r"^Running 4 tests\.$", 60, "the new module's tests "
                     "in the full suite", since_last=True)
        cct.wait_for(r"^waiting for filesystem change\.\.\.$", 60,
                     "that run to end", since_last=True)
        os.unlink(os.path.join(root, "app/test_new.py"))
        cct.wait_for(r"^Running 2 tests\.$", 60, "the full suite without "
                     "the deleted module", since_last=True)
        cct.wait_for(r"^PASSED \(successes=2\)$", 60, "it passing",
                     since_last=True)
        say("new tests run, deleted tests disappear")
        finish(cct, root)


def sigint_mid_run():
    root = basic_project(slow_seconds=60)
    with harness.Cctrial(root, ["-j2", "app"]) as cct:
        cct.start()
        cct.wait_for(r"^Running 3 tests\.$", 60, "the run to start")
        # Wait until a worker runs the slow test (it leaves a mark).
        loopkit.wait_until(lambda: slow_started(root), 30,
                           "a worker to start the slow test")
        cct.signal(signal.SIGINT)
        status = cct.wait_exit(30)
        check(status == 130, f"exit status {status}:\n" + cct.describe())
        check(not cct.descendants(), f"processes left: {cct.descendants()}")
        check(not os.path.lexists(os.path.join(root, "_trial_temp.lock")),
              "_trial_temp.lock left behind")
        say("Ctrl-C mid-run: 130, no process and no lock left")


def sigterm_idle():
    root = basic_project()
    with start(root) as cct:
        cct.signal(signal.SIGTERM)
        status = cct.wait_exit(30)
        check(status == 143, f"exit status {status}:\n" + cct.describe())
        check(not cct.descendants(), f"processes left: {cct.descendants()}")
        say("SIGTERM while waiting: 143, nothing left")


def sigint_during_discovery():
    root = basic_project()
    # Discovery imports the test modules: make one take its time.
    loopkit.write(os.path.join(root, "app/test_zslow_import.py"),
                  "import time\nopen('importing-slowly', 'w').close()\n"
                  "time.sleep(60)\n")
    with harness.Cctrial(root, ["app"]) as cct:
        cct.start()
        loopkit.wait_until(
            lambda: os.path.exists(os.path.join(root, "importing-slowly")),
            60, "discovery to import the slow module")
        cct.signal(signal.SIGINT)
        status = cct.wait_exit(30)
        check(status == 130, f"exit status {status}:\n" + cct.describe())
        check(not cct.descendants(), f"processes left: {cct.descendants()}")
        say("Ctrl-C during discovery: 130, nothing left")


def inotify_watches(pid):
    """How many inotify watches process `pid` holds (/proc's fdinfo)."""
    count = 0
    fd_dir = f"/proc/{pid}/fdinfo"
    for fd in os.listdir(fd_dir):
        try:
            with open(os.path.join(fd_dir, fd)) as f:
                count += sum(line.startswith("inotify wd:") for line in f)
        except OSError:
            pass
    return count


def ignored():
    root = basic_project()
    for d in ("generated", ".venv/lib", "build/lib"):
        os.makedirs(os.path.join(root, d))
    loopkit.write(os.path.join(root, ".gitignore"), "generated/\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    with start(root, ["-v"]) as cct:
        cct.wait_for(r"^cctrial: \d+ paths that \.gitignore ignores are not "
                     r"watched$", 5, "-v saying .gitignore was read")
        cct.wait_for(r"^cctrial: watching: " + re.escape(root) + "$", 5,
                     "-v naming the watched directory")
        # The project and app/: nothing else is watched.
        check(inotify_watches(cct.pid) == 2,
              f"{inotify_watches(cct.pid)} directories watched, expected 2 "
              "(the project and app/)\n" + cct.describe())
        for path in ("generated/gen.py", ".venv/lib/x.py",
                     "build/lib/gen.py"):
            loopkit.write(os.path.join(root, path), "X = 1\n")
        # Ignored after the start, then made.
        with open(os.path.join(root, ".gitignore"), "a") as f:
            f.write("out/\n")
        loopkit.write(os.path.join(root, "out/sub/o.py"), "X = 1\n")
        cct.wait_for(r"^cctrial: changed, ignored by \.gitignore: "
                     + re.escape(os.path.join(root, "out/sub/o.py")) + "$",
                     30, "the new ignored directory's file left out")
        # A sentinel change: a run owed to an ignored file would come
        # before the sentinel's own.
        loopkit.write(os.path.join(root, "app/other.py"), "X = 1\n")
        wait_run(cct, "the sentinel change")
        runs = loopkit.runs(cct.output)
        check(len(runs) == 2, f"expected 2 runs (start, sentinel), saw "
              f"{len(runs)}:\n" + cct.describe())
        check(inotify_watches(cct.pid) == 2,
              f"{inotify_watches(cct.pid)} directories watched, expected 2: "
              "out/ is ignored\n" + cct.describe())
        say("ignored files start no run, ignored directories are not "
            "watched")
        finish(cct, root)


def asked_once():
    """In a git repository, git is asked once whether a changed file is
    ignored: the next saves of it (the fix loop's) start their runs without
    a git process in between, until a .gitignore changes; then git is
    asked again, and a file it now ignores starts no run."""
    root = basic_project()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    shim = harness.empty_dir("git-shim")
    calls = os.path.join(shim, "calls")
    loopkit.write(os.path.join(shim, "git"),
                  f"#!/bin/sh\necho \"$*\" >> '{calls}'\n"
                  f"exec '{shutil.which('git')}' \"$@\"\n")
    os.chmod(os.path.join(shim, "git"), 0o755)
    env = {"PATH": shim + os.pathsep + os.environ["PATH"]}
    core = os.path.join(root, "app", "core.py")
    with harness.Cctrial(root, ["-f", "-v", "app"], env=env) as cct:
        cct.start()
        cct.wait_for(r"^waiting for filesystem change\.\.\.$", 60,
                     "the first run to end and cctrial to wait")
        for n in (1, 2, 3):
            loopkit.write(core, f"VALUE = 1  # saved {n} times\n")
            wait_run(cct, f"save {n} of app/core.py")
        # Its paths go on standard input: each line is one question.
        with open(calls) as f:
            asked = [line for line in f if line.startswith("check-ignore")]
        check(len(asked) == 1, f"expected git asked once for three saves "
              f"of {core}, asked {len(asked)} times: {asked}\n"
              + cct.describe())
        say("three saves of app/core.py: git asked once")

        with open(os.path.join(root, ".gitignore"), "a") as f:
            f.write("app/core.py\n")
        loopkit.write(core, "VALUE = 1  # ignored now\n")
        cct.wait_for(r"^cctrial: changed, ignored by \.gitignore: "
                     + re.escape(core) + "$", 30,
                     "git asked again once .gitignore changed")
        # A sentinel change: a run owed to the ignored file would come
        # before the sentinel's own.
        loopkit.write(os.path.join(root, "app", "other.py"), "X = 1\n")
        wait_run(cct, "the sentinel change")
        check(len(loopkit.runs(cct.output)) == 5, "expected 5 runs (start, "
              "three saves, sentinel)\n" + cct.describe())
        say("after .gitignore changed: git asked again, the file ignored")
        finish(cct, root)


CASES = {f.__name__: f for f in (
    burst, during_run, write_save, rename_save, backup_save, new_package,
    new_and_deleted_tests, sigint_mid_run, sigterm_idle,
    sigint_during_discovery, ignored, asked_once)}

harness.main(CASES[sys.argv[1]])
