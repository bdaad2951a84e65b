"""The discovery cache (core/helpers/discovery_cache.py), end to end.

Runs cctrial's discovery helper as cctrial does (the project's directory,
--root, --cache under .cctrial/) on a small project whose test modules say
on standard error when they are imported, and checks after each edit which
modules were imported again and that the tests listed are still exactly
what trial itself finds:

- a second start with nothing changed imports no test module, whether the
  tests were found by walking a package or named module by module;
- an edited test module is imported again, alone;
- a touched file (new mtime, same content) is not;
- a change to a project file a test module imports re-imports that module;
- a test class inherited from another module follows that module's edits;
- a test module added to a package is found;
- the project's modules are compiled to bytecode as usual, but no bytecode
  is left beside the helpers (cctrial's own, possibly installed, files).
"""

import json
import os
import shutil
import subprocess
import sys
import time

import harness
from harness import check, say

HELPERS = os.path.join(harness.SOURCE_DIR, "core", "helpers")
HELPER = None  # discover.py, copied into a directory of its own by main()

FILES = {
    "proj/__init__.py": "",
    "proj/util.py": "VALUE = 1\n",
    "proj/test/__init__.py": "",
    "proj/test/test_a.py": """\
import sys
sys.stderr.write("imported test_a\\n")
from twisted.trial import unittest


class Base(unittest.TestCase):
    def test_base(self):
        pass
""",
    "proj/test/test_b.py": """\
import sys
sys.stderr.write("imported test_b\\n")
from twisted.trial import unittest
from proj import util
from proj.test.test_a import Base


class Inherits(Base):
    def test_own(self):
        self.assertEqual(util.VALUE, 1)
""",
    "proj/test/test_c.py": """\
import sys
sys.stderr.write("imported test_c\\n")
from twisted.trial import unittest


class C(unittest.TestCase):
    def test_c(self):
        pass
""",
}


def write(root, path, text):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)
    # Another second, so that an edit is never hidden by the resolution of
    # the file system's timestamps.
    later = time.time() + 1
    os.utime(full, (later, later))


def discover(root, names):
    """(test ids, modules imported) of one discovery run, with bytecode
    written as a user's Python writes it."""
    env = harness.base_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run(
        [harness.TEST_PYTHON, HELPER, "--root", root,
         "--cache", os.path.join(root, ".cctrial", "discovery.json"), "--"]
        + names,
        cwd=root, capture_output=True, text=True, timeout=60, env=env)
    check(proc.returncode == 0,
          f"discovery exited {proc.returncode}: {proc.stderr}")
    ready, _, answer = proc.stdout.partition("\n")
    check(ready == "cctrial-discover: ready",
          f"expected the helper's ready line first, got {ready!r}")
    # Before the document, a progress line for each module it imports.
    progress = []
    while answer.startswith("cctrial-discover: progress "):
        line, _, answer = answer.partition("\n")
        progress.append(line.split()[-1].rsplit(".", 1)[-1])
    document = json.loads(answer)
    imported = sorted(line.split()[1] for line in proc.stderr.splitlines()
                      if line.startswith("imported "))
    check(set(progress) <= set(imported),
          f"progress for modules not imported: {progress} vs {imported}")
    return [t["id"] for t in document["tests"]], imported


def trial_ids(root, names):
    """The ids trial itself would run: its own loader, asked as
    `python3 -m twisted.trial NAME...` asks it (trial 22.4 has no flag
    that only lists)."""
    code = ("import sys; sys.path.insert(0, '');"
            "from twisted.trial import runner;"
            "from twisted.trial._asyncrunner import _iterateTests;"
            "s = runner.TestLoader().loadByNames(sys.argv[1:], recurse=True);"
            "print('\\n'.join(t.id() for t in _iterateTests(s)))")
    proc = subprocess.run([harness.TEST_PYTHON, "-c", code] + names,
                          cwd=root, capture_output=True, text=True,
                          timeout=60, env=harness.base_env())
    check(proc.returncode == 0, f"trial's loader failed: {proc.stderr}")
    return proc.stdout.split()


def step(root, names, what, expect_imported):
    ids, imported = discover(root, names)
    expected_ids = trial_ids(root, names)
    check(ids == expected_ids,
          f"{what}: discovery listed {ids}, trial finds {expected_ids}")
    check(imported == sorted(expect_imported),
          f"{what}: imported {imported or 'nothing'}, expected "
          f"{sorted(expect_imported) or 'nothing'}")
    say(f"ok   {what}: {len(ids)} tests, imported "
        f"{', '.join(imported) or 'nothing'}")
    return ids


def walked_package():
    root = harness.empty_dir("walked")
    for path, text in FILES.items():
        write(root, path, text)
    names = ["proj"]
    step(root, names, "first start", ["test_a", "test_b", "test_c"])
    project_bytecode(root)
    step(root, names, "second start, nothing changed", [])
    write(root, "proj/test/test_c.py",
          FILES["proj/test/test_c.py"] + "\n    def test_c2(self):\n"
          "        pass\n")
    ids = step(root, names, "test_c edited", ["test_c"])
    check("proj.test.test_c.C.test_c2" in ids, "the new test is not listed")
    os.utime(os.path.join(root, "proj/test/test_a.py"),
             (time.time() + 5, time.time() + 5))
    step(root, names, "test_a touched, content unchanged", [])
    write(root, "proj/util.py", "VALUE = 2\n")
    # test_b imports test_a for its base class: importing test_b again
    # imports test_a with it.
    step(root, names, "proj/util.py (imported by test_b) edited",
         ["test_a", "test_b"])
    write(root, "proj/test/test_a.py",
          FILES["proj/test/test_a.py"] + "\n    def test_base2(self):\n"
          "        pass\n")
    ids = step(root, names, "test_a (test_b's base class) edited",
               ["test_a", "test_b"])
    check("proj.test.test_b.Inherits.test_base2" in ids,
          "the inherited test is not listed")
    write(root, "proj/test/test_d.py", FILES["proj/test/test_c.py"]
          .replace("test_c", "test_d").replace("class C", "class D"))
    ids = step(root, names, "test_d added", ["test_d"])
    check("proj.test.test_d.D.test_d" in ids, "the new module is not listed")


def named_modules():
    root = harness.empty_dir("named")
    for path, text in FILES.items():
        write(root, path, text)
    # Only test_b is named: some of its tests are defined in test_a.
    names = ["proj.test.test_b", "proj.test.test_c"]
    step(root, names, "named modules, first start",
         ["test_a", "test_b", "test_c"])
    step(root, names, "named modules, second start", [])
    write(root, "proj/test/test_a.py",
          FILES["proj/test/test_a.py"] + "\n    def test_base2(self):\n"
          "        pass\n")
    ids = step(root, names, "named modules, base class's module edited",
               ["test_a", "test_b", "test_c"])
    check("proj.test.test_b.Inherits.test_base2" in ids,
          "the inherited test is not listed")
    step(root, names, "named modules, second start after the edit", [])


def no_bytecode_beside_the_helpers():
    helpers = os.path.dirname(HELPER)
    check(not os.path.exists(os.path.join(helpers, "__pycache__")),
          f"discovery left bytecode in {helpers}: {os.listdir(helpers)}")
    say("ok   no bytecode beside the helpers")


def project_bytecode(root):
    check(os.path.isdir(os.path.join(root, "proj", "test", "__pycache__")),
          "the project's test modules were not compiled to bytecode")


def main():
    global HELPER
    helpers = os.path.join(harness.empty_dir("helpers"), "helpers")
    shutil.copytree(HELPERS, helpers,
                    ignore=shutil.ignore_patterns("__pycache__"))
    HELPER = os.path.join(helpers, "discover.py")
    walked_package()
    named_modules()
    no_bytecode_beside_the_helpers()


if __name__ == "__main__":
    harness.main(main)
