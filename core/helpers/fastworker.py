"""cctrial's fast worker bootstrap (worker = fast).

A drop-in for `python -m twisted.trial._dist.workertrial`, on the same
file descriptors (commands on 3, results on 4).  Everything that decides a
result is the installed Twisted's own: its `WorkerProtocol` (an AMP
protocol object) loads and runs each test, gathers its results through
the installed `WorkerReporter` and answers `Run`, whichever generation
it is (22.4 sends results inline and answers at once; 22.10 and later
stream failure texts, wait for the manager's answers, and fall back to
`addErrorFallible` when reporting fails).  What differs from trial's
worker is only the plumbing around that object, all about time:

- Commands are read in blocks, not one byte at a time with a flush
  after each byte; complete boxes are handed to the protocol one by one.
- A `Run` that arrives while another is still unanswered (cctrial sends
  a worker its next tests ahead of time) waits until the one before is
  answered, so tests never overlap, on any generation.  Each box sent
  during a Run carries `cctrial-elapsed`, the seconds since that Run
  began here: cctrial reads results in batches while tests wait ahead,
  so its own clock cannot time each test.
- A test that closes fd 3 leaves a worker that can take no more commands:
  its Run's answer says so (`cctrial-commands: closed`) and the worker
  runs none of those it holds ahead; it exits, and cctrial gives them to
  another worker.
- What the protocol writes is gathered and written to fd 4 after each
  box it handled, and at once for each log line: a test that hangs and
  is killed keeps the lines it logged (trial's worker holds them in a
  buffer until the test ends).

It imports nothing of its own beyond what trial's worker imports: a test
module's import may depend on what was imported before it (a framework
chosen once per process), so the worker's imports are the tests' own, in
the order the tests come.  One exception, which chooses nothing: the
module of the reactor Twisted installs by default (epollreactor on Linux)
is imported, not installed, before the first test (see load()).

With `--template` it is the warm template workers are forked from
(template() below, cctrial's core/template.h): it imports what a worker
imports before its first test and forks a worker on each request; the
worker then goes on exactly as one started afresh.  Discovery's helper
may be forked from it too, and runs as `python discover.py` would.
"""

import os
import struct
import sys
import time

COMMANDS = 3
RESULTS = 4


def boxes(buffer):
    """Complete AMP boxes at the start of `buffer` (a bytearray), removed
    from it, as dicts of bytes."""
    found = []
    pos = 0
    while True:
        box, cursor = {}, pos
        while True:
            if len(buffer) - cursor < 2:
                del buffer[:pos]
                return found
            (key_len,) = struct.unpack_from("!H", buffer, cursor)
            if key_len == 0:
                cursor += 2
                break
            if len(buffer) - cursor < 2 + key_len + 2:
                del buffer[:pos]
                return found
            key = bytes(buffer[cursor + 2:cursor + 2 + key_len])
            (value_len,) = struct.unpack_from("!H", buffer,
                                              cursor + 2 + key_len)
            start = cursor + 4 + key_len
            if len(buffer) - start < value_len:
                del buffer[:pos]
                return found
            box[key] = bytes(buffer[start:start + value_len])
            cursor = start + value_len
        found.append(box)
        pos = cursor


class Transport:
    """What the AMP protocol writes to: a buffer, written out by `send`."""

    disconnecting = False

    def __init__(self):
        self.out = bytearray()

    def write(self, data):
        self.out += data

    def writeSequence(self, data):
        for item in data:
            self.out += item

    def send(self):
        data, self.out = bytes(self.out), bytearray()
        while data:
            data = data[os.write(RESULTS, data):]
        sys.stdout.flush()
        sys.stderr.flush()

    def loseConnection(self):
        # Twisted's AMP drops a connection that sent a malformed box; the
        # manager sees the worker end, as with trial's own worker.
        self.send()
        os._exit(1)

    def getPeer(self):
        return "manager"

    def getHost(self):
        return "worker"


def identity(fd):
    """The file `fd` names (its device and inode), or None if it is
    closed."""
    try:
        stat = os.fstat(fd)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


def protocol_class():
    from twisted.trial._dist.worker import WorkerProtocol

    class Protocol(WorkerProtocol):
        """Twisted's worker protocol, telling when a Run is answered, and
        cctrial whether the test closed the command pipe."""

        running = None  # the _ask of the Run not answered yet
        began = 0.0  # time.monotonic() when it began
        commands = None  # identity(COMMANDS) at the start
        closed = False  # a test closed COMMANDS: run nothing more

        def sendBox(self, box):
            answered = box.get(b"_answer", box.get(b"_error"))
            if self.running is not None and b"_command" in box:
                box[b"cctrial-elapsed"] = b"%.6f" % (time.monotonic() -
                                                     self.began)
            if answered is not None and answered == self.running:
                self.running = None
                # A test that closed fd 3 leaves a worker that can read
                # no more commands: said with its answer, so that cctrial
                # blames that test, not the one after it (which this
                # worker may already have read) nor its own write.
                self.closed = identity(COMMANDS) != self.commands
                box[b"cctrial-commands"] = (b"closed" if self.closed
                                            else b"kept")
            super().sendBox(box)

    return Protocol


def log_observer(protocol, transport):
    """trial's worker's log observer, with each line written at once."""
    from twisted.python.log import textFromEventDict
    from twisted.trial._dist import managercommands

    def emit(event):
        text = textFromEventDict(event)
        if text is None:
            return
        protocol.callRemote(managercommands.TestWrite, out=text)
        transport.send()

    return emit


def serve(protocol, transport):
    """Hands the manager's boxes to the protocol until fd 3 closes."""
    from twisted.protocols.amp import AmpBox

    received = bytearray()
    waiting = []  # commands held while a Run is unanswered
    while True:
        try:
            data = os.read(COMMANDS, 65536)
        except InterruptedError:
            continue
        if not data:
            return
        received += data
        for box in boxes(received):
            if b"_command" in box:
                waiting.append(box)
            else:
                protocol.ampBoxReceived(AmpBox(box))
                transport.send()
            while waiting and protocol.running is None:
                box = waiting.pop(0)
                if box[b"_command"] == b"Run":
                    protocol.running = box.get(b"_ask")
                    protocol.began = time.monotonic()
                protocol.ampBoxReceived(AmpBox(box))
                # After each command, as trial's worker flushes after each
                # byte: a test that kills the worker keeps the results of
                # the tests before it.
                transport.send()
                if protocol.closed:
                    return  # the Runs it holds never begin here


def load():
    """Imports what the worker needs before its first test, in the order
    the worker uses them: the same for a worker started afresh and for the
    template it may be forked from (see template())."""
    from twisted.python.log import startLoggingWithObserver  # noqa: F401
    from twisted.trial._dist.options import WorkerOptions  # noqa: F401
    from twisted.trial._dist.worker import WorkerProtocol  # noqa: F401
    from twisted.python.log import textFromEventDict  # noqa: F401
    from twisted.trial._dist import managercommands  # noqa: F401
    from twisted.protocols.amp import AmpBox  # noqa: F401
    # After each test trial fires the reactor's shutdown, and so installs
    # the default reactor at the first test, whose module and those it
    # brings (posixbase, process, tcp, udp, unix...) took 10-30 ms: most of
    # the fix loop's time above importing and running the test, in each
    # fresh worker.  Imported here, not installed: a test module may still
    # install a reactor of its choosing, and --reactor installs its own.
    from importlib import import_module
    from twisted.internet import default

    import_module(default.install.__module__)


def main():
    load()
    from twisted.python.log import startLoggingWithObserver
    from twisted.trial._dist.options import WorkerOptions

    config = WorkerOptions()
    config.parseOptions()
    protocol = protocol_class()(config["force-gc"])
    protocol.commands = identity(COMMANDS)
    transport = Transport()
    protocol.makeConnection(transport)
    startLoggingWithObserver(log_observer(protocol, transport), False)
    transport.send()
    serve(protocol, transport)
    if config.tracer:
        # --coverage, as trial's worker finishes it.
        sys.settrace(None)
        config.tracer.results().write_results(
            show_missing=True, summary=False, coverdir=config.coverdir().path
        )


# The template (`--template`): what cctrial sends on its socket, one line
# per message: "fork T GROUP PATH RUN N..." with the new child's
# descriptors attached, to become its descriptors N... in that order, and
# "kill T SIGNUM"; what it answers: "file MTIME_NS SIZE PATH" for each file
# it imported, then "ready" once it has imported what a worker imports,
# "pid T PID" after each fork, "unfit T" for a child it cannot make as a
# fresh process would be (cctrial starts that one afresh), and "exit T
# STATUS SIGNUM" once it has reaped child T.  GROUP 1 puts the child in a
# session and process group of its own, which "kill" then reaches whole.
# PATH is the hex of the child's PYTHONPATH, RUN the hex of its arguments
# (a script and what follows it), NUL-separated; "-" for either: the
# template's own PYTHONPATH, and the worker.
TEMPLATE_SOCKET = 3
PR_SET_PDEATHSIG = 1
MADV_POPULATE_WRITE = 23


def template():
    """Imports what a worker imports before its first test (load()), then
    forks a child for each request cctrial sends on fd 3, and returns only
    in such a child, set up as one started afresh would be: its own
    descriptors, directory, arguments, PYTHONPATH and sys.path, Python's
    own signal handlers, and none of the modules the template imported for
    itself.  A worker gets None, a child that runs a script (discovery) its
    arguments.  The template reaps its children and tells cctrial how they
    ended; it signals one only while it has not reaped it, so never a pid
    that has been reused.  At the end of its socket (cctrial is gone) it
    kills its children, reaps them and exits; should the template die
    first, its children die with it (PR_SET_PDEATHSIG)."""
    import _signal

    # Ctrl-C reaches the whole job; cctrial alone decides what it ends.
    sigint = _signal.getsignal(_signal.SIGINT)
    sigchld = _signal.getsignal(_signal.SIGCHLD)
    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
    load()
    before = set(sys.modules)
    import array
    import ctypes
    import fcntl
    import select
    import socket
    import threading
    from importlib.machinery import (ExtensionFileLoader, PathFinder,
                                     SourceFileLoader, SourcelessFileLoader)
    own = set(sys.modules) - before
    file_loaders = (SourceFileLoader, SourcelessFileLoader,
                    ExtensionFileLoader)
    if threading.active_count() != 1:
        sys.exit("cctrial's worker template: importing the worker started "
                 "a thread, so workers cannot be forked from it")
    libc = ctypes.CDLL(None, use_errno=True)
    prctl = libc.prctl
    madvise = libc.madvise
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    template_pid = os.getpid()
    home = os.getcwd()
    worker_argv = sys.argv[:-1]  # trial's options, without --template
    own_pythonpath = os.environ.get("PYTHONPATH")
    # sys.path after its first entry, as the interpreter and site made it,
    # without what the template's own PYTHONPATH put there.
    own_entries = set(os.path.abspath(p) for p in
                      (own_pythonpath or "").split(os.pathsep) if p)
    interpreter_path = [p for p in sys.path[1:] if p not in own_entries]
    # (PYTHONPATH, first entry) -> (its directories' modification times,
    # its sys.path or None: unfit).  The check costs 10 ms; a module that
    # appears on the path changes a directory's time.
    fit = {}
    sock = socket.socket(fileno=TEMPLATE_SOCKET)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    _signal.set_wakeup_fd(wake_w)
    _signal.signal(_signal.SIGCHLD, lambda signum, frame: None)
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    poller.register(wake_r, select.POLLIN)
    pids = {}  # token -> pid of the workers not reaped yet
    tokens = {}  # pid -> token
    groups = set()  # those pids that lead a process group of their own
    received = bytearray()
    fds = []  # received, not yet given to a worker
    fd_size = array.array("i").itemsize

    def reap():
        while pids:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return
            token = tokens.pop(pid)
            del pids[token]
            groups.discard(pid)
            if os.WIFSIGNALED(status):
                code, signum = 0, os.WTERMSIG(status)
            else:
                code, signum = os.WEXITSTATUS(status), 0
            sock.sendall(b"exit %d %d %d\n" % (token, code, signum))

    def fresh_path(pythonpath, first):
        """The sys.path of a process started afresh in the template's
        environment but with PYTHONPATH `pythonpath` (None: the template's
        own), its first entry `first`: then PYTHONPATH's entries and the
        interpreter's, absolute and each once, as site makes them.  None
        when a module the template imported would be found elsewhere on it
        (a project module named as one Twisted imports, a src/ tree that
        holds another Twisted): such a child cannot be forked from here."""
        entries = sys.path[1:] if pythonpath is None else \
            [os.path.abspath(p) for p in pythonpath.split(os.pathsep) if p] \
            + interpreter_path
        path = [first]
        seen = set()
        for entry in entries:
            if entry not in seen:
                seen.add(entry)
                path.append(entry)
        stamps = tuple(modified(entry) for entry in path)
        key = (pythonpath, first)
        if key not in fit or fit[key][0] != stamps:
            fit[key] = (stamps, path if finds_the_same(path) else None)
        return fit[key][1]

    def modified(directory):
        try:
            return os.stat(directory).st_mtime_ns
        except OSError:
            return None

    def finds_the_same(path):
        """Whether each module the template imported from sys.path (each
        top-level one, and each part of a namespace package) would be found
        where it was on `path`, and no sitecustomize or usercustomize
        appears there that the template did not run."""
        for name, module in list(sys.modules.items()):
            spec = getattr(module, "__spec__", None)
            if name in own or spec is None or spec.name != name:
                continue  # the template's own, or an alias
            namespace = spec.origin is None and \
                spec.submodule_search_locations is not None
            if not (namespace or isinstance(spec.loader, file_loaders)):
                continue  # built in, frozen, or an import hook's
            parent = name.rpartition(".")[0]
            if not parent:
                where = path
            elif getattr(sys.modules.get(parent), "__file__", "") is None:
                where = [os.path.join(entry, *parent.split("."))
                         for entry in path]
            else:
                continue  # in a regular package: found where it is
            found = PathFinder.find_spec(name, where)
            if found is None or found.origin != spec.origin or (
                    namespace and list(found.submodule_search_locations) !=
                    list(spec.submodule_search_locations)):
                return False
        return not any(
            name not in sys.modules and PathFinder.find_spec(name, path[1:])
            for name in ("sitecustomize", "usercustomize"))

    def become_child(given, targets, group, pythonpath, path):
        # First, so that a template that died meanwhile leaves nothing.
        if prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0) != 0 or \
                os.getppid() != template_pid:
            os._exit(1)
        if group:
            os.setsid()
        sys.path[:] = path
        if pythonpath is not None:
            os.environ["PYTHONPATH"] = pythonpath
        _signal.set_wakeup_fd(-1)
        _signal.signal(_signal.SIGCHLD, sigchld)
        _signal.signal(_signal.SIGINT, sigint)
        os.close(wake_r)
        os.close(wake_w)
        sock.close()
        # Out of the way of the targets first, then in place.
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in given]
        for fd in given:
            os.close(fd)
        for fd, target in zip(high, targets):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(home)
        sys.argv[:] = worker_argv
        if getattr(sys, "orig_argv", [])[-1:] == ["--template"]:
            del sys.orig_argv[-1]
        for name in own:
            module = sys.modules.pop(name, None)
            parent, _, child = name.rpartition(".")
            if parent in sys.modules and \
                    getattr(sys.modules[parent], child, None) is module:
                delattr(sys.modules[parent], child)

    def copy_private_pages():
        # Each object the first test touches gets its reference count
        # written, and each page so written is copied then, one fault at a
        # time (1,400 of them, 30 ms on a virtual machine, for the smallest
        # test).  Copied now, in one call per mapping, they cost the worker
        # that waits for a save (the fix loop) nothing when it comes.
        # Linux 5.14 and later; elsewhere the faults come as they would.
        with open("/proc/self/maps") as maps:
            for line in maps:
                fields = line.split()
                if fields[1][:2] != "rw" or fields[1][3] != "p" or \
                        fields[-1] in ("[stack]", "[vvar]", "[vsyscall]"):
                    continue
                low, high = (int(x, 16) for x in fields[0].split("-"))
                madvise(low, high - low, MADV_POPULATE_WRITE)

    def fork(token, group, pythonpath, run, targets):
        """Forks child `token`; returns, in the child, the script and
        arguments it is to run (None: the worker), and False in the
        template."""
        given, fds[:len(targets)] = fds[:len(targets)], []
        assert len(given) == len(targets), "a fork without its descriptors"
        # A script's directory comes first, as Python puts it.
        first = os.path.dirname(os.path.realpath(run[0])) if run else home
        path = fresh_path(pythonpath, first)
        if path is None:
            for fd in given:
                os.close(fd)
            sock.sendall(b"unfit %d\n" % token)
            return False
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            become_child(given, targets, group, pythonpath, path)
            if not run:
                copy_private_pages()
                return True
            sys.argv[:] = run
            if getattr(sys, "orig_argv", None):
                sys.orig_argv[1:] = run
            return run
        for fd in given:
            os.close(fd)
        pids[token] = pid
        tokens[pid] = token
        if group:
            groups.add(pid)
        sock.sendall(b"pid %d %d\n" % (token, pid))
        return False

    # What it imported, as it is now: cctrial replaces a template whose
    # imports have changed since (a dependency upgraded).
    said = []
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or "\n" in path:
            continue
        try:
            stat = os.stat(path)
        except OSError:
            continue
        said.append(b"file %d %d %s\n" % (stat.st_mtime_ns, stat.st_size,
                                          os.fsencode(os.path.abspath(path))))
    sock.sendall(b"".join(said) + b"ready\n")
    while True:
        poller.poll()
        try:
            os.read(wake_r, 4096)
        except BlockingIOError:
            pass
        reap()
        try:
            data, ancillary, _, _ = sock.recvmsg(
                65536, socket.CMSG_SPACE(16 * fd_size), socket.MSG_DONTWAIT)
        except BlockingIOError:
            continue
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                got = array.array("i")
                got.frombytes(payload[:len(payload) - len(payload) % fd_size])
                fds.extend(got)
        if not data:
            for pid in list(tokens):
                os.kill(pid, 9)
            while tokens:
                pid, _ = os.waitpid(-1, 0)
                tokens.pop(pid, None)
            os._exit(0)
        received += data
        while b"\n" in received:
            line, _, rest = bytes(received).partition(b"\n")
            received[:] = rest
            words = line.split()
            if words[0] == b"fork":
                pythonpath, run = (
                    None if word == b"-" else bytes.fromhex(word.decode())
                    for word in words[3:5])
                child = fork(
                    int(words[1]), words[2] == b"1",
                    None if pythonpath is None else os.fsdecode(pythonpath),
                    run and [os.fsdecode(a) for a in run.split(b"\0")],
                    [int(w) for w in words[5:]])
                if child:
                    return None if child is True else child
            elif words[0] == b"kill":
                pid = pids.get(int(words[1]))
                if pid is not None:  # not reaped: still its pid
                    if pid in groups:
                        os.killpg(pid, int(words[2]))
                    else:
                        os.kill(pid, int(words[2]))
            else:
                raise ValueError("cctrial's worker template: unknown "
                                 "request %r" % (line,))


def run_script(argv):
    """A child forked to run a script (cctrial's discovery helper), as
    `python SCRIPT ARGS...` would run it in the template's environment:
    sys.path's first entry is the script's directory (see fresh_path()),
    its exit status is the script's, an exception's traceback goes to
    standard error.  Returns at once when there is none (a worker)."""
    if not argv:
        return
    import runpy

    try:
        # The interpreter gives its __main__ an __annotations__ dict.
        runpy.run_path(argv[0], init_globals={"__annotations__": {}},
                       run_name="__main__")
        status = 0
    except SystemExit as exit:
        status = exit.code
    except BaseException:
        sys.excepthook(*sys.exc_info())
        status = 1
    if status is None:
        status = 0
    elif not isinstance(status, int):
        print(status, file=sys.stderr)
        status = 1
    leave_forked(status)


def leave_forked(status=0):
    """A forked child's exit: what Python's exit does that a test can
    see (threads joined, atexit functions run, the standard streams
    flushed), without the interpreter's teardown, which frees every object
    and so writes to most of the heap the worker shares with the template:
    each page written is copied, and on a virtual machine those copies
    cost as much as the worker's start saved (half a CPU-second)."""
    threading = sys.modules.get("threading")
    if threading is not None:
        threading._shutdown()
    import atexit
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # closed, or its reader gone: as at Python's own exit
    os._exit(status & 0xFF)


if __name__ == "__main__":
    # As `python -m` would: the current directory first, not this file's.
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        sys.path[0] = os.getcwd()
    forked = sys.argv[-1:] == ["--template"]
    if forked:
        # Returns only in a child forked from it: None in a worker.
        run_script(template())
    main()
    if forked:
        leave_forked()
