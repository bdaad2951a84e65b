#!/usr/bin/python3
"""Golden-output tests of the reporter plugins (oneline, json, with summary).

Each scenario runs the real built cctrial, with real trial workers, against
a copy of projects/mixed (one test of every outcome, long ids, a failure
whose text holds quotes, a newline, a control character and CJK text), on
a pipe or on a pseudo-terminal of a chosen width, and compares what it
printed, once normalised (the project's temporary path, run times), with
the files under golden/.  Escape characters are stored visibly in the
golden files: ESC as "\\e" and CR as "\\r" followed by a line break.

    reporters_test.py --cctrial BUILD/cctrial SCENARIO
    reporters_test.py --cctrial BUILD/cctrial --update SCENARIO
        (rewrites the scenario's golden files: review the diff)

Standard library only; run with the interpreter that has Twisted, which is
also the one the workers use.
"""

import argparse
import difflib
import errno
import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.join(HERE, "projects", "mixed")
SKIPS_PROJECT = os.path.join(HERE, "projects", "skips")
GOLDEN = os.path.join(HERE, "golden")

# Every wait is bounded; a run of this project takes about a second.
RUN_TIMEOUT = 90

STRANGE_ID = "golden.test_outcomes.Outcomes.test_strange_text"
STRANGE_MESSAGE = ("quote \" and ' newline\nctrl \x01 CJK "
                   "\u6f22\u5b57\u30c6\u30b9\u30c8")
TEST_IDS = [
    "golden.test_a_module_with_a_rather_long_name."
    "AnotherTestCaseWithAVeryLongName.test_method_with_a_long_name",
    "golden.test_a_module_with_a_rather_long_name."
    "AnotherTestCaseWithAVeryLongName.test_second_method_with_a_long_name",
] + ["golden.test_outcomes.Outcomes." + name for name in (
    "test_a_pass", "test_b_pass", "test_error", "test_fail",
    "test_grouped_one", "test_grouped_two", "test_skip", "test_strange_text",
    "test_todo", "test_unexpected", "test_z_last_pass")]

SGR = re.compile(r"\x1b\[[0-9;]*m")
ANY_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


# ---- running cctrial ---------------------------------------------------------


class Run:
    def __init__(self, status, out, err, project):
        self.status = status
        self.out = out
        self.err = err
        self.project = project


def make_project(tmp, config_lines, source=PROJECT):
    """A fresh copy of the project and its configuration file."""
    project = os.path.join(tmp, "project")
    shutil.copytree(source, project,
                    ignore=shutil.ignore_patterns("_trial_temp*",
                                                  "__pycache__"))
    with open(os.path.join(project, "cctrial.ini"), "w") as f:
        # One worker: the golden outputs hold one worker's order (and a
        # second would only cost CPU on a project this small).
        f.write("[cctrial]\nnotifier = none\nwatch = cwd\njobs = 1\n")
        f.write("python = %s\n" % sys.executable)
        f.write("\n".join(config_lines) + "\n")
    return project


def environment(extra):
    """This environment without what would change cctrial's output (CI,
    set on CI machines, makes it run once instead of watching)."""
    env = dict(os.environ)
    for name in ("NO_COLOR", "CCTRIAL_PLUGIN_PATH", "COLUMNS", "CI"):
        env.pop(name, None)
    env["TERM"] = "xterm"
    env.update(extra)
    return env


def command(args, project, reporters, once=True, options=(),
            tests="golden"):
    cmd = [args.cctrial, "--config", os.path.join(project, "cctrial.ini"),
           "--reporters=" + reporters] + list(options)
    if once:
        cmd.append("--once")
    return cmd + [tests]


def run_pipe(args, project, reporters, env=None, options=(),
             tests="golden"):
    proc = subprocess.run(command(args, project, reporters, True, options,
                                  tests), cwd=project,
                          env=environment(env or {}),
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    return Run(proc.returncode, proc.stdout.decode("utf-8"),
               proc.stderr.decode("utf-8"), project)


def open_pty(columns):
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ,
                struct.pack("HHHH", 50, columns, 0, 0))
    # No output processing: we read exactly the bytes cctrial wrote.
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    return master, slave


def read_available(fd, chunks):
    """Appends what fd has; False at its end (EIO for a pty's master)."""
    try:
        data = os.read(fd, 65536)
    except OSError as e:
        if e.errno == errno.EIO:
            return False
        raise
    if not data:
        return False
    chunks.append(data)
    return True


def run_pty(args, project, reporters, columns, env=None, once=True,
            until=None):
    """Runs cctrial with its standard output on a pseudo-terminal (its
    standard error on a pipe).  With `until`, a continuous session is
    ended with SIGTERM once `until` appears in its output."""
    master, slave = open_pty(columns)
    proc = subprocess.Popen(command(args, project, reporters, once),
                            cwd=project, env=environment(env or {}),
                            stdin=subprocess.DEVNULL, stdout=slave,
                            stderr=subprocess.PIPE)
    os.close(slave)
    out, err = [], []
    open_fds = {master: out, proc.stderr.fileno(): err}
    deadline = time.monotonic() + RUN_TIMEOUT
    terminated = False
    try:
        while open_fds:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure("cctrial did not finish within %ds%s; its "
                              "output so far:\n%s" % (
                                  RUN_TIMEOUT,
                                  " (waiting for %r)" % until if until
                                  else "",
                                  b"".join(out).decode("utf-8", "replace")))
            ready, _, _ = select.select(list(open_fds), [], [], left)
            for fd in ready:
                if not read_available(fd, open_fds[fd]):
                    del open_fds[fd]
            if (until and not terminated and
                    until.encode() in b"".join(out)):
                proc.send_signal(signal.SIGTERM)
                terminated = True
        status = proc.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        proc.stderr.close()
    return Run(status, b"".join(out).decode("utf-8"),
               b"".join(err).decode("utf-8"), project)


# ---- normalising and comparing --------------------------------------------


def normalise(text, project):
    text = text.replace(project, "<project>")
    # A group's key writes a temporary directory as <tmp> (docs/grouping.md).
    keyed = re.sub(r"^(/tmp/|/var/tmp/|/dev/shm/)[^/]+", r"\1<tmp>", project)
    text = text.replace(keyed, "<project>")
    text = re.sub(r"Ran (\d+) tests in \d+\.\d+s", r"Ran \1 tests in X.XXXs",
                  text)
    # The oneline's final line: its time, padded to the id's columns.
    text = re.sub(r"(?<=(passed|failed) in )\d+\.\d{3}s *",
                  lambda m: "X.XXXs".ljust(len(m.group())), text)
    text = re.sub(r"(?<=interrupted after )\d+\.\d{3}s *",
                  lambda m: "X.XXXs".ljust(len(m.group())), text)
    # The status line's times (a terminal's): the run's time so far and
    # the time left, at the end of a line drawn in place.
    text = re.sub(r"  \d+:\d\d( ETA \d+:\d\d)?(?=\x1b\[0m\x1b\[K)",
                  lambda m: re.sub(r"\d+:\d\d", "M:SS", m.group()), text)
    return text


def visible(text):
    """ESC shown as \\e, CR as \\r and a line break, so that each status
    line drawn in place is a line of the golden file."""
    return text.replace("\x1b", "\\e").replace("\r", "\\r\n")


def compare_golden(args, name, actual):
    path = os.path.join(GOLDEN, name)
    if args.update:
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(actual)
        print("updated %s" % path)
        return
    with open(path, encoding="utf-8", newline="") as f:
        expected = f.read()
    if actual != expected:
        diff = difflib.unified_diff(expected.splitlines(True),
                                    actual.splitlines(True),
                                    "golden/" + name, "actual")
        raise Failure("output differs from golden/%s:\n%s"
                      % (name, "".join(diff)))


def render(raw, columns):
    """The screen a terminal of `columns` columns shows after `raw`: CR,
    LF, erase-to-end-of-line and colours understood, lines wrapped."""
    lines = [[]]
    col = 0
    i = 0
    while i < len(raw):
        m = ANY_ESCAPE.match(raw, i)
        if m:
            if m.group().endswith("K"):
                del lines[-1][col:]
            i = m.end()
            continue
        ch = raw[i]
        i += 1
        if ch == "\r":
            col = 0
        elif ch == "\n":
            lines.append([])
            col = 0
        else:
            if col >= columns:
                lines.append([])
                col = 0
            line = lines[-1]
            line.extend(" " * (col - len(line)))
            line[col:col + 1] = [ch]
            col += 1
    return "\n".join("".join(line).rstrip() for line in lines)


def status_lines(raw):
    """Each status line drawn in place: the text between a CR and the
    console's reset-and-erase that ends it."""
    return re.findall(r"\r([^\r\n]*?)\x1b\[0m\x1b\[K", raw)


def expect_status(run, wanted, what):
    check(run.status == wanted,
          "%s: exit status %s, expected %s; stderr:\n%s"
          % (what, run.status, wanted, run.err))


# ---- oneline ---------------------------------------------------------------


def oneline_pipe(args, tmp):
    """On a pipe: dots and full lines, no escape sequence at all."""
    project = make_project(tmp, [])
    run = run_pipe(args, project, "oneline")
    expect_status(run, 1, "a run with failures")
    check("\x1b" not in run.out and "\r" not in run.out,
          "escape sequence or CR on a pipe:\n%r" % run.out)
    check(run.err == "", "unexpected standard error:\n" + run.err)
    compare_golden(args, "oneline_pipe.txt", normalise(run.out, project))


def summary_oneline_pipe(args, tmp):
    """The default pair on a pipe: the summary, then the final line."""
    project = make_project(tmp, [])
    run = run_pipe(args, project, "summary,oneline")
    expect_status(run, 1, "a run with failures")
    check("\x1b" not in run.out, "escape sequence on a pipe:\n%r" % run.out)
    compare_golden(args, "summary_oneline_pipe.txt",
                   normalise(run.out, project))


def summary_skips_pipe(args, tmp):
    """Many skips for few reasons: one line per reason with its count, and
    a passing run's final line; with -v, each reason lists its tests."""
    for name, options in (("plain", []), ("verbose", ["-v"])):
        project = make_project(os.path.join(tmp, name), [],
                               source=SKIPS_PROJECT)
        run = run_pipe(args, project, "summary,oneline", options=options,
                       tests="skipping")
        expect_status(run, 0, "a passing run with skips (%s)" % name)
        out = normalise(run.out, project)
        # After the oneline's lines for each skip on a pipe, the summary.
        summary = out.split("\n\n\n", 1)[-1]
        check(("NoSSL.test_client" in summary) == (name == "verbose"),
              "%s: the skipped tests' ids %s in the summary:\n%s"
              % (name, "missing" if name == "verbose" else "listed", out))
        # -v also lists the selected tests before the run: not ours.
        compare_golden(args, "summary_skips_%s_pipe.txt" % name,
                       summary if name == "verbose" else out)


def oneline_pipe_color_always(args, tmp):
    """color = always colours even on a pipe, but never moves the cursor."""
    project = make_project(tmp, ["[reporter.oneline]", "color = always"])
    run = run_pipe(args, project, "oneline", env={"NO_COLOR": "1"})
    expect_status(run, 1, "a run with failures")
    check(SGR.search(run.out), "no colour with color = always:\n" + run.out)
    check("\r" not in run.out and "\x1b[K" not in run.out,
          "cursor movement on a pipe:\n%r" % run.out)
    compare_golden(args, "oneline_pipe_color_always.txt",
                   visible(normalise(run.out, project)))


def summary_oneline_tty(args, tmp):
    """On a wide terminal: the seed's screenshots.  The status line is
    redrawn in place, coloured, and cleared before the summary, so the
    screen shows the summary intact and then the final line."""
    columns = 160
    project = make_project(tmp, [])
    run = run_pty(args, project, "summary,oneline", columns)
    expect_status(run, 1, "a run with failures")
    raw = normalise(run.out, project)
    check(SGR.search(raw), "no colour on a terminal")
    compare_golden(args, "summary_oneline_tty160.raw.txt", visible(raw))
    screen = render(raw, columns)
    compare_golden(args, "summary_oneline_tty160.screen.txt", screen)
    # Each failure's and error's traceback as it came (rterrors, on by
    # default on a terminal), between the run's first line and the summary.
    first, rest = screen.split("\n", 1)
    realtime, after = rest.split("\n\n", 1)
    heads = [l for l in realtime.split("\n") if l in ("[FAIL]", "[ERROR]")]
    check(realtime.startswith("[ERROR]\n") and len(heads) == 5,
          "not the 2 failures' and 3 errors' tracebacks as they came:\n"
          + screen)
    # Not garbled: the rest is exactly the summary's own output (the same
    # run on a pipe with the summary alone) and the final line.
    alone = run_pipe(args, make_project(os.path.join(tmp, "2"), []),
                     "summary")
    final = screen.rstrip("\n").rsplit("\n", 1)[-1] + "\n"
    check(first + "\n\n" + after == normalise(alone.out, alone.project)
          + final,
          "the screen is not the tracebacks, then the summary followed by "
          "the status line:\n" + screen)
    for line in status_lines(raw):
        check(len(SGR.sub("", line)) <= columns - 1,
              "status line wider than the terminal: %r" % line)


def oneline_tty_narrow(args, tmp):
    """Narrower terminals: the id loses dotted parts from the right, then
    the counts lose their padding; a line never reaches the last column.
    Each status line ends with the run's time so far; the second run of
    the same tests (the same project) also with the time left, from the
    first run's time kept in .cctrial/.  The first run, which imports
    the test modules, shows discovery's progress on the status line until
    the run begins; the second takes them from the discovery cache."""
    project = make_project(tmp, [])
    for columns in (100, 60):
        run = run_pty(args, project, "oneline", columns)
        expect_status(run, 1, "a run with failures")
        raw = normalise(run.out, project)
        lines = status_lines(raw)
        progress = [line for line in lines
                    if line.startswith("discovering tests: ")]
        lines = lines[len(progress):]
        check(all(not line.startswith("discovering") for line in lines),
              "%d columns: discovery's progress during the run" % columns)
        check(bool(progress) == (columns == 100),
              "%d columns: %d lines of discovery's progress, expected %s"
              % (columns, len(progress),
                 "some" if columns == 100 else "none (the cache's answer)"))
        for line in progress:
            check(re.match(r"discovering tests: \d+ of \d+ modules "
                           r"imported, 0 from the cache: golden\.", line)
                  and len(line) <= columns - 1,
                  "%d columns: %r" % (columns, line))
        check("discovering" not in render(raw, columns),
              "%d columns: discovery's progress not cleared" % columns)
        check(len(lines) == 2 * len(TEST_IDS),
              "%d columns: %d status lines drawn, expected one per test "
              "start and result" % (columns, len(lines)))
        final = render(raw, columns).rstrip("\n").rsplit("\n", 1)[-1]
        for line in lines + [final]:
            plain = SGR.sub("", line)
            check(len(plain) == columns - 1,
                  "%d columns: line of %d: %r"
                  % (columns, len(plain), plain))
        for line in lines:
            shown = SGR.sub("", line).split(" ")[0]
            check(any(i == shown or i.startswith(shown + ".")
                      for i in TEST_IDS),
                  "%d columns: %r is not an id cut at a dot" % (columns,
                                                                shown))
        # The final line says what the run was, whole: no test's name.
        check(re.match(r"failed in X\.XXXs +13/ *13 ", final),
              "%d columns: the final line is not the run's: %r"
              % (columns, final))
        estimated = columns == 60
        for line in lines:
            check(re.search(r"  M:SS( ETA M:SS)?$", line) and
                  ("ETA" in line) == estimated,
                  "%d columns: %s: %r" % (columns, "no time left on the "
                                          "second run" if estimated else
                                          "no time, or a time left on the "
                                          "first run", line))
        compare_golden(args, "oneline_tty%d.raw.txt" % columns, visible(raw))


def oneline_tty_no_color(args, tmp):
    """NO_COLOR, or color = never, removes every colour on a terminal (the
    in-place redrawing stays); color = always wins over NO_COLOR."""
    columns = 160
    cases = [
        ("NO_COLOR", [], {"NO_COLOR": "1"}, False),
        ("never", ["[reporter.oneline]", "color = never"], {}, False),
        ("always", ["[reporter.oneline]", "color = always"],
         {"NO_COLOR": "1"}, True),
    ]
    reference = None
    for name, config, env, colored in cases:
        project = make_project(os.path.join(tmp, name), config)
        run = run_pty(args, project, "oneline", columns, env=env)
        expect_status(run, 1, "a run with failures (%s)" % name)
        raw = normalise(run.out, project)
        # The console's own "\e[0m\e[K" ends each status line: not colour.
        colours = [m for m in SGR.findall(raw) if m != "\x1b[0m"]
        check(bool(colours) == colored,
              "%s: colour %s:\n%r" % (name, "missing" if colored
                                      else "present", raw))
        check(status_lines(raw), "%s: no status line drawn in place" % name)
        screen = render(raw, columns)
        if reference is None:
            reference = screen
        check(screen == reference,
              "%s: the screen differs:\n%s\n---\n%s" % (name, screen,
                                                       reference))


def workflow_tty(args, tmp):
    """The continuous workflow on a terminal, as in the screenshots: the
    full run with its final line, `re-run:`, the single test's run (no
    final line), its logs, `please fix:`, waiting.  Ended by SIGTERM."""
    columns = 160
    project = make_project(tmp, ["[reporter.json]", "path = events.jsonl"])
    run = run_pty(args, project, "summary,oneline,json", columns, once=False,
                  until="waiting for filesystem change...")
    expect_status(run, 128 + signal.SIGTERM, "a session ended by SIGTERM")
    raw = normalise(run.out, project)
    compare_golden(args, "workflow_tty160.screen.txt", render(raw, columns))
    events = read_events(os.path.join(project, "events.jsonl"))
    compare_golden(args, "workflow_events.jsonl",
                   dump_events(normalise_events(events, project)))
    names = [e["event"] for e in events]
    check(names[-1] == "waiting", "the last event is not waiting: %r"
          % names[-1])
    check("log" in names, "no log event while fixing one test")


# ---- json ------------------------------------------------------------------


ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def read_events(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    check(lines[-1] == "", "the last event does not end with a newline")
    events = []
    for n, line in enumerate(lines[:-1], 1):
        try:
            e = json.loads(line)
        except ValueError as error:
            raise Failure("line %d is not JSON (%s): %r" % (n, error, line))
        check(isinstance(e, dict), "line %d is not an object" % n)
        check(e.get("schema") == 1, "line %d: schema %r" % (n,
                                                            e.get("schema")))
        check(ISO_TIME.match(e.get("time", "")),
              "line %d: time %r" % (n, e.get("time")))
        events.append(e)
    return events


def normalise_value(value, project):
    if isinstance(value, str):
        return normalise(value, project)
    if isinstance(value, list):
        return [normalise_value(v, project) for v in value]
    if isinstance(value, dict):
        return {k: normalise_value(v, project) for k, v in value.items()}
    return value


def normalise_events(events, project):
    out = []
    for e in events:
        e = normalise_value(e, project)
        e["time"] = "<time>"
        for key in ("duration", "wall_time", "estimate"):
            if key in e and (key != "estimate" or e[key] is not None):
                check(isinstance(e[key], float) and e[key] >= 0,
                      "%s is not a duration: %r" % (key, e[key]))
                e[key] = "<%s>" % key
        if e["event"] == "log":
            # trial's log may carry times; keep its first two lines.
            e["log"] = "\n".join(e["log"].split("\n")[:2])
        out.append(e)
    return out


def dump_events(events):
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events)


def check_strange_text(events):
    results = [e for e in events if e["event"] == "test_result" and
               e["id"] == STRANGE_ID]
    check(len(results) == 1, "no single result for %s" % STRANGE_ID)
    text = results[0]["text"]
    check(text.endswith("twisted.trial.unittest.FailTest: %s\n"
                        % STRANGE_MESSAGE),
          "the failure's text did not survive: %r" % text)
    end = [e for e in events if e["event"] == "run_end"][-1]
    groups = [g for g in end["groups"] if g["tests"] == [STRANGE_ID]]
    check(len(groups) == 1 and groups[0]["text"] == text,
          "the run_end group of %s lost its text" % STRANGE_ID)


def json_file(args, tmp):
    """Every event to a file, parsed back; the strange failure survives.
    The file's directory does not exist yet: the reporter makes it."""
    project = make_project(tmp, ["[reporter.json]",
                                 "path = reports/events.jsonl"])
    run = run_pipe(args, project, "json")
    expect_status(run, 1, "a run with failures")
    check(run.out == "" and run.err == "",
          "the json reporter printed:\n%s%s" % (run.out, run.err))
    output = os.path.join(project, "reports", "events.jsonl")
    events = read_events(output)
    check_strange_text(events)
    with open(output, "rb") as f:
        check(b"\\u0001" in f.read(), "the control character is not "
              "escaped as \\u0001")
    compare_golden(args, "json_events.jsonl",
                   dump_events(normalise_events(events, project)))

    # The same tests again: the first run, in the history now, is the
    # estimate (the golden stream's is null, with no history yet).
    first = [e for e in events if e["event"] == "run_end"][0]["wall_time"]
    run = run_pipe(args, project, "json")
    expect_status(run, 1, "the same run again")
    starts = [e for e in read_events(output) if e["event"] == "run_start"]
    check(len(starts) == 1 and starts[0]["estimate"] == first,
          "the second run's estimate should be the first run's wall time "
          "%r: %r" % (first, starts))


def json_stdout(args, tmp):
    """path = - : standard output is JSON Lines and nothing else."""
    project = make_project(tmp, ["[reporter.json]", "path = -"])
    run = run_pipe(args, project, "json")
    expect_status(run, 1, "a run with failures")
    path = os.path.join(tmp, "stdout.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        f.write(run.out)
    events = read_events(path)
    check_strange_text(events)
    compare_golden(args, "json_events.jsonl",
                   dump_events(normalise_events(events, project)))


def json_unwritable(args, tmp):
    """A file that cannot be opened, or written: one error naming the file
    and why, the run goes on to its normal end, and --once then exits 2 (a
    CI job must not pass without its report)."""
    reference = run_pipe(args, make_project(os.path.join(tmp, "ref"), []),
                         "summary")
    expect_status(reference, 1, "the reference run")
    for name, path, why in (
            ("open", "blocked/events.jsonl", "Not a directory"),
            ("write", "/dev/full", "No space left on device")):
        project = make_project(os.path.join(tmp, name),
                               ["[reporter.json]", "path = " + path])
        # A file where a directory of the path should be: none can be made.
        with open(os.path.join(project, "blocked"), "w") as f:
            f.write("a file\n")
        run = run_pipe(args, project, "summary,json")
        expect_status(run, 2, "a run whose json fails (%s)" % name)
        check(normalise(run.out, project) ==
              normalise(reference.out, reference.project),
              "%s: the summary changed:\n%s" % (name, run.out))
        errors = [l for l in run.err.splitlines() if "reporter.json" in l]
        check(len(errors) == 1 and run.err.count("\n") == 1,
              "%s: expected one line about the json reporter, got:\n%s"
              % (name, run.err))
        full = os.path.join(project, path)
        check(errors[0].startswith("cctrial: reporter.json: ")
              and full in errors[0] and why in errors[0],
              "%s: the error does not name %s and %r: %s"
              % (name, full, why, errors[0]))
        print("%s: %s" % (name, errors[0]))


def json_schema_doc(args, tmp):
    """docs/json-events.md stays true: each of its examples is valid JSON,
    and every event recorded in the golden streams has the very fields, in
    the same order, as the documented example of that event."""
    doc = os.path.join(HERE, "..", "..", "docs", "json-events.md")
    with open(doc, encoding="utf-8") as f:
        blocks = re.findall(r"```json\n(.*?)```", f.read(), re.S)
    examples = {}
    for block in blocks:
        for line in block.splitlines():
            try:
                e = json.loads(line)
            except ValueError as error:
                raise Failure("docs example is not JSON (%s): %s"
                              % (error, line))
            examples.setdefault(e["event"], []).append(e)
    for name in ("json_events.jsonl", "workflow_events.jsonl"):
        with open(os.path.join(GOLDEN, name), encoding="utf-8") as f:
            for line in f:
                e = json.loads(line)
                check(e["event"] in examples,
                      "event %r has no example in the docs" % e["event"])
                documented = [list(x) for x in examples[e["event"]]]
                check(list(e) in documented,
                      "%s: the fields of %r are %s; the docs show %s"
                      % (name, e["event"], list(e), documented))


SCENARIOS = {f.__name__: f for f in (
    oneline_pipe, summary_oneline_pipe, summary_skips_pipe,
    oneline_pipe_color_always,
    summary_oneline_tty, oneline_tty_narrow, oneline_tty_no_color,
    workflow_tty, json_file, json_stdout, json_unwritable,
    json_schema_doc)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cctrial", required=True)
    parser.add_argument("--update", action="store_true")
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    args = parser.parse_args()
    args.cctrial = os.path.abspath(args.cctrial)
    with tempfile.TemporaryDirectory(prefix="cct-reporters-") as tmp:
        try:
            SCENARIOS[args.scenario](args, tmp)
        except Failure as e:
            print("FAIL %s: %s" % (args.scenario, e))
            return 1
        except subprocess.TimeoutExpired as e:
            print("FAIL %s: cctrial did not finish within %ss: %s"
                  % (args.scenario, e.timeout, e.cmd))
            return 1
    print("ok %s" % args.scenario)
    return 0


if __name__ == "__main__":
    sys.exit(main())
