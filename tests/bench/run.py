"""Runs cctrial's benchmarks and writes docs/benchmarks.md (`make bench`).

    run.py BUILD_DIR [--only NAME...] [--output FILE]

NAME is throughput, fixloop, startup, idle, rerun or fullsuite (a figure of
Twisted's whole suite, not judged).  Without --only, every
benchmark runs and docs/benchmarks.md is rewritten below its marker line
(the hand-written header above it is kept); with --only, the Markdown goes
to standard output unless --output is given.  Exits 1 when a target is
missed by more than the tolerance (a MISS) or a benchmark could not
measure; BENCH_RUNS sets the repetitions (default 5).
"""

import argparse
import datetime
import os
import subprocess
import sys

import bench_fixloop
import bench_fullsuite
import bench_idle
import bench_rerun
import bench_startup
import bench_throughput
import benchlib
from benchlib import PYTHON, BenchError, say

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
DOCUMENT = os.path.join(SOURCE_DIR, "docs", "benchmarks.md")
MARKER = "<!-- Everything below is written by tests/bench/run.py. -->"
BENCHMARKS = {
    "throughput": bench_throughput.run,
    "fixloop": bench_fixloop.run,
    "startup": bench_startup.run,
    "idle": bench_idle.run,
    "rerun": bench_rerun.run,
    "fullsuite": bench_fullsuite.run,
}


def output_of(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True,
                              timeout=60).stdout.strip()
    except OSError as e:
        return f"unknown ({e})"


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def machine(ctx):
    """The facts a reader needs to weigh the figures."""
    versions = output_of([PYTHON, "-c", "import sys, twisted; print("
                          "sys.version.split()[0], twisted.__version__)"])
    python, _, twisted = versions.partition(" ")
    commit = output_of(["git", "-C", SOURCE_DIR, "describe", "--always",
                        "--dirty=-with-uncommitted-changes"])
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        ["date", datetime.datetime.now(datetime.timezone.utc)
         .strftime("%Y-%m-%d %H:%M UTC")],
        ["cctrial", f"{output_of([ctx.cctrial, '--version'])}, source "
         f"{commit}, binary {ctx.cctrial}"],
        ["CPUs (nproc)", f"{os.cpu_count()} x {cpu_model()}"],
        ["kernel", os.uname().release],
        ["Python, Twisted", f"{PYTHON}: Python {python}, Twisted {twisted}"],
        ["load average at start (1, 5, 15 min)", load],
        ["runs per measure (BENCH_RUNS)", str(ctx.runs)],
    ]


def run_all(ctx, names):
    """Runs the benchmarks; returns (Markdown, failed)."""
    facts = machine(ctx)
    sections, targets, failed = [], [], False
    for name in names:
        try:
            result = BENCHMARKS[name](ctx)
        except BenchError as e:
            say(f"{name}: could not measure: {e}")
            sections.append(f"## {name}\n\nNot measured: the benchmark "
                            f"failed:\n\n" + benchlib.code_block([str(e)]))
            failed = True
            continue
        sections.append(f"## {result.title}\n\n{result.markdown}\n"
                        + benchlib.targets_table(result.targets))
        targets += result.targets
    facts.append(["load average at end",
                  " ".join(f"{x:.2f}" for x in os.getloadavg())])
    failed = failed or any(t.verdict == "MISS" for t in targets)
    markdown = (
        "## Machine and run\n\n" + benchlib.table(["", ""], facts)
        + "\n## Every target\n\n" + benchlib.targets_table(targets)
        + "\n" + "\n".join(sections))
    return markdown, failed


def write_document(path, markdown):
    """Replaces what follows MARKER in path; a new file gets only the
    marker and the figures."""
    text = MARKER
    if os.path.exists(path):
        with open(path) as f:
            text = f.read()
    if MARKER not in text:
        raise SystemExit(f"{path}: no line '{MARKER}'; the generated part "
                         "goes below it")
    header = text.split(MARKER, 1)[0]
    with open(path, "w") as f:
        f.write(header + MARKER + "\n\n" + markdown)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("build_dir")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS))
    parser.add_argument("--output")
    args = parser.parse_args()
    names = args.only or list(BENCHMARKS)
    output = args.output or (None if args.only else DOCUMENT)
    ctx = benchlib.Context(args.build_dir)
    try:
        markdown, failed = run_all(ctx, names)
    finally:
        ctx.cleanup()
    if output:
        write_document(output, markdown)
        say(f"wrote {output}")
    else:
        say(markdown)
    if failed:
        say("make bench: a target was missed by more than "
            f"{benchlib.TOLERANCE:.0%}, or a benchmark could not measure")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
