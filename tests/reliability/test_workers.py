"""Workers that die or hang, end to end.

    test_workers.py CASE [JOBS]

exit JOBS         a test ends its worker with os._exit(3)
sigkill JOBS      ... with SIGKILL sent to itself
segv JOBS         ... with a segmentation fault (ctypes.string_at(0))
setup_exit JOBS   setUp ends the worker with os._exit(4)
timeout JOBS      `timeout = 2` and a test that sleeps 60 s
no_result         a failure text over 64 KiB (Twisted 22.4 sends no result)
closes_channel W  a test closes fd 3, the worker's command pipe (W: fast or
                  stock, the worker)
closes_channel_drained  the same, with nothing left unread in the pipe
closes_channel_logs W  the same, and the test then logs a line, which
                  cctrial answers on the closed pipe while the test runs
closes_channel_queued  the same in the fast worker, with 100 tests after
                  it (up to 32 held ahead): none begins in that worker
exit_queued       a test ends its fast worker with os._exit(3) while
                  results are read in batches: every other test runs
                  once, in some worker, and its result counts
timeout_queued    the same with a test past its timeout
quits W           after a test, trial's Run raises: the worker quits

In the four ways to die, the dying test first writes two lines on its
stderr.  It must get one ERROR result saying how its worker ended (the exit
status or the signal's name) with those lines; every other test runs and
passes; exit status 1; nothing left running.  That a new worker replaced
the dead one is seen in the tests themselves: each records the pid of the
worker that ran it.  With one job, the tests after the crash ran in another
process than the crash's.  With two, the two tests after it wait for each
other (a barrier, bounded), which only two live workers can satisfy: the
survivor and the replacement.

no_result: what each runner makes of `self.fail("x" * 70000)` with
Twisted 22.4, whose worker cannot send a failure text over 64 KiB and
still answers Run with success:
    python3 -m twisted.trial         FAILED (failures=1, successes=1)
    python3 -m twisted.trial -j2     Ran 2 tests, PASSED (successes=1): the
                                     test is counted as run, silently lost,
                                     and the run passes
    cctrial                          FAILED (errors=1, successes=1): "the
                                     worker reported no result"
The script checks all three (with Twisted 22.10 or later the text travels
as a stream and cctrial reports the failure itself).
"""

import os
import re
import sys
import time

import harness
import relkit
from harness import check, say

PROJECT = relkit.TEST_HEADER + """import ctypes
import os
import signal
import sys
import time

STATE = {state!r}
JOBS = {jobs}


def note_pid(test):
    with open(os.path.join(STATE, "pid-" + test.id()), "w") as f:
        f.write(str(os.getpid()))


def end_worker():
    sys.stderr.write("first line on stderr\\nthe worker ends now\\n")
    sys.stderr.flush()
    {end}


class Before(unittest.TestCase):
    def setUp(self):
        note_pid(self)

    def test_1(self):
        pass

    def test_2(self):
        pass

    def test_3(self):
        pass


class Crash(unittest.TestCase):
    def setUp(self):
        note_pid(self)
        {setup_end}

    def test_end(self):
        end_worker()


class ZAfter(unittest.TestCase):
    def setUp(self):
        note_pid(self)
        if JOBS > 1:
            self.barrier()

    def barrier(self):
        # Both tests of this class wait until both have started: two live
        # workers after the crash, so one of them replaced it.
        open(os.path.join(STATE, "barrier-" + self.id()), "w").close()
        deadline = time.monotonic() + 60
        while len([n for n in os.listdir(STATE)
                   if n.startswith("barrier-")]) < 2:
            if time.monotonic() > deadline:
                self.fail("no second worker reached the barrier in 60 s")
            time.sleep(0.02)

    def test_1(self):
        pass

    def test_2(self):
        pass
"""

ENDS = {
    "exit": ("os._exit(3)", "test_end", r"the worker exited with status 3"),
    "sigkill": ("os.kill(os.getpid(), signal.SIGKILL)", "test_end",
                r"the worker was killed by signal 9 \(SIGKILL\)"),
    "segv": ("ctypes.string_at(0)", "test_end",
             r"the worker was killed by signal 11 \(SIGSEGV\)"),
    "setup_exit": ("os._exit(4)", "setUp",
                   r"the worker exited with status 4"),
}
CRASH = "crashy.test_crash.Crash.test_end"
OTHERS = ["crashy.test_crash.Before.test_1", "crashy.test_crash.Before.test_2",
          "crashy.test_crash.Before.test_3", "crashy.test_crash.ZAfter.test_1",
          "crashy.test_crash.ZAfter.test_2"]


def read_pid(state, test_id):
    path = os.path.join(state, "pid-" + test_id)
    check(os.path.exists(path), f"{test_id} did not run (no {path})")
    with open(path) as f:
        return int(f.read())


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def case_death(how, jobs):
    end, where, pattern = ENDS[how]
    state = harness.empty_dir("state")
    source = PROJECT.format(
        state=state, jobs=jobs,
        end=end,
        setup_end="end_worker()" if where == "setUp" else "pass")
    root = relkit.project({"crashy/__init__.py": "",
                           "crashy/test_crash.py": source})
    run = relkit.run_once(root, ["crashy"], jobs=jobs)
    run.expect(1, 6, "FAILED", errors=1, successes=5)
    run.expect_valid_utf8()

    error = run.only_result(CRASH)
    text = error["text"]
    check(error["outcome"] == "error" and re.search(pattern, text),
          f"expected an error saying /{pattern}/, got {error}")
    tail = re.search(r"Last lines of its stderr \(.*/err\.log\):\n"
                     r"first line on stderr\nthe worker ends now\n", text)
    check(tail, f"expected the last lines of its stderr in:\n{text}")
    say(f"{CRASH}: {text.splitlines()[0]!r}, with its stderr's last lines")
    for test_id in OTHERS:
        result = run.only_result(test_id)
        check(result["outcome"] == "success",
              f"expected {test_id} to pass, got {result}")

    crash_pid = read_pid(state, CRASH)
    check(not pid_alive(crash_pid), f"the crashed worker {crash_pid} lives")
    after = {read_pid(state, t) for t in OTHERS if "ZAfter" in t}
    check(crash_pid not in after,
          f"tests after the crash ran in the dead worker {crash_pid}?")
    if jobs > 1:
        check(len(after) == 2, f"the two tests after the crash ran in "
              f"{after}: expected two workers (survivor and replacement)")
    say(f"the dead worker ({crash_pid}) was replaced: the tests after it "
        f"ran in {sorted(after)}")


TIMEOUT_PROJECT = relkit.TEST_HEADER + """import sys
import time


class Hang(unittest.TestCase):
    def test_a(self):
        pass

    def test_hang(self):
        sys.stderr.write("sleeping for a minute\\n")
        sys.stderr.flush()
        time.sleep(60)

    def test_z(self):
        pass


class More(unittest.TestCase):
    def test_1(self):
        pass

    def test_2(self):
        pass
"""


def case_timeout(jobs):
    root = relkit.project({"hangs/__init__.py": "",
                           "hangs/test_hang.py": TIMEOUT_PROJECT})
    started = time.monotonic()
    run = relkit.run_once(root, ["hangs"], jobs=jobs,
                          config_text="[cctrial]\ntimeout = 2\n")
    wall = time.monotonic() - started
    run.expect(1, 5, "FAILED", errors=1, successes=4)
    error = run.only_result("hangs.test_hang.Hang.test_hang")
    check(error["outcome"] == "error"
          and error["text"].startswith("timed out after 2 s")
          and "sleeping for a minute" in error["text"],
          f"expected 'timed out after 2 s' and its stderr, got {error}")
    say(f"the hanging test: {error['text'].splitlines()[0]!r}")
    # Not a speed check: a generous bound that only a missing timeout
    # (the test sleeping its whole minute) would break.
    check(wall < 45, f"cctrial took {wall:.0f}s: the 60 s sleep was not "
          "cut short")
    say(f"the run took {wall:.1f}s, not the 60 s of the sleep")


BIG_FAIL = relkit.TEST_HEADER + """

class Big(unittest.TestCase):
    def test_big_fail(self):
        self.fail("x" * 70000)

    def test_ok(self):
        pass
"""


def case_no_result():
    root = relkit.project({"bigfail/__init__.py": "",
                           "bigfail/test_big.py": BIG_FAIL})
    names = ["bigfail"]
    single = harness.run_trial(root, names)
    check(single.summary.counts["failures"] == 1
          and single.summary.counts["successes"] == 1,
          "single-process trial should report the failure:\n"
          + single.output)
    say(f"trial: {harness.format_summary(single.summary)}")
    streams = relkit.twisted_version() >= (22, 10)
    dist = harness.run_trial(root, names, jobs=2)
    say(f"trial -j2: {harness.format_summary(dist.summary)}")
    if not streams:
        # What the docstring says of Twisted 22.4's distributed trial.
        check(dist.summary.ran == 2 and dist.summary.verdict == "PASSED"
              and dist.summary.counts["successes"] == 1
              and dist.summary.counts["failures"] == 0,
              "trial -j2 no longer loses the failure silently; update "
              "this test's docstring:\n" + dist.output)

    run = relkit.run_once(root, names)
    if streams:
        run.expect(1, 2, "FAILED", failures=1, successes=1)
        return
    run.expect(1, 2, "FAILED", errors=1, successes=1)
    error = run.only_result("bigfail.test_big.Big.test_big_fail")
    check(error["outcome"] == "error"
          and "the worker reported no result" in error["text"],
          f"expected 'the worker reported no result', got {error}")
    say(f"cctrial: {error['text'].splitlines()[0]!r}")


def expect_innocents_pass(run, case):
    """test_b_innocent and test_c_innocent of `case`, after the culprit,
    each have one result: a success."""
    for innocent in ("test_b_innocent", "test_c_innocent"):
        result = run.only_result(f"{case}.{innocent}")
        check(result["outcome"] == "success",
              f"expected {innocent} to pass, got {result}")


CLOSES_FD3 = relkit.TEST_HEADER + """import os


class Channel(unittest.TestCase):
    def test_a_closes_fd3(self):
        os.close(3)

    def test_b_innocent(self):
        pass

    def test_c_innocent(self):
        pass
"""


def case_closes_channel(worker, fixture=CLOSES_FD3):
    """A test that closes fd 3 (the worker's command pipe) passes, and the
    worker can run nothing more: the error is that test's, and the tests
    after it run in a new worker and pass."""
    root = relkit.project({"chan/__init__.py": "",
                           "chan/test_fd.py": fixture})
    run = relkit.run_once(root, ["chan"], args=[f"--worker={worker}"])
    run.expect(1, 3, "FAILED", errors=1, successes=3)
    culprit = run.results("chan.test_fd.Channel.test_a_closes_fd3")
    check(sorted(r["outcome"] for r in culprit) == ["error", "success"]
          and any("command pipe (file descriptor 3)" in r["text"]
                  for r in culprit),
          f"expected test_a_closes_fd3 to pass and then be blamed, got "
          f"{culprit}")
    expect_innocents_pass(run, "chan.test_fd.Channel")
    say(f"--worker={worker}: the test that closed fd 3 is blamed, the "
        "others pass")


DRAINS_FD3 = relkit.TEST_HEADER + """import os
import select


class Channel(unittest.TestCase):
    def test_a_closes_fd3(self):
        # What cctrial sent ahead is read first, as the fast worker reads
        # its commands in blocks: then nothing is left unread when fd 3
        # closes.
        if select.select([3], [], [], 10)[0]:
            os.read(3, 65536)
        os.close(3)

    def test_b_innocent(self):
        pass

    def test_c_innocent(self):
        pass
"""


def case_closes_channel_drained():
    """The same when nothing is left unread in the command pipe as the
    test closes it (the fast worker had read the test sent ahead): the
    worker's end of a socket pair gone with nothing unread polls as hung
    up, not as an error, and the test is blamed all the same; the test
    sent ahead runs in a new worker."""
    case_closes_channel("fast", DRAINS_FD3)


BREAKS_TRIAL = relkit.TEST_HEADER + """from twisted.trial import runner


def bail(suite):
    raise RuntimeError("the test broke trial's TrialSuite._bail")


class Quit(unittest.TestCase):
    def test_a_breaks_trial(self):
        # Around each test the worker runs, trial's TrialSuite now raises:
        # AMP answers the Run with "Unknown Error" in a QuitBox, and the
        # worker goes.
        runner.TrialSuite._bail = bail

    def test_b_innocent(self):
        pass

    def test_c_innocent(self):
        pass
"""


def case_quits(worker):
    """A test after which trial's Run raises (in TrialSuite, around the
    test) passes, and its Run's failure is its own (trial's manager
    records a failed Run as a failure of the test): the worker quits, and
    the test sent ahead to it runs in a new worker and passes, blamed for
    nothing."""
    root = relkit.project({"quit/__init__.py": "",
                           "quit/test_quit.py": BREAKS_TRIAL})
    run = relkit.run_once(root, ["quit"], args=[f"--worker={worker}"])
    run.expect(1, 3, "FAILED", failures=1, successes=3)
    culprit = run.results("quit.test_quit.Quit.test_a_breaks_trial")
    check(sorted(r["outcome"] for r in culprit) == ["failure", "success"]
          and any("Unknown Error" in r["text"] for r in culprit),
          f"expected test_a_breaks_trial to pass and its Run to fail with "
          f"AMP's Unknown Error, got {culprit}")
    expect_innocents_pass(run, "quit.test_quit.Quit")
    say(f"--worker={worker}: the Run that raised is its test's failure, "
        "the tests after it pass in a new worker")


LOGS_AFTER_CLOSING_FD3 = relkit.TEST_HEADER + """import os
import time

from twisted.python import log


class Channel(unittest.TestCase):
    def test_a_closes_fd3(self):
        os.close(3)
        # A worker's log line is a call cctrial answers on fd 3 (the fast
        # worker sends it at once): the answer's write fails while this
        # test still runs, before its result comes.
        log.msg("logged after closing fd 3")
        time.sleep(0.5)

    def test_b_innocent(self):
        pass

    def test_c_innocent(self):
        pass
"""


def case_closes_channel_logs(worker):
    """cctrial's write to a command pipe the running test closed fails:
    the worker lives on, and the test's success, which it reports after
    that, counts; the test is then blamed for the pipe, not for the
    write."""
    case_closes_channel(worker, LOGS_AFTER_CLOSING_FD3)


QUEUED = relkit.TEST_HEADER + """import os

RUNS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                    "runs")


def ran(test):
    with open(RUNS, "a") as f:
        f.write(test.id() + " " + str(os.getpid()) + "\\n")


class Queue(unittest.TestCase):
    def test_00_culprit(self):
        ran(self)
        {culprit}
""" + "".join(f"""
    def test_{n:02d}(self):
        ran(self)
""" for n in range(1, 101))


def runs_of(root):
    """{test id: [pid of each run]} from the fixture's runs file."""
    runs = {}
    with open(os.path.join(root, "..", "runs")) as f:
        for line in f:
            test_id, pid = line.split()
            runs.setdefault(test_id, []).append(int(pid))
    return runs


def check_each_ran_once(root, run, tests, culprit_pid):
    """Each of `tests` ran once, not in the culprit's worker, and its one
    result is a success."""
    runs = runs_of(root)
    for test_id in tests:
        check(len(runs.get(test_id, [])) == 1,
              f"{test_id} ran {len(runs.get(test_id, []))} times "
              f"(pids {runs.get(test_id)}), expected once")
        check(runs[test_id][0] != culprit_pid,
              f"{test_id} ran in the culprit's worker {culprit_pid}")
        result = run.only_result(test_id)
        check(result["outcome"] == "success",
              f"expected {test_id} to pass, got {result}")


def queued_case(culprit, module, config_text=""):
    """The fixture with `culprit` in its first test, run by one fast
    worker, which holds the next tests ahead (100 tests: more than it
    may hold); returns (root, run, the other tests' ids)."""
    root = relkit.project({"held/__init__.py": "",
                           f"held/{module}.py":
                               QUEUED.replace("{culprit}", culprit)})
    run = relkit.run_once(root, ["held"], jobs=1, args=["--worker=fast"],
                          config_text=config_text)
    prefix = f"held.{module}.Queue"
    return root, run, prefix + ".test_00_culprit", [
        f"{prefix}.test_{n:02d}" for n in range(1, 101)]


def case_closes_channel_queued():
    """A test closes fd 3 while its fast worker holds tests ahead (read
    already, as the worker reads commands in blocks): the worker runs none
    of them; each runs once, in the next worker, and passes."""
    root, run, culprit, others = queued_case("os.close(3)", "test_fd")
    run.expect(1, 101, "FAILED", errors=1, successes=101)
    blamed = run.results(culprit)
    check(any("command pipe (file descriptor 3)" in r["text"]
              for r in blamed), f"expected {culprit} blamed, got {blamed}")
    check_each_ran_once(root, run, others, runs_of(root)[culprit][0])
    say("the tests held ahead of the one that closed fd 3 each ran once, "
        "in the next worker")


def case_exit_queued():
    """A test ends its fast worker while it holds tests ahead and cctrial
    reads its results in batches: the test's one result is an error
    saying so; each test after it runs once, in the next worker, and
    passes."""
    root, run, culprit, others = queued_case("os._exit(3)", "test_exit")
    run.expect(1, 101, "FAILED", errors=1, successes=100)
    error = run.only_result(culprit)
    check(error["outcome"] == "error"
          and "the worker exited with status 3" in error["text"],
          f"expected {culprit}'s error, got {error}")
    check_each_ran_once(root, run, others, runs_of(root)[culprit][0])
    say("a worker that died holding tests ahead: each other test ran "
        "once and passed")


def case_timeout_queued():
    """A test times out while its fast worker holds tests ahead and
    cctrial reads its results in batches: the test's one result says it
    timed out, and each other test runs once and passes."""
    root, run, culprit, others = queued_case(
        "import time; time.sleep(60)", "test_hang",
        config_text="[cctrial]\ntimeout = 2\n")
    run.expect(1, 101, "FAILED", errors=1, successes=100)
    error = run.only_result(culprit)
    check(error["outcome"] == "error"
          and error["text"].startswith("timed out after 2 s"),
          f"expected {culprit} to time out, got {error}")
    check_each_ran_once(root, run, others, runs_of(root)[culprit][0])
    say("a test that timed out with tests held behind it: each other test "
        "ran once and passed")


def main():
    args = sys.argv[1:]
    if args and args[0] in ENDS and len(args) == 2:
        case_death(args[0], int(args[1]))
    elif args[:1] == ["timeout"] and len(args) == 2:
        case_timeout(int(args[1]))
    elif args == ["no_result"]:
        case_no_result()
    elif args[:1] == ["closes_channel"] and len(args) == 2:
        case_closes_channel(args[1])
    elif args[:1] == ["closes_channel_logs"] and len(args) == 2:
        case_closes_channel_logs(args[1])
    elif args == ["closes_channel_drained"]:
        case_closes_channel_drained()
    elif args == ["closes_channel_queued"]:
        case_closes_channel_queued()
    elif args == ["exit_queued"]:
        case_exit_queued()
    elif args == ["timeout_queued"]:
        case_timeout_queued()
    elif args[:1] == ["quits"] and len(args) == 2:
        case_quits(args[1])
    else:
        sys.exit("usage: test_workers.py {exit,sigkill,segv,setup_exit,"
                 "timeout} JOBS | no_result | "
                 "closes_channel|closes_channel_logs|quits fast|stock | "
                 "closes_channel_drained | closes_channel_queued | "
                 "exit_queued | timeout_queued")


if __name__ == "__main__":
    harness.main(main)
