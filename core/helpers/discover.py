"""cctrial's discovery helper: find the tests trial would run.

cctrial's core is written in C, but only Python can load Python tests.  The
core runs this file with the chosen interpreter, in the project's directory:

    python discover.py [--root DIR]... [--cache FILE [--fresh]]
                       [--timeout SECONDS] [--order ORDER | --random SEED]
                       [--path DIR]... [--env NAME]... [--without-module M,...]
                       [--] NAME...

It says `cctrial-discover: ready` on a line of its own at once (the core
refuses an interpreter that does not), loads NAME... with trial's own
TestLoader, recursively, exactly as `python -m twisted.trial NAME...` would
from the same directory, and writes one JSON document on its standard
output after that line (anything the tests print while being imported goes
to standard error instead).  Between the two, a line
`cctrial-discover: progress IMPORTED CACHED WANTED MODULE` before each test
module it imports says how far it is (the core shows it on a terminal):

    {"version": 1, "python": ..., "executable": ..., "twisted": ...,
     "sys_path": [...],            # what the workers need as PYTHONPATH
     "dev_roots": [...],           # development installs on sys.path
     "tests": [{"id", "module", "file"[, "traceback"]}],  # trial's order;
                                   # a module that failed to import has its
                                   # traceback and the module's name as id
     "unknown": [{"name", "error"}],   # names that do not exist
     "modules": [{"name", "file", "imports": [file, ...]}],
     "cache_hits": N,              # test modules taken from the cache
     "src_dir": DIR}               # only when src/ was put on sys.path

"modules" lists every module loaded from a --root directory, with the
project files it imports (from its import statements, and from the modules
that define the objects in its namespace); cctrial's selectors use it.
With --cache, unchanged test modules are not imported again (see
discovery_cache.py for when that holds); --fresh imports them all and
only writes the cache.

--order and --random sort the tests as trial's own options of those names
do (trial's default order is by name), with trial's own sorters; the cache
holds that default order only, and cctrial passes no --cache with them.
--path puts DIR on sys.path after the project's directory, as PYTHONPATH
would (cctrial's `pythonpath` key).  A src/ layout is found without it:
when a NAME's top-level package cannot be imported from sys.path but is in
the project's src/ directory, src/ goes on sys.path, and "src_dir" says so.
--env names a variable the project's configuration set (cctrial's `env`
key; it is in this process's environment already): the cache is keyed on
its value, since a test module's import may depend on it.

With --timeout, a discovery still running after SECONDS prints Python's
traceback of where it is ("Timeout (...)!" first: the core names the
module being imported from it) and exits 1.

Exit status: 0 with the document; 3 when Twisted cannot be imported (the
core then tries another interpreter); 2 on a bad command line.
"""

import ast
import faulthandler
import json
import os
import re
import subprocess
import sys

# Imported now, while sys.path[0] is still this directory, and without
# leaving bytecode among cctrial's own files (an installed tree, or the
# build tree a layout test compares with it).  The project's modules are
# compiled and cached as usual.
_dont_write_bytecode = sys.dont_write_bytecode
sys.dont_write_bytecode = True
import discovery_cache  # noqa: E402

sys.dont_write_bytecode = _dont_write_bytecode

NO_TWISTED = 3


def restore_trial_sys_path():
    """Make sys.path what `python -m twisted.trial` would have.

    Running a script puts the script's directory first; `-m` puts the
    current directory there instead.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        sys.path[0] = os.getcwd()
    else:
        sys.path.insert(0, os.getcwd())


def parse_args(argv):
    roots, names, cache, fresh, timeout = [], [], None, False, 0
    order = {}
    paths, env, without = [], [], []
    args = iter(argv)
    for arg in args:
        if arg == "--fresh":
            fresh = True
        elif arg in ("--root", "--cache", "--timeout", "--order",
                     "--random", "--path", "--env", "--without-module"):
            try:
                value = next(args)
            except StopIteration:
                sys.stderr.write("discover.py: %s needs a value\n" % arg)
                sys.exit(2)
            if arg == "--root":
                roots.append(os.path.realpath(value))
            elif arg == "--timeout":
                timeout = int(value)
            elif arg == "--order":
                order["order"] = value
            elif arg == "--random":
                order["random"] = int(value)
            elif arg == "--path":
                paths.append(os.path.abspath(value))
            elif arg == "--env":
                env.append(value)
            elif arg == "--without-module":
                without = value.split(",")
            else:
                cache = os.path.abspath(value)
        elif arg == "--":
            names.extend(args)
        else:
            names.append(arg)
    return roots, names, cache, fresh, timeout, order, paths, env, without


def set_order(loader, order):
    """trial's --order and -z, as twisted.scripts.trial._getLoader sets
    them: the same sorter, so that a seed gives trial's very order."""
    if "random" in order:
        import random

        randomer = random.Random()
        randomer.seed(order["random"])
        loader.sorter = lambda x: randomer.random()
    elif "order" in order:
        from twisted.scripts import trial

        loader.sorter = trial._runOrders[order["order"]][1]


def top_level_name(name):
    """The top-level package (or module) a test name imports: its first
    dotted part, or for a path (trial's rule: it holds a separator) the
    outermost directory above it that is a package."""
    if os.sep not in name:
        return name.split(".")[0]
    path = os.path.abspath(name)
    if os.path.isdir(path):
        path = os.path.join(path, "__init__.py")
    top = os.path.splitext(os.path.basename(path))[0]
    directory = os.path.dirname(path)
    while os.path.exists(os.path.join(directory, "__init__.py")):
        top = os.path.basename(directory)
        directory = os.path.dirname(directory)
    return top


def add_src_layout(names, position):
    """Put the project's src/ on sys.path (at `position`) when a name's
    top-level package is there and cannot be imported otherwise; return
    it, or None."""
    import importlib.util

    src = os.path.join(os.getcwd(), "src")
    if not os.path.isdir(src):
        return None
    for name in names:
        top = top_level_name(name)
        if not top.isidentifier():
            continue
        if not (os.path.isdir(os.path.join(src, top)) or
                os.path.isfile(os.path.join(src, top + ".py"))):
            continue
        try:
            importable = importlib.util.find_spec(top) is not None
        except (ImportError, ValueError):
            importable = False
        if not importable:
            sys.path.insert(position, src)
            return src
    return None


class Sources:
    """The text of source files, read once each."""

    def __init__(self):
        self.texts = {}

    def defines(self, path, kind, name):
        """Does the file hold a `class NAME` or `def NAME` statement?"""
        if path not in self.texts:
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    self.texts[path] = f.read()
            except (OSError, TypeError):
                self.texts[path] = ""
        pattern = r"^[ \t]*%s%s[ \t]+%s\b" % (
            "(?:async[ \t]+)?" if kind == "def" else "", kind,
            re.escape(name))
        return re.search(pattern, self.texts[path], re.MULTILINE) is not None


def in_plain_sight(test, module_path, tracked, sources):
    """Is the test's class defined by a `class` statement, and its method
    by a `def` in the class (of its bases) that holds it, each in a file
    the cache watches: the test module's own, a file under `tracked` (the
    project's, whose edits the cache follows through the import graph, and
    Twisted's, whose version is part of the cache's key)?  Only then do
    those sources alone decide that the test exists."""
    method = getattr(test, "_testMethodName", None)
    cls = type(test)
    owner = next((k for k in cls.__mro__ if method in vars(k)), None)
    if method is None or owner is None:
        return False
    for klass in {cls, owner}:
        file = module_file(klass.__module__)
        if file is None:
            return False
        file = os.path.realpath(file)
        if file != module_path and not under_roots(file, tracked):
            return False
        if not sources.defines(file, "class", klass.__name__):
            return False
    return sources.defines(os.path.realpath(module_file(owner.__module__)),
                           "def", method)


class CachedTest:
    """A test known from the cache: only its id is needed.  `path` is the
    file of the module that holds it (the cache's key), `file` that of the
    module defining its class (another one for an imported class)."""

    def __init__(self, entry, path):
        self._id = entry["id"]
        self.module = entry["module"]
        self.file = entry.get("file", path)
        self.path = path

    def id(self):
        return self._id

    def __str__(self):
        return self._id

    def countTestCases(self):
        return 1

    def __call__(self, result):
        raise RuntimeError("a cached test is never run by discovery")


class Progress:
    """Says how far discovery is, on a line of its own before each test
    module imported ("cctrial-discover: progress IMPORTED CACHED WANTED
    MODULE"), so that a terminal shows something while modules import."""

    def __init__(self, output):
        self.output = output
        self.imported = self.cached = self.wanted = 0

    def importing(self, name):
        self.output.write("cctrial-discover: progress %d %d %d %s\n"
                          % (self.imported, self.cached, self.wanted, name))
        self.output.flush()
        self.imported += 1


def caching_loader(runner, modules, cache, tracked, progress):
    """trial's TestLoader, taking unchanged test modules from the cache.

    Only whole modules found by walking a package come from the cache: the
    walk itself needs no import, and the result is the module's full list
    of tests.  Modules that fail to import, or whose tests are made by
    code, are never cached.
    """

    from twisted.trial._asyncrunner import _iterateTests

    class CachingLoader(runner.TestLoader):
        def __init__(self):
            super().__init__()
            self.complete = {}  # file of a module loaded whole -> its tests
            self.package_dirs = set()  # directories walked for tests
            self.sources = Sources()

        def loadModule(self, module):
            suite = super().loadModule(module)
            path = getattr(module, "__file__", None)
            if path:
                # What trial loads from the module, classes imported into
                # it included, as the cache will give it again.
                tests, files = [], {}
                for test in _iterateTests(suite):
                    if isinstance(test, runner.ErrorHolder):
                        return suite  # not a module worth remembering
                    name = type(test).__module__
                    if name not in files:
                        files[name] = module_file(name)
                    if not in_plain_sight(test, os.path.realpath(path),
                                          tracked, self.sources):
                        return suite  # made by code: loaded anew each time
                    tests.append({"id": test.id(), "module": name,
                                  "file": files[name]})
                self.complete[os.path.realpath(path)] = tests
            return suite

        # trial binds this alias to its own loadModule, and a module named
        # on the command line is loaded through it.
        loadTestsFromModule = loadModule

        def loadPackage(self, package, recurse=False):
            if not runner.isPackage(package):
                raise TypeError("%r is not a package" % (package,))
            found = modules.getModule(package.__name__)
            walk = found.walkModules() if recurse else found.iterModules()
            wanted = []
            for m in walk:
                if m.isPackage():
                    self.package_dirs.add(
                        os.path.realpath(m.filePath.parent().path))
                if m.name.split(".")[-1].startswith(self.modulePrefix):
                    wanted.append(m)
            suite = self.suiteFactory()
            progress.wanted += len(wanted)
            for info in self.sort(wanted):
                path = os.path.realpath(info.filePath.path)
                entry = cache.lookup(path)
                if entry is not None:
                    suite.addTest(self.suiteFactory(
                        [CachedTest(t, path) for t in entry["tests"]]))
                    progress.cached += 1
                    continue
                progress.importing(info.name)
                try:
                    module = info.load()
                except BaseException:
                    from twisted.python import failure
                    suite.addTest(runner.ErrorHolder(info.name,
                                                     failure.Failure()))
                else:
                    suite.addTest(self.loadModule(module))
            return suite

    return CachingLoader()


def module_file(name):
    module = sys.modules.get(name)
    path = getattr(module, "__file__", None)
    if path is None:
        try:
            import importlib.util

            spec = importlib.util.find_spec(name)
            path = spec.origin if spec is not None else None
        except Exception:
            path = None
    if path and path.endswith((".pyc", ".pyo")):
        path = path[:-1]
    return os.path.realpath(path) if path and os.path.exists(path) else None


def is_unknown_name(holder):
    """Is this ErrorHolder for a name that does not exist at all?"""
    from twisted.python.reflect import ModuleNotFound, ObjectNotFound

    error = holder.error
    value = error.value if hasattr(error, "value") else error[1]
    if isinstance(value, (ModuleNotFound, ObjectNotFound)):
        return True
    # trial's findByName raises this for a missing attribute of a module.
    return isinstance(value, AttributeError) and str(value).endswith(
        " does not exist."
    )


def error_text(holder):
    from twisted.python.failure import Failure

    error = holder.error
    if not isinstance(error, Failure):
        error = Failure(error[1], error[0], error[2])
    failure = error
    return failure.getTraceback(), failure.getErrorMessage()


def under_roots(path, roots):
    return path is not None and any(
        path == root or path.startswith(root + os.sep) for root in roots
    )


def source_imports(path, package):
    """Dotted names a module's import statements name (from its source)."""
    try:
        with open(path, "rb") as source:
            tree = ast.parse(source.read(), path)
    except Exception:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(p for p in parts + [base] if p)
            names.add(base)
            names.update(base + "." + alias.name for alias in node.names)
    names.discard("")
    return names


def namespace_imports(name, module):
    """Modules defining the objects in a module's namespace.

    `from a import B` where B is defined in a.sub links to a/sub.py.  A
    package's own submodules appear in its namespace because the import
    system puts them there, not because the package imports them.
    """
    names = set()
    for value in list(vars(module).values()):
        if type(value).__name__ == "module":
            if not value.__name__.startswith(name + "."):
                names.add(value.__name__)
            continue
        defining = getattr(value, "__module__", None)
        if isinstance(defining, str):
            names.add(defining)
    return names


def import_roots(roots):
    """sys.path entries inside the watched roots: where project modules
    are imported from."""
    found = []
    for entry in sys.path:
        entry = os.path.realpath(entry or ".")
        if under_roots(entry, roots) and entry not in found:
            found.append(entry)
    return found


def resolve(names, roots, own_path, allow_missing):
    """Project files for dotted names.

    "a.b.c" runs a/__init__.py, a/b/__init__.py and a/b/c.py: each counts.
    With allow_missing (for a module that failed to import), a name inside
    a project package whose file no longer exists still gives its path, so
    that deleting a file selects the tests that imported it.
    """
    files = set()
    bases = import_roots(roots)
    for imported in names:
        parts = imported.split(".")
        for i in range(1, len(parts) + 1):
            candidate = ".".join(parts[:i])
            f = module_file(candidate) if candidate in sys.modules else None
            if f is None:
                for base in bases:
                    stem = os.path.join(base, *parts[:i])
                    for option in (stem + ".py",
                                   os.path.join(stem, "__init__.py")):
                        if os.path.exists(option):
                            f = os.path.realpath(option)
                            break
                    if f is None and allow_missing and os.path.isdir(
                            os.path.join(base, parts[0])) and i > 1:
                        f = stem + ".py"
                    if f is not None:
                        break
            if f is not None and under_roots(f, roots) and f != own_path:
                files.add(f)
    return sorted(files)


def module_graph(roots, import_errors):
    """Every project module with the project files it imports."""
    modules = []
    for name, module in sorted(sys.modules.items()):
        path = module_file(name) if module is not None else None
        if not under_roots(path, roots):
            continue
        package = name if hasattr(module, "__path__") else name.rpartition(".")[0]
        names = source_imports(path, package) | namespace_imports(name, module)
        modules.append(
            {"name": name, "file": path,
             "imports": resolve(names, roots, path, False)}
        )
    # Modules that failed to import, and the project files they reach that
    # never loaded because of it: their edges come from their source alone.
    pending = [(entry["module"], entry["file"]) for entry in import_errors]
    known = {m["file"] for m in modules}
    while pending:
        name, path = pending.pop()
        if not under_roots(path, roots) or path in known:
            continue
        known.add(path)
        is_package = os.path.basename(path) == "__init__.py"
        package = name if is_package else name.rpartition(".")[0]
        imports = resolve(source_imports(path, package), roots, path, True)
        modules.append({"name": name, "file": path, "imports": imports})
        for target in imports:
            if target not in known and os.path.exists(target):
                pending.append((module_name(target, roots), target))
    return modules


def module_name(path, roots):
    """The dotted name a project file is imported by."""
    for base in import_roots(roots):
        if path.startswith(base + os.sep):
            relative = os.path.splitext(path[len(base) + 1:])[0]
            parts = relative.split(os.sep)
            if parts[-1] == "__init__":
                parts.pop()
            return ".".join(parts)
    return os.path.splitext(os.path.basename(path))[0]


def dev_roots():
    """sys.path directories that hold development installs.

    `setup.py develop` and `pip install -e` (in its path-based form) add the
    project's directory to sys.path through a .pth file in site-packages;
    PEP 660 editable installs map packages to directories in an
    __editable__ finder.  Neither the interpreter's library nor a
    site-packages directory counts.
    """
    import site
    import sysconfig

    excluded = {
        os.path.realpath(p)
        for key in ("stdlib", "platstdlib", "purelib", "platlib")
        for p in [sysconfig.get_paths().get(key)]
        if p
    }
    site_dirs = list(site.getsitepackages()) if hasattr(site, "getsitepackages") else []
    if getattr(site, "ENABLE_USER_SITE", False):
        site_dirs.append(site.getusersitepackages())
    excluded.update(os.path.realpath(d) for d in site_dirs)
    found = []

    def add(path):
        path = os.path.realpath(path)
        if (
            os.path.isdir(path)
            and path not in excluded
            and not path.endswith(("site-packages", "dist-packages"))
            and path not in found
        ):
            found.append(path)

    for directory in site_dirs:
        try:
            entries = sorted(os.listdir(directory))
        except OSError:
            continue
        for entry in entries:
            full = os.path.join(directory, entry)
            if entry.endswith(".pth"):
                try:
                    with open(full, encoding="utf-8", errors="replace") as pth:
                        lines = pth.read().splitlines()
                except OSError:
                    continue
                for line in lines:
                    line = line.strip()
                    if line and not line.startswith(("#", "import ")):
                        add(os.path.join(directory, line))
            elif entry.startswith("__editable__") and entry.endswith("_finder.py"):
                try:
                    with open(full, encoding="utf-8") as finder:
                        tree = ast.parse(finder.read())
                    for node in tree.body:
                        if (
                            isinstance(node, ast.Assign)
                            and getattr(node.targets[0], "id", "") == "MAPPING"
                        ):
                            for target in ast.literal_eval(node.value).values():
                                add(os.path.dirname(target))
                except Exception:
                    continue
    return found


def twisted_stamp():
    """Where Twisted is and how its version file looks, found without
    importing it: an upgrade of Twisted makes the cache stale."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("twisted")
        origin = spec.origin if spec is not None else None
    except Exception:
        origin = None
    if not origin:
        return None
    version = os.path.join(os.path.dirname(origin), "_version.py")
    return [origin, discovery_cache.file_state(version)]


def start_over(argv, output):
    """Runs discovery again with --fresh; its answer is ours (after its
    own ready line), and so is its time limit."""
    faulthandler.cancel_dump_traceback_later()
    done = subprocess.run([sys.executable, os.path.abspath(__file__),
                           "--fresh"] + argv, stdout=subprocess.PIPE)
    answer = done.stdout.decode("utf-8")
    output.write(answer.split("\n", 1)[1] if "\n" in answer else answer)
    output.flush()
    return done.returncode


def main(argv):
    restore_trial_sys_path()
    # Tests may print while they are imported; keep standard output for the
    # JSON document alone.
    output = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    output.write("cctrial-discover: ready\n")
    output.flush()
    roots, names, cache_path, fresh, timeout, order, paths, env, without = \
        parse_args(argv)
    sys.path[1:1] = paths
    src_dir = add_src_layout(names, 1 + len(paths))
    # trial's --without-module, as trial's manager applies it before it
    # imports a test module: a module that imports one of them fails to
    # import here too, as it does in trial -j's manager.
    for module in without:
        sys.modules[module] = None
    if timeout > 0:
        # Python's own watchdog thread: it prints where the main thread is
        # and exits even while an import holds the interpreter in C code.
        faulthandler.dump_traceback_later(timeout, exit=True)
    key = {
        "executable": sys.executable,
        "sys_path": sys.path,
        "twisted": twisted_stamp(),
        "without_module": without,
    }
    if env:
        key["env"] = {name: os.environ.get(name) for name in env}
    cache = discovery_cache.Cache(cache_path, key)
    if fresh:
        cache.reusable = False
    request = {"names": names, "roots": roots}
    known = cache.last_answer(request)
    if known is not None:
        # Nothing it rests on changed: the same answer, without importing
        # Twisted or a single test module.
        known = dict(known, dev_roots=dev_roots(), cache_hits=cache.hits)
        if src_dir:
            known["src_dir"] = src_dir
        json.dump(known, output, ensure_ascii=False)
        output.write("\n")
        output.flush()
        return 0

    try:
        import twisted
        from twisted.trial import runner
        from twisted.trial._asyncrunner import _iterateTests
    except ImportError as e:
        sys.stderr.write("%s\n" % (e,))
        return NO_TWISTED

    from twisted.python import modules as twisted_modules

    document = {
        "version": 1,
        "python": "%d.%d.%d" % sys.version_info[:3],
        "executable": sys.executable,
        "twisted": twisted.__version__,
        "tests": [],
        "unknown": [],
    }
    if src_dir:
        document["src_dir"] = src_dir
    import_errors = []
    loader = caching_loader(runner, twisted_modules, cache,
                            roots + [os.path.dirname(twisted.__file__)],
                            Progress(output))
    set_order(loader, order)
    suite = loader.loadByNames(names, recurse=True)

    cached_files = set()
    for test in _iterateTests(suite):
        if isinstance(test, CachedTest):
            cached_files.add(test.path)
            document["tests"].append(
                {"id": test.id(), "module": test.module, "file": test.file})
            continue
        if isinstance(test, runner.ErrorHolder):
            name = test.description
            if is_unknown_name(test):
                document["unknown"].append(
                    {"name": name, "error": error_text(test)[1]}
                )
            else:
                # In trial's order among the tests: trial runs it there.
                entry = {
                    "id": name,
                    "module": name,
                    "file": module_file(name),
                    "traceback": error_text(test)[0],
                }
                document["tests"].append(entry)
                import_errors.append(entry)
            continue
        module = type(test).__module__
        document["tests"].append(
            {"id": test.id(), "module": module, "file": module_file(module)}
        )

    document["sys_path"] = [os.path.abspath(p or ".") for p in sys.path]
    document["dev_roots"] = dev_roots()
    graph = {m["file"]: m for m in module_graph(roots, import_errors)}
    for path in cached_files:
        for entry in cache.graph_entries(cache.modules[path]):
            graph.setdefault(entry["file"], {
                "name": entry["name"], "file": entry["file"],
                "imports": entry["imports"]})
    document["modules"] = sorted(graph.values(), key=lambda m: m["name"])

    if import_errors and cache.hits:
        # A module imported alone failed, where after the modules before it
        # (taken from the cache) it might not have: start over, importing
        # every module in trial's order, in a process of its own.
        output.flush()
        return start_over(argv, output)

    # Remember every whole module imported this time.
    for path, tests in loader.complete.items():
        if path not in cached_files:
            cache.record(path, tests, graph)
    document["cache_hits"] = cache.hits
    if not import_errors and not document["unknown"]:
        cache.remember_answer(request, loader.package_dirs, document)
    cache.save(reusable=not import_errors)

    json.dump(document, output, ensure_ascii=False)
    output.write("\n")
    output.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
