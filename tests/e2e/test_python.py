"""Which Python: virtual environments as uv, poetry and `python -m venv`
leave them, end to end.

    test_python.py CASE

project_venv   an unactivated .venv (made with --system-site-packages
               from the test interpreter, so that it has Twisted) whose
               site-packages alone holds a module the tests import: in a
               project the user does not trust, it is named on stderr with
               how to trust it and not run; once trusted (trusted_projects
               in the user's file) it is used before PATH, and -v and
               --print-config say which interpreter, why, and its Twisted
               (--print-config the watched directories too; the loop's
               -v is tests/loop/test_watch.py's `ignored`)
activated      an activated venv without Twisted (made from the test
               interpreter, so its python links to the same executable):
               the test interpreter on PATH is still found, with a word
               about the fallback
"""

import os
import re
import subprocess
import sys
import sysconfig

import harness
from harness import check, say

VENV_TEST = """from twisted.trial import unittest

import venvonly


class FromTheVenv(unittest.TestCase):
    def test_module_only_the_venv_has(self):
        self.assertEqual(venvonly.VALUE, 42)
"""


def make_venv(path, system_site_packages):
    args = [harness.TEST_PYTHON, "-m", "venv", "--without-pip"]
    if system_site_packages:
        args.append("--system-site-packages")
    subprocess.run(args + [path], check=True, timeout=harness.RUN_TIMEOUT)
    return os.path.join(path, "bin", "python")


def site_packages(venv):
    version = "python%d.%d" % sys.version_info[:2]
    return os.path.join(venv, "lib", version, "site-packages")


def run(project, args, env=None):
    cct = harness.Cctrial(project, args, env=env, python=None)
    with cct:
        cct.run()
        left = cct.descendants()
    check(not left, f"processes left: {left}\n" + cct.describe())
    return cct


def expect(cct, pattern, what):
    check(re.search(pattern, cct.output, re.M),
          f"expected {what} (/{pattern}/)\n" + cct.describe())


def case_project_venv():
    project = harness.empty_dir("project")
    os.makedirs(os.path.join(project, "app"))
    with open(os.path.join(project, "app", "__init__.py"), "w"):
        pass
    with open(os.path.join(project, "app", "test_venv.py"), "w") as f:
        f.write(VENV_TEST)
    venv = os.path.join(project, ".venv")
    python = make_venv(venv, system_site_packages=True)
    with open(os.path.join(site_packages(venv), "venvonly.py"), "w") as f:
        f.write("VALUE = 42\n")

    cct = run(project, ["--once", "app"])
    check(cct.returncode == 1, "expected the import error of a run without "
          "the venv (exit 1)\n" + cct.describe())
    expect(cct, re.escape(f"found the project's virtual environment "
                          f"{python} but did not use it"),
           "the untrusted venv named")
    expect(cct, re.escape(f"trusted_projects = {project}"),
           "how to trust the project")
    expect(cct, r"--trust-project", "the flag that trusts it")
    expect(cct, r"No module named 'venvonly'", "the venv's module missing")
    say("untrusted: the project's .venv is named, with how to trust it, "
        "and not run")

    xdg = harness.empty_dir("xdg")
    os.makedirs(os.path.join(xdg, "cctrial"))
    with open(os.path.join(xdg, "cctrial", "cctrialrc"), "w") as f:
        f.write(f"[cctrial]\ntrusted_projects = {project}\n")
    env = {"XDG_CONFIG_HOME": xdg}
    cct = run(project, ["--once", "-v", "app"], env=env)
    check(cct.returncode == 0 and cct.summary().verdict == "PASSED",
          "expected the venv's tests to pass once trusted\n" + cct.describe())
    twisted = harness.twisted_version().split()[0]
    expect(cct, re.escape(f"python: {python} (the project's virtual "
                          f"environment): Python ") + r"[\d.]+, Twisted "
           + re.escape(twisted), "-v naming the venv, why and Twisted")
    check("did not use it" not in cct.output,
          "the trusted venv was still refused\n" + cct.describe())
    say("trusted: the project's .venv runs the tests; -v says so")

    cct = run(project, ["--print-config"], env=env)
    check(cct.returncode == 0, "--print-config failed\n" + cct.describe())
    expect(cct, "^" + re.escape(f"; python: {python} (the project's "
                                "virtual environment)"),
           "--print-config naming the interpreter")
    expect(cct, "^" + re.escape(f"; watching: {project}") + "$",
           "--print-config naming the watched directory")
    say("--print-config names the interpreter, why, and the watched roots")


def case_activated():
    project = harness.copy_project("passing")
    venv = harness.empty_dir("venv")
    python = make_venv(venv, system_site_packages=False)
    probe = subprocess.run([python, "-c", "import twisted"],
                           stderr=subprocess.DEVNULL)
    check(probe.returncode != 0, f"{python} imports twisted after all")
    check(os.path.realpath(python) == os.path.realpath(harness.TEST_PYTHON),
          "the venv's python is not a link to the test interpreter")
    good = os.path.dirname(harness.TEST_PYTHON)
    env = {"VIRTUAL_ENV": venv,
           "PATH": f"{os.path.join(venv, 'bin')}:{good}:/bin"}
    cct = run(project, ["--once", "-v", "fxpass"], env=env)
    check(cct.returncode == 0 and cct.summary().verdict == "PASSED",
          "expected the interpreter on PATH after the venv's\n"
          + cct.describe())
    expect(cct, re.escape(f"{python}: No module named 'twisted'; using "
                          f"{good}/python3 instead"),
           "the fallback from the activated venv said")
    expect(cct, re.escape(f"python: {good}/python3 (a python3 on PATH)"),
           "-v naming the interpreter")
    say("an activated venv without Twisted does not hide the interpreter "
        "it links to")


CASES = {name[len("case_"):]: f for name, f in globals().items()
         if name.startswith("case_")}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        sys.exit(f"usage: test_python.py {{{','.join(CASES)}}}")
    CASES[sys.argv[1]]()


if __name__ == "__main__":
    harness.main(main)
