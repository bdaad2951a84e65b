"""Generators of the projects the benchmarks run on.

Every benchmark works on files written here into a temporary directory, so
that `make bench` needs nothing but the build and Debian's Twisted.  Each
function writes one kind of project and returns what the benchmark needs to
name it (a package name, a test id).
"""

import os

HEADER = "from twisted.trial import unittest\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def trivial_module(tests, classes):
    """A test module of `tests` trivial test methods spread over `classes`
    classes (the first ones get the remainder)."""
    parts = [HEADER]
    per_class, extra = divmod(tests, classes)
    number = 0
    for c in range(classes):
        parts.append(f"\n\nclass Trivial{c}Tests(unittest.TestCase):\n")
        for _ in range(per_class + (1 if c < extra else 0)):
            parts.append(f"    def test_{number:04d}(self):\n"
                         f"        self.assertEqual({number} + 1, "
                         f"{number + 1})\n")
            number += 1
    return "".join(parts)


def synthetic_suite(root, package, modules, tests_per_module):
    """A package of `modules` test modules of `tests_per_module` trivial
    tests each; module i holds its tests in 1 to 4 classes (i mod 4 + 1),
    so that some modules have several classes.  Returns the test count."""
    write(os.path.join(root, package, "__init__.py"), "")
    for i in range(modules):
        text = trivial_module(tests_per_module, i % 4 + 1)
        write(os.path.join(root, package, f"test_m{i:03d}.py"), text)
    return modules * tests_per_module


# The fix loop's project: a module under test and its tests, each in a
# broken and a right version.  Broken and right texts have different sizes
# on purpose: Python's .pyc check is the source's size and its mtime in whole
# seconds, so two versions of one size saved within a second could import a
# stale .pyc.
FIX_PACKAGE = "fixloop"
FIX_TEST_ID = "fixloop.test_calc.CalcTests.test_double"

HALF = "\n\ndef half(x):\n    return x / 2\n"
CALC_BROKEN = "def double(x):\n    return x + x + 1\n" + HALF
CALC_RIGHT = "def double(x):\n    return 2 * x\n" + HALF

TESTS_TEMPLATE = HEADER + """
from fixloop.calc import double, half


class CalcTests(unittest.TestCase):
    def test_double(self):
        self.assertEqual(double(21), {expected})
""" + "".join(f"""
    def test_half_{i}(self):
        self.assertEqual(half({2 * i}), {i})
""" for i in range(9))

TESTS_RIGHT = TESTS_TEMPLATE.format(expected="42")
TESTS_BROKEN = TESTS_TEMPLATE.format(expected="4200")


def fix_loop_project(root, calc=CALC_RIGHT, tests=TESTS_RIGHT):
    """The fix loop's project: ten tests, of which test_double fails when
    calc.py or test_calc.py is the broken version.  Returns the paths of
    (calc.py, test_calc.py)."""
    calc_path = os.path.join(root, FIX_PACKAGE, "calc.py")
    tests_path = os.path.join(root, FIX_PACKAGE, "test_calc.py")
    write(os.path.join(root, FIX_PACKAGE, "__init__.py"), "")
    write(calc_path, calc)
    write(tests_path, tests)
    return calc_path, tests_path


def directory_tree(root, width, depth_width, every=10):
    """width x depth_width nested directories under root/tree (d000/s000),
    with an __init__.py in every `every`-th one.  Returns the number of
    directories made, root/tree and its first level included."""
    made = 1
    for i in range(width):
        top = os.path.join(root, "tree", f"d{i:03d}")
        made += 1
        for j in range(depth_width):
            leaf = os.path.join(top, f"s{j:03d}")
            os.makedirs(leaf)
            made += 1
            if (i * depth_width + j) % every == 0:
                open(os.path.join(leaf, "__init__.py"), "w").close()
    return made


def tiny_package(root, package="tiny"):
    """A package with one passing test."""
    write(os.path.join(root, package, "__init__.py"), "")
    write(os.path.join(root, package, "test_tiny.py"), HEADER + """

class TinyTests(unittest.TestCase):
    def test_one(self):
        self.assertTrue(True)
""")
    return package
