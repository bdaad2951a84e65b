"""A job stopped longer than --timeout does not time its test out.

    test_stopped.py ctrl_z|stop

A test that takes 3 s runs with --timeout 4; while it runs, its job is
stopped for 6 s then continued.  The per-test limit counts the time the
test ran, so the run passes; it used to report "timed out after 4 s".

ctrl_z: as a user does it, in an interactive bash with job control on a
tmux terminal: cctrial -f waits with its keys in raw mode, Ctrl-Z is
typed during the test, then `fg`.  (Job-control stops need a shell: a
process group without one is orphaned, and the kernel discards SIGTSTP.)
stop: SIGSTOP then SIGCONT to the process group of cctrial --once, which
cctrial cannot see coming.
ctrl_z_closed_commands: the same Ctrl-Z while a test runs that closed its
worker's command pipe (fd 3) and then logged a line, whose answer cctrial
could not write: a worker in that state is killed when it neither answers
nor ends within 2 s, and that bound too stops with the job.  The test's
success, which comes after `fg`, must count (then the test is blamed for
the pipe, as always); it used to be lost to a kill at `fg`.
"""

import json
import os
import shlex
import signal
import subprocess
import sys
import time

import harness
import loopkit
from harness import check, say

TESTS = loopkit.TEST_HEADER + """import os
import time


class Slowish(unittest.TestCase):
    def test_three_seconds(self):
        open(os.environ["CCT_TEST_STARTED"], "w").close()
        time.sleep(3)
"""


CLOSES_COMMANDS = loopkit.TEST_HEADER + """import os
import time

from twisted.python import log


class Closes(unittest.TestCase):
    def test_closes_fd3(self):
        os.close(3)
        # A log line is a call cctrial answers on fd 3: the answer's write
        # fails, and the bound on the worker starts.
        log.msg("logged after closing fd 3")
        open(os.environ["CCT_TEST_STARTED"], "w").close()
        time.sleep(1.5)
"""


def setup(tests=TESTS):
    root = loopkit.project({"stopped/__init__.py": "",
                            "stopped/test_slowish.py": tests})
    events = os.path.join(harness.empty_dir("events"), "events.jsonl")
    rc = loopkit.config(root, "[cctrial]\nreporters = summary, json\n"
                        f"[reporter.json]\npath = {events}\n")

    marker = os.path.join(harness.empty_dir("marker"), "started")
    os.environ["CCT_TEST_STARTED"] = marker

    def started():
        # The test runs in its worker, and cctrial has had the time to
        # read the worker's answer to Start, from which the clock runs.
        if not os.path.exists(marker):
            return False
        time.sleep(0.5)
        return True
    return root, rc, started, events


def ctrl_z(tests=TESTS, stop_seconds=6):
    root, rc, started, events = setup(tests)
    socket = f"cct-stopped-{os.getpid()}"
    tmux = ["tmux", "-L", socket]
    env = harness.base_env()
    env["TERM"] = "xterm"

    def screen():
        return subprocess.run(tmux + ["capture-pane", "-p", "-S", "-200"],
                              capture_output=True, text=True,
                              env=env).stdout

    def keys(*words):
        subprocess.run(tmux + ["send-keys"] + list(words), check=True,
                       env=env)

    subprocess.run(tmux + ["new-session", "-d", "-x", "132", "-y", "40",
                           "bash --norc --noprofile -i"], check=True,
                   env=env, cwd=root)
    try:
        command = " ".join(shlex.quote(a) for a in [
            harness.CCTRIAL, "--python", harness.TEST_PYTHON, "-f",
            "--timeout", "4", f"--config={rc}", "stopped"])
        keys(command + "; echo EXIT=$?", "Enter")
        loopkit.wait_until(started, harness.RUN_TIMEOUT,
                           "the test to start in its worker (its marker file)")
        keys("C-z")
        loopkit.wait_until(lambda: "Stopped" in screen(), 10,
                           "bash to say the job stopped")
        time.sleep(stop_seconds)  # the stop being tested
        keys("fg", "Enter")
        loopkit.wait_until(lambda: "PASSED" in screen() or
                           "FAILED" in screen(), harness.RUN_TIMEOUT,
                           "the run's verdict after fg")
        keys("q")
        loopkit.wait_until(lambda: "EXIT=" in screen(), 20,
                           "cctrial to quit on q")
        return screen(), events
    finally:
        subprocess.run(tmux + ["kill-server"], env=env,
                       stderr=subprocess.DEVNULL)


def ctrl_z_timeout():
    shown, _ = ctrl_z()
    check("PASSED (successes=1)" in shown and "timed out" not in shown,
          "expected the 3 s test to pass after a 6 s Ctrl-Z "
          f"(--timeout 4); the terminal shows:\n{shown}")
    say("Ctrl-Z for 6 s during a 3 s test, --timeout 4, then fg: passed")


def ctrl_z_closed_commands():
    shown, events = ctrl_z(CLOSES_COMMANDS, stop_seconds=4)
    # The first run's: the workflow then retries the failed test.
    with open(events, encoding="utf-8") as f:
        first_run = []
        for event in map(json.loads, f):
            if event["event"] == "run_end":
                break
            first_run.append(event)
    results = [e for e in first_run if e["event"] == "test_result"]
    outcomes = sorted(e["outcome"] for e in results)
    check(outcomes == ["error", "success"] and
          any("command pipe (file descriptor 3)" in e["text"]
              for e in results) and "within 2 s" not in shown,
          "expected the test that closed fd 3 to pass after a 4 s Ctrl-Z "
          "(the 2 s bound stopped with the job), then be blamed for the "
          f"pipe; its results: {results}\nthe terminal shows:\n{shown}")
    say("Ctrl-Z for 4 s while a worker whose command pipe is closed runs "
        "its test, then fg: the test's success counts")


def stop():
    root, rc, started, _ = setup()
    how = signal.SIGSTOP
    args = ["--once", "--timeout", "4", f"--config={rc}", "stopped"]
    with harness.Cctrial(root, args) as cct:
        cct.start()
        loopkit.wait_until(started, harness.RUN_TIMEOUT,
                           "the test to start in its worker (its marker file)")
        cct.signal(how, group=True)
        time.sleep(6)  # the stop being tested: longer than --timeout
        cct.signal(signal.SIGCONT, group=True)
        status = cct.wait_exit()
        check(status == 0 and "PASSED (successes=1)" in cct.output,
              f"expected the 3 s test to pass after a 6 s stop "
              f"(--timeout 4)\n" + cct.describe())
        say(f"stopped 6 s by {how.name} during a 3 s test, --timeout 4: "
            "passed")


if __name__ == "__main__":
    harness.main({"ctrl_z": ctrl_z_timeout,
                  "ctrl_z_closed_commands": ctrl_z_closed_commands,
                  "stop": stop}[sys.argv[1]])
