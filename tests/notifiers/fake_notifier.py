#!/usr/bin/env python3
"""A stand-in for notify-send and terminal-notifier in cctrial's tests.

The tests put it on PATH under the real programs' names.  Each call appends
one JSON line to the file named by $FAKE_NOTIFIER_LOG:

    {"program": "notify-send", "argv": [...arguments...], "pid": 1234,
     "overlapped": false}

where "overlapped" says whether the call recorded before it was still
running when this one started (cctrial must run them one at a time).

As notify-send with --print-id, it prints the notification's id: the one
given with --replace-id, else a new one (100 + the calls recorded so far),
as libnotify >= 0.7.9 does.  `notify-send --help` (cctrial's question: which
options it knows) is answered at once and not recorded, whatever the mode:
the help of libnotify 0.8, or with $FAKE_NOTIFY_SEND_HELP=old that of a
notify-send before 0.7.9, without --print-id and --replace-id.

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


HELP = """Usage:
  notify-send [OPTION…] <SUMMARY> [BODY] - create a notification

Application Options:
  -u, --urgency=LEVEL               Specifies the urgency level (low, normal, critical).
  -t, --expire-time=TIME            Specifies the timeout in milliseconds at which to expire the notification.
  -a, --app-name=APP_NAME           Specifies the app name for the icon
  -i, --icon=ICON                   Specifies an icon filename or stock icon to display.
  -c, --category=TYPE[,TYPE...]     Specifies the notification category.
  -e, --transient                   Create a transient notification
  -h, --hint=TYPE:NAME:VALUE        Specifies basic extra data to pass. Valid types are boolean, int, double, string, byte and variant.
%s  -w, --wait                        Wait for the notification to be closed before exiting.
  -v, --version                     Version of the package.
"""
NEW_OPTIONS = """  -p, --print-id                    Print the notification ID.
  -r, --replace-id=REPLACE_ID       The ID of the notification to replace.
"""


def print_id(argv, log):
    """The id a daemon would give this notification."""
    for arg in argv[:argv.index("--")] if "--" in argv else argv:
        if arg.startswith("--replace-id="):
            return int(arg.split("=", 1)[1])
    with open(log, encoding="utf-8") as f:
        return 100 + sum(1 for line in f if line.strip())


def main():
    log = os.environ["FAKE_NOTIFIER_LOG"]
    if sys.argv[1:] == ["--help"]:
        old = os.environ.get("FAKE_NOTIFY_SEND_HELP") == "old"
        sys.stdout.write(HELP % ("" if old else NEW_OPTIONS))
        return 0
    record = {
        "program": os.path.basename(sys.argv[0]),
        "argv": sys.argv[1:],
        "pid": os.getpid(),
        "overlapped": previous_still_running(log),
    }
    with open(log, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
    mode = os.environ.get("FAKE_NOTIFIER_MODE", "ok")
    if "--print-id" in sys.argv[1:] and mode != "fail":
        print(print_id(sys.argv[1:], log), flush=True)
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
