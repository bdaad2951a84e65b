"""What the install tests share: the layout CMake chose, the build and source
trees, a clean environment, and commands run with a bound.

CMake passes everything through the environment (see CMakeLists.txt):
CCT_BUILD_DIR, CCT_SOURCE_DIR, CCT_TEST_PYTHON and CCT_INSTALL_<DIR> for
each GNUInstallDirs directory the install uses.
"""

import os
import subprocess
import sys

BUILD = os.environ["CCT_BUILD_DIR"]
SOURCE = os.environ["CCT_SOURCE_DIR"]
PYTHON = os.environ["CCT_TEST_PYTHON"]
LAYOUT = {
    name: os.environ["CCT_INSTALL_" + name.upper()]
    for name in ("bindir", "libdir", "datadir", "mandir", "includedir",
                 "docdir")
}
PLUGIN_SUBDIR = os.path.join(LAYOUT["libdir"], "cctrial", "plugins")
DATA_SUBDIR = os.path.join(LAYOUT["datadir"], "cctrial")
PC_SUBDIR = os.path.join(LAYOUT["libdir"], "pkgconfig")

# Each command may take this long before the test gives up on it.
COMMAND_TIMEOUT = 180


class Failed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failed(message)


def clean_env(**extra):
    """The environment without anything that would steer cctrial, cmake or
    pkg-config away from what the test sets up (CI, set on CI machines,
    would make cctrial run once where a test waits for a change)."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("CCTRIAL_") or name in (
                "DESTDIR", "VIRTUAL_ENV", "PKG_CONFIG_PATH",
                "PKG_CONFIG_LIBDIR", "MAKEFLAGS", "MFLAGS", "MAKELEVEL",
                "NO_COLOR", "CFLAGS", "CPPFLAGS", "LDFLAGS", "CI"):
            del env[name]
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def run(argv, what, env=None, cwd=None, expect=(0,)):
    """Runs argv, waiting at most COMMAND_TIMEOUT seconds for `what`;
    returns the completed process after checking its exit status."""
    try:
        proc = subprocess.run(argv, env=env or clean_env(), cwd=cwd,
                              stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Failed("gave up after %ds waiting for %s: %s"
                     % (COMMAND_TIMEOUT, what, " ".join(argv)))
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode not in expect:
        raise Failed("%s: %s exited with %d, not %s\nstdout:\n%s\nstderr:\n%s"
                     % (what, " ".join(argv), proc.returncode,
                        " or ".join(map(str, expect)), out, err))
    proc.out, proc.err = out, err
    return proc


def main(checks, keep_going=False):
    """Runs each check in order and prints how each went; stops at the
    first failure unless the checks do not depend on each other
    (keep_going).  Returns 1 when a check failed, else 0."""
    status = 0
    for function in checks:
        name = function.__name__
        try:
            function()
        except Failed as e:
            print("FAIL %s: %s" % (name, e))
            status = 1
            if not keep_going:
                break
            continue
        print("ok   %s" % name)
    return status


def exit_with(status):
    sys.stdout.flush()
    sys.exit(status)
