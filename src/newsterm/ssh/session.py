"""One SSH session: a reader in its own pty, or a ``search`` exec, bridged to the channel.

Interactive sessions (shell request with a pty) get a fresh ``newsterm read --served`` process
on a new pseudo-terminal sized to the client's window; its output is copied to the channel as
bytes, the client's input to the pty, and window changes become ``TIOCSWINSZ`` (so the reader
gets SIGWINCH). One process per session: a crash ends one reader only. Exec requests run only
``newsterm search`` (see ``commands.py``). Everything else is refused with one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import asyncssh

from newsterm.search.store import BEING_BUILT, index_present
from newsterm.ssh.commands import CommandRefused, parse_exec
from newsterm.ssh.env import build_child_env
from newsterm.ssh.limits import child_preexec, clamp_pixels, clamp_size
from newsterm.ssh.log import log_event, monotonic, vis
from newsterm.ssh.pty_child import (
    ChildProcess,
    ExitWatch,
    set_winsize,
    signal_group,
    spawn_in_pty,
)

if TYPE_CHECKING:
    from newsterm.ssh.server import ServerApp
    from newsterm.ssh.zygote import ForkedReader

READ_CHUNK = 65536
MAX_PENDING_INPUT = 64 * 1024
KILL_GRACE = 2.0
# Leave the alternate screen, show the cursor, reset colours, stop mouse reports and
# bracketed paste: what a reader killed by the server could not undo itself.
TERMINAL_RESET = (
    b"\x1b[0m\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[?25h\x1b[?1049l"
)


@dataclass(slots=True)
class ConnState:
    """What the server knows about one connection; the session fills in its part."""

    app: ServerApp
    ip: str
    port: int
    started: float = field(default_factory=monotonic)
    user: str | None = None
    method: str | None = None
    fingerprint: str | None = None
    member: bool = False
    authenticated: bool = False
    kind: str | None = None
    term: str | None = None
    size: tuple[int, int] | None = None
    bytes_in: int = 0
    bytes_out: int = 0
    end_reason: str | None = None
    sessions_opened: int = 0
    exit_status: int | None = None

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"

    def state_name(self) -> str | None:
        """``member-<fingerprint>`` (file-name safe) for members; ``None`` for anonymous."""
        if not (self.member and self.fingerprint):
            return None
        raw = self.fingerprint.split(":", 1)[-1]
        safe = raw.replace("+", "-").replace("/", "_").rstrip("=")
        return f"member-{safe}"


def _exit_reason(code: int) -> str:
    """``reader-exit``, ``reader-exit-2``, or ``reader-killed-SIGKILL`` for a signal."""
    if code == 0:
        return "reader-exit"
    if code > 0:
        return f"reader-exit-{code}"

    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal-{-code}"
    return f"reader-killed-{name}"


def watch_quiet_refusals(chan: object, refused: Callable[..., None]) -> None:
    """Log the requests asyncssh refuses by itself, without asking the session.

    X11 and agent forwarding are off in the server's options, and an exec command that is not
    UTF-8 or a subsystem name that is not ASCII never reach :class:`ServedSession`; each gets a
    ``refused`` line here (the channel's request handlers are looked up on the instance).
    """

    def wrap(name: str, what: str, when: Callable[[object], bool], **fields: object) -> None:
        original = getattr(chan, name, None)
        if original is None:
            return

        def handler(packet: object) -> object:
            result = original(packet)
            if when(result):
                refused(what, **fields)
            return result

        setattr(chan, name, handler)

    wrap("_process_x11_req_request", "x11-forwarding", lambda r: r is not True)
    wrap(
        "_process_auth_agent_req_at_openssh_dot_com_request",
        "agent-forwarding",
        lambda r: r is not True,
    )
    wrap("_process_exec_request", "exec", lambda r: r is False, reason="not-utf-8")
    wrap("_process_subsystem_request", "subsystem", lambda r: r is False, reason="not-ascii")


def _status(code: int) -> int:
    return code if code >= 0 else 128 + (-code)


class ServedSession(asyncssh.SSHServerSession):
    """The one session a connection may open."""

    def __init__(self, conn: ConnState) -> None:
        self._conn = conn
        self._app = conn.app
        self._chan: asyncssh.SSHServerChannel | None = None
        self._loop = asyncio.get_running_loop()
        self._pty = False
        self._term: str | None = None
        self._cols, self._rows = clamp_size(0, 0)
        self._pixels = (0, 0)  # the client's window in pixels (0: unknown), for the pty
        self._mode: str | None = None
        self._command: str | None = None
        self._proc: ChildProcess | None = None
        self._env: dict[str, str] = {}
        self._argv: list[str] = []
        self._starting = False
        self._cancelled = False
        self._master: int | None = None
        self._watch: ExitWatch | None = None
        self._reading = False
        self._paused = False
        self._pending = bytearray()
        self._writer_on = False
        self._timers: list[asyncio.TimerHandle] = []
        self._last_input = monotonic()
        self._notice: str | None = None
        self._stopping = False
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self._search_proc: asyncio.subprocess.Process | None = None

    def search_pid(self) -> int | None:
        """The pid of this session's search child, while there is one."""
        proc = self._search_proc
        return proc.pid if proc is not None and proc.returncode is None else None

    # -- asyncssh callbacks ------------------------------------------------------------------

    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:  # type: ignore[override]
        self._chan = chan
        self._app.sessions.add(self)
        # Logged only: refusing a forwarding request does not end the session.
        watch_quiet_refusals(
            chan,
            lambda what, **f: log_event(
                "refused", address=self._conn.address, user=self._conn.user, what=what, **f
            ),
        )

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: object
    ) -> bool:
        self._pty = True
        self._term = term_type
        self._cols, self._rows = clamp_size(term_size[0], term_size[1])
        asked = (term_size[0], term_size[1])
        self._pixels = clamp_pixels(asked, (self._cols, self._rows), term_size[2:4])
        return True

    def shell_requested(self) -> bool:
        self._mode = "shell"
        return True

    def exec_requested(self, command: str) -> bool:
        self._mode = "exec"
        self._command = command
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        self._refusal("subsystem", subsystem=vis(subsystem, 40))
        return False

    def break_received(self, msec: int) -> bool:
        return False

    def signal_received(self, signal: str) -> None:
        return None

    def session_started(self) -> None:
        if self._mode == "shell":
            if not self._pty:
                self._refuse_and_exit(
                    "no-pty", "newsterm: the reader needs a terminal; connect with ssh -t"
                )
                return
            self._start_reader()
        elif self._mode == "exec":
            self._start_exec(self._command or "")
        else:  # pragma: no cover - asyncssh only starts sessions after one of the above
            self._refuse_and_exit("no-command", "newsterm: nothing to run")

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:  # type: ignore[override]
        self._last_input = monotonic()
        self._conn.bytes_in += len(data)
        if self._stopping or (self._master is None and not self._starting):
            return
        if len(self._pending) + len(data) > MAX_PENDING_INPUT:
            return  # the reader is not reading; drop rather than grow without bound
        self._pending += data
        self._flush_input()

    def eof_received(self) -> bool:
        # Keep the channel half open: the reader or the search decides when the session ends
        # (a client's stdin at its end must not cut a search's output short).
        return True

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self._cols, self._rows = clamp_size(width, height)
        self._pixels = clamp_pixels(
            (width, height), (self._cols, self._rows), (pixwidth, pixheight)
        )
        self._conn.size = (self._cols, self._rows)
        if self._master is not None:
            with contextlib.suppress(OSError):
                set_winsize(self._master, self._cols, self._rows, self._pixels)

    def pause_writing(self) -> None:
        self._paused = True
        self._stop_reading()

    def resume_writing(self) -> None:
        self._paused = False
        self._start_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._app.sessions.discard(self)
        self.stop("client-closed")
        self._close_master()
        if self._task is not None and not self._task.done():
            self._task.cancel()

    # -- refusals ----------------------------------------------------------------------------

    def _refusal(self, what: str, **fields: object) -> None:
        c = self._conn
        c.end_reason = c.end_reason or f"refused-{what}"
        log_event("refused", address=c.address, user=c.user, what=what, **fields)

    def _refuse_and_exit(self, what: str, message: str, **fields: object) -> None:
        self._refusal(what, **fields)
        self._exit(1, message)

    def _exit(self, status: int, message: str | None = None) -> None:
        self._conn.exit_status = status
        if self._chan is None or self._closed:
            return
        with contextlib.suppress(Exception):
            if message:
                self._chan.write_stderr((message + "\r\n").encode())
            self._chan.exit(status)

    # -- the reader --------------------------------------------------------------------------

    def _start_reader(self) -> None:
        c, app = self._conn, self._app
        c.kind = "reader"
        c.term = vis(self._term)  # as the client sent it, escaped as OpenSSH does, capped
        c.size = (self._cols, self._rows)
        env = build_child_env(self._term, self._chan.get_environment() if self._chan else {})
        argv = app.reader_argv(c.state_name())
        self._env = env
        self._argv = argv
        forking = app.forkserver is not None and app.forkserver.fork(
            argv[argv.index("newsterm") + 1 :],
            env,
            self._cols,
            self._rows,
            app.reader_limits(),
            self._forked,
            cmdline=argv,
            pixels=self._pixels,
        )
        if forking:
            self._starting = True  # the zygote answers soon (_forked); input waits till then
            return
        self._spawn()

    def _forked(self, proc: ForkedReader | None, master: int | None) -> None:
        """The zygote's answer: the session's reader, or ``None`` (start one the usual way)."""
        self._starting = False
        cancelled = self._closed or self._cancelled or self._app.closing
        if proc is None or master is None:
            if cancelled:  # nobody is waiting for a reader any more
                if self._app.closing and self._notice is None:
                    self._notice = "the server is shutting down"
                self._exit(1, f"\r\nnewsterm: {self._notice}" if self._notice else None)
                return
            self._spawn()
            return
        self._proc, self._master = proc, master
        self._started(forked=True)
        if cancelled:  # the client left (or the server is stopping) while the zygote forked
            self.stop(self._conn.end_reason or "client-closed")

    def _spawn(self) -> None:
        """Start the reader as its own ``python -I -m newsterm read`` (no fork server)."""
        c, app = self._conn, self._app
        preexec = child_preexec(app.limits.memory_limit_mb, app.limits.cpu_limit, True)
        try:
            self._proc, self._master = spawn_in_pty(
                self._argv, self._env, self._cols, self._rows, preexec, pixels=self._pixels
            )
        except OSError as err:
            log_event("error", address=c.address, what="spawn", error=str(err))
            c.end_reason = "spawn-failed"
            self._exit(1, "newsterm: the reader could not be started")
            return
        self._started(forked=False)

    def _started(self, forked: bool) -> None:
        c, app = self._conn, self._app
        assert self._proc is not None and self._master is not None
        app.children.add(self._proc)
        log_event(
            "session",
            address=c.address,
            kind="reader",
            pid=self._proc.pid,
            term=self._env["TERM"],
            size=f"{self._cols}x{self._rows}",
            member=c.member,
            start="fork" if forked else "spawn",
        )
        with contextlib.suppress(OSError):  # the window may have changed while it started
            set_winsize(self._master, self._cols, self._rows, self._pixels)
        self._start_reading()
        self._flush_input()
        self._watch = ExitWatch(self._loop, self._proc, self._on_reader_exit)
        limits = app.limits
        if limits.idle_timeout > 0:
            self._timers.append(self._loop.call_later(limits.idle_timeout, self._check_idle))
        if limits.max_session_time > 0:
            self._timers.append(
                self._loop.call_later(
                    limits.max_session_time,
                    self.stop,
                    "max-session-time",
                    "the session reached its time limit",
                )
            )

    def _start_reading(self) -> None:
        if self._master is not None and not self._reading and not self._paused:
            self._loop.add_reader(self._master, self._on_master_readable)
            self._reading = True

    def _stop_reading(self) -> None:
        if self._master is not None and self._reading:
            self._loop.remove_reader(self._master)
        self._reading = False

    def _read_master(self) -> bytes | None:
        """One read from the pty: bytes, ``b""`` for nothing now, ``None`` at hang-up."""
        if self._master is None:
            return None
        try:
            data = os.read(self._master, READ_CHUNK)
        except BlockingIOError:
            return b""
        except OSError:
            return None  # EIO: the reader closed its side of the terminal
        return data or None

    def _send(self, data: bytes) -> None:
        self._conn.bytes_out += len(data)
        if self._chan is not None and not self._closed:
            with contextlib.suppress(Exception):
                self._chan.write(data)

    def _on_master_readable(self) -> None:
        data = self._read_master()
        if data is None:
            self._stop_reading()
            return
        if data:
            self._send(data)

    def _flush_input(self) -> None:
        if self._master is None:
            if not self._starting:  # (while the zygote forks the reader, input waits)
                self._pending.clear()
            return
        while self._pending:
            try:
                n = os.write(self._master, self._pending)
            except BlockingIOError:
                break
            except OSError as err:
                if err.errno != errno.EINTR:
                    self._pending.clear()
                    break
                continue
            del self._pending[:n]
        if self._pending and not self._writer_on:
            self._loop.add_writer(self._master, self._flush_input)
            self._writer_on = True
        elif not self._pending and self._writer_on:
            self._loop.remove_writer(self._master)
            self._writer_on = False

    def _check_idle(self) -> None:
        limit = self._app.limits.idle_timeout
        idle = monotonic() - self._last_input
        if idle >= limit:
            self.stop("idle-timeout", "closed after being idle too long")
        else:
            self._timers.append(self._loop.call_later(limit - idle, self._check_idle))

    def stop(self, reason: str, notice: str | None = None) -> None:
        """End the session's child (hang-up, then kill after a grace time); first reason wins."""
        c = self._conn
        c.end_reason = c.end_reason or reason
        if notice and self._notice is None:
            self._notice = notice
        if self._search_proc is not None and self._search_proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._search_proc.pid, signal.SIGKILL)
        proc = self._proc
        if proc is None and self._starting:
            self._cancelled = True  # the zygote's answer will find the session gone
        if proc is None or proc.returncode is not None or self._stopping:
            return
        self._stopping = True
        signal_group(proc, signal.SIGHUP)
        signal_group(proc, signal.SIGTERM)
        self._loop.call_later(KILL_GRACE, signal_group, proc, signal.SIGKILL)

    def _close_master(self) -> None:
        if self._master is None:
            return
        self._stop_reading()
        if self._writer_on:
            self._loop.remove_writer(self._master)
            self._writer_on = False
        with contextlib.suppress(OSError):
            os.close(self._master)
        self._master = None

    def _on_reader_exit(self, code: int) -> None:
        self._app.children.discard(self._proc)
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        # Whatever the reader wrote last (its final screen restore) still goes to the client.
        for _ in range(64):
            data = self._read_master()
            if not data:
                break
            self._send(data)
        self._close_master()
        c = self._conn
        c.end_reason = c.end_reason or _exit_reason(code)
        if self._stopping:
            self._send(TERMINAL_RESET)
        self._exit(_status(code), f"\r\nnewsterm: {self._notice}" if self._notice else None)

    # -- exec: search ------------------------------------------------------------------------

    def _start_exec(self, command: str) -> None:
        c = self._conn
        c.kind = "exec"
        try:
            request = parse_exec(command)
        except CommandRefused as err:
            # The command itself is not logged: it may hold a member's query.
            self._refuse_and_exit("exec", f"newsterm: {err}")
            return
        self._task = asyncio.ensure_future(
            self._run_search(
                request.argv(*self._app.folders(), terminal=self._pty and self._term != "dumb")
            )
        )

    async def _run_search(self, tail: list[str]) -> None:
        app, c = self._app, self._conn
        limits = app.limits
        deadline = monotonic() + limits.exec_timeout
        try:
            await asyncio.wait_for(app.index_ready.wait(), timeout=limits.exec_timeout)
        except TimeoutError:
            c.end_reason = "index-not-ready"
            self._exit(1, "newsterm: the search index is still being built; try again soon")
            return
        if not index_present(app.index_dir):
            # The server is the index's only writer: it rebuilds a missing index itself, and a
            # search never does (its child runs with --no-build).
            app.indexer.request()
            c.end_reason = "index-missing"
            self._exit(2, f"newsterm: {BEING_BUILT}")
            return
        argv = [sys.executable, "-I", "-m", "newsterm", *tail]
        env = build_child_env(None, {})
        log_event("session", address=c.address, kind="search")
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                cwd="/",
                start_new_session=True,
                preexec_fn=child_preexec(limits.memory_limit_mb, limits.cpu_limit, False),
            )
        except OSError as err:
            log_event("error", address=c.address, what="spawn", error=str(err))
            c.end_reason = "spawn-failed"
            self._exit(1, "newsterm: search could not be started")
            return
        self._search_proc = proc
        budget = [limits.exec_output_limit]
        # With `ssh -t` the client's terminal is raw and expects what a pty would send: each
        # line feed as CR LF (the search writes into a pipe, not a pty; without this its
        # lines ran down the screen as a staircase).
        crlf = self._pty

        async def pump(stream: asyncio.StreamReader, err: bool) -> None:
            while True:
                chunk = await stream.read(READ_CHUNK)
                if not chunk:
                    return
                if budget[0] <= 0:
                    continue
                chunk = chunk[: budget[0]]
                budget[0] -= len(chunk)
                if crlf:
                    chunk = chunk.replace(b"\n", b"\r\n")
                c.bytes_out += len(chunk)
                if self._chan is not None and not self._closed:
                    with contextlib.suppress(Exception):
                        (self._chan.write_stderr if err else self._chan.write)(chunk)

        try:
            remaining = max(0.1, deadline - monotonic())
            await asyncio.wait_for(
                asyncio.gather(pump(proc.stdout, False), pump(proc.stderr, True), proc.wait()),
                timeout=remaining,
            )
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
            c.end_reason = "exec-timeout"
            self._exit(1, "newsterm: search took too long")
            return
        except asyncio.CancelledError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                await asyncio.shield(proc.wait())
            raise
        code = proc.returncode if proc.returncode is not None else 1
        c.end_reason = c.end_reason or "exec-done"
        self._exit(_status(code))
