#!/usr/bin/python3
"""The terminal captures of docs/captures/, taken again and compared.

The built cctrial runs in a real terminal, a tmux pane of 100x30 started
in a bash with the prompt `$ `, as a user would type it, with a clean
environment (LANG C.UTF-8, TERM set, NO_COLOR and CI unset, an empty
XDG_CONFIG_HOME but for `notifier = none` and the interpreter with
Twisted).  `tmux capture-pane -p` takes what the pane shows at three
moments, from two sessions:

    long-run.txt     `cctrial -f slowpkg` (projects/slow), during its second
                     run, once the status line shows the time so far and
                     the time left (ETA, from the first run's time)
    waiting.txt      the same session, after `s` (smart mode) and `p` with
                     a filter: the waiting line says both
    failing-run.txt  `cctrial fxfail` (tests/projects/failing), everything
                     from the command to the wait that follows the fix
                     loop's re-run, scrolled-off lines included: the
                     tracebacks as they came, the summary, the final line

Both sessions wait for each moment with a bound and say what they waited
for when it does not come; the tmux server is killed at the end whatever
happens, and no process of the run may be left.

The captures are stored as the pane shows them, but for the temporary
directory of the projects, written /home/me/src.  The comparison is loose:
both sides are normalised (times, elapsed and ETA, dates, line numbers,
PIDs, runs of spaces, trailing space; the stack frames outside the project,
which depend on the Python and Twisted installed, become one line), then
must be the same lines in the same order: the status line's shape, the
failures' headers and tracebacks, the summaries, the final line, the
waiting line and the hint of keys.

    captures.py --cctrial BUILD/cctrial            compare (a CTest test)
    captures.py --cctrial BUILD/cctrial --update   rewrite docs/captures/

Standard library only; run with the interpreter that has Twisted, which is
also the one the workers use.
"""

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
CAPTURES = os.path.join(SOURCE, "docs", "captures")
SLOW_PROJECT = os.path.join(HERE, "projects", "slow")
FAILING_PROJECT = os.path.join(SOURCE, "tests", "projects", "failing")

WIDTH, HEIGHT = 100, 30
SHOWN_ROOT = "/home/me/src"  # what the captures say for the temporary root
# Every wait is bounded; a run of either project takes a few seconds.
WAIT = 90.0
WAITING = "waiting for filesystem change..."
KEYS_HINT = "keys: Enter re-run"
CAPTURE_NAMES = ("long-run", "failing-run", "waiting")


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


# ---- a tmux session ---------------------------------------------------------


class Session:
    """One tmux server of its own (its own socket, no configuration file)
    with one 100x30 pane running an interactive bash in `cwd`."""

    def __init__(self, name, cwd, env):
        self.name = name
        self.env = env
        self.tmux = ["tmux", "-L", f"cct-captures-{os.getpid()}-{name}",
                     "-f", "/dev/null"]
        self._tmux("new-session", "-d", "-x", str(WIDTH), "-y", str(HEIGHT),
                   "-c", cwd,
                   "PS1='$ ' exec bash --norc --noprofile -i")
        try:
            self.wait_for("bash's prompt", lambda s: s.strip() == "$")
        except BaseException:
            self.kill()
            raise

    def _tmux(self, *args):
        done = subprocess.run(self.tmux + list(args), env=self.env,
                              capture_output=True, text=True, timeout=30)
        check(done.returncode == 0, f"tmux {' '.join(args)} failed "
              f"({done.returncode}): {done.stderr.strip()}")
        return done.stdout

    def screen(self, history=False):
        """What the pane shows (with history: every line since it
        started), wrapped lines joined, trailing spaces and blank lines
        removed."""
        args = ["capture-pane", "-p", "-J"] + (["-S", "-"] if history
                                               else [])
        lines = [line.rstrip() for line in self._tmux(*args).splitlines()]
        while lines and not lines[-1]:
            lines.pop()
        return "\n".join(lines) + "\n"

    def type(self, text):
        self._tmux("send-keys", "-l", text)

    def key(self, name):
        self._tmux("send-keys", name)

    def wait_for(self, what, ready, history=False):
        """Wait until ready(screen) is true; fail saying `what` was
        awaited, with what the pane shows."""
        deadline = time.monotonic() + WAIT
        while True:
            shown = self.screen(history)
            if ready(shown):
                return shown
            if time.monotonic() > deadline:
                raise Failure(f"{self.name}: no {what} after {WAIT:.0f}s; "
                              f"the pane shows:\n{shown}")
            time.sleep(0.2)

    def wait_command_exit(self, what):
        """Wait until the pane runs bash alone again."""
        deadline = time.monotonic() + WAIT
        while self._tmux("display-message", "-p",
                         "#{pane_current_command}").strip() != "bash":
            if time.monotonic() > deadline:
                raise Failure(f"{self.name}: {what} did not happen in "
                              f"{WAIT:.0f}s; the pane shows:\n"
                              f"{self.screen()}")
            time.sleep(0.2)

    def kill(self):
        subprocess.run(self.tmux + ["kill-server"], env=self.env,
                       capture_output=True, timeout=30)


def last_lines(shown, count):
    return shown.rstrip("\n").split("\n")[-count:]


def waits_with(text):
    """A screen whose last lines are a waiting line `text` and the keys'
    hint under it: cctrial has finished a run and waits."""
    def ready(shown):
        lines = last_lines(shown, 2)
        return (len(lines) == 2 and lines[0] == text
                and lines[1].startswith(KEYS_HINT))
    return ready


# ---- the two sessions -------------------------------------------------------


def long_session(root, env, captures):
    """A first run of projects/slow that passes, then a second (Enter)
    held at its fifth test until the status line has been captured, then
    smart mode and a filter, each said on the waiting line."""
    project = os.path.join(root, "slow")
    shutil.copytree(SLOW_PROJECT, project)
    hold = os.path.join(project, ".hold")  # see slowpkg/test_slow.py
    session = Session("long-run", project, env)
    try:
        session.type("cctrial -f slowpkg")
        session.key("Enter")
        session.wait_for("first run's end and wait", waits_with(WAITING))
        with open(hold, "w"):
            pass
        session.key("Enter")
        status = re.compile(r"^slowpkg\.test_slow\.Steps\.test_5_transfer "
                            r".* ETA \d+:\d\d$", re.M)
        captures["long-run"] = session.wait_for(
            "status line at test_5_transfer with the time left (ETA)",
            status.search)
        os.unlink(hold)
        session.wait_for("second run's end and wait",
                         lambda s: s.count(WAITING) == 2, history=True)
        session.key("s")
        session.wait_for("notice that smart mode is on, after s",
                         lambda s: "smart mode on" in s)
        session.key("p")
        session.wait_for("grep prompt", lambda s: "grep pattern" in s)
        session.type("test_1")
        session.key("Enter")
        captures["waiting"] = session.wait_for(
            "wait in smart mode with a filter",
            waits_with(WAITING + " (smart mode, grep 'test_1')"))
        session.key("q")
        session.wait_command_exit("cctrial's exit on q")
    finally:
        session.kill()


def failing_session(root, env, captures):
    """tests/projects/failing: three failures, the fix loop's re-run of
    one, then the wait."""
    project = os.path.join(root, "failing")
    shutil.copytree(FAILING_PROJECT, project)
    session = Session("failing-run", project, env)
    try:
        session.type("cctrial fxfail")
        session.key("Enter")
        session.wait_for("wait after the fix loop's re-run",
                         waits_with(WAITING), history=True)
        captures["failing-run"] = session.screen(history=True)
        session.key("q")
        session.wait_command_exit("cctrial's exit on q")
    finally:
        session.kill()


def environment(root, cctrial, python):
    """The pane's environment: the caller's minus what would leak a
    developer's set-up (a user configuration, colours off, CI, tmux's own
    session, a virtualenv), cctrial first on PATH."""
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("LC_") or key in (
                "NO_COLOR", "CI", "TMUX", "TMUX_PANE", "VIRTUAL_ENV",
                "PYTHONPATH", "CCTRIAL_PLUGIN_PATH", "CCTRIAL",
                "PROMPT_COMMAND"):
            del env[key]
    config = os.path.join(root, "xdg-config")
    os.makedirs(os.path.join(config, "cctrial"))
    with open(os.path.join(config, "cctrial", "cctrialrc"), "w") as f:
        # One worker: the captures show one worker's order of results.
        f.write(f"[cctrial]\nnotifier = none\npython = {python}\n"
                "jobs = 1\n")
    env.update({
        "XDG_CONFIG_HOME": config,
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "TERM": "xterm-256color",
        # Not /dev/null: a shell may rewrite or truncate its history file.
        "HISTFILE": os.path.join(root, "bash_history"),
        "PATH": os.path.dirname(os.path.abspath(cctrial)) + os.pathsep
        + env.get("PATH", "/usr/bin:/bin"),
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def left_behind(root):
    """Live processes whose working directory or command line is in the
    temporary root: what the sessions would have left."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(
                    "utf-8", "replace")
        except OSError:
            continue  # gone, or not ours to see
        if cwd.startswith(root) or root in cmdline:
            found.append(f"{pid} {cmdline.strip()} (in {cwd})")
    return found


def take_captures(cctrial, python):
    check(shutil.which("tmux"), "tmux is not installed "
          "(scripts/install-deps installs it)")
    root = os.path.realpath(tempfile.mkdtemp(prefix="cct-captures-"))
    captures = {}
    try:
        env = environment(root, cctrial, python)
        long_session(root, env, captures)
        failing_session(root, env, captures)
        deadline = time.monotonic() + WAIT
        while left_behind(root) and time.monotonic() < deadline:
            time.sleep(0.2)
        check(not left_behind(root), "processes left behind:\n"
              + "\n".join(left_behind(root)))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {name: text.replace(root, SHOWN_ROOT)
            for name, text in captures.items()}


# ---- the loose comparison ---------------------------------------------------

PROJECT_FRAME = re.compile(r'^  File "' + re.escape(SHOWN_ROOT) + "/")
ANY_FRAME = re.compile(r'^  File ".*", line \d+, in ')
NORMALISE = [
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?"
                r"\d\d)?"), "<DATE>"),
    (re.compile(r"\b\d+\.\d+s\b"), "<SECONDS>s"),  # Ran 4 tests in 0.038s
    (re.compile(r"\b\d+(:\d\d){1,2}\b"), "<M:SS>"),  # elapsed, ETA
    (re.compile(r"\bline \d+\b"), "line <N>"),
    (re.compile(r"\b(pid|PID|process) \d+\b"), r"\1 <PID>"),
    (re.compile(r"/tmp/[^\s\"']*"), "<TMP>"),
    (re.compile(r"(?<=\S) {2,}"), " "),  # columns that move with widths
]


def normalise(text):
    """The lines of a capture as the comparison sees them (see above)."""
    lines = []
    outside = False  # within a run of stack frames outside the project
    for line in text.splitlines():
        line = line.rstrip()
        if ANY_FRAME.match(line) and not PROJECT_FRAME.match(line):
            if not outside:
                lines.append("  <frames outside the project>")
            outside = True
            continue
        if outside and line.startswith("    "):
            continue  # the source line of such a frame
        outside = False
        for pattern, replacement in NORMALISE:
            line = pattern.sub(replacement, line)
        lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def compare(name, committed, fresh):
    """None when the two captures have the same structure, else a diff."""
    want, got = normalise(committed), normalise(fresh)
    if want == got:
        return None
    diff = difflib.unified_diff(want, got, f"docs/captures/{name}.txt",
                                "fresh capture", lineterm="")
    return "\n".join(diff)


# ---- main -------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cctrial", required=True, help="the built cctrial")
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter with Twisted (default: this "
                        "one)")
    parser.add_argument("--update", action="store_true",
                        help="rewrite docs/captures/ instead of comparing")
    args = parser.parse_args()
    try:
        captures = take_captures(args.cctrial, args.python)
        if args.update:
            os.makedirs(CAPTURES, exist_ok=True)
            for name in CAPTURE_NAMES:
                with open(os.path.join(CAPTURES, name + ".txt"), "w",
                          encoding="utf-8") as f:
                    f.write(captures[name])
                print(f"wrote docs/captures/{name}.txt")
            return 0
        problems = []
        for name in CAPTURE_NAMES:
            path = os.path.join(CAPTURES, name + ".txt")
            with open(path, encoding="utf-8") as f:
                diff = compare(name, f.read(), captures[name])
            if diff:
                problems.append(f"{name}: the terminal output's structure "
                                f"changed (normalised lines):\n{diff}\n"
                                f"--- the fresh capture:\n{captures[name]}")
            else:
                print(f"{name}: same structure as docs/captures/{name}.txt")
        check(not problems, "\n".join(problems) + "\nIf the change is "
              "meant, rewrite the captures with: tests/reporters/captures.py "
              "--cctrial BUILD/cctrial --update (and review the diff)")
    except Failure as e:
        print(f"FAIL: {e}", flush=True)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
