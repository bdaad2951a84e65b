"""The end-to-end harness: run the built cctrial against real Twisted projects.

End-to-end tests are plain Python 3 scripts (standard library only), run by
CTest with the interpreter that has Twisted (CCT_TEST_PYTHON), so that they
can also run `python3 -m twisted.trial` itself as the reference.  This module
holds what they share; it knows nothing about any one test.

Environment (set by add_test in tests/e2e/CMakeLists.txt):
    CCTRIAL          the cctrial binary under test
    CCT_SOURCE_DIR   the top of the source tree (fixtures, examples)
    CCT_TEST_PYTHON  the Python with Twisted (default: this interpreter)
    CCT_E2E_KEEP     when set and not empty, temporary copies are kept
    CCT_TWISTED_PATH a directory that goes on PYTHONPATH of every cctrial
                     and trial run, to test a second Twisted generation
                     (scripts/fetch-twisted unpacks one); not set: the
                     interpreter's own Twisted
    CCT_TWISTED_VERSION  the Twisted version (a prefix such as 24.11) that
                     main() checks the runs will get before anything else
    CCT_REFERENCE_CACHE  a directory where reference_trial() keeps trial's
                     runs for the tests that compare with the same one;
                     not set: every test runs trial itself
    CCT_TEST_WATCHER the watcher backend (inotify or libuv) every cctrial
                     is started with (--watcher); not set: the default

API:
    copy_project(name_or_path) -> str
        A fresh temporary copy of tests/projects/<name> (or of any
        directory), removed when the script exits.
    empty_dir() -> str
        A fresh, empty temporary directory.
    merged_project(fixtures) -> str
        A fresh directory holding several fixture projects side by side.
    Cctrial(cwd, args, env=None, python=TEST_PYTHON, tty=False,
            size=(24, 80), jobs=1)
        One cctrial process.  `python` adds `--python PATH` in front of
        args unless it is None (then cctrial searches as a user's would).
        `jobs` adds `--jobs=N` in front of args, unless args give -j or
        --jobs, ask for --print-config or name a command: one worker, as before jobs =
        auto became the default, so that a test about something else
        starts no more Python processes than it needs (CTest runs tests
        side by side on a small machine); None gives no --jobs (cctrial's
        default, auto, or what a configuration file says).
        env entries are added to a clean environment (see base_env); a value
        of None removes the variable.  tty=True gives it a pseudo-terminal
        of `size` (rows, columns) for stdin, stdout and stderr; its
        output then has \r\n line ends and escape sequences (see plain).
        .start()                   start it, in its own process group
        .wait_for(regex, timeout, what) -> re.Match
                                   wait for output matching regex (searched
                                   from the start of the output, or from
                                   after the previous match when
                                   since_last=True); fail saying `what`
        .wait_exit(timeout) -> int wait for it to exit; fail if it does not
        .run(timeout) -> int       start then wait_exit
        .signal(sig, group=False)  send a signal to cctrial itself, or to
                                   its process group
        .write(text)               type on its terminal (tty=True; the
                                   terminal is its controlling terminal, so
                                   "\x03" is a real ^C) or on its stdin
        .pause_reading()           stop reading its terminal (tty=True),
                                   as a user who scrolls back or a slow
                                   terminal does: its writes then fill the
                                   terminal's buffer and wait (call it
                                   before start() to read nothing at all)
        .resume_reading(chunk=65536, delay=0)
                                   read again, at most `chunk` bytes at a
                                   time with `delay` seconds between reads
        .unread() -> int           bytes it wrote on its terminal that are
                                   not read yet
        .terminal_flags_at_start / .terminal_flags
                                   the file status flags (fcntl F_GETFL) of
                                   the terminal it was given (tty=True), as
                                   a shell holding that terminal sees them:
                                   when it started, and once it has exited
        .kill()                    SIGKILL its whole process group (cleanup)
        .descendants() -> [(pid, cmdline)]
                                   live processes it left or still has: its
                                   descendants, its process group, and
                                   orphans adopted by this script (which is
                                   made a child subreaper)
        .summary() -> Summary      parse_summary(.output), failing with the
                                   whole output when there is none
        Cctrial(..., outcomes=True) also records every result (the json
        reporter, beside the default ones, through --config):
        .outcomes() -> Counter     (test id, outcome) of each test_result
        .output / .stdout / .stderr / .stdout_bytes   what it printed
        .returncode / .pid / .argv
        .describe() -> str         argv, status and output, for messages
        Also a context manager: leaving the block kills cctrial if it
        still runs, and whatever it left behind.
    run_trial(cwd, names, jobs=None, timeout=..., env=None, args=())
            -> TrialRun
        `python -m twisted.trial [args]` for reference: .returncode, .output,
        .summary (a Summary), .outcomes (a Counter of (test id, outcome),
        one per result trial's reporter was given: trial_outcomes.py runs
        trial recording them).  env as for Cctrial.
    reference_trial(project, names, jobs=None, timeout=..., args=())
            -> TrialRun
        run_trial in a fresh copy of `project` (as copy_project takes it;
        None: an empty directory), done once for all the tests that share
        CCT_REFERENCE_CACHE: the result is kept under a key of everything
        it depends on (interpreter, Twisted, names, every file of the
        project), and a test that needs it while another computes it
        waits for that one.
    cached(what, key, make, dump, load) -> make()'s result
        make() done once for all the tests that share CCT_REFERENCE_CACHE
        and the same key (a hashlib digest, see project_digest), kept as
        JSON (dump, load); as for reference_trial, a test that needs it
        while another computes it waits for that one.
    project_digest(digest, project)
        Adds every file of a fixture project to a digest.
    twisted_digest(digest, env=None)
        Adds the interpreter and the Twisted it imports (with env's
        changes, as for Cctrial) to a digest.
    twisted_version(env=None) -> str
        "VERSION from DIRECTORY" of the Twisted the runs get.
    plain(text) -> str
        Output of a terminal without its escape sequences and with each
        line's carriage returns resolved (on a tty lines end in \r\n).
    parse_summary(text) -> Summary
        trial's closing lines, as trial and cctrial's summary reporter both
        print them: Summary(ran, verdict, counts) where verdict is "PASSED"
        or "FAILED" and counts maps trial's keys (successes, failures,
        errors, skips, expectedFailures, unexpectedSuccesses) to numbers,
        missing keys being 0.  Raises HarnessError when they are missing.
    check_as_trial(cct, label, reference, timeout=...) -> (status, summary)
        runs `cct` and checks its closing lines and exit status against
        trial's run `reference`, and its per-test outcomes too when cct
        records them.
    check(condition, message)      fail the script with message unless true
    say(text)                      print one line of what was checked
    HarnessError                   what every failure raises (AssertionError)
    main(function)                 run a script's checks: "FAIL: why" and
                                   exit 1 on a HarnessError, "OK" otherwise

Nothing here sleeps for a fixed time to let something happen: every wait
polls with a bound and says what it was waiting for when it gives up.
"""

import atexit
import codecs
import collections
import ctypes
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

CCTRIAL = os.environ.get("CCTRIAL", "")
SOURCE_DIR = os.environ.get(
    "CCT_SOURCE_DIR",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
        __file__)))))
TEST_PYTHON = os.environ.get("CCT_TEST_PYTHON") or sys.executable
TWISTED_PATH = os.environ.get("CCT_TWISTED_PATH", "")
WATCHER = os.environ.get("CCT_TEST_WATCHER", "")
TWISTED_VERSION = os.environ.get("CCT_TWISTED_VERSION", "")
REFERENCE_CACHE = os.environ.get("CCT_REFERENCE_CACHE", "")
PROJECTS_DIR = os.path.join(SOURCE_DIR, "tests", "projects")

# Bounds for one cctrial or trial run of a small project; generous because
# CTest runs tests in parallel on a small machine.
RUN_TIMEOUT = 60.0
TRIAL_KEYS = ("skips", "expectedFailures", "failures", "errors",
              "unexpectedSuccesses", "successes")


class HarnessError(AssertionError):
    """A check failed, or something did not happen in time."""


def say(text):
    print(text, flush=True)


def check(condition, message):
    if not condition:
        raise HarnessError(message)


# ---- temporary directories ------------------------------------------------

_temp_root = None


def _root():
    global _temp_root
    if _temp_root is None:
        _temp_root = tempfile.mkdtemp(prefix="cct-e2e-")
        if os.environ.get("CCT_E2E_KEEP"):
            say(f"keeping temporary files in {_temp_root}")
        else:
            atexit.register(shutil.rmtree, _temp_root, True)
    return _temp_root


def empty_dir(name="work"):
    return tempfile.mkdtemp(prefix=name + "-", dir=_root())


def copy_project(name_or_path):
    """A fresh copy of a fixture project (its name under tests/projects)
    or of any directory; the copy has no _trial_temp and no caches."""
    src = name_or_path
    if not os.path.isabs(src):
        src = os.path.join(PROJECTS_DIR, name_or_path)
    check(os.path.isdir(src), f"no project directory {src}")
    dest = os.path.join(empty_dir(os.path.basename(src)), "project")
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(
        "__pycache__", "_trial_temp*", "*.pyc", ".cctrial"))
    return dest


def merged_project(fixtures):
    """A fresh directory holding the fixture projects `fixtures` side by
    side (each is one package of its own), as a project with many packages
    is: the same files whichever test makes it, so that trial's reference
    run of it (reference_trial) is shared."""
    top = os.path.join(empty_dir("merged"), "project")
    for fixture in fixtures:
        shutil.copytree(os.path.join(PROJECTS_DIR, fixture), top,
                        dirs_exist_ok=True, ignore=shutil.ignore_patterns(
                            "__pycache__", "_trial_temp*", "*.pyc",
                            ".cctrial"))
    return top


def base_env():
    """The environment cctrial runs in: this one, without what would make
    a developer's set-up leak into the tests (their user configuration, a
    virtualenv, extra plugin directories, colours)."""
    env = dict(os.environ)
    for key in ("VIRTUAL_ENV", "CCTRIAL_PLUGIN_PATH", "PYTHONPATH",
                "NO_COLOR", "CCTRIAL", "CI"):
        env.pop(key, None)
    config_home = os.path.join(_root(), "xdg-config")
    os.makedirs(config_home, exist_ok=True)
    env["XDG_CONFIG_HOME"] = config_home
    env["LANG"] = env["LC_ALL"] = "C.UTF-8"
    env["PYTHONIOENCODING"] = "utf-8"
    if TWISTED_PATH:
        env["PYTHONPATH"] = TWISTED_PATH
    return env


def twisted_version(env=None):
    """The version and directory of the Twisted that TEST_PYTHON imports
    in base_env() (with env's changes), as a string "V from DIR"; one
    interpreter start per environment and script."""
    key = repr(sorted((env or {}).items()))
    if key not in _twisted_versions:
        done = subprocess.run(
            [TEST_PYTHON, "-c", "import os, twisted; print("
             "twisted.__version__, 'from', "
             "os.path.dirname(os.path.dirname(twisted.__file__)))"],
            env=_merge_env(env), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, timeout=RUN_TIMEOUT)
        text = done.stdout.decode("utf-8", "replace").strip()
        check(done.returncode == 0, f"{TEST_PYTHON} cannot import twisted "
              f"with PYTHONPATH={TWISTED_PATH or '(unset)'}:\n{text}")
        _twisted_versions[key] = text
    return _twisted_versions[key]


_twisted_versions = {}


def _check_generation():
    """A test of a second generation fails, saying why, when that
    generation is not there: it never passes on the first one instead."""
    if not TWISTED_VERSION:
        return
    found = twisted_version()
    version, _, where = found.partition(" from ")
    check(version.startswith(TWISTED_VERSION + ".")
          and (not TWISTED_PATH or where == os.path.normpath(TWISTED_PATH)),
          f"this test runs on Twisted {TWISTED_VERSION} from "
          f"{TWISTED_PATH or TEST_PYTHON}, but {TEST_PYTHON} imports Twisted "
          f"{found}; scripts/fetch-twisted unpacks it (`make test` runs it "
          "first)")
    say(f"Twisted {found}")


def _merge_env(extra):
    env = base_env()
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


# ---- trial's closing lines --------------------------------------------------

Summary = collections.namedtuple("Summary", "ran verdict counts")

_RAN = re.compile(r"^Ran (\d+) tests? in [0-9.]+s$", re.M)
_VERDICT = re.compile(r"^(PASSED|FAILED)(?: \(([^)]*)\))?$", re.M)
_CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain(text):
    """Text as a terminal would leave it, roughly: colours and other
    escape sequences removed, and of each line only what follows its last
    carriage return (a status line rewritten in place)."""
    lines = _CSI.sub("", text).replace("\r\n", "\n").split("\n")
    return "\n".join(line.rsplit("\r", 1)[-1] for line in lines)


def parse_summary(text):
    text = plain(text)
    ran = list(_RAN.finditer(text))
    check(ran, "no 'Ran N tests in X.XXXs' line in:\n" + text)
    last = ran[-1]
    verdict = _VERDICT.search(text, last.end())
    check(verdict, "no PASSED/FAILED line after 'Ran N tests' in:\n" + text)
    counts = dict.fromkeys(TRIAL_KEYS, 0)
    for item in filter(None, (verdict.group(2) or "").split(", ")):
        key, _, number = item.partition("=")
        check(key in counts and number.isdigit(),
              f"unexpected item {item!r} in {verdict.group(0)!r}")
        counts[key] = int(number)
    return Summary(int(last.group(1)), verdict.group(1), counts)


def format_summary(summary):
    items = ", ".join(f"{k}={v}" for k, v in summary.counts.items() if v)
    return f"Ran {summary.ran}, {summary.verdict} ({items})"


# ---- the reference: trial itself ---------------------------------------------

TrialRun = collections.namedtuple("TrialRun",
                                  "returncode output summary outcomes")
TRIAL_OUTCOMES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "trial_outcomes.py")


def _read_outcomes(path, cctrial):
    """(id, outcome) of each result recorded in `path`, a JSON lines file
    of trial_outcomes.py or of cctrial's json reporter."""
    found = collections.Counter()
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                event = json.loads(line)
                if not cctrial or event["event"] == "test_result":
                    found[(event["id"], event["outcome"])] += 1
    except FileNotFoundError:
        pass
    return found


def run_trial(cwd, names, jobs=None, timeout=RUN_TIMEOUT, env=None,
              args=()):
    record = os.path.join(empty_dir("outcomes"), "trial.jsonl")
    argv = [TEST_PYTHON, TRIAL_OUTCOMES, record]
    if jobs:
        argv.append(f"-j{jobs}")
    argv += list(args) + list(names)
    try:
        done = subprocess.run(argv, cwd=cwd, env=_merge_env(env),
                              timeout=timeout,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    except subprocess.TimeoutExpired as e:
        raise HarnessError(
            f"reference trial did not finish within {timeout}s: "
            f"{' '.join(argv)} in {cwd}\noutput so far:\n"
            + (e.output or b"").decode("utf-8", "replace"))
    output = done.stdout.decode("utf-8", "replace")
    return TrialRun(done.returncode, output, parse_summary(output),
                    _read_outcomes(record, cctrial=False))


def _tree_digest(digest, top):
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__"
                         and not d.startswith("_trial_temp"))
        for name in sorted(files):
            path = os.path.join(folder, name)
            digest.update(os.path.relpath(path, top).encode() + b"\0")
            with open(path, "rb") as f:
                digest.update(f.read() + b"\0")


_FIND_TWISTED = (
    "import importlib.util, sys\n"
    "print(sys.version.replace('\\n', ' '))\n"
    "print(importlib.util.find_spec('twisted').origin)\n")


def twisted_digest(digest, env=None):
    """Adds what trial's results depend on besides the project: the
    interpreter's version and the Twisted it finds in base_env() with
    env's changes (where, and every byte of its trial and version files),
    without the cost of importing it."""
    done = subprocess.run([TEST_PYTHON, "-c", _FIND_TWISTED],
                          env=_merge_env(env), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=RUN_TIMEOUT)
    text = done.stdout.decode("utf-8", "replace")
    check(done.returncode == 0, f"{TEST_PYTHON} cannot find twisted with "
          f"PYTHONPATH={TWISTED_PATH or '(unset)'}:\n{text}")
    digest.update(text.encode())
    top = os.path.dirname(text.splitlines()[-1])
    for name in ("_version.py", "trial/runner.py", "trial/reporter.py",
                 "trial/unittest.py", "trial/_asynctest.py"):
        with open(os.path.join(top, name), "rb") as f:
            digest.update(f.read())


def cached(what, key, make, dump, load):
    """make()'s result, computed once for all the tests that share
    CCT_REFERENCE_CACHE and the same key (a hashlib digest of everything
    the result depends on): dump(result) gives what is kept (JSON), and
    load(kept) the result again.  A test that needs it while another
    computes it waits for that one (bounded by CTest's timeout of the test
    that holds it).  `what` names it in the test's log."""
    if not REFERENCE_CACHE:
        return make()
    os.makedirs(REFERENCE_CACHE, exist_ok=True)
    entry = os.path.join(REFERENCE_CACHE, key.hexdigest()[:32])
    with open(entry + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(entry + ".json", encoding="utf-8") as f:
                kept = load(json.load(f))
            say(f"{what}: from {entry}.json")
            return kept
        except (OSError, ValueError, KeyError):
            pass  # Not made yet (or cut short): make it.
        done = make()
        with open(entry + ".tmp", "w", encoding="utf-8") as f:
            json.dump(dump(done), f)
        os.replace(entry + ".tmp", entry + ".json")
        return done


def project_digest(digest, project):
    """Adds every file of `project` (as copy_project takes it) to digest."""
    src = (project if os.path.isabs(project)
           else os.path.join(PROJECTS_DIR, project))
    _tree_digest(digest, src)


def reference_trial(project, names, jobs=None, timeout=RUN_TIMEOUT,
                    args=()):
    """trial's run of `project` (see the module's docstring), from the
    cache when an earlier test of the same key made it."""
    def run():
        cwd = copy_project(project) if project else empty_dir("trial")
        return run_trial(cwd, names, jobs=jobs, timeout=timeout, args=args)

    digest = hashlib.sha256()
    digest.update(json.dumps([TEST_PYTHON, list(names), jobs,
                              "outcomes"] + ([list(args)] if args else [])
                             ).encode())
    if REFERENCE_CACHE:
        twisted_digest(digest)
        if project:
            project_digest(digest, project)
    return cached(
        f"trial's reference run of {project or 'an empty directory'} "
        f"{' '.join(names)}", digest, run,
        lambda done: {"returncode": done.returncode, "output": done.output,
                      "outcomes": sorted([list(k), n] for k, n
                                         in done.outcomes.items())},
        lambda kept: TrialRun(kept["returncode"], kept["output"],
                              parse_summary(kept["output"]),
                              collections.Counter(
                                  {tuple(k): n for k, n
                                   in kept["outcomes"]})))


def check_as_trial(cct, label, reference, timeout=RUN_TIMEOUT):
    """Runs `cct` to its end and checks that its closing line (Ran N tests,
    the verdict, every count) and its exit status are those of trial's
    run `reference`; returns (exit status, summary)."""
    status = cct.run(timeout)
    got = cct.summary()
    want = reference.summary
    check(got == want,
          f"{label}: expected trial's closing line "
          f"[{format_summary(want)}], got [{format_summary(got)}]\n"
          f"{cct.describe()}trial's output:\n{reference.output}")
    check(status == reference.returncode,
          f"{label}: expected exit status {reference.returncode} "
          f"(trial's), got {status}\n{cct.describe()}")
    if cct.events_path:
        compare_outcomes(label, reference, cct)
    return status, got


def compare_outcomes(label, reference, cct):
    """Each test's outcomes, as often as trial reported them."""
    want, have = reference.outcomes, cct.outcomes()
    lines = [f"  trial only: {n} x {i} {o}"
             for (i, o), n in sorted((want - have).items())]
    lines += [f"  cctrial only: {n} x {i} {o}"
              for (i, o), n in sorted((have - want).items())]
    check(not lines, f"{label}: per-test outcomes differ from trial's:\n"
          + "\n".join(lines[:40]) + f"\n{cct.describe()}")


# ---- processes left behind ----------------------------------------------------

def _become_subreaper():
    """Orphans of cctrial's workers then become children of this script
    instead of init's, so that descendants() still finds them after
    cctrial has exited."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_CHILD_SUBREAPER = 36
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # Without it, the process group check still holds.


def _processes():
    """pid -> (ppid, pgid, state, cmdline) of every process now."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode("utf-8", "replace")
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(
                    "utf-8", "replace").strip()
        except OSError:
            continue  # It exited meanwhile.
        # The command name is in parentheses and may hold anything.
        fields = stat[stat.rindex(")") + 2:].split()
        table[int(entry)] = (int(fields[1]), int(fields[2]), fields[0],
                             cmdline)
    return table


def _descends_from(pid, ancestor, table):
    seen = set()
    while pid in table and pid not in seen and pid > 1:
        seen.add(pid)
        pid = table[pid][0]
        if pid == ancestor:
            return True
    return False


# ---- cctrial ------------------------------------------------------------------

_CONTROLLING_TTY = (
    "import fcntl, os, sys, termios\n"
    "os.setsid()\n"
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0)\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n")

def _gives_jobs(args):
    """Do cctrial's arguments say how many workers, print the settings
    (where an added --jobs would show as the command line's) or name a
    command (which must come first: `cctrial history`)?"""
    args = list(args)
    return (args[:1] in (["history"], ["install-hook"])
            or any(a in ("-j", "--jobs", "--print-config")
                   or a.startswith("--jobs=")
                   or (a.startswith("-j") and len(a) > 2)
                   for a in args))


# The cctrial processes this script started that may still run, so that one
# instance's descendants() does not count another's processes.
_started = []


class Cctrial:
    """One cctrial process; see the module's docstring."""

    def __init__(self, cwd, args, env=None, python=TEST_PYTHON, tty=False,
                 size=(24, 80), outcomes=False, jobs=1):
        check(CCTRIAL, "CCTRIAL (the binary under test) is not set")
        self.cwd = cwd
        self.argv = [CCTRIAL]
        if WATCHER:
            self.argv.append(f"--watcher={WATCHER}")
        if python is not None:
            self.argv += ["--python", python]
        if jobs is not None and not _gives_jobs(args):
            self.argv.append(f"--jobs={jobs}")
        self.events_path = None
        if outcomes:
            work = empty_dir("events")
            self.events_path = os.path.join(work, "events.jsonl")
            config = os.path.join(work, "cctrialrc")
            with open(config, "w") as f:
                f.write("[cctrial]\nreporters = summary, oneline, json\n"
                        f"[reporter.json]\npath = {self.events_path}\n")
            self.argv.append(f"--config={config}")
        self.argv += list(args)
        self.env = _merge_env(env)
        self.tty = tty
        self.size = size
        self.proc = None
        self.pid = None
        self.returncode = None
        self._lock = threading.Condition()
        self._chunks = {"stdout": bytearray(), "stderr": bytearray()}
        self._text = []  # decoded output of both streams, in arrival order
        self._match_end = 0
        self._readers = []
        self._master = None
        # The terminal's other end, held as a shell holds it, so that its
        # flags can be read once cctrial has gone (released then, so that
        # the output ends).
        self._slave = None
        self._reading = threading.Event()
        self._reading.set()
        self._chunk = 65536
        self._delay = 0
        self.terminal_flags_at_start = None
        self.terminal_flags = None

    # -- starting and reading

    def start(self):
        _become_subreaper()
        popen = dict(cwd=self.cwd, env=self.env, start_new_session=True)
        if self.tty:
            master, slave = os.openpty()
            rows, cols = self.size
            fcntl.ioctl(slave, termios.TIOCSWINSZ,
                        struct.pack("HHHH", rows, cols, 0, 0))
            # The terminal becomes cctrial's controlling terminal, as in a
            # shell, so that typing ^C or ^Z signals its process group.
            # A small exec wrapper does it: preexec_fn is not safe in a
            # process with threads, and the pid stays cctrial's.
            popen["start_new_session"] = False
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _CONTROLLING_TTY] + self.argv,
                stdin=slave, stdout=slave, stderr=slave, **popen)
            self._slave = slave
            self.terminal_flags_at_start = fcntl.fcntl(slave, fcntl.F_GETFL)
            self._master = master
            self._reader("stdout", master, is_fd=True)
        else:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, **popen)
            self._reader("stdout", self.proc.stdout)
            self._reader("stderr", self.proc.stderr)
        self.pid = self.proc.pid
        _started.append(self)
        return self

    def _reader(self, name, stream, is_fd=False):
        decoder = codecs.getincrementaldecoder("utf-8")("replace")

        def read():
            while True:
                self._reading.wait()
                try:
                    data = (os.read(stream, self._chunk) if is_fd
                            else stream.read1(65536))
                except OSError:  # EIO: the terminal's last user is gone
                    data = b""
                with self._lock:
                    self._chunks[name] += data
                    self._text.append(decoder.decode(data, final=not data))
                    self._lock.notify_all()
                if not data:
                    return
                if self._delay:
                    time.sleep(self._delay)

        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        self._readers.append(thread)

    @property
    def output(self):
        """stdout and stderr as they arrived (on a tty: the terminal)."""
        with self._lock:
            return "".join(self._text)

    @property
    def stdout_bytes(self):
        with self._lock:
            return bytes(self._chunks["stdout"])

    @property
    def stdout(self):
        return self.stdout_bytes.decode("utf-8", "replace")

    @property
    def stderr(self):
        with self._lock:
            return bytes(self._chunks["stderr"]).decode("utf-8", "replace")

    def outcomes(self):
        """(test id, outcome) of each result it reported (outcomes=True)."""
        check(self.events_path, "this cctrial does not record outcomes")
        return _read_outcomes(self.events_path, cctrial=True)

    def summary(self):
        """parse_summary of its output; a failure quotes the whole run."""
        try:
            return parse_summary(self.output)
        except HarnessError:
            raise HarnessError("no closing lines of trial's form "
                               "(Ran N tests / PASSED or FAILED)\n"
                               + self.describe()) from None

    def describe(self):
        status = ("still running" if self.returncode is None
                  else f"exited with status {self.returncode}")
        return (f"command: {' '.join(self.argv)}\n"
                f"in: {self.cwd}\ncctrial {status}; its output:\n"
                + _indent(self.output))

    # -- waiting

    def wait_for(self, regex, timeout, what, since_last=False):
        """Wait until the output matches regex (re.M); returns the match.
        With since_last, only output after the previous match counts."""
        pattern = re.compile(regex, re.M)
        start = self._match_end if since_last else 0
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                text = "".join(self._text)
                match = pattern.search(text, start)
                if match:
                    self._match_end = match.end()
                    return match
                if self.proc.poll() is not None:
                    self._release_terminal()
                finished = all(not t.is_alive() for t in self._readers)
                left = deadline - time.monotonic()
                if finished or left <= 0:
                    break
                self._lock.wait(min(left, 0.2))
        self.proc.poll()
        self.returncode = self.proc.returncode
        why = ("its output ended" if finished
               else f"{timeout:g}s passed")
        raise HarnessError(
            f"gave up waiting for {what} (/{regex}/): {why}\n"
            + self.describe())

    def wait_exit(self, timeout=RUN_TIMEOUT):
        """Wait for cctrial to exit and its output to end; its status."""
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise HarnessError(
                f"cctrial did not exit within {timeout:g}s (killed now)\n"
                + self.describe())
        self._release_terminal()
        for thread in self._readers:
            # Output ends when every holder of the pipes is gone; a worker
            # left behind would hold them, which descendants() reports.
            thread.join(5)
        return self.returncode

    def run(self, timeout=RUN_TIMEOUT):
        self.start()
        return self.wait_exit(timeout)

    # -- acting on it

    def signal(self, sig, group=False):
        """Signal cctrial, or with group=True its whole process group, as
        a terminal's ^C does (workers included unless they left it)."""
        if group:
            os.killpg(self.pid, sig)
        else:
            self.proc.send_signal(sig)

    def pause_reading(self):
        check(self.tty, "pause_reading needs tty=True")
        self._reading.clear()

    def resume_reading(self, chunk=65536, delay=0):
        self._chunk = chunk
        self._delay = delay
        self._reading.set()

    def unread(self):
        check(self._master is not None, "unread needs tty=True, started")
        count = struct.unpack(
            "i", fcntl.ioctl(self._master, termios.FIONREAD, b"\0" * 4))[0]
        return count

    def _release_terminal(self):
        """Once cctrial has exited: note the terminal's flags, and let go
        of it so that reading its output ends."""
        if self._slave is not None:
            self.terminal_flags = fcntl.fcntl(self._slave, fcntl.F_GETFL)
            os.close(self._slave)
            self._slave = None

    def write(self, text):
        data = text.encode("utf-8")
        if self._master is not None:
            os.write(self._master, data)
        else:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def kill(self):
        if self.pid is None:
            return
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for pid, _ in self.descendants():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.returncode = self.proc.wait()
        self._release_terminal()
        self._reading.set()
        # SIGKILL is not instant: wait (bounded) until they are dead.
        deadline = time.monotonic() + 10
        while self.descendants() and time.monotonic() < deadline:
            time.sleep(0.02)

    def descendants(self):
        """Live processes that cctrial started and that still run: those
        whose parent chain leads to it, those in its process group, and,
        once it has exited, orphans this script adopted.  Zombies do not
        count: they are already dead."""
        table = _processes()
        me = os.getpid()
        alive = self.proc.poll() is None
        others = [c.pid for c in _started
                  if c is not self and c.proc.poll() is None]
        found = []
        for pid, (ppid, pgid, state, cmdline) in table.items():
            if pid == self.pid or state == "Z":
                continue
            ours = pgid == self.pid or _descends_from(pid, self.pid, table)
            adopted = (not alive and _descends_from(pid, me, table)
                       and pgid not in others and pid not in others
                       and not any(_descends_from(pid, o, table)
                                   for o in others))
            if ours or adopted:
                found.append((pid, cmdline))
        return sorted(found)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        # Whatever it left behind goes too (a test has already checked
        # descendants() when it cares), so that one test's leak does not
        # outlive it.
        if self.proc is not None and (self.proc.poll() is None
                                      or self.descendants()):
            self.kill()
        self._release_terminal()
        self._reading.set()
        if self._master is not None:
            for thread in self._readers:
                thread.join(1)
            os.close(self._master)
            self._master = None
        return False


def _indent(text):
    return "".join("    " + line + "\n" for line in text.splitlines())


def main(function):
    """Run a test script's function; turn a HarnessError into a clear
    failure (exit 1) instead of a traceback through the harness."""
    try:
        _check_generation()
        function()
    except HarnessError as e:
        print(f"FAIL: {e}", flush=True)
        sys.exit(1)
    say("OK")
