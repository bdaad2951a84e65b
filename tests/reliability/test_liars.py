"""Lying peers: workers that break the AMP protocol, end to end.

    test_liars.py MODE

cctrial runs with `--python` naming a small shell script that runs the real
interpreter for everything (test discovery) except trial's worker, for
which it runs fake_worker.py: a worker speaking AMP by hand.  The project
has three tests; the fake reports the first and the last as trial's worker
would, and lies while the middle one, test_b_lie, runs (see fake_worker.py
for each lie).

A lie (key_too_long, list_length, too_many_pairs, no_ask, random_bytes,
premature_eof, unsolicited_answer, neither, closed_commands): the worker is
killed, test_b_lie gets an ERROR saying what went wrong, a new worker runs
test_c_after and reports its success, exit status 1, nothing left running
(the liar would otherwise linger for minutes).

Not lies, which cctrial must understand:
unknown_command   the fake sends a command cctrial does not know: AMP's
                  answer is an error UNHANDLED (as Twisted answers), and the
                  worker goes on: all three tests pass
invalid_utf8      a failure whose texts are not UTF-8: reported with U+FFFD
stream_cut        a failure text of 1.5 MiB (Twisted 22.10's streams): kept
                  up to CCT_MAX_TEXT (1 MiB), with a marker saying so
stream_hog        40 streams of 1 MiB opened and never used, then a
                  failure: cctrial's memory stays bounded, and the
                  failure's own (short) text is kept
many_streams      150 errors for one test, their 300 streams all opened
                  before any is used (as Twisted 22.10 reports a test with
                  150 logged errors): all reported
stray_result      continuous mode: a prewarmed worker, idle while cctrial
                  waits for a change, reports a result; it is killed and
                  replaced, and the next run counts only real results
dies_at_start     every worker exits at once: one message, exit 2, instead
                  of an error for each test
"""

import json
import os
import re
import signal
import sys

import harness
import relkit
from harness import check, say

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = relkit.TEST_HEADER + """

class T(unittest.TestCase):
    def test_a_before(self):
        pass

    def test_b_lie(self):
        pass

    def test_c_after(self):
        pass
"""
BEFORE, LIE, AFTER = (f"liars.test_liars.T.{name}" for name in
                      ("test_a_before", "test_b_lie", "test_c_after"))

# What test_b_lie's error says, per lie.
LIES = {
    "key_too_long": r"broke the AMP protocol: a key longer than 255 bytes",
    "list_length": r"broke the AMP protocol: malformed arguments to "
                   r"AddError",
    "too_many_pairs": r"broke the AMP protocol: a box of more than 64 keys",
    "no_ask": r"broke the AMP protocol: a command without _ask",
    "random_bytes": r"broke the AMP protocol: a key longer than 255 bytes",
    "premature_eof": r"the worker ended in the middle of an AMP box",
    "unsolicited_answer": r"broke the AMP protocol: an answer to a command "
                          r"never sent",
    "neither": r"broke the AMP protocol: a box that is neither a command "
               r"nor an answer",
    "closed_commands": r"cannot write to the worker",
}


def fake_python():
    """The stand-in interpreter: the real one, except for trial's
    worker, which becomes fake_worker.py."""
    path = os.path.join(harness.empty_dir("bin"), "python3")
    relkit.write(path, f"""#!/bin/sh
# discover.py and everything else: the real interpreter.
case " $* " in
*" -m twisted.trial._dist.workertrial "*)
    exec "{harness.TEST_PYTHON}" "{HERE}/fake_worker.py" "$@" ;;
esac
exec "{harness.TEST_PYTHON}" "$@"
""")
    os.chmod(path, 0o755)
    return path


def setup(mode):
    state = harness.empty_dir("state")
    root = relkit.project({"liars/__init__.py": "",
                           "liars/test_liars.py": TESTS})
    env = {"CCT_FAKE_MODE": mode, "CCT_FAKE_STATE": state}
    return root, state, env


def ran_by(state, test_id):
    path = os.path.join(state, "ran-" + test_id)
    check(os.path.exists(path), f"no worker ran {test_id}")
    with open(path) as f:
        return int(f.read())


def run(mode, **kwargs):
    root, state, env = setup(mode)
    # The fake stands in for trial's own worker: --worker=stock runs it.
    result = relkit.run_once(root, ["liars"], env=env, python=fake_python(),
                             args=["--worker=stock"], **kwargs)
    return result, state


def lie(mode):
    result, state = run(mode)
    result.expect(1, 3, "FAILED", errors=1, successes=2)
    error = result.only_result(LIE)
    check(error["outcome"] == "error"
          and re.search(LIES[mode], error["text"]),
          f"expected an error saying /{LIES[mode]}/, got {error}")
    say(f"{LIE}: {error['text'].splitlines()[0]!r}")
    for test_id in (BEFORE, AFTER):
        check(result.only_result(test_id)["outcome"] == "success",
              f"expected {test_id} to pass")
    liar, after = ran_by(state, LIE), ran_by(state, AFTER)
    check(liar != after, f"{AFTER} ran in the liar ({liar})")
    say(f"the liar ({liar}) was replaced: {AFTER} passed in {after}")


def unknown_command():
    result, state = run("unknown_command")
    result.expect(0, 3, "PASSED", successes=3)
    with open(os.path.join(state, "answer-unknown_command.json")) as f:
        answer = json.load(f)
    check(answer.get("_error_code") == "UNHANDLED" and "_error" in answer
          and "_answer" not in answer
          and "Frobnicate" in answer.get("_error_description", ""),
          f"expected an UNHANDLED error answer, got {answer}")
    check(len({ran_by(state, t) for t in (BEFORE, LIE, AFTER)}) == 1,
          "the worker was replaced after an unknown command")
    say(f"answered {answer}; the same worker went on")


def invalid_utf8():
    result, _ = run("invalid_utf8")
    result.expect_valid_utf8()
    result.expect(1, 3, "FAILED", failures=1, successes=2)
    failure = result.only_result(LIE)
    check(failure["outcome"] == "failure"
          and "bad \ufffd\ufffd text" in failure["text"]
          and failure["error_class"] == "fake.Bad\ufffd",
          f"expected the texts with U+FFFD, got {failure}")
    check("bad \ufffd\ufffd text" in result.cct.stdout,
          "the summary lacks the failure text:\n" + result.cct.describe())
    say("texts that are not UTF-8 arrive with U+FFFD")


def stream_cut():
    result, _ = run("stream_cut")
    result.expect(1, 3, "FAILED", failures=1, successes=2)
    text = result.only_result(LIE)["text"]
    # Chunks are kept whole: 16 of the 65,535-byte chunks fit in 1 MiB.
    kept = 16 * 65535
    marker = f"[cut by cctrial after {kept} bytes of {1536 * 1024}]"
    check(marker in text and "t" * kept in text
          and "t" * (kept + 1) not in text,
          f"expected {kept} bytes of the text and {marker!r}, got "
          f"{len(text)} characters ending {text[-300:]!r}")
    say(f"a 1.5 MiB failure text kept to 1 MiB, marked {marker!r}")
    result.watch.check_below(64, "a 1.5 MiB failure text")


def stream_hog():
    result, _ = run("stream_hog")
    result.expect(1, 3, "FAILED", failures=1, successes=2)
    check("the failure" in result.only_result(LIE)["text"],
          "the failure's text is missing")
    result.watch.check_below(24, "40 MiB of streams never used")


def many_streams():
    result, _ = run("many_streams")
    result.expect(1, 3, "FAILED", errors=150, successes=2)
    errors = result.results(LIE)
    texts = sorted(e["text"] for e in errors)
    check(len(errors) == 150 and all(e["outcome"] == "error"
                                     for e in errors)
          and sum("error 149" in t for t in texts) == 1,
          f"expected 150 errors 'error 0'..'error 149', got {texts[:3]}...")
    say("150 errors through 300 streams open at once: all reported")


def stray_result():
    root, state, env = setup("stray_result")
    with relkit.Session(root, ["liars"], once=False,
                        args=["-f", "--worker=stock"], env=env,
                        python=fake_python()) as session:
        session.start()
        session.wait_event(lambda e: e["event"] == "waiting", 60,
                           "the first run to end")
        # Worker 2, prewarmed for the next run, lies at once; cctrial must
        # kill it and prewarm worker 3.
        relkit.wait_until(
            lambda: os.path.exists(os.path.join(state, "worker-3")), 30,
            "a third worker to replace the liar")
        with open(os.path.join(state, "worker-2")) as f:
            liar = int(f.read())
        relkit.wait_until(lambda: not os.path.exists(f"/proc/{liar}"), 30,
                          f"the liar ({liar}) to be gone")
        relkit.write(os.path.join(root, "liars", "other.py"), "X = 1\n")
        relkit.wait_until(lambda: relkit.count(session.events(),
                                               "waiting") >= 2, 60,
                          "the run after a change to end")
        ends = [e for e in session.events() if e["event"] == "run_end"]
        check(len(ends) == 2 and all(e["tests_run"] == 3 and e["passed"]
                                     and e["counts"]["success"] == 3
                                     for e in ends),
              f"expected two runs of 3 successes each: {ends}")
        check(ran_by(state, LIE) != liar, "the liar ran a test")
        say(f"the idle liar ({liar}) was killed and replaced; its result "
            "was not counted")
        session.cct.signal(signal.SIGINT)
        result = session.finish(30)
    check(result.cct.returncode == 130, "exit status "
          f"{result.cct.returncode} after SIGINT\n" + result.cct.describe())


def dies_at_start():
    result, state = run("dies_at_start")
    cct = result.cct
    check(cct.returncode == 2, f"expected exit status 2, got "
          f"{cct.returncode}\n" + cct.describe())
    check(re.search(r"^cctrial: the trial workers cannot run: the worker "
                    r"exited with status 5", cct.stderr, re.M)
          and "fake worker: cannot start" in cct.stderr,
          "expected one message saying why the workers cannot run:\n"
          + cct.describe())
    check(not result.results(), f"tests got results: {result.results()}")
    workers = [n for n in os.listdir(state) if n.startswith("worker-")]
    check(len(workers) <= 4, f"{len(workers)} workers were started")
    say(f"{len(workers)} workers died at start: one message, exit 2")


def main():
    mode = sys.argv[1] if len(sys.argv) == 2 else ""
    cases = {f.__name__: f for f in (unknown_command, invalid_utf8,
                                     stream_cut, stream_hog, many_streams,
                                     stray_result, dies_at_start)}
    if mode in LIES:
        lie(mode)
    elif mode in cases:
        cases[mode]()
    else:
        sys.exit(f"usage: test_liars.py {{{','.join(list(LIES) + list(cases))}}}")


if __name__ == "__main__":
    harness.main(main)
