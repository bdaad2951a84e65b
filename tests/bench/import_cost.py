"""What importing a test's module and running that one test costs, in a
warm interpreter: the floor of the fix loop's latency (bench_fixloop.py).

    import_cost.py PROJECT_DIR TEST_ID

Imports Twisted and trial's runner, runs the test once untimed (so that
what trial loads on first use is loaded), then for each line read on
standard input: forgets the project's modules (sys.modules entries of the
test id's top-level package), imports the test's module again through
trial's TestLoader.loadByName, runs the test with a TextReporter writing to
a StringIO, and prints the seconds this took and the reporter's verdict.
Bytecode is neither written nor read (sys.dont_write_bytecode, and a
pycache prefix that cannot exist), so each import compiles the source as
the first import after a save does.
"""

import importlib
import io
import os
import sys
import time

from twisted.trial import reporter, runner  # warm: imported once

# Set after Twisted's import, whose bytecode is read as usual.
sys.dont_write_bytecode = True
sys.pycache_prefix = os.path.join(os.devnull, "no-bytecode")


def forget(package):
    for name in list(sys.modules):
        if name == package or name.startswith(package + "."):
            del sys.modules[name]
    importlib.invalidate_caches()


def once(test_id):
    forget(test_id.split(".")[0])
    out = io.StringIO()
    start = time.perf_counter()
    suite = runner.TestLoader().loadByName(test_id)
    result = reporter.TextReporter(out)
    suite.run(result)
    seconds = time.perf_counter() - start
    verdict = "PASSED" if result.wasSuccessful() else "FAILED"
    return seconds, verdict, result.testsRun


def main():
    project, test_id = sys.argv[1:3]
    os.chdir(project)
    sys.path.insert(0, project)
    once(test_id)
    for _ in sys.stdin:
        seconds, verdict, ran = once(test_id)
        print(f"{seconds:.6f} {verdict} {ran}", flush=True)


if __name__ == "__main__":
    main()
