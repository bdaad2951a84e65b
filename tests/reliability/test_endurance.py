"""Endurance: one cctrial process, 5,000 tests, 20 runs in a row.

    test_endurance.py [RUNS]

A synthetic suite of 50 modules of 100 trivial tests runs under `cctrial
-f -j2`; each run after the first is driven by a change to a module that
holds no test.  After run 2 and after the last run, once cctrial waits and
its previous workers are gone (only the two prewarmed ones remain), the
script samples cctrial's own resident size (VmRSS) and its open file
descriptors (/proc/PID/fd).  Between the two samples they must not grow
beyond a generous bound: RSS by less than 8 MB, descriptors not at all
(+2 tolerated).  Every run must pass its 5,000 tests.  Every wait is
bounded.
"""

import os
import signal
import sys

import harness
import relkit
from harness import check, say

MODULES, TESTS = 50, 100
RUN_BOUND = 180  # seconds for one run of 5,000 tests on a loaded machine


def suite():
    files = {"big/__init__.py": "", "big/core.py": "VALUE = 0\n"}
    body = "".join(f"    def test_{i:03d}(self):\n        pass\n\n"
                   for i in range(TESTS))
    for m in range(MODULES):
        files[f"big/test_m{m:02d}.py"] = (
            relkit.TEST_HEADER + f"\n\nclass T{m:02d}(unittest.TestCase):\n"
            + body)
    return relkit.project(files, "endurance")


def sample(pid, jobs):
    """(VmRSS in kB, open fds) once cctrial has only its `jobs` prewarmed
    workers left (its children, or the warm template's) and its fd count
    has held still between two looks 0.2 s apart: the workers of the run
    that ended are gone, and so are their pipes (a worker already reaped
    may still have pipes cctrial has not read to their end)."""
    last = []

    def settled():
        if len(relkit.workers(pid)) != jobs:
            last.clear()
            return None
        rss = relkit.proc_status(pid)["VmRSS"]
        fds = relkit.fd_count(pid)
        steady = last == [fds]
        last[:] = [fds]
        return (rss, fds) if steady else None
    return relkit.wait_until(settled, 30, "cctrial to settle with its "
                             f"{jobs} prewarmed workers", interval=0.2)


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    root = suite()
    core = os.path.join(root, "big", "core.py")
    with relkit.Session(root, ["big"], jobs=2, once=False, args=["-f"],
                        keep=lambda e: e["event"] not in (
                            "test_start", "test_result")) as session:
        session.start()
        pid = session.cct.pid
        samples = {}
        for run in range(1, runs + 1):
            if run > 1:
                relkit.write(core, f"VALUE = {run}\n")

            def ended():
                evs = session.events()
                return (relkit.count(evs, "waiting") >= run
                        and evs[-1]["event"] == "waiting")
            relkit.wait_until(ended, RUN_BOUND, f"run {run} to end",
                              interval=0.2)
            ends = [e for e in session.events() if e["event"] == "run_end"]
            check(len(ends) == run, f"expected {run} runs, saw {len(ends)}")
            last = ends[-1]
            check(last["passed"] and last["tests_run"] == MODULES * TESTS
                  and last["counts"]["success"] == MODULES * TESTS,
                  f"run {run} did not pass its {MODULES * TESTS} tests: "
                  f"{ {k: last[k] for k in ('tests_run', 'counts')} }")
            if run in (2, runs):
                samples[run] = sample(pid, 2)
                say(f"after run {run}: VmRSS {samples[run][0]} kB, "
                    f"{samples[run][1]} open fds")
        (rss2, fds2), (rss_n, fds_n) = samples[2], samples[runs]
        check(rss_n - rss2 < 8 * 1024,
              f"cctrial's resident size grew by {rss_n - rss2} kB from run "
              f"2 to run {runs} ({rss2} -> {rss_n} kB)")
        check(fds_n <= fds2 + 2,
              f"cctrial's open fds grew from {fds2} to {fds_n}: "
              f"{sorted(os.listdir(f'/proc/{pid}/fd'))}")
        say(f"{runs} runs of {MODULES * TESTS} tests: RSS "
            f"{rss2} -> {rss_n} kB, fds {fds2} -> {fds_n}")
        session.cct.signal(signal.SIGINT)
        result = session.finish(60)
    check(result.cct.returncode == 130, "exit status "
          f"{result.cct.returncode} after SIGINT\n" + result.cct.describe())


if __name__ == "__main__":
    harness.main(main)
