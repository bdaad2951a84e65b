"""End to end: install cctrial, build a third-party plugin against the
installed SDK, and use it.

1. `cmake --install <build> --prefix <tmp>/prefix` (DESTDIR unset), and
   everything is where the layout says: binary, plugins, helpers and icons,
   header, pkg-config file, man pages, completion, example configuration.
2. The prefix is moved (renamed) before anything runs from it, so every
   later step also shows that the installed tree works wherever it is.
3. The example JUnit reporter (examples/plugins/junit/) is copied out of
   the source tree and built with its own Makefile, seeing only
   PKG_CONFIG_PATH=<moved prefix>/<libdir>/pkgconfig: the header it compiles
   against must be the installed one.
4. The installed cctrial runs a small Twisted project with failures, errors
   and skips (tests/install/project/) with `reporters = summary, junit` and
   `plugin_path` (the user's file trusts the project); the report's
   directory is made, the JUnit XML is parsed and checked element by
   element; a report that cannot be written makes --once exit 2.
5. `make install` of the example puts the plugin where the installed cctrial
   finds it without plugin_path.
"""

import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET

from common import (BUILD, DATA_SUBDIR, LAYOUT, PC_SUBDIR, PLUGIN_SUBDIR,
                    PYTHON, SOURCE, check, clean_env, exit_with, main, run)

HERE = os.path.dirname(os.path.abspath(__file__))
TMP = tempfile.mkdtemp(prefix="cct-install-")
FIRST = os.path.join(TMP, "prefix")
PREFIX = os.path.join(TMP, "moved", "prefix")
PLUGIN_BUILD = os.path.join(TMP, "junit-plugin")
PROJECT = os.path.join(TMP, "project")
REPORT = os.path.join(PROJECT, "reports", "junit.xml")
# How long a continuous session may take to reach its first wait.
WAIT_SECONDS = 120


def installed(*parts):
    return os.path.join(PREFIX, *parts)


def cctrial(*args, **kw):
    return run([installed(LAYOUT["bindir"], "cctrial")] + list(args),
               "the installed cctrial " + " ".join(args), **kw)


def sdk_env():
    return clean_env(PKG_CONFIG_PATH=installed(PC_SUBDIR))


def files_under(root):
    found = set()
    for dirpath, _, names in os.walk(root):
        for name in names:
            found.add(os.path.relpath(os.path.join(dirpath, name), root))
    return found


# ---- 1 and 2: install, look, move ------------------------------------------

def install_into_a_temporary_prefix():
    run(["cmake", "--install", BUILD, "--prefix", FIRST], "cmake --install")
    check(not os.path.exists(os.path.join(FIRST, "DESTDIR")),
          "DESTDIR leaked into the prefix")


def everything_is_where_the_layout_says():
    def exists(*parts):
        path = os.path.join(FIRST, *parts)
        check(os.path.isfile(path), "not installed: %s" % path)
        return path
    check(os.access(exists(LAYOUT["bindir"], "cctrial"), os.X_OK),
          "the installed cctrial is not executable")
    built = sorted(n for n in os.listdir(os.path.join(BUILD, "plugins"))
                   if n.endswith(".so"))
    check(built, "the build tree has no plugins to install")
    for name in built:
        exists(PLUGIN_SUBDIR, name)
    # The helpers and icons: the build tree's share/cctrial, file for file.
    data = files_under(os.path.join(BUILD, "share", "cctrial"))
    check(any(p.startswith("helpers/") for p in data),
          "the build tree has no helpers")
    missing = data - files_under(os.path.join(FIRST, DATA_SUBDIR))
    check(not missing, "not installed under %s: %s"
          % (DATA_SUBDIR, ", ".join(sorted(missing))))
    header = exists(LAYOUT["includedir"], "cctrial", "plugin.h")
    with open(header, "rb") as a, \
            open(os.path.join(SOURCE, "include/cctrial/plugin.h"), "rb") as b:
        check(a.read() == b.read(), "the installed plugin.h differs")
    exists(PC_SUBDIR, "cctrial-plugin.pc")
    exists(LAYOUT["mandir"], "man1", "cctrial.1")
    exists(LAYOUT["mandir"], "man5", "cctrialrc.5")
    exists(LAYOUT["datadir"], "bash-completion", "completions", "cctrial")
    exists(LAYOUT["datadir"], "zsh", "site-functions", "_cctrial")
    for doc in ("cctrialrc.example", "README.md", "getting-started.md",
                "configuration.md", "plugin-authoring.md"):
        exists(LAYOUT["docdir"], doc)


def move_the_prefix():
    os.makedirs(os.path.dirname(PREFIX))
    os.rename(FIRST, PREFIX)


# ---- the installed binary ---------------------------------------------------

def version_and_help_work_from_the_installed_tree():
    version = cctrial("--version").out
    check(re.match(r"cctrial \d+\.\d+\.\d+", version),
          "--version does not start with 'cctrial X.Y.Z': %r" % version)
    text = cctrial("--help").out
    check(text.startswith("Usage: cctrial "),
          "--help does not start with a usage line: %r" % text[:80])
    for flag in ("--jobs", "--reporters", "--version"):
        check(flag in text, "--help does not mention %s" % flag)
    bad = cctrial("--no-such-flag", expect=(2,))
    check("Try 'cctrial --help'" in bad.err,
          "a bad flag does not point at --help: %r" % bad.err)


def installed_binary_finds_its_own_plugins():
    listing = cctrial("--list-plugins", cwd=TMP).out
    plugin_dir = os.path.realpath(installed(PLUGIN_SUBDIR))
    built = [n for n in os.listdir(os.path.join(BUILD, "plugins"))
             if n.endswith(".so")]
    for name in built:
        check(os.path.join(plugin_dir, name) in listing,
              "--list-plugins does not show %s from %s:\n%s"
              % (name, plugin_dir, listing))
    check(BUILD not in listing,
          "the installed cctrial loads plugins from the build tree:\n"
          + listing)


# ---- 3: the SDK, out of tree ------------------------------------------------

def pkg_config(*args):
    return run(["pkg-config"] + list(args) + ["cctrial-plugin"],
               "pkg-config " + " ".join(args), env=sdk_env()).out.strip()


def pkg_config_describes_the_installed_tree():
    plugindir = pkg_config("--variable=plugindir")
    check(os.path.realpath(plugindir)
          == os.path.realpath(installed(PLUGIN_SUBDIR)),
          "plugindir is %s, the plugins are in %s"
          % (plugindir, installed(PLUGIN_SUBDIR)))
    cflags = pkg_config("--cflags")
    includes = [f[2:] for f in cflags.split() if f.startswith("-I")]
    check(any(os.path.realpath(i)
              == os.path.realpath(installed(LAYOUT["includedir"]))
              for i in includes),
          "--cflags %r does not name the installed include directory"
          % cflags)
    version = cctrial("--version").out.split()[1]
    check(pkg_config("--modversion") == version,
          "the pc file's version is not the binary's %s" % version)


def build_the_example_plugin_out_of_tree():
    shutil.copytree(os.path.join(SOURCE, "examples", "plugins", "junit"),
                    PLUGIN_BUILD)
    # -MD lists the headers the compiler read, to prove which plugin.h.
    run(["make", "CFLAGS=-O2 -Wall -Wextra -Werror -MD"],
        "the example plugin's make", env=sdk_env(), cwd=PLUGIN_BUILD)
    so = os.path.join(PLUGIN_BUILD, "reporter_junit.so")
    check(os.path.isfile(so), "make did not build reporter_junit.so")
    deps = [f for f in os.listdir(PLUGIN_BUILD) if f.endswith(".d")]
    check(deps, "the compiler wrote no dependency file")
    with open(os.path.join(PLUGIN_BUILD, deps[0])) as f:
        headers = f.read().replace("\\\n", " ").split()
    used = [h for h in headers if h.endswith("cctrial/plugin.h")]
    want = os.path.realpath(installed(LAYOUT["includedir"], "cctrial",
                                      "plugin.h"))
    check([os.path.realpath(h) for h in used] == [want],
          "the plugin was compiled against %s, not the installed %s"
          % (used, want))
    exported = run(["nm", "-D", "--defined-only", so], "nm").out
    symbols = sorted(line.split()[-1] for line in exported.splitlines()
                     if line.split()[1:2] == ["T"])
    check(symbols == ["cct_plugin_entry"],
          "the plugin should export only cct_plugin_entry: %s" % symbols)


# ---- 4: a run with the plugin -----------------------------------------------

def trusting_env():
    """The project's file adds a plugin directory: the user's own file
    trusts the project."""
    config_home = os.path.join(TMP, "user-config")
    os.makedirs(os.path.join(config_home, "cctrial"), exist_ok=True)
    with open(os.path.join(config_home, "cctrial", "cctrialrc"), "w") as f:
        f.write("[cctrial]\ntrusted_projects = %s\n" % PROJECT)
    return clean_env(XDG_CONFIG_HOME=config_home)


def run_the_installed_cctrial_with_the_plugin():
    shutil.copytree(os.path.join(HERE, "project"), PROJECT,
                    ignore=shutil.ignore_patterns("_trial_temp*",
                                                  "__pycache__"))
    # No reports/ directory: the plugin makes it, as a CI checkout needs.
    with open(os.path.join(PROJECT, ".cctrialrc"), "w") as f:
        f.write("[cctrial]\n"
                "tests = junitfx\n"
                "python = %s\n"
                "reporters = summary, junit\n"
                "notifier = none\n"
                "plugin_path = %s\n"
                "\n"
                "[reporter.junit]\n"
                "path = reports/junit.xml\n" % (PYTHON, PLUGIN_BUILD))
    proc = cctrial("--once", cwd=PROJECT, env=trusting_env(), expect=(1,))
    check("FAILED (" in proc.out,
          "the summary reporter did not report the failures:\n" + proc.out)
    check(os.path.isfile(REPORT), "no report at %s; stderr:\n%s"
          % (REPORT, proc.err))
    check(not os.path.exists(REPORT + ".tmp"),
          "the temporary report was left behind")


def testcase(root, classname, name):
    found = [t for t in root.iter("testcase")
             if t.get("classname") == classname and t.get("name") == name]
    check(len(found) == 1, "%d testcases %s %s" % (len(found), classname,
                                                      name))
    return found[0]


def children(case, tag):
    return case.findall(tag)


def the_report_is_junit_xml():
    with open(REPORT, "rb") as f:
        raw = f.read()
    check(raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'),
          "the report does not start with an XML declaration")
    root = ET.fromstring(raw)
    check(root.tag == "testsuites", "the root is <%s>" % root.tag)
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    check(sorted(suites) == ["junitfx", "junitfx.sub.test_beta",
                             "junitfx.test_alpha"],
          "suites: %s" % sorted(suites))
    expected_cases = {
        "junitfx": {("junitfx", "test_broken")},
        "junitfx.test_alpha": {("junitfx.test_alpha.Outcomes", n) for n in (
            "test_pass", "test_fail", "test_error", "test_skip",
            "test_todo", "test_unexpected")},
        "junitfx.sub.test_beta": {
            ("junitfx.sub.test_beta.Beta", "test_ok"),
            ("junitfx.sub.test_beta.Beta", "test_unicode"),
            ("junitfx.sub.test_beta.Beta", "test_lines"),
            ("junitfx.sub.test_beta.Beta", "test_dirty"),
            ("junitfx.sub.test_beta.Skipped", "test_a"),
            ("junitfx.sub.test_beta.Skipped", "test_b")},
    }
    for name, suite in suites.items():
        got = {(t.get("classname"), t.get("name"))
               for t in suite.findall("testcase")}
        check(got == expected_cases[name],
              "suite %s holds %s" % (name, sorted(got)))
    # Counts are those of the elements inside, suite by suite and in all.
    for element in [root] + list(suites.values()):
        cases = list(element.iter("testcase"))
        for attr, tag in (("tests", None), ("failures", "failure"),
                          ("errors", "error"), ("skipped", "skipped")):
            n = len(cases) if tag is None else len(list(element.iter(tag)))
            check(element.get(attr) == str(n),
                  "<%s name=%s> says %s=%s, it holds %d"
                  % (element.tag, element.get("name"), attr,
                     element.get(attr), n))
        check(float(element.get("time")) >= 0, "a bad time attribute")
    for case in root.iter("testcase"):
        check(float(case.get("time")) >= 0,
              "testcase %s has time %r" % (case.get("name"), case.get("time")))
    check(root.get("tests") == "13" and root.get("failures") == "4"
          and root.get("errors") == "3" and root.get("skipped") == "4",
          "totals: %s" % root.attrib)


def failures_errors_and_skips_carry_trials_text():
    root = ET.parse(REPORT).getroot()
    alpha = "junitfx.test_alpha.Outcomes"
    check(not list(testcase(root, alpha, "test_pass")),
          "a passing testcase has children")

    (fail,) = children(testcase(root, alpha, "test_fail"), "failure")
    check(fail.get("message") == "1 != 2", "message %r" % fail.get("message"))
    check(fail.get("type") == "twisted.trial.unittest.FailTest",
          "type %r" % fail.get("type"))
    check("Traceback (most recent call last):" in fail.text
          and "self.assertEqual(1, 2)" in fail.text,
          "the failure's text is not trial's traceback:\n%s" % fail.text)

    # XML's own characters escaped, the tab kept, U+0001 and ESC dropped.
    (error,) = children(testcase(root, alpha, "test_error"), "error")
    check(error.get("type") == "builtins.ValueError",
          "type %r" % error.get("type"))
    check(error.get("message") == 'bad <value> & "quotes" \'too\'\tand[31m',
          "message %r" % error.get("message"))
    check("\x01" not in error.text and "\x1b" not in error.text
          and 'bad <value> & "quotes"' in error.text,
          "the error's text: %r" % error.text)

    (skip,) = children(testcase(root, alpha, "test_skip"), "skipped")
    check(skip.get("message") == "skipped <because> & so",
          "skip message %r" % skip.get("message"))
    (todo,) = children(testcase(root, alpha, "test_todo"), "skipped")
    check("not written yet" in todo.get("message")
          and "not yet" in (todo.text or ""),
          "expected failure: %s %r" % (todo.attrib, todo.text))
    unexpected = testcase(root, alpha, "test_unexpected")
    check(not children(unexpected, "failure")
          and not children(unexpected, "error"),
          "an unexpected success is not a failure in trial")


def other_modules_non_ascii_and_several_results():
    root = ET.parse(REPORT).getroot()
    beta = "junitfx.sub.test_beta.Beta"
    (uni,) = children(testcase(root, beta, "test_unicode"), "failure")
    check(uni.get("message") == "héllo 日本 ☃", "message %r"
          % uni.get("message"))
    (lines,) = children(testcase(root, beta, "test_lines"), "failure")
    check(lines.get("message") == "first line\nsecond line",
          "a line break in an attribute was not kept: %r"
          % lines.get("message"))
    dirty = testcase(root, beta, "test_dirty")
    check(len(children(dirty, "failure")) == 1
          and len(children(dirty, "error")) == 1,
          "the dirty test should have a failure and an error: %s"
          % [c.tag for c in dirty])
    check(children(dirty, "error")[0].get("type")
          == "twisted.trial.util.DirtyReactorAggregateError",
          "dirty error type %r" % children(dirty, "error")[0].get("type"))
    check(children(dirty, "error")[0].get("message")
          .startswith("Reactor was unclean."),
          "dirty error message %r" % children(dirty, "error")[0].get(
              "message"))
    for name in ("test_a", "test_b"):
        (skip,) = children(testcase(root, "junitfx.sub.test_beta.Skipped",
                                    name), "skipped")
        check(skip.get("message") == "the whole class",
              "class skip message %r" % skip.get("message"))
    (broken,) = children(testcase(root, "junitfx", "test_broken"), "error")
    check(broken.get("type") == "builtins.ModuleNotFoundError"
          and "junitfx_no_such_module" in broken.get("message"),
          "import error: %s" % broken.attrib)


def continuous_run(runs):
    """Runs the installed cctrial in the continuous workflow with
    `runs = RUNS` until it waits for a change (after the full suite and the
    retry of the biggest problem), stops it with SIGINT, and returns the
    report's testcases."""
    with open(os.path.join(PROJECT, ".cctrialrc"), "a") as f:
        f.write("runs = %s\n" % runs)
    os.remove(REPORT)
    env = trusting_env()
    proc = subprocess.Popen([installed(LAYOUT["bindir"], "cctrial")],
                            cwd=PROJECT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = b""
    deadline = time.monotonic() + WAIT_SECONDS
    try:
        while b"waiting for filesystem change" not in output:
            left = deadline - time.monotonic()
            ready = select.select([proc.stdout], [], [], max(left, 0))[0]
            check(ready, "gave up after %ds waiting for 'waiting for "
                  "filesystem change' (runs = %s); output:\n%s"
                  % (WAIT_SECONDS, runs, output.decode(errors="replace")))
            chunk = os.read(proc.stdout.fileno(), 65536)
            check(chunk, "cctrial ended before it waited for a change:\n"
                  + output.decode(errors="replace"))
            output += chunk
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
    seen = output.decode("utf-8", "replace")
    check("re-run: " in seen, "the biggest problem was not re-run:\n"
          + seen)
    return list(ET.parse(REPORT).getroot().iter("testcase"))


def runs_chooses_which_runs_write_the_report():
    cases = continuous_run("full")
    check(len(cases) == 13, "with runs = full, the retry replaced the "
          "full suite's report (%d testcases)" % len(cases))
    with open(os.path.join(PROJECT, ".cctrialrc")) as f:
        text = f.read().replace("runs = full\n", "")
    with open(os.path.join(PROJECT, ".cctrialrc"), "w") as f:
        f.write(text)
    cases = continuous_run("all")
    check(len(cases) == 1, "with runs = all, the retry of one test should "
          "write the last report (%d testcases)" % len(cases))


def a_report_that_cannot_be_written_fails_the_run():
    """`path` under a regular file: no directory can be made there.  The
    tests pass (two skips), yet --once exits 2, naming the file and why."""
    blocker = os.path.join(PROJECT, "blocked")
    with open(blocker, "w") as f:
        f.write("a file, not a directory\n")
    rc = os.path.join(PROJECT, ".cctrialrc")
    with open(rc) as f:
        text = f.read()
    check("path = reports/junit.xml\n" in text, "the report's path moved")
    with open(rc, "w") as f:
        f.write(text.replace("path = reports/junit.xml\n",
                             "path = blocked/junit.xml\n"))
    proc = cctrial("--once", "junitfx.sub.test_beta.Skipped", cwd=PROJECT,
                   env=trusting_env(), expect=(2,))
    check("PASSED" in proc.out, "the tests should pass:\n" + proc.out)
    want = "cctrial: reporter.junit: cannot write %s: Not a directory" \
        % os.path.join(blocker, "junit.xml")
    check(want in proc.err, "stderr does not say %r:\n%s" % (want, proc.err))


# ---- 5: make install of the plugin ------------------------------------------

def make_install_puts_the_plugin_where_cctrial_looks():
    run(["make", "install"], "the example plugin's make install",
        env=sdk_env(), cwd=PLUGIN_BUILD)
    target = installed(PLUGIN_SUBDIR, "reporter_junit.so")
    check(os.path.isfile(target), "make install did not write %s" % target)
    listing = cctrial("--list-plugins", cwd=TMP).out
    check(re.search(r"^reporter\s+junit\s+%s$"
                    % re.escape(os.path.realpath(target)), listing, re.M),
          "the installed cctrial does not list the installed junit:\n"
          + listing)


# ---- man pages and completion, as installed ---------------------------------

def man_pages_render():
    for page in ("man1/cctrial.1", "man5/cctrialrc.5"):
        path = installed(LAYOUT["mandir"], page)
        proc = run(["man", "-l", path], "man -l " + page,
                   env=clean_env(MANWIDTH="80", MANPAGER="cat",
                                 PAGER="cat"))
        check("SYNOPSIS" in proc.out and "cctrial" in proc.out,
              "%s does not render as a manual page:\n%s"
              % (page, proc.out[:500]))


def bash_completion_completes_from_the_installed_tree():
    script = installed(LAYOUT["datadir"], "bash-completion", "completions",
                       "cctrial")
    binary = installed(LAYOUT["bindir"], "cctrial")
    probe = ('source "$1"; shift\n'
             'COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _cctrial\n'
             'printf "%s\\n" "${COMPREPLY[@]}"\n')

    def complete(*words):
        return run(["bash", "--norc", "--noprofile", "-c", probe, "bash",
                    script, binary] + list(words),
                   "bash completion of %r" % (words,), cwd=PROJECT,
                   env=trusting_env()).out.split()
    check("--reporters=" in complete("--repo"),
          "--repo does not complete to --reporters=")
    reporters = complete("--reporters", "=", "summary,ju")
    check(reporters == ["summary,junit"],
          "--reporters=summary,ju completes to %s" % reporters)
    selectors = sorted(n[len("selector_"):-len(".so")]
                       for n in os.listdir(installed(PLUGIN_SUBDIR))
                       if n.startswith("selector_"))
    offered = sorted(complete("--selector", "=", ""))
    check(offered == selectors, "the selectors offered are %s, not %s"
          % (offered, selectors))
    check("junitfx.test_alpha" in complete("junitfx."),
          "test names are not completed: %s" % complete("junitfx."))
    check(complete("install-hook", "junitfx.sub.t")
          == ["junitfx.sub.test_beta"],
          "install-hook's test names are not completed: %s"
          % complete("install-hook", "junitfx.sub.t"))


def zsh_completion_loads():
    if not shutil.which("zsh"):
        print("     (no zsh here: its completion file was only installed)")
        return
    path = installed(LAYOUT["datadir"], "zsh", "site-functions", "_cctrial")
    run(["zsh", "-n", path], "zsh -n _cctrial")
    with open(path) as f:
        check(f.readline().strip() == "#compdef cctrial",
              "_cctrial does not start with #compdef cctrial")


if __name__ == "__main__":
    try:
        status = main([
            install_into_a_temporary_prefix,
            everything_is_where_the_layout_says,
            move_the_prefix,
            version_and_help_work_from_the_installed_tree,
            installed_binary_finds_its_own_plugins,
            pkg_config_describes_the_installed_tree,
            build_the_example_plugin_out_of_tree,
            run_the_installed_cctrial_with_the_plugin,
            the_report_is_junit_xml,
            failures_errors_and_skips_carry_trials_text,
            other_modules_non_ascii_and_several_results,
            runs_chooses_which_runs_write_the_report,
            a_report_that_cannot_be_written_fails_the_run,
            make_install_puts_the_plugin_where_cctrial_looks,
            man_pages_render,
            bash_completion_completes_from_the_installed_tree,
            zsh_completion_loads,
        ])
    finally:
        if os.environ.get("CCT_KEEP_TMP"):
            print("kept", TMP)
        else:
            shutil.rmtree(TMP, ignore_errors=True)
    exit_with(status)
