"""What the reliability tests share: projects written on the fly, a
cctrial run whose results are read from the json reporter, and a look at
cctrial's own memory and file descriptors in /proc.

Results are read from the json reporter's events (docs/json-events.md),
written to a file named in the run's own configuration, while the summary
reporter prints trial's closing lines on standard output: the tests check
both.
"""

import json
import os
import subprocess
import threading
import time

import harness
from harness import check, say

TEST_HEADER = "from twisted.trial import unittest\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(text, bytes) else "w"
    with open(path, mode) as f:
        f.write(text)


def project(files, name="rel"):
    """A fresh directory holding `files` ({relative path: text})."""
    root = harness.empty_dir(name)
    for path, text in files.items():
        write(os.path.join(root, path), text)
    return root


def config(text="", events=None):
    """A configuration file for --config, outside any project; with
    `events`, the json reporter writes there and runs with summary."""
    if events:
        text = ("[cctrial]\nreporters = summary, json\n" + text
                + f"\n[reporter.json]\npath = {events}\n")
    path = os.path.join(harness.empty_dir("config"), "cctrialrc")
    write(path, text)
    return path


def wait_until(condition, timeout, what, interval=0.05):
    """Polls `condition` until it returns a true value (returned), failing
    after `timeout` seconds with `what` it was waiting for."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        check(time.monotonic() < deadline,
              f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


# ---- the json reporter's events -------------------------------------------

def results(evs, test_id=None):
    return [e for e in evs if e["event"] == "test_result"
            and (test_id is None or e["id"] == test_id)]


def count(evs, event):
    return sum(1 for e in evs if e["event"] == event)


class Run:
    """A finished cctrial run: the Cctrial (cct), its events, and the
    MemoryWatch that followed it (watch)."""

    def __init__(self, cct, evs, watch):
        self.cct = cct
        self.events = evs
        self.watch = watch

    def results(self, test_id=None):
        return results(self.events, test_id)

    def only_result(self, test_id):
        found = self.results(test_id)
        check(len(found) == 1, f"expected one result for {test_id}, got "
              f"{len(found)}: {found}\n" + self.cct.describe())
        return found[0]

    def expect(self, status, ran, verdict, **counts):
        """Exit status, and trial's closing lines with these counts (the
        rest 0), and the same number of tests in the events' run_end."""
        cct = self.cct
        check(cct.returncode == status, f"expected exit status {status}, got "
              f"{cct.returncode}\n" + cct.describe())
        summary = cct.summary()
        want = dict.fromkeys(harness.TRIAL_KEYS, 0)
        want.update(counts)
        check(summary.ran == ran and summary.verdict == verdict
              and summary.counts == want,
              f"expected Ran {ran}, {verdict} {counts}; got "
              f"{harness.format_summary(summary)}\n" + cct.describe())
        ends = [e for e in self.events if e["event"] == "run_end"]
        check(ends and ends[-1]["tests_run"] == ran,
              f"run_end events {ends} do not say {ran} tests ran")
        say(f"exit {status}; {harness.format_summary(summary)}")

    def expect_valid_utf8(self):
        try:
            self.cct.stdout_bytes.decode("utf-8")
        except UnicodeDecodeError as e:
            raise harness.HarnessError(
                f"cctrial's standard output is not valid UTF-8: {e}\n"
                + self.cct.describe())
        say("cctrial's standard output is valid UTF-8")


class Session:
    """One cctrial process (--once unless once=False) whose results also
    go to a json events file, with its memory watched while it runs."""

    def __init__(self, root, names, jobs=1, config_text="", args=(),
                 once=True, env=None, python=harness.TEST_PYTHON,
                 keep=None):
        """`keep(event)`, when given, says which events to keep in memory
        (a long session writes hundreds of thousands)."""
        self.events_file = os.path.join(harness.empty_dir("events"),
                                        "events.jsonl")
        self._keep = keep
        self._kept = []
        self._read = 0       # bytes of the file parsed so far
        argv = ["--config", config(config_text, events=self.events_file)]
        argv += (["--once"] if once else []) + [f"-j{jobs}"]
        argv += list(args) + list(names)
        self.cct = harness.Cctrial(root, argv, env=env, python=python)
        self.watch = None

    def start(self):
        self.cct.start()
        self.watch = MemoryWatch(self.cct)
        return self

    def events(self):
        """The events written so far (those `keep` keeps), read from where
        the last call stopped."""
        try:
            with open(self.events_file, "rb") as f:
                f.seek(self._read)
                data = f.read()
        except FileNotFoundError:
            return self._kept
        complete = data[:data.rfind(b"\n") + 1]
        self._read += len(complete)
        for line in complete.split(b"\n"):
            if line:
                event = json.loads(line.decode("utf-8"))
                if self._keep is None or self._keep(event):
                    self._kept.append(event)
        return self._kept

    def wait_event(self, predicate, timeout, what):
        """Waits for an event for which predicate(event) holds; returns
        it.  Fails, quoting cctrial's output, after `timeout` seconds."""
        def found():
            return next((e for e in self.events() if predicate(e)), None)
        try:
            return wait_until(found, timeout, what)
        except harness.HarnessError as e:
            raise harness.HarnessError(f"{e}\n" + self.cct.describe())

    def finish(self, timeout=harness.RUN_TIMEOUT):
        """Waits for cctrial to exit; checks nothing of it is left."""
        self.cct.wait_exit(timeout)
        self.watch.stop()
        left = self.cct.descendants()
        check(not left, f"processes left after cctrial exited: {left}\n"
              + self.cct.describe())
        return Run(self.cct, self.events(), self.watch)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.watch:
            self.watch.stop()
        return self.cct.__exit__(*exc)


def run_once(root, names, timeout=harness.RUN_TIMEOUT, **kwargs):
    """cctrial --once on `names` in `root` (see Session for the rest); the
    Run, once it has exited leaving nothing behind."""
    with Session(root, names, **kwargs) as session:
        session.start()
        return session.finish(timeout)


# ---- cctrial's own resources ----------------------------------------------

def proc_status(pid):
    """{field: value in kB} of the Vm* lines of /proc/PID/status, or None
    once the process is gone (or a zombie, which has none)."""
    fields = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.startswith("Vm"):
                    fields[key] = int(value.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return fields or None


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def children(pid):
    """Live child processes of `pid` (zombies excluded)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


def workers(pid):
    """cctrial's worker processes: its children but the warm template it
    forks them from (started with --template), and the template's."""
    found = []
    for child in children(pid):
        try:
            with open(f"/proc/{child}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv[-2:] == [b"--template", b""]:
            found += children(child)
        else:
            found.append(child)
    return found


class MemoryWatch:
    """Samples /proc/PID/status in a thread until stop() or the process
    ends; keeps the largest VmHWM (peak resident size) seen, in kB."""

    def __init__(self, cct, interval=0.05):
        self.pid = cct.pid
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,),
                                        daemon=True)
        self._thread.start()

    def _run(self, interval):
        while not self._stop.is_set():
            status = proc_status(self.pid)
            if status is None:
                return
            self.peak = max(self.peak, status.get("VmHWM", 0))
            self.samples += 1
            self._stop.wait(interval)

    def stop(self):
        self._stop.set()
        self._thread.join(5)
        return self.peak

    def check_below(self, limit_mb, what):
        check(self.samples > 0, "no sample of cctrial's memory was taken")
        if os.environ.get("CCT_SANITIZED") == "1":
            say(f"cctrial's peak resident size during {what}: "
                f"{self.peak / 1024:.1f} MB, not held to {limit_mb} MB in "
                f"a sanitized build (AddressSanitizer keeps freed memory "
                f"in quarantine)")
            return
        check(self.peak < limit_mb * 1024,
              f"cctrial's peak resident size was {self.peak / 1024:.1f} MB "
              f"during {what}; the bound is {limit_mb} MB")
        say(f"cctrial's peak resident size during {what}: "
            f"{self.peak / 1024:.1f} MB (bound {limit_mb} MB, "
            f"{self.samples} samples)")


def twisted_version():
    """(major, minor) of the Twisted the tests run with."""
    out = subprocess.run(
        [harness.TEST_PYTHON, "-c",
         "import twisted; print(twisted.__version__)"],
        capture_output=True, text=True, check=True).stdout
    major, minor = out.strip().split(".")[:2]
    return int(major), int(minor)
