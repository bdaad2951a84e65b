"""The zsh completion, driven in a real interactive zsh.

A zsh runs on a pseudo-terminal (zsh's own zpty module) with
completion/_cctrial on its fpath and the built cctrial on its PATH; the
test types a partial command line and TAB, then a key bound to a widget
that writes the edited line to a file, and compares that line with what
completion should have made of it.  Skipped (exit 77) without zsh.
"""

import os
import shutil
import subprocess
import sys
import tempfile

from common import (BUILD, SOURCE, check, clean_env, exit_with, main)

HERE = os.path.dirname(os.path.abspath(__file__))
TMP = tempfile.mkdtemp(prefix="cct-zsh-")
BIN = os.path.join(TMP, "bin")
PROJECT = os.path.join(TMP, "project")
# How long the whole zsh session may take before the test gives up on it.
TIMEOUT = 90

# Runs an interactive zsh on a pseudo-terminal: $1 fpath directory, $2
# directory for PATH, $3 working directory, $4 file for the lines, then the
# lines to type.  For each: the line, TAB, then ^X, bound to a widget that
# appends the edited line to $4 and clears it (not ^U: while completion runs
# a program the terminal may be in canonical mode, where ^U erases what is
# queued); the driver waits for each line to arrive in $4 before typing the
# next.  Exits 5 when one never arrives.
DRIVER = r"""
zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z "PATH=$2:\$PATH; fpath=($1 \$fpath); autoload -U compinit; \
compinit -u -D; cd $3; dump() { print -r -- \"\$BUFFER\" >> $4; BUFFER= }; \
zle -N dump; bindkey '^X' dump; print RE\"\"ADY"
zpty -r -m z line '*READY*' || exit 4
# zle discards what is typed before it has drawn its prompt: let it.
sleep 0.5
out=$4
shift 4
arrived() {
  local -a got
  [[ -f $out ]] && got=("${(@f)$(<$out)}")
  (( $#got >= $1 ))
}
integer n=0
for typed in "$@"; do
  zpty -w -n z "$typed"$'\t'$'\x18'
  (( n++ ))
  for i in {1..300}; do
    arrived $n && break
    # Read what zsh draws, so that it never blocks on a full terminal.
    while zpty -r -t z chunk; do :; done
    sleep 0.1
  done
  arrived $n || { zpty -d z; exit 5; }
done
zpty -d z
"""


def complete_all(lines):
    """The line zsh's completion makes of each of `lines`."""
    out = os.path.join(TMP, "lines")
    if os.path.exists(out):
        os.remove(out)
    try:
        proc = subprocess.run(
            ["zsh", "-f", "-c", DRIVER, "zsh",
             os.path.join(SOURCE, "completion"), BIN, PROJECT, out] + lines,
            env=clean_env(TERM="xterm"), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        check(False, "gave up after %ds waiting for zsh to complete %r"
              % (TIMEOUT, lines))
    check(proc.returncode == 0, "the zsh driver failed (%d) on %r:\n%s"
          % (proc.returncode, lines, proc.stdout.decode(errors="replace")))
    with open(out, encoding="utf-8") as f:
        got = f.read().splitlines()
    check(len(got) == len(lines), "zsh gave %d lines for %d: %r"
          % (len(got), len(lines), got))
    return [line.rstrip() for line in got]


def setup():
    os.mkdir(BIN)
    os.symlink(os.path.join(BUILD, "cctrial"), os.path.join(BIN, "cctrial"))
    shutil.copytree(os.path.join(HERE, "project"), PROJECT,
                    ignore=shutil.ignore_patterns("_trial_temp*",
                                                  "__pycache__"))


# What completion must make of each partial line.
CASES = [
    # Options.
    ("cctrial --rep", "cctrial --reporters="),
    ("cctrial --list-p", "cctrial --list-plugins"),
    ("cctrial --worker=f", "cctrial --worker=fast"),
    # Plugin names, from the program's --list-plugins.
    ("cctrial --selector=sm", "cctrial --selector=smart-import"),
    ("cctrial --notifier=notify", "cctrial --notifier=notify-send"),
    # A list: the word after the comma is completed, and the separator
    # offered for a next one.
    ("cctrial --reporters=summary,on", "cctrial --reporters=summary,oneline,"),
    # Test names and the subcommand.
    ("cctrial junitfx.sub.t", "cctrial junitfx.sub.test_beta"),
    ("cctrial install-h", "cctrial install-hook"),
    ("cctrial install-hook --f", "cctrial install-hook --force"),
    ("cctrial install-hook junitfx.sub.t",
     "cctrial install-hook junitfx.sub.test_beta"),
]


def every_case_completes():
    got = complete_all([typed for typed, _ in CASES])
    wrong = ["%r -> %r, not %r" % (typed, have, want)
             for (typed, want), have in zip(CASES, got) if have != want]
    check(not wrong, "\n  ".join([""] + wrong))


if __name__ == "__main__":
    if not shutil.which("zsh"):
        print("no zsh: skipped")
        sys.exit(77)
    try:
        status = main([setup, every_case_completes])
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    exit_with(status)
