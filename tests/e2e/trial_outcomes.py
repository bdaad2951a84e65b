"""trial itself, recording the outcome of every result it counts.

    trial_outcomes.py OUTFILE [TRIAL ARGUMENTS...]

Runs `python -m twisted.trial` in this process with its usual reporter and
output, and writes to OUTFILE one JSON line per result the reporter was
given: {"id": test id, "outcome": success|failure|error|skip|
expected_failure|unexpected_success}.  With -jN the results are those the
manager's reporter receives from its workers, as trial counts them.  The
exit status is trial's.

Used by test_outcomes.py (through harness.py) to compare cctrial's per-test
outcomes with trial's, and by the benchmark of Twisted's whole suite.
"""

import json
import os
import sys


def recording(reporter_class, outfile):
    """A subclass of trial's reporter that also writes each result down."""

    class Recording(reporter_class):
        def _record(self, test, outcome):
            # trial's reporters are given a test case, or for an import
            # error the name that failed to load (a string or a
            # ErrorHolder-like object with id()).
            name = test.id() if hasattr(test, "id") else str(test)
            outfile.write(json.dumps({"id": name, "outcome": outcome}) + "\n")
            outfile.flush()

        def addSuccess(self, test):
            self._record(test, "success")
            super().addSuccess(test)

        def addFailure(self, test, fail):
            self._record(test, "failure")
            super().addFailure(test, fail)

        def addError(self, test, error):
            self._record(test, "error")
            super().addError(test, error)

        def addSkip(self, test, reason):
            self._record(test, "skip")
            super().addSkip(test, reason)

        def addExpectedFailure(self, test, error, todo=None):
            self._record(test, "expected_failure")
            super().addExpectedFailure(test, error, todo)

        def addUnexpectedSuccess(self, test, todo=None):
            self._record(test, "unexpected_success")
            super().addUnexpectedSuccess(test, todo)

    return Recording


def main():
    from twisted.scripts import trial

    outfile = open(sys.argv[1], "w", encoding="utf-8")
    config = trial.Options()
    config.parseOptions(sys.argv[2:])
    config["reporter"] = recording(config["reporter"], outfile)
    trial._initialDebugSetup(config)
    runner = trial._makeRunner(config)
    suite = trial._getSuite(config)
    if config["until-failure"]:
        result = runner.runUntilFailure(suite)
    else:
        result = runner.run(suite)
    outfile.close()
    sys.exit(not result.wasSuccessful())


if __name__ == "__main__":
    # As `python -m twisted.trial` would: the current directory first.
    sys.path[0] = os.getcwd()
    main()
