"""The discovery cache: what each test module held, kept between runs.

Importing every test module is most of discovery's time on a big suite.
This cache remembers, per test module file, the tests it held (or its
import error) and the import-graph entries of the project files it depends
on.  An entry is used only while the module's file and every project file it
imports (transitively) are unchanged: same size and modification time, or,
when those differ, the same content hash (so `touch` or a checkout of the
same content keeps it).  Anything else re-imports that module alone.

The cache must never change the answer, and a module imported alone is not
always a module imported as trial imports it, after every module before it
(a framework chosen once per process, a registry filled by an earlier
import).  So an entry is used only where that cannot matter:

- Only a module whose tests are all defined in plain sight is remembered:
  each test's class by a `class` statement and its method by a `def` in
  the class (or base class) that holds it, in files the cache watches (the
  module's own, the project's, Twisted's).  Tests made by code (a loop, a
  data file) or inherited from a third-party class are loaded anew every
  time.
- When the last whole discovery had a module that failed to import, no
  entry is used at all: the failure may come from what was imported before
  it, so every module is imported again, in trial's order.  (discover.py
  also starts over without entries when a module imported alone fails.)

The cache lives in one JSON file (cctrial passes `.cctrial/discovery.json`),
written atomically; it is keyed by the interpreter, its sys.path and
Twisted's own files, and ignored when any of those differ.

It also keeps the last whole answer, with what it depended on: the names
and roots asked for, the listing of every package directory walked, and
the state of every test module and its imports.  When all of that is
unchanged, the answer is given again without importing Twisted or any test
(`Cache.last_answer`): a start with nothing changed then costs little more
than Python's own.
"""

import hashlib
import json
import os

VERSION = 3


def listing(directory):
    """What of a directory can hold tests: its .py files and directories."""
    try:
        names = os.listdir(directory)
    except OSError:
        return None
    return sorted(n for n in names if n.endswith(".py") or
                  os.path.isdir(os.path.join(directory, n)))


def file_state(path):
    """[size, mtime_ns, sha1] of a file, or None when it does not exist."""
    try:
        st = os.stat(path)
        with open(path, "rb") as f:
            digest = hashlib.sha1(f.read()).hexdigest()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, digest]


class Cache:
    def __init__(self, path, key):
        self.path = path
        self.key = key
        self.modules = {}  # test module file -> entry
        self.graph = {}  # project file -> {"name", "file", "imports", "state"}
        self.last = None  # the last whole answer and what it rests on
        self.reusable = False  # may entries stand in for imports?
        self._checked = {}  # file -> still valid?
        self.hits = 0
        if path:
            self._load()

    def _load(self):
        try:
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            return
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return
        if data.get("key") != self.key:
            return
        self.modules = data.get("modules") or {}
        self.graph = data.get("graph") or {}
        self.last = data.get("last")
        self.reusable = data.get("reusable") is True

    def _unchanged(self, path, state):
        """Is the file as `state` recorded it?"""
        if path in self._checked:
            return self._checked[path]
        ok = False
        try:
            st = os.stat(path)
        except OSError:
            ok = state is None
        else:
            if state is not None:
                if [st.st_size, st.st_mtime_ns] == state[:2]:
                    ok = True
                else:
                    current = file_state(path)
                    ok = current is not None and current[2] == state[2]
                    if ok:
                        state[:2] = current[:2]
        self._checked[path] = ok
        return ok

    def lookup(self, path):
        """The cached entry of a test module file, if still valid."""
        if not self.reusable:
            return None
        entry = self.modules.get(path)
        if not entry:
            return None
        deps = entry.get("deps") or {}
        if not self._unchanged(path, entry.get("state")):
            return None
        for dep, state in deps.items():
            if not self._unchanged(dep, state):
                return None
        self.hits += 1
        return entry

    def graph_entries(self, entry):
        """The cached graph entries of a module and its dependencies."""
        files = [entry["file"]] + list((entry.get("deps") or {}).keys())
        return [self.graph[f] for f in files if f in self.graph]

    def record(self, path, tests, graph):
        """Remembers a freshly imported test module.

        `graph` maps every project file to its entry; the module depends on
        what it reaches through it.
        """
        deps = {}
        pending = list(graph.get(path, {}).get("imports", []))
        while pending:
            dep = pending.pop()
            if dep in deps or dep == path:
                continue
            deps[dep] = file_state(dep)
            pending.extend(graph.get(dep, {}).get("imports", []))
        self.modules[path] = {
            "file": path,
            "state": file_state(path),
            "deps": deps,
            "tests": tests,
        }
        for f in [path] + list(deps):
            if f in graph:
                self.graph[f] = dict(graph[f], state=file_state(f))

    def remember_answer(self, request, package_dirs, document):
        """Keeps a whole answer for `request` (names and roots), with the
        listings of the package directories it walked."""
        # A test's file that is no module loaded whole (a class inherited
        # from another module's tests) is checked on its own.
        files = {t["file"] for t in document.get("tests", [])}
        self.last = {
            "request": request,
            "listings": {d: listing(d) for d in package_dirs},
            "document": document,
            "files": {f: file_state(f) for f in files
                      if f is not None and f not in self.modules},
        }

    def last_answer(self, request):
        """The last whole answer, if nothing it rests on has changed."""
        last = self.last
        if not last or last.get("request") != request:
            return None
        for directory, seen in last.get("listings", {}).items():
            if listing(directory) != seen:
                return None  # a test module or package came or went
        document = last.get("document") or {}
        others = last.get("files") or {}
        for path in {t["file"] for t in document.get("tests", [])}:
            if path in others:
                if not self._unchanged(path, others[path]):
                    return None
            elif path is None or self.lookup(path) is None:
                return None
        return document

    def save(self, reusable):
        """Writes the cache; `reusable` says whether the discovery just
        made may stand in for imports next time (no import failed)."""
        if not self.path:
            return
        data = {
            "version": VERSION,
            "key": self.key,
            "reusable": reusable,
            "modules": self.modules,
            "graph": self.graph,
            "last": self.last,
        }
        directory = os.path.dirname(self.path)
        try:
            os.makedirs(directory, exist_ok=True)
            tmp = "%s.%d.tmp" % (self.path, os.getpid())
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a cache that cannot be written only costs time
