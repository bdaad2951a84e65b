"""The watcher's faults and its roots, end to end.

    test_watch_faults.py CASE

watch_limit_start   the watch limit reached at start: the message with the
                    two sysctl lines, exit 2, nothing left
watch_limit_later   reached for a directory created later: cctrial goes
                    on, names it once, scans it (new, changed and nested
                    files are seen), and watches it once the limit is
                    raised
project_root_deleted  the project directory deleted while waiting: exit 2,
                    saying so
unreadable_dir      a directory unreadable at start (root without its
                    capabilities to read any directory) is
                    watched, and its files reported, once made readable
overflow            the kernel's queue overflowed: every watched file
                    counts as changed, and a run follows
dir_recreated       a watched directory deleted and created again: files
                    in the new one are seen
root_disappears     a watched root removed: reported, not fatal; when it
                    comes back, it is watched again
dev_install         watch = auto also watches a development install found
                    on the workers' sys.path (a .pth file in site-packages)
writes_only_own     a session writes and deletes nothing outside
                    _trial_temp and .cctrial/

The faults the kernel will not produce on demand come from faults.c,
loaded with LD_PRELOAD (CCT_FAULTS names the library).
"""

import os
import re
import shutil
import signal
import sys

import harness
import loopkit
from harness import check, say

FILES = {
    "app/__init__.py": "",
    "app/core.py": "VALUE = 1\n",
    "app/sub/__init__.py": "",
    "app/sub/helper.py": "X = 1\n",
    "app/test_core.py": loopkit.TEST_HEADER + "from app import core\n\n\n"
    "class Core(unittest.TestCase):\n"
    "    def test_value(self):\n        self.assertEqual(core.VALUE, 1)\n",
}
WAITING = r"^waiting for filesystem change\.\.\.$"
SYSCTL = "sudo sysctl fs.inotify.max_user_watches=100000"


def faults_env(**settings):
    env = {"LD_PRELOAD": os.environ["CCT_FAULTS"]}
    env.update({k: str(v) for k, v in settings.items()})
    return env


def stop(cct):
    cct.signal(signal.SIGINT)
    status = cct.wait_exit(30)
    check(status == 130, f"exit status {status}:\n" + cct.describe())
    check(not cct.descendants(), f"processes left: {cct.descendants()}")


def watch_limit_start():
    root = loopkit.project(FILES)
    cct = harness.Cctrial(root, ["-f", "app"],
                          env=faults_env(CCT_FAULT_WATCH_LIMIT=1))
    with cct:
        status = cct.run(60)
    check(status == 2, f"exit status {status}, not 2:\n" + cct.describe())
    check(SYSCTL in cct.output and "/etc/sysctl.conf" in cct.output,
          "no sysctl lines in the message:\n" + cct.describe())
    check(not cct.descendants(), f"processes left: {cct.descendants()}")
    say("watch limit at start: the two sysctl lines, exit 2")


def reported(cct, path):
    """How many times -v said `path` changed."""
    return cct.output.count("changed: " + path + "\n")


def wait_change_run(cct, path, what, seen):
    """Waits for a run, and for `path` reported changed more than `seen`
    times (on stderr: in no fixed order with the run's lines on stdout)."""
    cct.wait_for(r"^Running 1 tests\.$", 60, f"a run for {what}",
                 since_last=True)
    cct.wait_for(WAITING, 60, f"the run for {what} to end", since_last=True)
    loopkit.wait_until(lambda: reported(cct, path) > seen, 60,
                       f"{what}: {path} reported changed")


def watch_limit_later():
    root = loopkit.project(FILES)
    limited = os.path.join(harness.empty_dir("limit"), "on")
    open(limited, "w").close()
    # The project, app and app/sub fit; a fourth directory does not, while
    # `limited` exists.
    cct = harness.Cctrial(root, ["-f", "-v", "app"], env=faults_env(
        CCT_FAULT_WATCH_LIMIT=3, CCT_FAULT_WATCH_LIMIT_WHILE=limited))
    new = os.path.join(root, "app/new")
    with cct:
        cct.start()
        cct.wait_for(WAITING, 60, "the first run to end")
        os.mkdir(new)
        cct.wait_for(r"^cctrial: cannot watch this directory: the inotify "
                     r"watch limit is reached .*\n    " + re.escape(new)
                     + "\n",
                     60, "the notice naming the directory not watched")
        cct.wait_for(re.escape(SYSCTL), 10, "the sysctl line in it",
                     since_last=True)
        # Files in the unwatched directory are still seen: new ones...
        module = os.path.join(new, "mod.py")
        loopkit.write(module, "A = 1\n")
        wait_change_run(cct, module, "a file created in app/new", 0)
        # ...changed ones (another size)...
        seen = reported(cct, module)
        loopkit.write(module, "A = 22\n")
        wait_change_run(cct, module, "a file changed in app/new", seen)
        # ...and those of a directory created inside it.
        deeper = os.path.join(new, "deeper", "deep.py")
        loopkit.write(deeper, "B = 1\n")
        wait_change_run(cct, deeper, "a file in a directory below app/new",
                        0)
        check(cct.output.count("\n    " + new + "\n") == 1,
              "app/new named more than once:\n" + cct.describe())
        # Once the limit is raised, the next scan watches them again.
        os.unlink(limited)
        cct.wait_for(r"^cctrial: every watched directory has its inotify "
                     r"watch again: scanning stopped$", 60, "the directories "
                     "watched again", since_last=True)
        seen = reported(cct, module)
        loopkit.write(module, "A = 333\n")
        wait_change_run(cct, module, "a file changed once watched", seen)
        check(cct.returncode is None, "cctrial exited:\n" + cct.describe())
        stop(cct)
    say("watch limit for a new directory: named once, scanned, watched "
        "again once the limit is raised")


def project_root_deleted():
    root = loopkit.project(FILES)
    with harness.Cctrial(root, ["-f", "app"]) as cct:
        cct.start()
        cct.wait_for(WAITING, 60, "the first run to end")
        shutil.rmtree(root)
        status = cct.wait_exit(60)
        check(status == 2, f"exit status {status}, not 2:\n"
              + cct.describe())
        check(f"the project directory {root} disappeared" in cct.output,
              "no message about the project directory:\n" + cct.describe())
        check("Python" not in cct.output, "a message about Python:\n"
              + cct.describe())
        check(not cct.descendants(), f"processes left: {cct.descendants()}")
    say("the project directory deleted: said so, exit 2")


def without_dac_override(cct):
    """Runs `cct` as root without the capabilities that let root read any
    directory (the build tree may be under a directory only root may
    enter, such as /root: switching to another user would lose it).
    Another user than root is refused an unreadable directory anyway."""
    if os.geteuid() != 0:
        return
    cct.argv = ["setpriv",
                "--bounding-set=-dac_override,-dac_read_search"] + cct.argv


def unreadable_dir():
    root = loopkit.project(dict(FILES, **{"app/locked/thing.py": "C = 1\n"}))
    locked = os.path.join(root, "app/locked")
    os.chmod(locked, 0)
    thing = os.path.join(locked, "thing.py")
    cct = harness.Cctrial(root, ["-f", "-v", "app"])
    without_dac_override(cct)
    with cct:
        cct.start()
        cct.wait_for(WAITING, 60, "the first run to end")
        os.chmod(locked, 0o755)
        # Readable now: watched, and what it holds reported at once.
        wait_change_run(cct, thing, "the directory made readable", 0)
        seen = reported(cct, thing)
        loopkit.write(thing, "C = 2\n")
        wait_change_run(cct, thing, "a file changed in it", seen)
        stop(cct)
    say("a directory unreadable at start is watched once made readable")


def overflow():
    root = loopkit.project(FILES)
    trigger = os.path.join(harness.empty_dir("trigger"), "overflow")
    cct = harness.Cctrial(root, ["-f", "-v", "app"],
                          env=faults_env(CCT_FAULT_OVERFLOW_FILE=trigger))
    with cct:
        cct.start()
        cct.wait_for(WAITING, 60, "the first run to end")
        open(trigger, "w").close()
        # Any event wakes the watcher; an ignored file changes nothing else.
        loopkit.write(os.path.join(root, "app/core.pyc"), "x")
        for name in ("app/core.py", "app/sub/helper.py", "app/test_core.py"):
            cct.wait_for(r"changed: .*" + name.replace(".", r"\."), 60,
                         f"{name} reported changed after the overflow")
        cct.wait_for(r"^Running 1 tests\.$", 60, "a run after the overflow",
                     since_last=True)
        cct.wait_for(WAITING, 60, "that run to end", since_last=True)
        stop(cct)
    say("queue overflow: every watched file changed, one run")


def dir_recreated():
    root = loopkit.project(FILES)
    with harness.Cctrial(root, ["-f", "app"]) as cct:
        cct.start()
        cct.wait_for(WAITING, 60, "the first run to end")
        shutil.rmtree(os.path.join(root, "app/sub"))
        cct.wait_for(r"^Running 1 tests\.$", 60, "a run for the deleted "
                     "package", since_last=True)
        cct.wait_for(WAITING, 60, "that run to end", since_last=True)
        os.mkdir(os.path.join(root, "app/sub"))
        loopkit.write(os.path.join(root, "app/sub/__init__.py"), "")
        cct.wait_for(r"^Running 1 tests\.$", 60, "a run for the re-created "
                     "package", since_last=True)
        cct.wait_for(WAITING, 60, "that run to end", since_last=True)
        loopkit.write(os.path.join(root, "app/sub/helper.py"), "X = 2\n")
        cct.wait_for(r"^Running 1 tests\.$", 60, "a run for a file in the "
                     "re-created directory", since_last=True)
        cct.wait_for(WAITING, 60, "that run to end", since_last=True)
        stop(cct)
    say("a directory deleted and created again is watched again")


def root_disappears():
    root = loopkit.project(FILES)
    other = os.path.join(harness.empty_dir("other-root"), "lib")
    loopkit.write(os.path.join(other, "thing.py"), "Y = 1\n")
    config = loopkit.config(root, f"[cctrial]\nwatch = . {other}\n")
    with harness.Cctrial(root, ["--config", config, "-f", "app"]) as cct:
        cct.start()
        cct.wait_for(WAITING, 60, "the first run to end")
        shutil.rmtree(other)
        cct.wait_for(r"watched directory .*lib disappeared", 60,
                     "the vanished root reported")
        loopkit.write(os.path.join(root, "app/core.py"), "VALUE = 1\n# x\n")
        cct.wait_for(r"^Running 1 tests\.$", 60, "cctrial still running "
                     "tests after losing a root", since_last=True)
        cct.wait_for(WAITING, 60, "that run to end", since_last=True)
        loopkit.write(os.path.join(other, "thing.py"), "Y = 2\n")
        cct.wait_for(r"watched directory .*lib is back", 60,
                     "the root reported back")
        cct.wait_for(r"^Running 1 tests\.$", 60, "a run for the file in "
                     "the root that came back", since_last=True)
        cct.wait_for(WAITING, 60, "that run to end", since_last=True)
        stop(cct)
    say("a root that disappears is reported, not fatal, and comes back")


def dev_install():
    root = loopkit.project(FILES)
    dev = os.path.join(harness.empty_dir("devinstall"), "devlib")
    loopkit.write(os.path.join(dev, "devmod.py"), "Z = 1\n")
    home = harness.empty_dir("home")
    # A development install as `setup.py develop` makes one: a .pth file
    # in the user's site-packages naming the project's directory.
    import site
    import sysconfig
    user_site = os.path.join(home, ".local", "lib",
                             "python%d.%d" % sys.version_info[:2],
                             "site-packages")
    loopkit.write(os.path.join(user_site, "devlib.pth"), dev + "\n")
    with harness.Cctrial(root, ["-f", "app"], env={"HOME": home}) as cct:
        cct.start()
        cct.wait_for(WAITING, 60, "the first run to end")
        loopkit.write(os.path.join(dev, "devmod.py"), "Z = 2\n")
        cct.wait_for(r"^Running 1 tests\.$", 60, "a run for a change in the "
                     "development install", since_last=True)
        cct.wait_for(WAITING, 60, "that run to end", since_last=True)
        stop(cct)
    with harness.Cctrial(root, ["-f", "-c", "app"], env={"HOME": home}) as cct:
        cct.start()
        cct.wait_for(WAITING, 60, "the first run to end (-c)")
        loopkit.write(os.path.join(dev, "devmod.py"), "Z = 3\n")
        loopkit.write(os.path.join(root, "app/core.py"), "VALUE = 1\n# s\n")
        cct.wait_for(r"^Running 1 tests\.$", 60, "the sentinel's run",
                     since_last=True)
        cct.wait_for(WAITING, 60, "that run to end", since_last=True)
        check(len(loopkit.runs(cct.output)) == 2, "-c watched the "
              "development install:\n" + cct.describe())
        stop(cct)
    say("watch = auto covers a development install; -c does not")


def snapshot(root):
    found = {}
    for directory, dirs, files in os.walk(root):
        rel = os.path.relpath(directory, root)
        if rel.split(os.sep)[0].startswith(("_trial_temp", ".cctrial")):
            continue
        for name in files:
            if name.startswith("_trial_temp"):
                continue
            path = os.path.join(directory, name)
            if "__pycache__" in path:
                continue
            with open(path, "rb") as f:
                found[os.path.relpath(path, root)] = f.read()
    return found


def writes_only_own():
    root = loopkit.project(FILES)
    before = snapshot(root)
    with harness.Cctrial(root, ["-f", "-j2", "app"]) as cct:
        cct.start()
        cct.wait_for(WAITING, 60, "the first run to end")
        loopkit.write(os.path.join(root, "app/core.py"), "VALUE = 2\n")
        cct.wait_for(r"^please fix", 60, "please fix", since_last=True)
        loopkit.write(os.path.join(root, "app/core.py"), "VALUE = 1\n")
        cct.wait_for(r"^PASSED", 60, "the fix", since_last=True)
        cct.wait_for(WAITING, 60, "waiting", since_last=True)
        stop(cct)
    before["app/core.py"] = b"VALUE = 1\n"
    after = snapshot(root)
    check(after == before, "files outside _trial_temp and .cctrial changed: "
          f"{sorted(set(after) ^ set(before))} "
          f"{[k for k in after if k in before and after[k] != before[k]]}")
    say("nothing outside _trial_temp and .cctrial/ written or deleted")


CASES = {f.__name__: f for f in (
    watch_limit_start, watch_limit_later, project_root_deleted,
    unreadable_dir, overflow, dir_recreated, root_disappears, dev_install,
    writes_only_own)}

harness.main(CASES[sys.argv[1]])
