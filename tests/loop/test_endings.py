"""How a session ends when its reader or its user stops it.

    test_endings.py reader_gone|interrupted

reader_gone: a watching session (-f) whose standard output is a pipe that
its reader closes after the first line, as `cctrial -f pkg | head -1`
does, ends by itself with status 141 and leaves no process behind (it
used to go on for ever, writing into the void).

interrupted: SIGINT during a run still gives every reporter the run's end,
marked interrupted: the JSON reporter's stream closes with a run_end whose
"interrupted" is true, and the summary says after how many tests.
"""

import json
import os
import signal
import subprocess
import sys
import time

import harness
import loopkit
from harness import check, say

SLOW = loopkit.TEST_HEADER + """import time


class Slow(unittest.TestCase):
    def test_quick(self):
        pass

    def test_slow(self):
        time.sleep(60)
"""

PASSING = loopkit.TEST_HEADER + """

class Pass(unittest.TestCase):
""" + "".join(f"    def test_{i}(self):\n        pass\n" for i in range(40))


def reader_gone():
    root = loopkit.project({"ends/__init__.py": "",
                            "ends/test_pass.py": PASSING})
    argv = [harness.CCTRIAL, "--python", harness.TEST_PYTHON, "-f", "ends"]
    proc = subprocess.Popen(argv, cwd=root, env=harness.base_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        first = proc.stdout.readline()
        check(first.startswith(b"Running 40 tests."),
              f"expected 'Running 40 tests.' first, got {first!r}")
        proc.stdout.close()  # as head does after its line
        try:
            status = proc.wait(timeout=harness.RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise harness.HarnessError(
                "cctrial -f went on after its standard output's reader "
                f"left ({harness.RUN_TIMEOUT}s)")
        err = proc.stderr.read().decode("utf-8", "replace")
        check(status == 141, f"expected exit status 141, got {status}; "
              f"standard error:\n{err}")
        deadline = time.monotonic() + 10
        while True:
            left = [p for p in os.listdir("/proc") if p.isdigit() and
                    os.path.exists(f"/proc/{p}/stat") and
                    _session_of(p) == proc.pid]
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        check(not left, f"processes of cctrial's left: {left}")
        say("cctrial -f | (read one line): exit 141, nothing left")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def _session_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2:].split()[3])


def interrupted():
    root = loopkit.project({"ends/__init__.py": "",
                            "ends/test_slow.py": SLOW})
    events = os.path.join(harness.empty_dir("events"), "events.jsonl")
    rc = loopkit.config(root, "[cctrial]\nreporters = summary, json\n"
                        f"[reporter.json]\npath = {events}\n")
    with harness.Cctrial(root, ["--once", f"--config={rc}", "ends"]) as cct:
        cct.start()

        def slow_started():
            if not os.path.exists(events):
                return False
            with open(events) as f:
                return any('"test_start"' in line and
                           "Slow.test_slow" in line for line in f)
        loopkit.wait_until(slow_started, harness.RUN_TIMEOUT,
                           "test_slow to start (a test_start event)")
        cct.signal(signal.SIGINT)
        status = cct.wait_exit()
        check(status == 130, f"expected exit status 130, got {status}\n"
              + cct.describe())
        with open(events) as f:
            kinds = [json.loads(line) for line in f]
        ends = [e for e in kinds if e["event"] == "run_end"]
        check(len(ends) == 1 and ends[0]["interrupted"] is True,
              f"expected one run_end with interrupted true, got {ends}")
        check(ends[0]["tests_run"] == 1,
              f"expected tests_run 1 (test_quick), got {ends[0]}")
        check("Interrupted after 1 of the tests." in cct.output,
              "expected the summary to say the run was interrupted\n"
              + cct.describe())
        say("SIGINT during a run: run_end interrupted, exit 130")


CASES = {"reader_gone": reader_gone, "interrupted": interrupted}

if __name__ == "__main__":
    harness.main(CASES[sys.argv[1]])
