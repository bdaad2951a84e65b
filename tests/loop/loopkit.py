"""What the loop tests share: small projects written on the fly, and
editing files the ways editors save them."""

import os
import re
import sys

import harness
from harness import check

TEST_HEADER = "from twisted.trial import unittest\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def project(files):
    """A fresh directory holding `files` ({relative path: text})."""
    root = harness.empty_dir("loop")
    for name, text in files.items():
        write(os.path.join(root, name), text)
    return root


def config(root, text):
    """A configuration file for --config, outside the watched tree."""
    path = os.path.join(harness.empty_dir("config"), "cctrialrc")
    write(path, text)
    return path


def runs(output):
    """The "Running N tests." counts, in order."""
    return [int(n) for n in re.findall(r"^Running (\d+) tests\.$", output,
                                       re.M)]


def count(output, line):
    return len(re.findall("^" + re.escape(line) + "$", output, re.M))


def wait_until(condition, timeout, what):
    """Polls `condition` until it holds, failing after `timeout` seconds
    with `what` it was waiting for."""
    import time
    deadline = time.monotonic() + timeout
    while not condition():
        check(time.monotonic() < deadline,
              f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)
