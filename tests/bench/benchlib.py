"""What the benchmarks share: running and timing processes, reading a
process's counters from /proc, repeating measurements, and judging figures
against the targets of issue 8.

The benchmarks are plain Python 3 scripts (standard library only) run with
/usr/bin/python3, Debian's interpreter with Twisted, so that they can run
`python3 -m twisted.trial` for reference.  They are not tests: nothing here
is registered with CTest, because timing has no place in `make test`.

Method: every measurement is repeated RUNS times (BENCH_RUNS, default 5) and
its median kept, min and max shown; the commands compared are run in turns
(A, B, A, B...) within one round, so that the noise of a shared machine hits
all of them alike.  A target missed by at most TOLERANCE is reported as
NEAR and tolerated; missed by more, it is a MISS and `make bench` fails.
"""

import collections
import ctypes
import json
import os
import queue
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PYTHON = "/usr/bin/python3"
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
TOLERANCE = 0.20
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
WAITING = "waiting for filesystem change..."
# Bound for one run of a benchmark's suite on a slow, loaded machine.
RUN_TIMEOUT = 900.0


class BenchError(Exception):
    """A benchmark could not measure what it meant to (a wrong count, a
    process that did not get where it should)."""


def say(text=""):
    print(text, flush=True)


# ---- the context every benchmark gets -------------------------------------

class Context:
    """The build under test and a temporary directory for one session."""

    def __init__(self, build_dir):
        self.cctrial = os.path.join(os.path.abspath(build_dir), "cctrial")
        if not os.access(self.cctrial, os.X_OK):
            raise BenchError(f"no cctrial binary at {self.cctrial}; "
                             "build first")
        self.runs = RUNS
        self.root = tempfile.mkdtemp(prefix="cct-bench-")
        become_subreaper()

    def directory(self, name):
        path = os.path.join(self.root, name)
        os.makedirs(path)
        return path

    def config(self, name, text):
        """A configuration file for --config, outside every project so that
        no watcher sees it."""
        path = os.path.join(self.root, name + ".cctrialrc")
        with open(path, "w") as f:
            f.write(text)
        return path

    def default(self, key):
        """The built-in default of a [cctrial] key, from this build's
        `cctrial --print-config --no-config`."""
        out = subprocess.run([self.cctrial, "--print-config", "--no-config"],
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            name, _, value = line.partition("=")
            if name.strip() == key:
                return value.split(";")[0].strip()
        raise BenchError(f"cctrial --print-config shows no {key}:\n{out}")

    def shown(self, text):
        """text with this session's temporary directory written $TMP."""
        return text.replace(self.root, "$TMP")

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


def clean_env():
    """This environment, without what would change how cctrial or trial
    behave (a virtualenv, extra paths, a user's plugins)."""
    env = dict(os.environ)
    for key in ("VIRTUAL_ENV", "PYTHONPATH", "CCTRIAL_PLUGIN_PATH",
                "PYTHONDONTWRITEBYTECODE"):
        env.pop(key, None)
    env["LANG"] = env["LC_ALL"] = "C.UTF-8"
    return env


def command_line(argv, cwd=None, first=None):
    """argv as a shell line, run in cwd after the shell line `first`."""
    text = " ".join(shlex.quote(a) for a in argv)
    if first:
        text = f"{first} && {text}"
    return f"cd {shlex.quote(cwd)} && {text}" if cwd else text


# ---- one process ---------------------------------------------------------

Timed = collections.namedtuple("Timed", "wall cpu status output")


def timed_run(argv, cwd, timeout=RUN_TIMEOUT):
    """Runs argv to its end.  Returns its wall time (from right before the
    process is created to its exit, output read), the CPU time (user +
    system) of its whole process tree, its exit status and its output.
    The tree's CPU is what the load of a shared machine changes least."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, env=clean_env(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise BenchError(f"{command_line(argv)}: still running after "
                         f"{timeout:.0f}s") from None
    wall = time.monotonic() - start
    reap_orphans(proc.pid)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = ((after.ru_utime - before.ru_utime)
           + (after.ru_stime - before.ru_stime))
    return Timed(wall, cpu, proc.returncode, output.decode("utf-8", "replace"))


def become_subreaper():
    """Makes this process adopt the orphans of the processes it starts.
    `trial -j2` exits without waiting for its workers: adopted, they are
    waited for here, and their CPU time is counted (RUSAGE_CHILDREN)."""
    PR_SET_CHILD_SUBREAPER = 36
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise BenchError("prctl(PR_SET_CHILD_SUBREAPER) failed: "
                         + os.strerror(ctypes.get_errno()))


def reap_orphans(group):
    """Waits for the adopted processes of process group `group` (the one a
    timed command was started in) until none is left."""
    while True:
        try:
            os.waitpid(-group, 0)
        except ChildProcessError:
            return


class Watched:
    """A long-running process whose standard output is read line by line
    as it arrives, each line stamped with time.monotonic() on arrival.
    It runs in its own session, so that whatever it leaves is killed with
    its process group at the end."""

    def __init__(self, argv, cwd):
        self.argv = argv
        self.lines = queue.Queue()
        self.output = []
        self.started = time.time()
        self.proc = subprocess.Popen(
            argv, cwd=cwd, env=clean_env(), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.pid = self.proc.pid
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in iter(self.proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace")
            self.output.append(line)
            self.lines.put((time.monotonic(), line))
        self.lines.put((time.monotonic(), None))

    def wait_for(self, match, timeout, what):
        """Waits for a line for which match(line) is true; returns
        (arrival time, line).  Fails saying `what` it waited for."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                stamp, line = self.lines.get(timeout=max(left, 0.001))
            except queue.Empty:
                raise BenchError(f"timed out after {timeout:.0f}s waiting for "
                                 f"{what}:\n{self.describe()}") from None
            if line is None:
                raise BenchError(f"cctrial exited while waiting for {what}:\n"
                                 + self.describe())
            if match(line):
                return stamp, line

    def wait_for_text(self, text, timeout, what=None):
        return self.wait_for(lambda line: text in line, timeout,
                             what or repr(text))

    def wait_for_event(self, predicate, timeout, what):
        """For `--reporters=json` on standard output: waits for an event
        (a JSON line) for which predicate(event) is true."""
        def match(line):
            try:
                event = json.loads(line)
            except ValueError:
                return False
            return isinstance(event, dict) and predicate(event)
        stamp, line = self.wait_for(match, timeout, what)
        return stamp, json.loads(line)

    def describe(self):
        tail = "".join(self.output)[-3000:]
        return f"command: {command_line(self.argv)}\noutput (end):\n{tail}"

    def interrupt(self, timeout=60.0):
        """SIGINT to cctrial itself, as ^C would; then waits for it."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise BenchError("cctrial did not exit within "
                             f"{timeout:.0f}s of SIGINT") from None

    def kill(self):
        """Kills the process group it started, whatever is left of it."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        reap_orphans(self.pid)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


# ---- /proc ----------------------------------------------------------------

def cpu_seconds(pid):
    """User + system CPU of the process itself (its threads included, its
    children not), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime 14 and stime 15.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def status_field(pid, key, task=None):
    path = (f"/proc/{pid}/task/{task}/status" if task
            else f"/proc/{pid}/status")
    with open(path) as f:
        for line in f:
            name, _, value = line.partition(":")
            if name == key:
                return value.split()[0]
    raise BenchError(f"no {key} in {path}")


def rss_kib(pid):
    return int(status_field(pid, "VmRSS"))


def context_switches(pid):
    """Voluntary + involuntary context switches of all the process's
    threads: every time one of them went to sleep and woke up again."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        total += int(status_field(pid, "voluntary_ctxt_switches", task))
        total += int(status_field(pid, "nonvoluntary_ctxt_switches", task))
    return total


def children(pid):
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(p) for p in f.read().split()]
        except FileNotFoundError:
            pass
    return found


def descendants_cpu(pid):
    """CPU seconds of every live descendant of pid (itself excluded)."""
    total, todo = 0.0, children(pid)
    while todo:
        child = todo.pop()
        try:
            total += cpu_seconds(child)
            todo += children(child)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def wait_workers_idle(pid, timeout=120.0, quiet=0.5):
    """Waits until cctrial has child processes (its prewarmed workers) and
    they have used no CPU for `quiet` seconds: the workers are up and idle.
    Polls with a bound; fails saying so."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        now = descendants_cpu(pid) if children(pid) else None
        if now is not None and now == last:
            return
        last = now
        time.sleep(quiet)
    raise BenchError(f"cctrial's workers did not become idle within "
                     f"{timeout:.0f}s")


def inotify_watches(pid):
    """Number of inotify watches the process holds, from fdinfo."""
    total = 0
    for fd in os.listdir(f"/proc/{pid}/fdinfo"):
        try:
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                total += sum(1 for line in f if line.startswith("inotify wd:"))
        except FileNotFoundError:
            pass
    return total


# ---- repetition and figures -----------------------------------------------

class Figures:
    """The values one measurement took over the runs."""

    def __init__(self, name, unit, values=None):
        self.name, self.unit = name, unit
        self.values = list(values or [])

    @property
    def median(self):
        return statistics.median(self.values)

    def cells(self, scale=1.0, digits=3):
        f = lambda v: f"{v * scale:.{digits}f}"
        return [f(self.median), f(min(self.values)), f(max(self.values))]


def rounds(measures, runs, label):
    """Runs every (name, function) of `measures` in turn, `runs` rounds;
    each function returns one value.  Returns {name: [values]}."""
    values = {name: [] for name, _ in measures}
    for r in range(runs):
        for name, measure in measures:
            value = measure()
            values[name].append(value)
            say(f"  {label} round {r + 1}/{runs}: {name}: {value:.4f}")
    return values


# ---- targets --------------------------------------------------------------

class Target:
    """One target of issue 8: `value` (a median) must be at most `limit`.
    PASS when it is; NEAR when it misses by at most TOLERANCE of the limit
    (tolerated); MISS beyond, which fails `make bench`."""

    def __init__(self, name, value, limit, text, shown=None):
        self.name, self.value, self.limit, self.text = name, value, limit, text
        self.shown = shown or f"{value:.3f}"

    @property
    def verdict(self):
        if self.value <= self.limit:
            return "PASS"
        if self.value <= self.limit * (1 + TOLERANCE):
            return "NEAR"
        return "MISS"

    def row(self):
        return [self.name, self.shown, self.text, self.verdict]


def table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |",
             "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def targets_table(targets):
    return table(["target", "measured (median)", "limit", "verdict"],
                 [t.row() for t in targets])


def commands_block(ctx, entries, configs=(), variables=()):
    """The commands compared, as Markdown: `entries` are (label, shell
    line), `variables` (name, value) lines defined first, `configs` the
    configuration files they read, shown with their text."""
    lines = [f"{name}={shlex.quote(value)}" for name, value in variables]
    for label, line in entries:
        lines += [f"# {label}", line]
    text = code_block(lines)
    for path in configs:
        with open(path) as f:
            text += f"\n`{path}`:\n\n```ini\n{f.read()}```\n"
    return ctx.shown(text) + ("\n$TMP is the benchmark's temporary "
                              "directory, removed afterwards.\n")


def code_block(lines):
    return "```\n" + "\n".join(lines) + "\n```\n"


class Result:
    """What one benchmark hands to run.py: its part of the document and
    the targets it judged."""

    def __init__(self, title, markdown, targets):
        self.title, self.markdown, self.targets = title, markdown, targets


def standalone(run):
    """Runs one benchmark's run(ctx) from the command line:
    `bench_x.py BUILD_DIR`, printing its Markdown."""
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} BUILD_DIR")
    ctx = Context(sys.argv[1])
    try:
        result = run(ctx)
    finally:
        ctx.cleanup()
    say(result.markdown)
    sys.exit(1 if any(t.verdict == "MISS" for t in result.targets) else 0)
