"""Warm kernels: each notebook runs in a fresh kernel forked from a parent that has already
imported ipykernel, pandas and altair, so a run pays those imports once, not once per notebook.

Every kernel is still a process of its own, started with nothing in its namespace, in the
notebook's folder, with the environment and standard streams its kernel manager gave it; it
shares with its siblings only the modules imported before the fork (copy-on-write). What those
modules read from the environment when imported, they read in the parent, which starts with the
executor's environment; and BLAS runs on one thread (a thread pool does not survive a fork).
nbval in `make test` runs every notebook again in ordinary kernels and compares every output.

    with warm_kernels() as address:       # starts the parent; stops it, and any kernel left, after
        km = kernel_manager(address, ...) # a jupyter_client KernelManager that starts warm kernels

How a kernel starts: jupyter_client runs this module's *launcher* (``launch``), a small process
that hands its working folder, environment and standard streams to the parent over a local
socket and stands in for the kernel: it forwards the signals it gets (interrupt, terminate) to
the kernel's process group, as jupyter_client does for a kernel it started itself, and exits
with the kernel's exit code. If the launcher is killed, the parent kills its kernel; if the
parent stops for any reason, it kills every kernel it started.

``EVIDENCE_COLD_KERNELS=1`` starts every kernel the usual way (a new Python each time).
"""
from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRELOADED = ("ipykernel.kernelapp", "pandas", "altair")
# The launcher runs in the notebook's folder, where `tools` may not be importable: it says where.
_LAUNCHER = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from tools.warm_kernel import launch; "
             "sys.exit(launch(*sys.argv[1:]))")
COLD = "EVIDENCE_COLD_KERNELS"
LISTENING = b"listening\n"
_HEADER = struct.Struct("!I")
# Forked kernels must not inherit a half-started BLAS thread pool: the parent runs BLAS on one thread.
_SINGLE_THREADED = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


# --- the side of the executor ----------------------------------------------------------------

@contextmanager
def warm_kernels():
    """Start the parent of warm kernels; yield its address for ``kernel_manager`` (None, for kernels
    started the usual way, when ``EVIDENCE_COLD_KERNELS`` is set or the parent did not start). The
    parent and any kernel it forked stop on leaving."""
    if os.environ.get(COLD):
        yield None
        return
    folder = tempfile.mkdtemp(prefix="evidence-warm-")
    address = os.path.join(folder, "parent")
    try:
        parent = subprocess.Popen([sys.executable, "-m", "tools.warm_kernel", "serve", address], cwd=ROOT,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  env={**os.environ, **_SINGLE_THREADED})
        try:
            # Kernels may be asked for as soon as it listens: they wait while it imports.
            if parent.stdout.readline() == LISTENING:
                yield address
            else:
                parent.kill()
                print(f"warm kernels: their parent did not start (exit code {parent.wait()}); every kernel is "
                      "started the usual way", file=sys.stderr)
                yield None
        finally:
            _stop_parent(parent)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _stop_parent(parent: subprocess.Popen) -> None:
    parent.stdin.close()  # the parent's signal to stop
    try:
        parent.wait(timeout=10)
    except subprocess.TimeoutExpired:
        parent.kill()
        parent.wait()
    parent.stdout.close()


def kernel_manager(address: str | None, **kwargs):
    """A KernelManager for the ``python3`` kernel, started from the parent at ``address`` (None: as usual)."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3", **kwargs)
    if address is not None:  # what get_kernel_spec("python3") gives, with the warm launcher as argv
        km._kernel_spec = KernelSpec(argv=[sys.executable, "-c", _LAUNCHER, address, "{connection_file}"],
                                     display_name="Python 3", language="python", interrupt_mode="signal")
    return km


# --- the launcher: what jupyter_client starts as "the kernel" ---------------------------------

def launch(address: str, connection_file: str, *arguments: str) -> int:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(address)
    except OSError as err:
        print(f"warm kernel: the parent at {address} is not there ({err}); run the command again, or set "
              f"{COLD}=1 to start kernels the usual way", file=sys.stderr)
        return 1
    request = json.dumps({"argv": ["-f", connection_file, *arguments], "cwd": os.getcwd(),
                          "env": dict(os.environ)}).encode()
    socket.send_fds(conn, [_HEADER.pack(len(request))], [0, 1, 2])
    conn.sendall(request)
    kernel = None  # until the parent says which: a signal before then ends the launcher, and the parent its kernel

    def forward(received, _frame):
        if kernel is None:
            os._exit(128 + received)
        _signal(kernel, received)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, forward)
    reader = conn.makefile("rb")
    started = reader.readline()
    if not started:
        print("warm kernel: the parent stopped before starting this kernel (its error is above); set "
              f"{COLD}=1 to start kernels the usual way", file=sys.stderr)
        return 1
    kernel = json.loads(started)["pid"]
    line = reader.readline()
    return json.loads(line)["exit"] if line else 1


# --- the parent: imports once, forks a kernel per request ----------------------------------------

def serve(address: str) -> int:
    import importlib
    import threading

    # Ctrl-C reaches the whole process group: the executor handles it, then closes our stdin.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminated)
    signal.signal(signal.SIGHUP, _terminated)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(16)
    sys.stdout.buffer.write(LISTENING)
    sys.stdout.flush()
    for name in PRELOADED:
        importlib.import_module(name)
    if threading.active_count() != 1:  # a fork would copy a process whose other threads are gone
        print(f"warm kernel: importing {', '.join(PRELOADED)} started threads; cannot fork safely", file=sys.stderr)
        return 1
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    events = selectors.DefaultSelector()
    events.register(listener, selectors.EVENT_READ, "accept")
    events.register(sys.stdin, selectors.EVENT_READ, "stop")
    events.register(wake_r, selectors.EVENT_READ, "reap")
    kernels: dict[socket.socket, int] = {}
    keep_fds = {listener.fileno(), wake_r, wake_w, sys.stdin.fileno(), events.fileno()}
    try:
        _serve(listener, events, kernels, keep_fds, wake_r)
    except _Stopped:
        pass
    finally:  # however it ends, no kernel outlives the parent
        _stop(kernels)
    return 0


class _Stopped(Exception):
    pass


def _terminated(_signum, _frame):
    raise _Stopped


def _serve(listener, events, kernels: dict, keep_fds: set[int], wake_r: int) -> None:
    while True:
        for key, _ in events.select():
            if key.data == "stop":
                return
            if key.data == "reap":
                os.read(wake_r, 4096)
                _reap(kernels, events)
            elif key.data == "accept":
                conn, _ = listener.accept()
                pid = _fork_kernel(conn, keep_fds | {c.fileno() for c in kernels})
                if pid is not None:
                    kernels[conn] = pid
                    events.register(conn, selectors.EVENT_READ, "launcher")
            elif key.fileobj in kernels:  # a launcher hung up before its kernel exited: it was killed, so is its kernel
                _signal(kernels.pop(key.fileobj), signal.SIGKILL)
                events.unregister(key.fileobj)
                key.fileobj.close()


def _fork_kernel(conn: socket.socket, inherited: set[int]) -> int | None:
    """Read one launcher's request and fork its kernel; None (and the launcher let go) if the request
    is incomplete: a launcher killed while it asked."""
    request, fds = _request(conn)
    if request is None:
        conn.close()
        for fd in fds:
            os.close(fd)
        return None
    try:
        pid = os.fork()
    except OSError as err:  # no memory or process left: this launcher fails, the parent goes on
        print(f"warm kernel: could not start a kernel ({err})", file=sys.stderr)
        pid = None
    if pid == 0:
        _become_kernel(request, fds, inherited | {conn.fileno()})
    for fd in fds:
        os.close(fd)
    if pid is None:
        conn.close()
        return None
    with suppress(OSError):  # a launcher gone by now is seen as gone at the next select
        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    return pid


def _request(conn: socket.socket) -> tuple[dict | None, list[int]]:
    fds: list[int] = []
    try:
        header, fds, _, _ = socket.recv_fds(conn, _HEADER.size, 3)
        if len(header) != _HEADER.size or len(fds) != 3:
            return None, fds
        (length,) = _HEADER.unpack(header)
        body = b""
        while len(body) < length:
            chunk = conn.recv(length - len(body))
            if not chunk:
                return None, fds
            body += chunk
        return json.loads(body), fds
    except (OSError, ValueError):
        return None, fds


def _become_kernel(request: dict, fds: list[int], inherited: set[int]) -> None:
    """In the forked child: take the launcher's streams, folder and environment, then run ipykernel."""
    code = 1
    try:
        os.setsid()
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGINT):
            signal.signal(signum, signal.SIG_DFL)
        for fd in inherited:
            os.close(fd)
        sys.stdout.flush()
        sys.stderr.flush()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        _fresh_random_state()
        # As ipykernel_launcher does: the working folder is put back on sys.path by IPython itself.
        if sys.path and sys.path[0] == str(ROOT):  # put there by `python -m` (the parent runs in ROOT)
            del sys.path[0]
        sys.argv = ["ipykernel_launcher", *request["argv"], *_read_at_import(request["env"])]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=sys.argv[1:])
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        try:
            import atexit

            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _read_at_import(env: dict) -> list[str]:
    """Settings ipykernel reads from the environment when it is imported (in the parent, before the
    kernel manager set them), given again as arguments."""
    parent = env.get("JPY_PARENT_PID", "")
    return [f"--IPKernelApp.parent_handle={parent}"] if parent.isdigit() else []


def _fresh_random_state() -> None:
    """Python's random reseeds itself in a forked child; numpy's global generator does not."""
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def _reap(kernels: dict, events) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        for conn, kernel in list(kernels.items()):
            if kernel == pid:
                del kernels[conn]
                events.unregister(conn)
                with suppress(OSError):  # its launcher is gone
                    conn.sendall(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode() + b"\n")
                conn.close()


def _signal(kernel: int, signum: int) -> None:
    """To the kernel and whatever it started: it leads its own process group (os.setsid)."""
    with suppress(ProcessLookupError):
        os.killpg(kernel, signum)


def _stop(kernels: dict) -> None:
    for pid in kernels.values():
        _signal(pid, signal.SIGKILL)
    for pid in kernels.values():
        with suppress(ChildProcessError):
            os.waitpid(pid, 0)


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        sys.exit(serve(sys.argv[2]))
    sys.exit("usage: python -m tools.warm_kernel serve ADDRESS (the launcher runs through kernel_manager's argv)")
