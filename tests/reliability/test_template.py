"""Workers forked from the warm template, end to end.

    test_template.py CASE

A template serves a session of many runs, not a single one (--once): each
case runs cctrial in continuous mode, which ends by itself once the full
suite passes (no --forever).

parity   Two tests record what they see of their worker process: sorted
         sys.modules, sys.path, sys.argv (and sys.orig_argv), the current
         directory, the environment, Python's signal handlers, the open
         file descriptors and their kinds, the threads, how stdout is
         buffered.  `cctrial -j2` runs them with the template and with
         `--template=false`: the records must be the same, and the
         workers' parent must say which way they started (the template's
         children are not cctrial's), so that the comparison is not of
         fresh workers with fresh workers.  A trial option for the
         workers (--recursionlimit) is on, so that sys.argv carries one.
         Each test also leaves an atexit function and a thread still
         sleeping: both must have written their file once the worker
         has exited, forked (which leaves without Python's teardown) or
         not.  A single run (--once) with two workers forks them too.
unready  The template exits before it is ready (a sitecustomize on
         the PYTHONPATH cctrial was started with ends it): the workers
         cctrial asked it for are spawned afresh and the run passes; -v
         says why, quoting the template's stderr.
unfit    The project has a usercustomize.py of its own, which a worker
         started afresh imports (the project's directory is on its
         PYTHONPATH) and the template, which runs in discovery's
         environment, did not: no worker is forked, each is spawned
         afresh and sees what the project's usercustomize did.  (Not a
         sitecustomize: Debian's interpreter has one of its own, which the
         template imported, and the project's would be found elsewhere.)
early    With two workers and two modules, the next run's workers are
         forked once the run has handed out its last test, while the last
         results come in: the slow test sees new children of the template
         beside it and its peer; the failing test, retried alone after
         the full run, runs in one of them.
outdated A file the template imported changes (a sitecustomize.py on
         the PYTHONPATH cctrial was started with, which Python imports at
         start, as a dependency upgraded would), then a test module is
         saved: the run after the change has a new template,
         whose worker sees the new file, and -v says which file; the
         test, failing until then, passes and the session ends.
shadow   The project has a calendar.py (a stand-in for the standard
         module, which Twisted imports): the template, its workers and
         trial all find it first (the project's directory comes first on
         their sys.path) and the workers are forked; discovery's helper,
         whose sys.path starts with its own directory, would find the
         standard one, unlike the template: it is spawned afresh.
discovery_lost  The template is killed while discovery's helper, forked
         from it, imports a test module: the helper dies with it, and
         discovery starts again with a helper cctrial spawns itself; the
         suite passes.
lost     With two workers, the template is killed (SIGKILL) while each of
         its workers runs a test: in that run, those tests are errors
         (their workers died with the template), never passes, and the
         third test runs in a worker cctrial spawned itself; with -v
         cctrial says that workers start afresh; the session then goes on
         with fresh workers until the suite passes; nothing is left
         running.
"""

import json
import os
import re
import shutil
import signal
import sys

import harness
import relkit
from harness import check, say

RECORD = relkit.TEST_HEADER + """import atexit
import json
import os
import signal
import stat
import sys
import threading
import time

STATE = {state!r}
EXITS = {exits!r}
DISCOVERED = {discovered!r}


def at_exit(test):
    # What Python's exit does that a test can see: a thread still running
    # is joined, then atexit functions run.
    def late():
        time.sleep(0.2)
        with open(os.path.join(EXITS, test.id() + ".thread"), "w") as f:
            f.write("joined")

    def registered():
        with open(os.path.join(EXITS, test.id() + ".atexit"), "w") as f:
            f.write("ran")

    threading.Thread(target=late).start()
    atexit.register(registered)


def fd_kinds():
    kinds = {{}}
    for name in sorted(os.listdir("/proc/self/fd"), key=int):
        try:
            mode = os.fstat(int(name)).st_mode
        except OSError:
            continue  # the directory listing's own descriptor
        kinds[name] = ("socket" if stat.S_ISSOCK(mode) else
                       "fifo" if stat.S_ISFIFO(mode) else
                       "char" if stat.S_ISCHR(mode) else
                       "file" if stat.S_ISREG(mode) else "other")
    return kinds


def seen():
    return {{
        "modules": sorted(sys.modules),
        "path": sys.path,
        "argv": sys.argv,
        "orig_argv": getattr(sys, "orig_argv", None),
        # _trial_temp/N: which worker took the test is not the point.
        "cwd": os.path.dirname(os.getcwd()),
        "environ": dict(os.environ),
        "signals": {{str(s): repr(signal.getsignal(s))
                     for s in (signal.SIGINT, signal.SIGCHLD,
                               signal.SIGPIPE, signal.SIGTERM,
                               signal.SIGHUP)}},
        "fds": fd_kinds(),
        "threads": threading.active_count(),
        "line_buffering": [sys.stdout.line_buffering,
                           sys.stderr.line_buffering],
        "main": sorted(vars(sys.modules["__main__"])),
        "ppid": os.getppid(),
        "recursionlimit": sys.getrecursionlimit(),
    }}


def record(test):
    with open(os.path.join(STATE, test.id()), "w") as f:
        json.dump(seen(), f)
    at_exit(test)


# What discovery's helper, importing this module, sees of its process.
if os.path.basename(sys.argv[0]) == "discover.py":
    with open(os.path.join(DISCOVERED, __name__), "w") as f:
        json.dump(seen(), f)


class {cls}(unittest.TestCase):
    def test_record(self):
        record(self)
"""

BLOCK = relkit.TEST_HEADER + """import os
import time

STATE = {state!r}


class Ordered(unittest.TestCase):
    def test_1_blocked(self):
        with open(os.path.join(STATE, self.id()), "w") as f:
            f.write(str(os.getppid()))
        # Ended by its worker's death in the first run; in later runs,
        # released at once.
        release = os.path.join(STATE, "release")
        for _ in range(1200):
            if os.path.exists(release):
                return
            time.sleep(0.1)

    test_2_blocked = test_1_blocked

    def test_3_after(self):
        with open(os.path.join(STATE, "after"), "w") as f:
            f.write(str(os.getppid()))
"""


UNREADY_SITE = """import sys
if sys.argv[-1:] == ["--template"]:
    sys.exit("this template will not start")
"""

UNFIT_SITE = """import os
os.environ["PROJECT_SITE"] = "ran"
"""

UNFIT_TEST = relkit.TEST_HEADER + """import os

STATE = {state!r}


class Site(unittest.TestCase):
    def test_1(self):
        with open(os.path.join(STATE, self.id()), "w") as f:
            f.write(str(os.getppid()))
        self.assertEqual(os.environ.get("PROJECT_SITE"), "ran")

    test_2 = test_1
"""


DISCOVERY_LOST = relkit.TEST_HEADER + """import os
import sys
import time

STATE = {state!r}

if os.path.basename(sys.argv[0]) == "discover.py":
    first = not os.listdir(STATE)
    mark = os.path.join(STATE, "discovery-%d" % os.getpid())
    with open(mark + ".new", "w") as f:
        f.write(str(os.getppid()))
    os.rename(mark + ".new", mark)
    if first:
        time.sleep(60)  # until the template is killed, and this with it


class Found(unittest.TestCase):
    def test_1(self):
        pass

    test_2 = test_1
"""


SHADOW_CALENDAR = """# The standard calendar module, and a mark.
import importlib.util
import os
import sysconfig

_spec = importlib.util.spec_from_file_location(
    "_standard_calendar",
    os.path.join(sysconfig.get_paths()["stdlib"], "calendar.py"))
_standard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_standard)
globals().update((name, value) for name, value in vars(_standard).items()
                 if not name.startswith("__"))
SHADOW = True
"""

SHADOW_TEST = relkit.TEST_HEADER + """import calendar
import os
import sys

STATE = {state!r}

if os.path.basename(sys.argv[0]) == "discover.py":
    with open(os.path.join(STATE, "discovery"), "w") as f:
        f.write(str(os.getppid()))


class Shadow(unittest.TestCase):
    def test_1(self):
        with open(os.path.join(STATE, self.id()), "w") as f:
            f.write(str(os.getppid()))
        self.assertTrue(getattr(calendar, "SHADOW", False))

    test_2 = test_1
"""


def site_dir(text):
    """A directory holding sitecustomize.py (`text`), and the environment
    that puts it on cctrial's PYTHONPATH, before the Twisted under test."""
    site = harness.empty_dir("site")
    relkit.write(os.path.join(site, "sitecustomize.py"), text)
    return site, {"PYTHONPATH": os.pathsep.join(
        p for p in (site, harness.TWISTED_PATH) if p)}

PASSING = relkit.TEST_HEADER + """import os

STATE = {state!r}


class Passing(unittest.TestCase):
    def test_1(self):
        with open(os.path.join(STATE, self.id()), "w") as f:
            f.write(str(os.getppid()))

    test_2 = test_1
"""


EARLY_FAILS = relkit.TEST_HEADER + """import os

STATE = {state!r}


class Fails(unittest.TestCase):
    def test_until_released(self):
        with open(os.path.join(STATE, "fails-pids"), "a") as f:
            f.write("%d\\n" % os.getpid())
        self.assertTrue(os.path.exists(os.path.join(STATE, "released")))
"""

EARLY_SLOW = relkit.TEST_HEADER + """import os
import time

STATE = {state!r}


def template_children(template):
    pids = set()
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue  # gone meanwhile
        fields = stat.rpartition(")")[2].split()
        if fields[0] != "Z" and int(fields[1]) == template:
            pids.add(int(name))
    return pids


class Slow(unittest.TestCase):
    def test_sees_the_replacement(self):
        if os.path.exists(os.path.join(STATE, "released")):
            return  # the last full run's: seen in the first
        fails = os.path.join(STATE, "fails-pids")
        seen = set()
        for _ in range(600):
            if os.path.exists(fails):
                first = {{int(p) for p in open(fails).read().split()}}
                seen = template_children(os.getppid()) - first - {{os.getpid()}}
                if len(seen) >= 2:  # the next run's, for both slots
                    break
            time.sleep(0.05)
        with open(os.path.join(STATE, "replacement"), "w") as f:
            f.write(" ".join(map(str, sorted(seen))))
        with open(os.path.join(STATE, "released"), "w") as f:
            pass
"""


OUTDATED_TEST = relkit.TEST_HEADER + """import os
import sitecustomize

STATE = {state!r}


class Version(unittest.TestCase):
    def test_new_version(self):
        with open(os.path.join(STATE, "parents"), "a") as f:
            f.write("%d\\n" % os.getppid())
        self.assertEqual(sitecustomize.VERSION, 22)
"""


def read_records(state):
    return {name: json.load(open(os.path.join(state, name)))
            for name in sorted(os.listdir(state))}


def case_parity():
    state = harness.empty_dir("state")
    exits = harness.empty_dir("exits")
    discovered = harness.empty_dir("discovered")
    root = relkit.project({
        "rec/__init__.py": "",
        "rec/test_one.py": RECORD.format(state=state, exits=exits,
                                         discovered=discovered, cls="One"),
        "rec/test_two.py": RECORD.format(state=state, exits=exits,
                                         discovered=discovered, cls="Two"),
    })
    seen, seen_discovering = {}, {}
    for template, once in (("true", False), ("false", False), ("true", True)):
        for directory in (state, exits, discovered):
            for name in os.listdir(directory):
                os.remove(os.path.join(directory, name))
        # A cold discovery, which waits for the template to fork it.
        shutil.rmtree(os.path.join(root, ".cctrial"), ignore_errors=True)
        run = relkit.run_once(root, ["rec"], jobs=2, once=once,
                              args=[f"--template={template}",
                                    "--recursionlimit=4321"])
        run.expect(0, 2, "PASSED", successes=2)
        records = read_records(state)
        check(len(records) == 2, f"expected two records, got {records}")
        for name, record in records.items():
            forked = record.pop("ppid") != run.cct.pid
            check(forked == (template == "true"),
                  f"{name}: with --template={template}"
                  f"{' --once' if once else ''}, its worker "
                  f"{'was' if forked else 'was not'} forked from the "
                  f"template")
            for what in ("thread", "atexit"):
                check(os.path.exists(os.path.join(exits, f"{name}.{what}")),
                      f"{name}: with --template={template}, its worker "
                      f"exited without its {what}'s file")
        discoveries = read_records(discovered)
        check(len(discoveries) == 2,
              f"expected two records of discovery, got {discoveries}")
        for name, record in discoveries.items():
            forked = record.pop("ppid") != run.cct.pid
            check(forked == (template == "true"),
                  f"{name}: with --template={template}, discovery's helper "
                  f"{'was' if forked else 'was not'} forked from the "
                  f"template")
        if not once:
            seen[template] = records
            seen_discovering[template] = discoveries
    for name in seen_discovering["false"]:
        fresh = seen_discovering["false"][name]
        forked = seen_discovering["true"][name]
        # What the template imported for the workers, discovery has too.
        for key in fresh:
            check(key == "modules" or fresh[key] == forked[key],
                  f"{name}: a forked discovery's {key} differs from a fresh "
                  f"one's:\nfresh:  {fresh[key]}\nforked: {forked[key]}")
        check(set(fresh["modules"]) <= set(forked["modules"]),
              f"{name}: a fresh discovery had modules a forked one had not: "
              f"{sorted(set(fresh['modules']) - set(forked['modules']))}")
    for name in seen["false"]:
        fresh, forked = seen["false"][name], seen["true"][name]
        for key in fresh:
            check(fresh[key] == forked[key],
                  f"{name}: a forked worker's {key} differs from a fresh "
                  f"worker's:\nfresh:  {fresh[key]}\nforked: {forked[key]}")
    check(seen["true"][name]["recursionlimit"] == 4321,
          "the workers did not take --recursionlimit")
    say("forked and fresh workers look the same from inside a test: "
        + ", ".join(sorted(seen["false"][name])) + "; so does discovery's "
        "helper to a module it imports, but for the modules the template "
        "imported")


def case_lost():
    state = harness.empty_dir("state")
    root = relkit.project({
        "blk/__init__.py": "",
        "blk/test_block.py": BLOCK.format(state=state),
    })
    blocked = ["blk.test_block.Ordered.test_1_blocked",
               "blk.test_block.Ordered.test_2_blocked"]
    with relkit.Session(root, ["blk"], jobs=2, once=False,
                        args=["-v"]) as session:
        session.start()
        cct = session.cct
        relkit.wait_until(
            lambda: all(os.path.exists(os.path.join(state, name))
                        for name in blocked), 60, "both workers' first test")
        parents = {int(open(os.path.join(state, name)).read())
                   for name in blocked}
        check(len(parents) == 1 and cct.pid not in parents,
              f"the workers' parents {parents}: not one template")
        os.kill(parents.pop(), signal.SIGKILL)
        cct.wait_for(r"^FAILED \(errors=2, successes=1\)$", 60,
                     "the first run's verdict: the template's two tests are "
                     "errors")
        after = int(open(os.path.join(state, "after")).read())
        relkit.write(os.path.join(state, "release"), "")
        run = session.finish()
    check(run.cct.returncode == 0, "the session did not end passing once "
          "the tests were released\n" + cct.describe())
    for name in blocked:
        result = run.results(name)[0]
        check(result["outcome"] == "error",
              f"a test whose worker died with the template: {result}")
    check(after == cct.pid, "the test after the template's loss did not "
          "run in a worker cctrial spawned itself")
    check("workers start afresh" in cct.output,
          "-v does not say that the template was lost\n" + cct.describe())
    say("the template's loss: an error for the test it took, fresh "
        "workers after, said with -v, nothing left running")


def case_shadow():
    state = harness.empty_dir("state")
    root = relkit.project({
        "calendar.py": SHADOW_CALENDAR,
        "shd/__init__.py": "",
        "shd/test_shadow.py": SHADOW_TEST.format(state=state),
    })
    run = relkit.run_once(root, ["shd"], jobs=2, once=False)
    run.expect(0, 2, "PASSED", successes=2)
    parents = {name: int(open(os.path.join(state, name)).read())
               for name in os.listdir(state)}
    discovery = parents.pop("discovery")
    check(discovery == run.cct.pid, f"discovery's helper had the parent "
          f"{discovery}, not cctrial ({run.cct.pid}): forked from a template "
          "that imported the project's calendar.py, where it would have "
          "found the standard one")
    check(len(parents) == 2 and run.cct.pid not in parents.values(),
          f"the workers' parents {parents}: not forked from the template, "
          f"which found calendar.py where they do")
    say("a project module named as one Twisted imports: discovery afresh, "
        "workers forked")


def case_discovery_lost():
    state = harness.empty_dir("state")
    root = relkit.project({
        "fnd/__init__.py": "",
        "fnd/test_found.py": DISCOVERY_LOST.format(state=state),
    })
    def marks():
        return [n for n in os.listdir(state) if not n.endswith(".new")]

    with relkit.Session(root, ["fnd"], jobs=2, once=False) as session:
        session.start()
        relkit.wait_until(marks, 60, "discovery importing the test module")
        parent = int(open(os.path.join(state, marks()[0])).read())
        check(parent != session.cct.pid, "discovery's helper was not forked "
              "from the template: its parent is cctrial")
        os.kill(parent, signal.SIGKILL)
        run = session.finish()
    run.expect(0, 2, "PASSED", successes=2)
    parents = sorted(int(open(os.path.join(state, name)).read())
                     for name in marks())
    check(parents == sorted([parent, run.cct.pid]),
          f"discovery's helpers had the parents {parents}: not the lost "
          f"template ({parent}), then cctrial ({run.cct.pid})")
    say("the template lost during discovery: discovery again, afresh")


def case_early():
    state = harness.empty_dir("state")
    root = relkit.project({
        "ear/__init__.py": "",
        "ear/test_a_fails.py": EARLY_FAILS.format(state=state),
        "ear/test_b_slow.py": EARLY_SLOW.format(state=state),
    })
    run = relkit.run_once(root, ["ear"], jobs=2, once=False)
    check(run.cct.returncode == 0, "the session did not end passing\n"
          + run.cct.describe())
    forked = open(os.path.join(state, "replacement")).read().split()
    check(forked, "while the slow test ran, no new child of the template "
          "was forked for the next run")
    pids = open(os.path.join(state, "fails-pids")).read().split()
    check(len(pids) >= 2 and pids[1] in forked,
          f"the retry test ran in {pids[1:2]}, not in a worker forked "
          f"during the full run ({forked})")
    say("the next run's workers are forked before the run ends; the retry "
        "test runs in one of them")


def case_outdated():
    state = harness.empty_dir("state")
    site, env = site_dir("VERSION = 1\n")
    root = relkit.project({
        "ver/__init__.py": "",
        "ver/test_version.py": OUTDATED_TEST.format(state=state),
    })
    with relkit.Session(root, ["ver"], once=False, args=["-v"],
                        env=env) as session:
        session.start()
        cct = session.cct
        cct.wait_for(r"^please fix: ", 60, "the retry test's failure")
        relkit.write(os.path.join(site, "sitecustomize.py"),
                     "VERSION = 22\n")
        # A dependency is no file cctrial watches: a save of the
        # project's starts the run that finds the template outdated.
        with open(os.path.join(root, "ver/test_version.py"), "a") as f:
            f.write("# saved\n")
        run = session.finish()
    check(run.cct.returncode == 0, "the session did not end passing once "
          "sitecustomize.py had changed\n" + cct.describe())
    check(re.search(r"a new worker template: .*/sitecustomize\.py has "
                    r"changed since the worker template imported it",
                    cct.output), "-v does not say why the template was "
          "replaced\n" + cct.describe())
    parents = [int(p) for p in
               open(os.path.join(state, "parents")).read().split()]
    check(parents[-1] not in (parents[0], cct.pid),
          f"the passing test ran in a worker of {parents[-1]}: not a new "
          f"template (the first was {parents[0]}, cctrial {cct.pid})")
    say("an imported file changed: a new template, said with -v")


def case_unready():
    state = harness.empty_dir("state")
    _, env = site_dir(UNREADY_SITE)
    root = relkit.project({
        "pas/__init__.py": "",
        "pas/test_passing.py": PASSING.format(state=state),
    })
    run = relkit.run_once(root, ["pas"], jobs=2, once=False, args=["-v"],
                          env=env)
    run.expect(0, 2, "PASSED", successes=2)
    parents = {open(os.path.join(state, name)).read()
               for name in os.listdir(state)}
    check(parents == {str(run.cct.pid)}, f"the workers' parents {parents} "
          f"are not cctrial ({run.cct.pid})")
    check(re.search(r"workers start afresh from now on: the worker template "
                    r"ended.*; its stderr ended with:\n(.*\n)*SystemExit: "
                    r"this template will not start", run.cct.output),
          "-v does not say why the template was lost\n" + run.cct.describe())
    say("a template that never became ready: fresh workers, said with -v")


def case_unfit():
    state = harness.empty_dir("state")
    root = relkit.project({
        "usercustomize.py": UNFIT_SITE,
        "sit/__init__.py": "",
        "sit/test_site.py": UNFIT_TEST.format(state=state),
    })
    run = relkit.run_once(root, ["sit"], jobs=2, once=False)
    run.expect(0, 2, "PASSED", successes=2)
    parents = {open(os.path.join(state, name)).read()
               for name in os.listdir(state)}
    check(parents == {str(run.cct.pid)}, f"the workers' parents {parents} "
          f"are not cctrial ({run.cct.pid}): forked from a template that "
          "did not run the project's usercustomize")
    say("a project's own usercustomize: its workers start afresh")


CASES = {"parity": case_parity, "unready": case_unready, "lost": case_lost,
         "early": case_early, "outdated": case_outdated, "unfit": case_unfit,
         "discovery_lost": case_discovery_lost, "shadow": case_shadow}

if __name__ == "__main__":
    harness.main(CASES[sys.argv[1]])
