#!/usr/bin/env python3
"""A stand-in for notify-send and terminal-notifier in cctrial's tests.

The tests put it on PATH under the real programs' names.  Each call appends
one JSON line to the file named by $FAKE_NOTIFIER_LOG:

    {"program": "notify-send", "argv": [...arguments...], "pid": 1234,
     "overlapped": false}

where "overlapped" says whether the call recorded before it was still
running when this one started (cctrial must run them one at a time).

then does what $FAKE_NOTIFIER_MODE says:

    ok (default)  exit 0
    fail          exit 1, as notify-send does without a D-Bus session
    hang          sleep 60 s, as a notifier stuck on a dead daemon would
    block         wait until the file $FAKE_NOTIFIER_RELEASE exists (at
                  most 60 s), then exit 0: a slow notifier the test
                  controls

The line is written before anything else, so that a test sees every call,
even one that is killed.  Standard library only.
"""

import json
import os
import sys
import time


def previous_still_running(log):
    """Is the process of the last recorded call still alive?"""
    try:
        with open(log, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return False
    if not lines:
        return False
    try:
        os.kill(json.loads(lines[-1])["pid"], 0)
    except ProcessLookupError:
        return False
    return True


def main():
    log = os.environ["FAKE_NOTIFIER_LOG"]
    record = {
        "program": os.path.basename(sys.argv[0]),
        "argv": sys.argv[1:],
        "pid": os.getpid(),
        "overlapped": previous_still_running(log),
    }
    with open(log, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
    mode = os.environ.get("FAKE_NOTIFIER_MODE", "ok")
    if mode == "fail":
        sys.stderr.write("Cannot autolaunch D-Bus without X11 $DISPLAY\n")
        return 1
    if mode == "hang":
        time.sleep(60)
    if mode == "block":
        deadline = time.monotonic() + 60
        release = os.environ["FAKE_NOTIFIER_RELEASE"]
        while not os.path.exists(release) and time.monotonic() < deadline:
            time.sleep(0.05)
    return 0


if __name__ == "__main__":
    sys.exit(main())
