"""Interactive keys while watching, on a real pseudo-terminal.

    test_keys.py CASE

Each case starts `cctrial -f` on a small project with a pseudo-terminal as
its controlling terminal (as in a shell), types keys, checks what happens,
and checks that the terminal is back in its normal mode (ICANON and ECHO)
once cctrial has gone, however it went.
"""

import os
import shlex
import signal
import subprocess
import sys
import termios
import time

import harness
import loopkit
from harness import check, say

FILES = {
    "app/__init__.py": "",
    "app/core.py": "VALUE = 1\n",
    "app/test_core.py": loopkit.TEST_HEADER + "from app import core\n\n\n"
    "class Core(unittest.TestCase):\n"
    "    def test_value(self):\n        self.assertEqual(core.VALUE, 1)\n"
    "    def test_other(self):\n        pass\n",
    "app/test_more.py": loopkit.TEST_HEADER +
    "class More(unittest.TestCase):\n"
    "    def test_more(self):\n        pass\n",
}
SLOW = loopkit.TEST_HEADER + ("import time\n\n\nclass Slow(unittest.TestCase):\n"
                              "    def test_slow(self):\n"
                              "        time.sleep(60)\n")
WAITING = r"waiting for filesystem change\.\.\."
HINT = r"keys: Enter re-run"


def terminal_path(cct):
    """/dev/pts/N: the terminal cctrial reads its keys from."""
    return os.readlink(f"/proc/{cct.pid}/fd/0")


def check_terminal_normal(path, when):
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    try:
        lflag = termios.tcgetattr(fd)[3]
    finally:
        os.close(fd)
    check(lflag & termios.ICANON and lflag & termios.ECHO,
          f"the terminal was left in raw mode {when} (lflag {lflag:#x})")


def start(files=FILES, args=()):
    root = loopkit.project(files)
    cct = harness.Cctrial(root, ["-f"] + list(args) + ["app"], tty=True,
                          size=(40, 120))
    cct.start()
    cct.wait_for(WAITING, 60, "the first run to end")
    cct.wait_for(HINT, 30, "the one-line hint of the keys")
    return root, cct


def expect_run(cct, count, what):
    cct.wait_for(rf"Running {count} tests\.", 30, what, since_last=True)
    cct.wait_for(WAITING, 60, "the run for " + what + " to end",
                 since_last=True)


def quit_with_q(cct, path):
    cct.write("q")
    status = cct.wait_exit(30)
    check(status == 0, f"q: exit status {status}:\n" + cct.describe())
    check(not cct.descendants(), f"processes left: {cct.descendants()}")
    check_terminal_normal(path, "after q")


def keys_run():
    root, cct = start()
    with cct:
        path = terminal_path(cct)
        cct.write("\r")
        expect_run(cct, 3, "Enter (re-run the current suite)")
        cct.write("?")
        cct.wait_for(r"f +run only the tests that failed last", 30,
                     "the help of the keys after ?", since_last=True)
        cct.write("w")
        cct.wait_for(r"q +quit", 30, "the help again after w",
                     since_last=True)
        # Break one test: the workflow re-runs it, says please fix.
        loopkit.write(os.path.join(root, "app/core.py"), "VALUE = 2\n")
        cct.wait_for(r"please fix: test_value", 60, "please fix",
                     since_last=True)
        cct.wait_for(WAITING, 30, "waiting", since_last=True)
        cct.write("f")
        expect_run(cct, 1, "f (only the test that failed)")
        cct.write("a")
        expect_run(cct, 3, "a (the full suite)")
        quit_with_q(cct, path)
    say("Enter, ?, w, f, a and q do what they say")


def keys_grep():
    root, cct = start()
    with cct:
        path = terminal_path(cct)
        # A test broken before the filter, which then hides it: the
        # waiting line shows the filter, and f says what it hides instead
        # of "no failed test to run".
        loopkit.write(os.path.join(root, "app/core.py"), "VALUE = 2\n")
        cct.wait_for(r"please fix: test_value", 60, "test_value to fail",
                     since_last=True)
        cct.wait_for(WAITING, 30, "waiting", since_last=True)
        cct.write("p")
        cct.wait_for(r"grep pattern", 30, "the grep prompt", since_last=True)
        cct.write("test_more\r")
        cct.wait_for(r"Running 1 tests\.", 30, "the tests matching the "
                     "pattern", since_last=True)
        cct.wait_for(WAITING + r" \(grep 'test_more'\)", 60,
                     "the waiting line showing the filter", since_last=True)
        cct.write("f")
        cct.wait_for(r"no failed test matches 'test_more'; 1 failed test "
                     r"outside it: c clears the filter", 30,
                     "f saying what the filter hides", since_last=True)
        cct.write("c")
        cct.wait_for(r"grep cleared", 30, "grep cleared", since_last=True)
        expect_run(cct, 3, "every test again after c")
        check("(grep " not in cct.output.split("grep cleared")[-1],
              "the filter still shown once cleared:\n" + cct.describe())
        cct.write("p")
        cct.wait_for(r"grep pattern", 30, "the prompt again",
                     since_last=True)
        cct.write("xyz\x1b")
        cct.wait_for(r"grep unchanged", 30, "Escape cancelling the prompt",
                     since_last=True)
        quit_with_q(cct, path)
    say("p sets a --grep filter, shown while waiting; f says what it "
        "hides; c clears it, Escape cancels")


def keys_smart():
    root, cct = start()
    with cct:
        path = terminal_path(cct)
        cct.write("s")
        cct.wait_for(r"smart mode on", 30, "smart mode on", since_last=True)
        loopkit.write(os.path.join(root, "app/test_more.py"),
                      FILES["app/test_more.py"] + "# changed\n")
        cct.wait_for(r"Running 1 tests\.", 30, "the one test a change to "
                     "test_more.py affects", since_last=True)
        cct.wait_for(WAITING + r" \(smart mode\)", 60, "the waiting line "
                     "showing smart mode", since_last=True)
        cct.write("s")
        cct.wait_for(r"smart mode off", 30, "smart mode off",
                     since_last=True)
        loopkit.write(os.path.join(root, "app/test_more.py"),
                      FILES["app/test_more.py"] + "# again\n")
        expect_run(cct, 3, "the full suite with smart mode off")
        quit_with_q(cct, path)
    say("s turns smart mode on and off")


def key_during_run():
    files = dict(FILES)
    files["app/test_slow.py"] = SLOW
    root = loopkit.project(files)
    cct = harness.Cctrial(root, ["-f", "-g", "test_more", "app"], tty=True,
                          size=(40, 120))
    with cct:
        cct.start()
        cct.wait_for(WAITING, 60, "the first run (only test_more) to end")
        path = terminal_path(cct)
        cct.write("c")  # clear the filter: the full suite, with the slow one
        cct.wait_for(r"Running 4 tests\.", 30, "the full suite to start",
                     since_last=True)
        temp = os.path.join(root, "_trial_temp")
        loopkit.wait_until(
            lambda: any(os.path.exists(os.path.join(temp, d, "0"))
                        for d in ("",)), 30, "the run's worker directory")
        cct.write("p")  # interrupts the run at once
        cct.wait_for(r"grep pattern", 30, "the prompt during the run",
                     since_last=True)
        check("FAILED" not in cct.output.split("Running 4 tests.")[-1],
              "the interrupted run was reported as failed:\n"
              + cct.describe())
        cct.write("test_more\r")
        expect_run(cct, 1, "the filtered run after the prompt")
        quit_with_q(cct, path)
    say("a key during a run stops it at once; it is not reported failed")


def key_during_discovery():
    """a pressed while a saved test module is discovered again (its import
    takes 3 s): the full suite runs once discovery is done, and cctrial
    goes on (it used to start a stale run behind the workflow's back, then
    a second one over it, and exit 2: "cannot start the run")."""
    files = dict(FILES)
    slow_import = (loopkit.TEST_HEADER + "import os\nimport time\n\n"
                   "if os.path.exists(os.path.join(os.path.dirname("
                   "__file__), 'slow')):\n    time.sleep(3)\n\n\n"
                   "class Late(unittest.TestCase):\n"
                   "    def test_late(self):\n        pass\n")
    files["app/test_late.py"] = slow_import
    root = loopkit.project(files)
    cct = harness.Cctrial(root, ["-f", "app"], tty=True, size=(40, 120))
    with cct:
        cct.start()
        cct.wait_for(WAITING, 60, "the first run to end")
        path = terminal_path(cct)
        loopkit.write(os.path.join(root, "app/slow"), "")
        loopkit.write(os.path.join(root, "app/test_late.py"),
                      slow_import + "    def test_later(self):\n"
                      "        pass\n")
        time.sleep(1)  # the change seen, its discovery importing
        cct.write("a")
        expect_run(cct, 5, "a during discovery (the full suite, new test "
                   "included)")
        check("cannot start the run" not in cct.output,
              "the run could not start:\n" + cct.describe())
        quit_with_q(cct, path)
    say("a during a re-discovery runs the full suite once it is done")


def ctrl_c():
    root, cct = start()
    with cct:
        path = terminal_path(cct)
        cct.write("\x03")
        status = cct.wait_exit(30)
        check(status == 130, f"Ctrl-C: exit status {status}:\n"
              + cct.describe())
        check(not cct.descendants(), f"processes left: {cct.descendants()}")
        check_terminal_normal(path, "after Ctrl-C")
    say("Ctrl-C: 130, terminal restored")


def sigterm():
    root, cct = start()
    with cct:
        path = terminal_path(cct)
        cct.signal(signal.SIGTERM)
        status = cct.wait_exit(30)
        check(status == 143, f"SIGTERM: exit status {status}")
        check_terminal_normal(path, "after SIGTERM")
    say("SIGTERM: 143, terminal restored")


def fatal_signal():
    root, cct = start()
    with cct:
        path = terminal_path(cct)
        cct.signal(signal.SIGSEGV)
        status = cct.wait_exit(30)
        check(status == -signal.SIGSEGV, f"SIGSEGV: exit status {status}")
        check_terminal_normal(path, "after a fatal signal")
        cct.kill()  # its workers, orphaned by the crash
    say("a fatal signal: the terminal is restored before cctrial dies")


def no_terminal():
    root = loopkit.project(FILES)
    cct = harness.Cctrial(root, ["-f", "app"])
    with cct:
        cct.start()
        cct.wait_for(WAITING, 60, "the first run to end")
        cct.write("q")
        loopkit.write(os.path.join(root, "app/core.py"), "VALUE = 1\n# x\n")
        cct.wait_for(r"Running 3 tests\.", 30, "a run after a change: q on "
                     "a pipe must not have quit", since_last=True)
        check("keys:" not in cct.output, "a hint of keys without a "
              "terminal:\n" + cct.describe())
        cct.signal(signal.SIGINT)
        cct.wait_exit(30)
    say("standard input not a terminal: no key handling")


def background():
    """Started in the background with the terminal on its standard input,
    in an interactive bash on a tmux terminal (job control needs a shell):
    cctrial must not touch the terminal, which would stop it with SIGTTOU
    before it showed anything; `fg` then brings it its keys.  Under
    timeout(1), which gives its command a process group of its own, the
    same."""
    root = loopkit.project(FILES)
    socket = f"cct-background-{os.getpid()}"
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

    def wait_screen(what, *texts):
        loopkit.wait_until(lambda: any(t in screen() for t in texts), 60,
                           what)
        shown = screen()
        check("Stopped" not in shown, f"cctrial was stopped ({what}); "
              f"the terminal shows:\n{shown}")
        return shown

    cctrial = " ".join(shlex.quote(a) for a in [
        harness.CCTRIAL, "--python", harness.TEST_PYTHON])
    subprocess.run(tmux + ["new-session", "-d", "-x", "132", "-y", "40",
                           "bash --norc --noprofile -i"], check=True,
                   env=env, cwd=root)
    try:
        keys("set -b", "Enter")  # job stops are told at once
        keys(f"{cctrial} -f app &", "Enter")
        wait_screen("the first run's end, in the background",
                    "waiting for filesystem change", "Stopped")
        keys('fg; echo "EXIT:"$?', "Enter")
        time.sleep(0.5)  # bash gives the terminal before the key comes
        keys("q")
        shown = wait_screen("cctrial to quit on q once in the foreground",
                            "\nEXIT:", "Stopped")
        check("\nEXIT:0" in shown, f"expected q to quit with status 0 after "
              f"fg; the terminal shows:\n{shown}")
        keys("clear", "Enter")
        keys(f'timeout 120 {cctrial} app; echo "TIMEOUT_EXIT:"$?', "Enter")
        shown = wait_screen("cctrial under timeout to pass and exit",
                            "\nTIMEOUT_EXIT:", "Stopped")
        check("\nTIMEOUT_EXIT:0" in shown and "PASSED" in shown,
              f"expected a pass under timeout; the terminal shows:\n{shown}")
    finally:
        subprocess.run(tmux + ["kill-server"], env=env,
                       stderr=subprocess.DEVNULL)
    say("in the background (&, timeout): not stopped; fg brings the keys")


CASES = {f.__name__: f for f in (keys_run, keys_grep, keys_smart,
                                 key_during_discovery,
                                 key_during_run, ctrl_c, sigterm,
                                 fatal_signal, no_terminal, background)}

harness.main(CASES[sys.argv[1]])
