"""`make install PREFIX=... DESTDIR=...` stages the installed tree.

A packager installs into a staging directory (DESTDIR) a tree meant to live
at PREFIX.  The top-level Makefile's install target must put every file
under DESTDIR/PREFIX and nothing at PREFIX itself; the staged binary and
pkg-config file must work from the staging directory too (both find their
prefix relative to themselves).  `make -o build` keeps make from rebuilding:
this test installs what ctest was given.
"""

import os
import shutil
import tempfile
import uuid

from common import (BUILD, LAYOUT, PC_SUBDIR, PLUGIN_SUBDIR, SOURCE, check,
                    clean_env, exit_with, main, run)

TMP = tempfile.mkdtemp(prefix="cct-destdir-")
STAGE = os.path.join(TMP, "stage")
# A prefix that does not exist, so that anything written there is seen.
PREFIX = "/cct-destdir-test-" + uuid.uuid4().hex[:12]
ROOT = STAGE + PREFIX


def make_install_with_prefix_and_destdir():
    check(not os.path.exists(PREFIX), "%s exists already" % PREFIX)
    run(["make", "-C", SOURCE, "-o", "build", "install", "BUILD=" + BUILD,
         "PREFIX=" + PREFIX, "DESTDIR=" + STAGE],
        "make install PREFIX=%s DESTDIR=%s" % (PREFIX, STAGE))
    check(not os.path.exists(PREFIX),
          "make install wrote to %s itself, not under DESTDIR" % PREFIX)


def the_tree_is_staged_under_destdir():
    for parts in ((LAYOUT["bindir"], "cctrial"),
                  (LAYOUT["includedir"], "cctrial", "plugin.h"),
                  (PC_SUBDIR, "cctrial-plugin.pc"),
                  (LAYOUT["mandir"], "man1", "cctrial.1"),
                  (LAYOUT["docdir"], "cctrialrc.example")):
        path = os.path.join(ROOT, *parts)
        check(os.path.isfile(path), "not staged: %s" % path)
    plugins = os.listdir(os.path.join(ROOT, PLUGIN_SUBDIR))
    check("reporter_summary.so" in plugins,
          "no plugins staged in %s" % PLUGIN_SUBDIR)


def the_staged_tree_works_where_it_is():
    binary = os.path.join(ROOT, LAYOUT["bindir"], "cctrial")
    listing = run([binary, "--list-plugins"], "the staged --list-plugins",
                  cwd=TMP).out
    check(os.path.realpath(os.path.join(ROOT, PLUGIN_SUBDIR)) in listing,
          "the staged cctrial does not use the staged plugins:\n" + listing)
    env = clean_env(PKG_CONFIG_PATH=os.path.join(ROOT, PC_SUBDIR))
    plugindir = run(["pkg-config", "--variable=plugindir", "cctrial-plugin"],
                    "pkg-config", env=env).out.strip()
    check(os.path.realpath(plugindir)
          == os.path.realpath(os.path.join(ROOT, PLUGIN_SUBDIR)),
          "the staged pc file's plugindir is %s" % plugindir)


if __name__ == "__main__":
    try:
        status = main([make_install_with_prefix_and_destdir,
                       the_tree_is_staged_under_destdir,
                       the_staged_tree_works_where_it_is])
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    exit_with(status)
