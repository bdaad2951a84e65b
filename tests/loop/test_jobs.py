"""-j above the number of tests starts no idle workers; jobs = auto, the
default, is the number of cores.

    test_jobs.py once|forever|auto

A project of two passing tests, run with -j 6: cctrial keeps at most two
workers (the processes running cctrial's worker bootstrap among its
descendants, but the template they are forked from), while it waits for a change (forever) or over a whole --once
run (every worker directory it made under _trial_temp/).  A warning says
when -j is over 4 times the CPUs.  auto: without -j, -v says jobs = auto
and the cores this process may use, and the run's workers (the json
reporter's run_start) are those cores, at most the two tests.
"""

import json
import os
import sys

import harness
import loopkit
from harness import check, say

TESTS = loopkit.TEST_HEADER + """

class Two(unittest.TestCase):
    def test_one(self):
        pass

    def test_two(self):
        pass
"""


def parent(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None  # it has just exited
    return int(stat[stat.rindex(")") + 2:].split()[1])


def workers(cct):
    """cctrial's descendants running its worker bootstrap, but the warm
    template the workers are forked from (cctrial's own child, started
    with --template; its workers keep that command line)."""
    return [pid for pid, cmdline in cct.descendants()
            if "fastworker.py" in cmdline
            and not (cmdline.endswith("--template")
                     and parent(pid) == cct.pid)]


def auto(root):
    cores = len(os.sched_getaffinity(0))
    with harness.Cctrial(root, ["--once", "-v", "jobs"], outcomes=True,
                         jobs=None) as cct:
        cct.run()
    check(cct.returncode == 0, "expected a passing run\n" + cct.describe())
    check(f"jobs = auto (the cores: {cores})" in cct.output,
          f"expected -v to say jobs = auto is {cores} here\n"
          + cct.describe())
    with open(cct.events_path) as f:
        starts = [e for e in map(json.loads, f) if e["event"] == "run_start"]
    check(len(starts) == 1 and starts[0]["workers"] == min(cores, 2),
          f"expected one run of {min(cores, 2)} workers, got {starts}\n"
          + cct.describe())
    say(f"jobs = auto with {cores} cores, 2 tests: "
        f"{starts[0]['workers']} workers")


def main():
    mode = sys.argv[1]
    root = loopkit.project({"jobs/__init__.py": "",
                            "jobs/test_two.py": TESTS})
    if mode == "auto":
        auto(root)
        return
    cpus = os.cpu_count()
    args = ["-j", "6", "jobs"] + (["--once"] if mode == "once" else ["-f"])
    with harness.Cctrial(root, args) as cct:
        if mode == "once":
            cct.run()
            check(cct.returncode == 0, "expected a passing run\n"
                  + cct.describe())
            made = sorted(os.listdir(os.path.join(root, "_trial_temp")))
            dirs = [d for d in made if d.isdigit()]
            check(dirs == ["0", "1"],
                  f"expected worker directories 0 and 1 only, got {made}\n"
                  + cct.describe())
            say(f"--once -j 6 on 2 tests: worker directories {dirs}")
        else:
            cct.start()
            cct.wait_for(r"PASSED \(successes=2\)", harness.RUN_TIMEOUT,
                         "the first run's verdict")
            cct.wait_for(r"[Ww]aiting", harness.RUN_TIMEOUT,
                         "the waiting line")
            loopkit.wait_until(lambda: len(workers(cct)) == 2, 20,
                               "two prewarmed workers, no more "
                               f"(have {len(workers(cct))})")
            say("waiting with -j 6 on 2 tests: 2 workers")
        warned = "more than 4 times" in cct.output
        check(warned == (6 > 4 * cpus),
              f"expected the -j warning {'' if 6 > 4 * cpus else 'not '}"
              f"to show with {cpus} CPUs\n" + cct.describe())


if __name__ == "__main__":
    harness.main(main)
