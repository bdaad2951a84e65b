"""Bad configuration and environment: one clear message, exit 2, no test
run, nothing left running.

    test_config.py CASE

Each case runs `cctrial --once --config FILE NAMES` on a small project whose
only test, if it ever ran, would leave a file behind.  It checks: exit
status 2; the lines cctrial prints are exactly the expected messages (one,
except where noted), each naming what is wrong and where (FILE:LINE for
the configuration); no "Running" line; the test did not run; no process of
cctrial's is left.

unknown_key          a key [cctrial] does not have
wrong_type           jobs = many
out_of_range         timeout = 100000 (0 to 86400)
outside_section      a key before any [section]
unknown_section      [nosuch]
plugin_unknown_key   a key the summary reporter does not have
missing_plugin       reporters = nosuch
plugin_abi           a reporter built for plugin ABI 2 (tests/plugins)
plugin_init_fails    a reporter whose init() fails: two lines, the
                     plugin's own reason, then cctrial's, naming the plugin
                     and its file
config_is_directory  --config naming a directory.  The tests run as root,
                     for whom chmod 000 does not stop reading, so a
                     directory stands for a file that cannot be read.
config_missing       --config naming no file
unknown_names        three names that do not exist (a module, a method, a
                     package), listing the selected tests: one line each,
                     naming it (--once runs them as trial does: test_ci.py)

Cases covered elsewhere: no Python, a Python without Twisted,
_trial_temp locked by a live process (tests/e2e/
test_errors.py); unknown keys and bad values in detail (tests/unit/
test_config.c); plugins of every broken kind (tests/unit/test_loader.c).
"""

import os
import re
import sys

import harness
import relkit
from harness import check, say

PLUGINS = os.environ.get("CCT_TEST_PLUGIN_DIR", "")
PROJECT = relkit.TEST_HEADER + """import os

MARKER = {marker!r}


class T(unittest.TestCase):
    def test_it(self):
        open(MARKER, "w").close()
"""


def expect_refusal(config_text, expected, names=("pkg",), config=None,
                   mode="--once"):
    """Runs cctrial with `config_text` in a configuration file (or the
    `config` path as is); `expected` gives, per line cctrial must print,
    a regex (formatted with {file}: the configuration's path)."""
    marker = os.path.join(harness.empty_dir("marker"), "the-test-ran")
    root = relkit.project({"pkg/__init__.py": "",
                           "pkg/test_it.py": PROJECT.format(marker=marker)})
    if config is None:
        config = os.path.join(harness.empty_dir("config"), "cctrialrc")
        relkit.write(config, config_text)
    # jobs=None: the configuration's jobs (some say jobs = many) must not
    # be overridden by the harness's --jobs.
    cct = harness.Cctrial(root, [mode, "--config", config] + list(names),
                          jobs=None)
    with cct:
        cct.run()
        left = cct.descendants()
    check(not left, f"processes left: {left}\n" + cct.describe())
    check(cct.returncode == 2, f"expected exit status 2, got "
          f"{cct.returncode}\n" + cct.describe())
    lines = cct.output.strip().splitlines()
    check(len(lines) == len(expected),
          f"expected {len(expected)} line(s) of message, got {len(lines)}\n"
          + cct.describe())
    for line, pattern in zip(lines, expected):
        pattern = pattern.format(file=re.escape(config))
        check(re.fullmatch(pattern, line),
              f"expected a line matching /{pattern}/, got {line!r}\n"
              + cct.describe())
    check(not os.path.exists(marker), "the test ran")
    check(not os.path.exists(os.path.join(root, "_trial_temp", "0")),
          "a worker was started: _trial_temp/0 exists")
    for line in lines:
        say(f"exit 2: {line}")


def case_unknown_key():
    expect_refusal("[cctrial]\njobs = 1\nfrobnicate = 3\n", [
        r"cctrial: {file}:3: unknown key 'frobnicate' in \[cctrial\]; "
        r"valid keys: tests, jobs, .*"])


def case_wrong_type():
    expect_refusal("[cctrial]\n\njobs = many\n", [
        r"cctrial: {file}:3: \[cctrial\] jobs: 'many' is not a whole "
        r"number, nor one of: auto"])


def case_out_of_range():
    expect_refusal("[cctrial]\ntimeout = 100000\n", [
        r"cctrial: {file}:2: \[cctrial\] timeout: 100000 is out of range: "
        r"use 0 to 86400"])


def case_outside_section():
    expect_refusal("jobs = 2\n[cctrial]\n", [
        r"cctrial: {file}:1: 'jobs' is outside any section; put it under "
        r"\[cctrial\]"])


def case_unknown_section():
    expect_refusal("[cctrial]\njobs = 1\n[nosuch]\nx = 1\n", [
        r"cctrial: {file}:4: unknown section \[nosuch\]; .*"])


def case_plugin_unknown_key():
    expect_refusal("[reporter.summary]\nnope = 1\n", [
        r"cctrial: {file}:2: unknown key 'nope' in \[reporter\.summary\].*"])


def case_missing_plugin():
    expect_refusal("[cctrial]\nreporters = nosuch\n", [
        r"cctrial: no reporter plugin named 'nosuch' \(looked for "
        r"reporter_nosuch\.so in: .*"])


def plugin_config(name):
    check(os.path.isdir(PLUGINS), f"no test plugins in {PLUGINS!r} "
          "(CCT_TEST_PLUGIN_DIR)")
    return f"[cctrial]\nplugin_path = {PLUGINS}\nreporters = {name}\n"


def case_plugin_abi():
    so = re.escape(os.path.join(PLUGINS, "reporter_abi2.so"))
    expect_refusal(plugin_config("abi2"), [
        rf"cctrial: cannot use plugin {so}: it was built for plugin ABI "
        r"2\.\d+ and this cctrial speaks 1\.\d+: rebuild it .*"])


def case_plugin_init_fails():
    so = re.escape(os.path.join(PLUGINS, "reporter_initfail.so"))
    expect_refusal(plugin_config("initfail"), [
        r"cctrial: reporter\.initfail: cannot start: no terminal here",
        rf"cctrial: plugin reporter\.initfail \({so}\) failed to start; "
        r"see the message above"])


def case_config_is_directory():
    directory = harness.empty_dir("config")
    expect_refusal(None, [
        r"cctrial: {file}: cannot read the configuration: Is a directory"],
        config=directory)


def case_config_missing():
    path = os.path.join(harness.empty_dir("config"), "nosuchrc")
    expect_refusal(None, [
        r"cctrial: {file}: cannot read the configuration: No such file or "
        r"directory"], config=path)


def case_unknown_names():
    names = ["pkg.nosuch", "pkg.test_it.T.test_nope", "nosuchpkg"]
    expect_refusal("[cctrial]\n", [
        rf"cctrial: no test named '{re.escape(name)}' \(.+\); names are "
        r"what 'python3 -m twisted\.trial' takes, from .+"
        for name in names], names=names, mode="--list-selected")


CASES = {name[len("case_"):]: f for name, f in globals().items()
         if name.startswith("case_")}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        sys.exit(f"usage: test_config.py {{{','.join(CASES)}}}")
    CASES[sys.argv[1]]()


if __name__ == "__main__":
    harness.main(main)
