"""The fork server's own side (the *zygote*): fork a ready reader for each session.

The zygote is one process that has imported Textual, the reader and the core once (its entry
point, :mod:`newsterm.zygote`, does that, as it may know every front). It then waits on a
``SOCK_SEQPACKET`` socket for the server's requests, one packet each: the reader's ``newsterm``
arguments, the session's environment and limits, and the session's pty (``SCM_RIGHTS``). For
each it forks twice: the middle process forks the reader and exits at once, so the reader is
re-parented to the server (a child subreaper, see :mod:`newsterm.ssh.zygote`) and becomes the
server's own child, reaped and signalled like a reader started with ``exec``. The zygote answers
with the reader's pid.

The reader then turns itself into what a cold start would have made: its own session with the
pty as controlling terminal and standard streams, every other descriptor of the zygote closed,
signal handlers and mask as a fresh ``python -I`` has them, the session's rlimits and ``nice``,
the session's environment (``os.environ`` and what ``/proc/PID/environ`` shows), the command line
it would have had (``ps``), and ``PR_SET_PDEATHSIG`` so it gets SIGHUP if the server dies. Then
it runs ``newsterm`` with the session's arguments and exits; it never returns into the zygote.

Only the standard library; nothing here imports the reader.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable

MAX_REQUEST = 256 * 1024
"""Largest request the server may send (the reader's arguments and environment, as JSON)."""
REPARENT_WAIT = 5.0  # seconds a new reader waits to become the server's child
PR_SET_PDEATHSIG = 1
EXIT_SETUP_FAILED = 70  # a reader that could not be set up for its session (EX_SOFTWARE)


# -- the zygote's loop ---------------------------------------------------------------------------


def serve(
    fd: int,
    server_pid: int,
    run: Callable[[list[str]], int],
    prepare: Callable[[list[str]], bool] | None = None,
) -> int:
    """Answer the server's requests on socket ``fd`` until it closes; returns an exit status.

    ``run(argv)`` is what a reader runs (``newsterm.cli.main``) once it is set up.
    ``prepare(argv)``, called before each fork, loads what every reader of those arguments
    would load for itself (the archive's catalog) so that they share it; True when it read
    something new. Its failure never stops a fork (the reader then loads it itself). A request
    ``{"prepare": true, "argv": ...}`` without a terminal only prepares (answered by
    ``{"prepared": id, "fresh": bool}``): the server sends it after each of its syncs.
    """
    sock = socket.socket(fileno=fd)
    # Die with the server (SIGKILL: the zygote holds nothing worth saving).
    _parent_death_signal(signal.SIGKILL)
    if os.getppid() != server_pid:
        return 1  # the server went away while we were importing
    # Objects made so far stay shared with every reader: the collector never walks (and so
    # never writes to) them, which keeps their pages copy-on-write.
    gc.collect()
    gc.freeze()
    _send(sock, {"ready": os.getpid(), "threads": threading.active_count()})
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(sock, MAX_REQUEST, 1)
        except OSError:
            return 0
        if not msg:
            for received in fds:
                os.close(received)
            return 0  # the server closed its end
        reply: dict[str, object] = {"id": None}
        try:
            request = json.loads(msg.decode("utf-8"))
            reply["id"] = request.get("id")
            # Only prepare: no session waits; the server wrote the catalog (its sync) and asks
            # for it to be read now, so that the next session's fork does not wait for it.
            warm_only = bool(request.get("prepare")) and not fds
            if not warm_only and len(fds) != 1:
                raise ValueError("a request carries exactly one terminal")
            fresh = False
            if prepare is not None:
                # Reading a catalog anew (100,000 posts at load 30: seconds) is work, not a
                # hang: say so first, so the server does not replace this zygote meanwhile.
                _send(sock, {"busy": reply["id"]})
                fresh = _prepare(prepare, [str(a) for a in request.get("argv") or []])
            if warm_only:
                _send(sock, {"prepared": reply["id"], "fresh": fresh})
                continue
            threads = threading.active_count()
            if threads != 1:  # a fork copies one thread: another's locks would stay held
                raise RuntimeError(f"the zygote runs {threads} threads; forking it is not safe")
            reply["pid"] = _fork_reader(request, fds[0], sock, run)
        except Exception as err:  # a bad request or a failed fork: say so, keep serving
            reply["error"] = f"{type(err).__name__}: {err}"
        finally:
            for received in fds:
                os.close(received)
        _send(sock, reply)


def _prepare(prepare: Callable[[list[str]], bool], argv: list[str]) -> bool:
    """``prepare(argv)``; whether it read something new (False when it failed)."""
    try:
        fresh = prepare(argv)
    except Exception:
        return False
    if fresh:  # what was read stays shared: the readers' collectors never walk it
        gc.collect()
        gc.freeze()
    return bool(fresh)


def _send(sock: socket.socket, message: dict[str, object]) -> None:
    with contextlib.suppress(OSError):
        sock.send(json.dumps(message).encode("utf-8"))


def _fork_reader(
    request: dict, tty: int, sock: socket.socket, run: Callable[[list[str]], int]
) -> int:
    """Fork a reader for ``request`` through a middle process; returns the reader's pid."""
    argv = [str(a) for a in request["argv"]]
    env = {str(k): str(v) for k, v in request["env"].items()}
    limits = request.get("limits") or {}
    server_pid = int(request["server"])
    shown = [str(a) for a in request.get("cmdline") or []]
    read_end, write_end = os.pipe()
    middle = os.fork()
    if middle == 0:  # the middle process: fork the reader, say its pid, go
        code = 0
        try:
            os.close(read_end)
            pid = os.fork()
            if pid == 0:
                os.close(write_end)
                _become_reader(argv, env, limits, tty, sock, server_pid, shown, run)
            os.write(write_end, str(pid).encode())
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    said = b""
    try:
        while chunk := os.read(read_end, 64):
            said += chunk
    finally:
        os.close(read_end)
        os.waitpid(middle, 0)  # once reaped, the reader has been handed to the server
    if not said:
        raise OSError("the reader could not be forked")
    return int(said)


# -- in the reader -------------------------------------------------------------------------------


def _become_reader(
    argv: list[str],
    env: dict[str, str],
    limits: dict,
    tty: int,
    sock: socket.socket,
    server_pid: int,
    shown: list[str],
    run: Callable[[list[str]], int],
) -> None:
    """Set this fresh fork up as the session's reader, run it, and exit (never returns)."""
    code = EXIT_SETUP_FAILED
    try:
        os.setsid()
        _wait_for_parent(server_pid)
        # SIGHUP, as a closed terminal would send: the reader saves its state and goes.
        _parent_death_signal(signal.SIGHUP)
        if os.getppid() != server_pid:
            os._exit(EXIT_SETUP_FAILED)  # the server died before the signal was armed
        _reset_signals()
        _adopt_terminal(tty, sock)
        _apply_limits(limits)
        _set_environment(env)
        if shown:
            _show_command_line(shown)
        # (The zygote's objects stay frozen: collecting them would copy their pages.)
        code = run(argv)
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except BaseException:  # never a traceback into the zygote's loop
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code if isinstance(code, int) else 1)


def _wait_for_parent(server_pid: int) -> None:
    deadline = time.monotonic() + REPARENT_WAIT
    while os.getppid() != server_pid:
        if time.monotonic() > deadline:
            os._exit(EXIT_SETUP_FAILED)  # not the server's child: nobody could reap us
        time.sleep(0.0005)


def _parent_death_signal(sig: int) -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the pty's hang-up still ends the reader
        pass


def _reset_signals() -> None:
    """Handlers and mask as a fresh ``python`` has them (the zygote may have changed some)."""
    fresh: dict[int, object] = {
        signal.SIGINT: signal.default_int_handler,
        signal.SIGPIPE: signal.SIG_IGN,
        signal.SIGXFSZ: signal.SIG_IGN,
    }
    for sig in signal.valid_signals():
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        with contextlib.suppress(OSError, ValueError, RuntimeError):
            signal.signal(sig, fresh.get(sig, signal.SIG_DFL))  # type: ignore[arg-type]
    signal.pthread_sigmask(signal.SIG_SETMASK, ())


def _adopt_terminal(tty: int, sock: socket.socket) -> None:
    """The pty becomes the controlling terminal and fds 0-2; every other fd is closed."""
    import fcntl
    import termios

    fcntl.ioctl(tty, termios.TIOCSCTTY, 0)  # we lead a new session and have no terminal yet
    for fd in (0, 1, 2):
        os.dup2(tty, fd)
    with contextlib.suppress(OSError):
        sock.close()
    os.closerange(3, _max_fd())
    # The zygote's streams wrapped /dev/null; make them as Python does for a terminal.
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        raw = io.FileIO(fd, "r" if fd == 0 else "w", closefd=False)
        buffered = io.BufferedReader(raw) if fd == 0 else io.BufferedWriter(raw)
        stream = io.TextIOWrapper(
            buffered,
            encoding="utf-8",
            errors="backslashreplace" if fd == 2 else "strict",
            line_buffering=fd != 0,
        )
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _max_fd() -> int:
    try:
        return int(os.sysconf("SC_OPEN_MAX"))
    except (OSError, ValueError):
        return 65536


def _apply_limits(limits: dict) -> None:
    """The session's rlimits and priority (CPU time counts from this fork, not the zygote's)."""
    import resource

    mem = int(limits.get("memory_bytes", 0))
    if mem > 0:
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    cpu = int(limits.get("cpu_seconds", 0))
    if cpu > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    nice = int(limits.get("nice", 0))
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if nice > current:
        os.setpriority(os.PRIO_PROCESS, 0, nice)


def _set_environment(env: dict[str, str]) -> None:
    """``os.environ`` becomes exactly ``env``, and ``/proc/self/environ`` shows it too."""
    os.environ.clear()
    os.environ.update(env)
    blob = b"".join(f"{k}={v}".encode() + b"\0" for k, v in env.items())
    _overwrite_block(47, 48, blob)


def _show_command_line(argv: list[str]) -> None:
    """What ``ps`` and ``/proc/self/cmdline`` show: the command a cold reader would have had."""
    _overwrite_block(45, 46, b"".join(a.encode() + b"\0" for a in argv))


def _overwrite_block(start_field: int, end_field: int, blob: bytes) -> None:
    """Write ``blob`` (NUL-padded) over the start-up block whose bounds ``/proc/self/stat``
    gives in fields ``start_field``/``end_field`` (counted after the command name), if it fits.

    The block is what the kernel shows as ``cmdline``/``environ``; after the environment was
    rebuilt (or ``sys.argv`` copied), nothing in the process reads it any more.
    """
    try:
        import ctypes

        with open("/proc/self/stat", encoding="ascii") as f:
            stat = f.read().rsplit(")", 1)[1].split()
        start, end = int(stat[start_field]), int(stat[end_field])
    except (OSError, ValueError, IndexError):
        return
    if not 0 < start < end or len(blob) > end - start:
        return
    ctypes.memmove(start, blob + b"\0" * (end - start - len(blob)), end - start)
