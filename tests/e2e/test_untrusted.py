"""A checkout of somebody else's repository: what it brings along must not
run code the user did not choose.

    test_untrusted.py CASE

Each case builds real files with real owners and modes (the tests run as
root; `nobody` stands for the other user) and runs the built cctrial on a
copy of tests/projects/passing.  Code a repository could bring is
tests/plugins/reporter_evil.so, whose constructor appends to the file
named by CCT_EVIL_MARKER, and an executable `evilpy` that does the same:
each case checks that the marker was not written, and, where trust lifts
the refusal, that it then is (so that the refusal is about trust).

plugin_path       a project's .cctrialrc adding .plugins and choosing
                  `evil` (or only a [reporter.evil] section): refused with
                  the file:line and what to do, for --print-config,
                  --list-plugins, install-hook and a run; loaded once the
                  user's file lists the project in trusted_projects, or
                  with --trust-project
trusted_key       a project's file setting trusted_projects itself
python            a project's file choosing the interpreter; --python wins
owner_change      .cctrialrc in a world-writable directory owned by nobody
                  above a project owned by root: not read
foreign_file      the project's .cctrialrc owned by nobody, or writable by
                  all: refused, naming the file, why and what to do
as_nobody         run as nobody: root's .cctrialrc above nobody's project
                  is not read (a change of owner); root's file inside it
                  is
foreign_plugin    a plugin owned by nobody on CCTRIAL_PLUGIN_PATH: refused
worker_memo       .cctrial/workers and .cctrial/python naming ./evilpy:
                  not run; the tests run with the interpreter the search
                  finds
since             --since=--output=FILE and `since` in a project's file:
                  refused before git runs, no FILE written
hook_symlink      install-hook over a dangling post-commit symlink: refused
                  without --force (nothing written where it points); with
                  --force the link is replaced by a file
escapes           a test whose id holds an escape sequence that retitles
                  the terminal, and whose failure and output clear the
                  screen: on a pipe (--once) and on a terminal (continuous,
                  through "please fix" and the test's output), cctrial's
                  lines and trial's tracebacks show them as \x1b..., and
                  no escape sequence but cctrial's own reaches the terminal
"""

import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

import harness
from harness import check, say

EVIL = os.environ.get("CCT_TEST_EVIL_PLUGIN", "")
NAMES = ["fxpass"]
NOBODY = 65534


def marker_file():
    return os.path.join(harness.empty_dir("marker"), "ran")


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def evil_plugin(directory):
    """reporter_evil.so copied into `directory`."""
    source = EVIL
    check(os.path.exists(source), f"no '{source}' (CCT_TEST_EVIL_PLUGIN)")
    os.makedirs(directory, exist_ok=True)
    dest = os.path.join(directory, "reporter_evil.so")
    shutil.copy(source, dest)
    return dest


def user_config(text):
    """An XDG_CONFIG_HOME whose cctrial/cctrialrc holds `text`."""
    home = harness.empty_dir("xdg")
    write(os.path.join(home, "cctrial", "cctrialrc"), text)
    return home


def run(cwd, args, env=None, python=harness.TEST_PYTHON):
    cct = harness.Cctrial(cwd, args, env=env, python=python)
    with cct:
        cct.run()
        left = cct.descendants()
    check(not left, f"processes left: {left}\n" + cct.describe())
    return cct


def expect_refusal(cct, *patterns):
    check(cct.returncode == 2,
          f"expected exit status 2, got {cct.returncode}\n" + cct.describe())
    for pattern in patterns:
        check(re.search(pattern, cct.output),
              f"expected /{pattern}/ in the message\n" + cct.describe())
    check("Running " not in cct.output, "expected no test to run\n"
          + cct.describe())
    say(f"{' '.join(cct.argv[1:])}: exit 2: "
        f"{cct.output.strip().splitlines()[0]}")


def expect_unmarked(marker, what):
    if os.path.exists(marker):
        with open(marker) as f:
            check(False, f"{what}: the repository's code ran: {marker} "
                  f"says {f.read()!r}")


def expect_passed(cct):
    check(cct.returncode == 0, f"expected exit status 0, got "
          f"{cct.returncode}\n" + cct.describe())
    summary = cct.summary()
    check(summary.verdict == "PASSED", "expected PASSED\n" + cct.describe())


def git(cwd, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t"]
                   + list(args), cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# ---- the cases ---------------------------------------------------------------

def case_plugin_path():
    for rc_text, line in (
            ("[cctrial]\nplugin_path = .plugins\n"
             "reporters = summary, evil\n", 2),
            ("[cctrial]\nplugin_path = .plugins\n[reporter.evil]\n", 2)):
        project = harness.copy_project("passing")
        evil_plugin(os.path.join(project, ".plugins"))
        rc = write(os.path.join(project, ".cctrialrc"), rc_text)
        git(project, "init", "-q")
        marker = marker_file()
        env = {"CCT_EVIL_MARKER": marker}
        for args in (["--print-config"], ["--list-plugins"],
                     ["install-hook"], ["--once"] + NAMES):
            cct = run(project, args, env=env,
                      python=None if args[0] == "install-hook"
                      else harness.TEST_PYTHON)
            expect_refusal(cct, re.escape(f"{rc}:{line}: "), "plugin_path",
                           re.escape(f"trusted_projects = {project}"),
                           "--trust-project")
            expect_unmarked(marker, " ".join(args))
        hook = os.path.join(project, ".git", "hooks", "post-commit")
        check(not os.path.exists(hook), "install-hook wrote a hook anyway")

        # Trusted, the same file may add the directory.
        trusting = user_config(f"[cctrial]\ntrusted_projects = {project}\n")
        cct = run(project, ["--list-plugins"],
                  env=dict(env, XDG_CONFIG_HOME=trusting))
        check(cct.returncode == 0 and "evil" in cct.output and
              os.path.exists(marker), "a trusted project's plugin_path "
              "was not used\n" + cct.describe())
        os.remove(marker)
        cct = run(project, ["--list-plugins", "--trust-project"], env=env)
        check(cct.returncode == 0 and os.path.exists(marker),
              "--trust-project did not trust\n" + cct.describe())
        say("trusted (trusted_projects, --trust-project): loaded")


def case_plugin_file():
    """A repository's .cctrialrc may pick the json reporter, but not have it
    overwrite a file outside the project: refused before anything runs,
    the file untouched; trusted, written."""
    project = harness.copy_project("passing")
    victim = write(os.path.join(harness.empty_dir("home"), ".bashrc"),
                   "the user's own file\n")
    rc = write(os.path.join(project, ".cctrialrc"),
               "[cctrial]\nreporters = summary, json\n"
               f"[reporter.json]\npath = {victim}\n")
    for args in (["--once"] + NAMES, ["--print-config"]):
        cct = run(project, args)
        expect_refusal(cct, re.escape(f"{rc}:4: "),
                       re.escape(f"[reporter.json] path to a path outside "
                                 f"the project ('{victim}')"),
                       re.escape(f"trusted_projects = {project}"),
                       "--trust-project")
        with open(victim) as f:
            check(f.read() == "the user's own file\n",
                  f"{' '.join(args)}: {victim} was written")
    cct = run(project, ["--once", "--trust-project"] + NAMES)
    expect_passed(cct)
    with open(victim) as f:
        check('"event"' in f.read(), f"trusted: no events in {victim}")
    say("trusted: the json reporter writes there")

    write(rc, "[cctrial]\nreporters = summary, json\n"
              "[reporter.json]\npath = out/events.jsonl\n")
    cct = run(project, ["--once"] + NAMES)
    expect_passed(cct)
    check(os.path.exists(os.path.join(project, "out", "events.jsonl")),
          "untrusted: no out/events.jsonl inside the project")
    say("untrusted, inside the project: written")


def case_trusted_key():
    project = harness.copy_project("passing")
    rc = write(os.path.join(project, ".cctrialrc"),
               "[cctrial]\ntrusted_projects = *\nplugin_path = .plugins\n")
    cct = run(project, ["--print-config", "--trust-project"])
    expect_refusal(cct, re.escape(f"{rc}:2: trusted_projects may only be "
                                  "set in your own configuration file"))


def case_python():
    project = harness.copy_project("passing")
    marker = marker_file()
    evilpy = write(os.path.join(project, "evilpy"),
                   f"#!/bin/sh\necho evilpy ran >> '{marker}'\n"
                   f"exec '{harness.TEST_PYTHON}' \"$@\"\n", 0o755)
    rc = write(os.path.join(project, ".cctrialrc"),
               "[cctrial]\npython = ./evilpy\n")
    cct = run(project, ["--once"] + NAMES, python=None)
    expect_refusal(cct, re.escape(f"{rc}:2: "), "python",
                   "--python", "trusted_projects")
    expect_unmarked(marker, "python = ./evilpy")
    cct = run(project, ["--once"] + NAMES)  # --python: the user's choice
    expect_passed(cct)
    expect_unmarked(marker, "--python over the project's python")
    say("--python: the user's choice wins, the project's is not run")
    cct = run(project, ["--once", "--trust-project"] + NAMES, python=None)
    expect_passed(cct)
    check(os.path.exists(marker), f"{evilpy} did not run when trusted")
    say("trusted: the project's python runs")


def shared_dir(owner):
    """A directory outside the tests' private temporary root (which only
    root may enter), removed at exit."""
    path = tempfile.mkdtemp(prefix="cct-untrusted-")
    import atexit
    atexit.register(shutil.rmtree, path, True)
    os.chmod(path, 0o755)
    os.chown(path, owner, -1)
    return path


def case_owner_change():
    top = shared_dir(NOBODY)
    os.chmod(top, 0o777)
    rc = write(os.path.join(top, ".cctrialrc"),
               "[cctrial]\nreporters = nosuch\n")
    os.chown(rc, NOBODY, -1)
    project = os.path.join(top, "project")
    shutil.copytree(os.path.join(harness.PROJECTS_DIR, "passing"), project)
    cct = run(project, ["--print-config"])
    check(cct.returncode == 0 and "; files read: none" in cct.output,
          f"expected {rc} (another owner's directory) not to be read\n"
          + cct.describe())
    cct = run(project, ["--once"] + NAMES)
    expect_passed(cct)
    say(f"{rc} above a change of owner: not read")


def case_foreign_file():
    project = harness.copy_project("passing")
    rc = write(os.path.join(project, ".cctrialrc"), "[cctrial]\njobs = 2\n")
    os.chown(rc, NOBODY, -1)
    cct = run(project, ["--once"] + NAMES)
    expect_refusal(cct, re.escape(f"{rc} is owned by nobody (uid 65534), "
                                  "not by you or root"), "chown it")
    os.chown(rc, 0, -1)
    os.chmod(rc, 0o666)
    cct = run(project, ["--print-config"])
    expect_refusal(cct, re.escape(f"{rc} is writable by other users "
                                  "(mode 0666)"), "chmod go-w")
    os.chmod(rc, 0o644)
    cct = run(project, ["--print-config"])
    check(cct.returncode == 0 and f"; files read: {rc}" in cct.output,
          "root's own file, not writable by others, is read\n"
          + cct.describe())


def case_as_nobody():
    top = shared_dir(0)
    write(os.path.join(top, ".cctrialrc"), "[cctrial]\nreporters = nosuch\n")
    project = os.path.join(top, "project")
    os.mkdir(project)
    os.chown(project, NOBODY, -1)
    as_nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup",
                 "--clear-groups", harness.CCTRIAL, "--print-config"]
    env = harness.base_env()
    env["HOME"] = project
    xdg = os.path.join(project, "xdg")
    env["XDG_CONFIG_HOME"] = xdg

    def print_config():
        done = subprocess.run(as_nobody, cwd=project, env=env,
                              capture_output=True, text=True, timeout=60)
        return done.returncode, done.stdout + done.stderr

    status, out = print_config()
    check(status == 0 and "; files read: none" in out,
          f"as nobody, root's {top}/.cctrialrc above nobody's project was "
          f"read (status {status}):\n{out}")
    inside = write(os.path.join(project, ".cctrialrc"),
                   "[cctrial]\njobs = 3\n")
    status, out = print_config()
    check(status == 0 and f"; files read: {inside}" in out,
          f"as nobody, root's file in the project was refused "
          f"(status {status}):\n{out}")
    say("as nobody: a change of owner stops the search; root's file is "
        "accepted")


def case_foreign_plugin():
    plugins = harness.empty_dir("plugins")
    so = evil_plugin(plugins)
    os.chown(so, NOBODY, -1)
    marker = marker_file()
    project = harness.copy_project("passing")
    cct = run(project, ["--list-plugins"],
              env={"CCTRIAL_PLUGIN_PATH": plugins,
                   "CCT_EVIL_MARKER": marker})
    check(cct.returncode == 1 and re.search(
        re.escape(f"{so} is owned by nobody (uid 65534), not by you or "
                  "root; refusing to load code from it"), cct.output),
          "expected the plugin owned by nobody to be refused\n"
          + cct.describe())
    expect_unmarked(marker, "a plugin owned by nobody")
    say("a plugin owned by nobody: refused")


def case_worker_memo():
    project = harness.copy_project("passing")
    marker = marker_file()
    write(os.path.join(project, "evilpy"),
          f"#!/bin/sh\necho evilpy ran >> '{marker}'\nexit 1\n", 0o755)
    good = harness.empty_dir("bin")
    os.symlink(harness.TEST_PYTHON, os.path.join(good, "python3"))
    path = f"{good}:/bin"
    write(os.path.join(project, ".cctrial", "workers"),
          "python=./evilpy\npath=.\n")
    write(os.path.join(project, ".cctrial", "python"),
          f"PATH={path}\nVIRTUAL_ENV=\npython=./evilpy\n")
    cct = run(project, ["--once"] + NAMES, python=None, env={"PATH": path})
    expect_unmarked(marker, ".cctrial/workers and .cctrial/python")
    expect_passed(cct)
    say(".cctrial/ naming ./evilpy: not run; the tests passed")


def case_since():
    project = harness.copy_project("passing")
    git(project, "init", "-q")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "one")
    out = os.path.join(harness.empty_dir("out"), "x")
    cct = run(project, ["--once", f"--since=--output={out}"] + NAMES)
    expect_refusal(cct, re.escape(f"since = '--output={out}' starts with "
                                  "'-'"), "give a ref")
    written = [f for f in os.listdir(os.path.dirname(out))]
    check(not written, f"git wrote {written}")
    rc = write(os.path.join(project, ".cctrialrc"),
               f"[selector.git-diff]\nsince = --output={out}\n")
    cct = run(project, ["-H"] + NAMES)
    expect_refusal(cct, re.escape(f"since = '--output={out}'"))
    written = [f for f in os.listdir(os.path.dirname(out))]
    check(not written, f"git wrote {written} ({rc})")


def case_hook_symlink():
    project = harness.copy_project("passing")
    git(project, "init", "-q")
    outside = os.path.join(harness.empty_dir("outside"), "hook")
    hook = os.path.join(project, ".git", "hooks", "post-commit")
    os.symlink(outside, hook)
    cct = run(project, ["install-hook"], python=None)
    expect_refusal(cct, re.escape(f"{hook} already exists as a symbolic "
                                  "link"), "--force")
    check(not os.path.lexists(outside), f"install-hook wrote {outside}")
    check(os.path.islink(hook), "the link is gone")
    cct = run(project, ["install-hook", "--force"], python=None)
    check(cct.returncode == 0, "install-hook --force failed\n"
          + cct.describe())
    check(not os.path.lexists(outside), f"install-hook --force wrote "
          f"{outside}")
    check(stat.S_ISREG(os.lstat(hook).st_mode), f"{hook} is not a file")
    say("--force replaces the link with a file of its own")


ESCAPES = {
    "escpkg/__init__.py": "",
    "escpkg/test_esc.py": r'''from twisted.trial import unittest


class T(unittest.TestCase):
    def test_fails(self):
        print("\x1b[2J\x1b]0;stdout-title\x07 printed")
        self.fail("\x1b[2J\x1b]0;pwned\x07 cleared \u009b2J")


def _error(self):
    print("\x1b[2J\x1b]0;stdout-title\x07 printed")
    raise RuntimeError("error")


setattr(T, "test_\x1b]0;retitled\x07", _error)
''',
}
# What the terminal must never receive from the tests: a CSI (ESC [ or
# U+009B) that clears, an OSC (ESC ] or U+009D) that retitles, a bell.
FORBIDDEN = re.compile(rb"\x1b\[2J|\x1b\]|\xc2\x9b|\xc2\x9d|\x07")


def case_escapes():
    project = harness.empty_dir("escapes")
    for name, text in ESCAPES.items():
        write(os.path.join(project, name), text)
    cct = run(project, ["--once", "escpkg"])
    check(cct.returncode == 1, "expected exit status 1\n" + cct.describe())
    raw = cct.stdout_bytes + cct.stderr.encode()
    check(b"\x1b" not in raw and not FORBIDDEN.search(raw),
          f"escape sequences reached the pipe: {raw!r}")
    for shown in (r"escpkg.test_esc.T.test_\x1b]0;retitled\x07",
                  r"FailTest: \x1b[2J\x1b]0;pwned\x07 cleared \x9b2J"):
        check(shown in cct.output, f"expected {shown!r} shown\n"
              + cct.describe())
    say("on a pipe: ids and tracebacks show their escape sequences")

    cct = harness.Cctrial(project, ["escpkg"], tty=True, size=(40, 200))
    with cct:
        cct.start()
        cct.wait_for(r"waiting for filesystem change", harness.RUN_TIMEOUT,
                     "the continuous workflow to wait, after 'please fix'")
        cct.write("q")
        cct.wait_exit()
    raw = cct.stdout_bytes
    found = FORBIDDEN.search(raw)
    check(not found, f"{found and found.group()!r} reached the terminal: "
          f"{raw!r}")
    text = harness.plain(cct.output)
    # The workflow picks one of the two to fix; each prints the same.
    for shown in (r"test_\x1b]0;retitled\x07",
                  r"please fix: test_",
                  r"\x1b[2J\x1b]0;stdout-title\x07 printed"):
        check(shown in text, f"expected {shown!r} shown\n" + cct.describe())
    say("on a terminal: the status line, messages, tracebacks and the "
        "test's output show them too")


if __name__ == "__main__":
    case = sys.argv[1]
    harness.main(globals()["case_" + case])
