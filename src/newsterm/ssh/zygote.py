"""The server's side of the fork server: ask the zygote for a reader, or say there is none.

A cold reader spends ~0.6 CPU s importing Textual and the reader before its first screen; thirty
visitors arriving at once would queue for 18 CPU seconds. The zygote (``python -I -m
newsterm.zygote``, :mod:`newsterm.ssh.forkserver`) has done those imports once and forks a ready
reader per session, whose pages it shares copy-on-write.

The server makes itself a *child subreaper* so that a forked reader (the zygote forks it through
a middle process that exits at once) becomes the server's own child: it is signalled, reaped and
logged like a reader started with ``exec`` (:class:`ForkedReader` stands in for its
``subprocess.Popen``). The zygote is started like a reader (``python -I``, an environment built
from scratch, its own session, no core dumps) and dies with the server.

Failures never hold a session up: a request the zygote does not answer in time, a zygote that
dies or cannot be started, hands the session back to the caller to start its reader the usual
way; the server logs a ``fork-server`` line and starts a new zygote (after a pause that grows if
it keeps failing). Stray zombies the subreaper inherits (a middle process whose zygote died) are
reaped by :func:`reap_strays`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from newsterm.ssh.log import log_event
from newsterm.ssh.pty_child import ExitWatch, set_winsize

PR_SET_CHILD_SUBREAPER = 36
ANSWER_TIMEOUT = 3.0  # seconds a ready zygote may go without answering while a session waits
STARTING_TIMEOUT = 15.0  # the same while it is still importing the reader
RESTART_DELAYS = (0.5, 2.0, 10.0, 60.0)  # after the 1st, 2nd, 3rd, later failure in a row
STEADY_AFTER = 60.0  # a zygote that served this long resets the failure count
ENV_ROOM = 2048  # bytes of padding in the zygote's environment for a reader's own
REPLY_MAX = 4096


def become_subreaper() -> bool:
    """Make orphaned descendants of this process its children (Linux); False if not possible."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


class ForkedReader:
    """A reader the zygote forked, now the server's child: the part of ``Popen`` we use."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere (a stray-zombie sweep): it is gone
                self.returncode = 1
                return self.returncode
            if pid == self.pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired([str(self.pid)], timeout or 0)
            time.sleep(0.01)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


Done = Callable[[ForkedReader | None, int | None], None]
"""Called once per request: ``(reader, pty master)``, or ``(None, None)``: start it yourself."""


@dataclass
class _Pending:
    master: int
    done: Done
    timer: asyncio.TimerHandle


class ForkServer:
    """Keeps one zygote running and turns session requests into forked readers.

    ``fork(...)`` sends a request and returns ``True`` (``done`` is called later, from the event
    loop) or ``False`` when there is no usable zygote (the caller starts the reader itself).
    """

    def __init__(
        self,
        env: dict[str, str],
        preexec: Callable[[], None],
        room: int = 0,
        python: str = sys.executable,
    ) -> None:
        self.env = dict(env)
        self._preexec = preexec
        self._room = room  # bytes the readers' command lines need (see newsterm.zygote)
        self._python = python
        self.proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._watch: ExitWatch | None = None
        self._pending: dict[int, _Pending] = {}
        self._next_id = 1
        self._failures = 0
        self._started_at = 0.0
        self._last_answer = 0.0  # when the zygote last answered anything (monotonic)
        self._busy_until = 0.0  # a zygote reading a catalog for a request waits this long
        self._restart: asyncio.TimerHandle | None = None
        self.ready = False
        self.closed = False
        self.forked = 0
        self.prepared: list[bool] = []  # per answered warm request: whether it read anew
        self._warm_args: list[str] | None = None

    # -- the zygote's life -----------------------------------------------------------------

    def start(self) -> bool:
        """Start a zygote (if none is running); False if it could not be started."""
        if self.closed or self.proc is not None:
            return self.proc is not None
        self._restart = None
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = dict(self.env)
        env["NEWSTERM_ZYGOTE_ROOM"] = "." * ENV_ROOM  # overwritten by each reader's own
        argv = [self._python, "-I", "-m", "newsterm.zygote", str(theirs.fileno()), str(os.getpid())]
        if self._room > 0:
            argv.append(" " * self._room)
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
                cwd="/",
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
                preexec_fn=self._preexec,
            )
        except OSError as err:
            ours.close()
            log_event("fork-server", status="failed", error=str(err))
            self._schedule_restart()
            return False
        finally:
            theirs.close()
        ours.setblocking(False)
        self.proc, self._sock, self.ready = proc, ours, False
        self._started_at = time.monotonic()
        self._last_answer = 0.0  # (not the answers of a zygote before it)
        self._busy_until = 0.0
        loop.add_reader(ours.fileno(), self._readable)
        self._watch = ExitWatch(loop, proc, lambda code: self._lost(f"exited ({code})"))
        log_event("fork-server", status="started", pid=proc.pid)
        if self._warm_args is not None:  # a zygote started again reads it before any session
            self.warm(self._warm_args)
        return True

    def _schedule_restart(self) -> None:
        if self.closed or self._restart is not None:
            return
        delay = RESTART_DELAYS[min(self._failures, len(RESTART_DELAYS) - 1)]
        self._failures += 1
        self._restart = asyncio.get_running_loop().call_later(delay, self.start)

    def _lost(self, reason: str) -> None:
        """The zygote is gone or useless: hand its waiting sessions back, restart it later."""
        proc = self.proc
        if proc is None:
            return
        if time.monotonic() - self._started_at >= STEADY_AFTER:
            self._failures = 0
        self._stop_zygote()
        log_event(
            "fork-server", status="lost", pid=proc.pid, reason=reason,
            waiting=len(self._pending), fallback="spawn",
        )  # fmt: skip
        self._hand_back_all()
        self._schedule_restart()

    def _stop_zygote(self) -> None:
        proc, sock = self.proc, self._sock
        self.proc, self._sock, self.ready = None, None, False
        if sock is not None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(sock.fileno())
            sock.close()
        if proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                proc.wait(timeout=2)
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None

    def _hand_back_all(self) -> None:
        pending, self._pending = self._pending, {}
        for entry in pending.values():
            entry.timer.cancel()
            with contextlib.suppress(OSError):
                os.close(entry.master)
            entry.done(None, None)

    def close(self) -> None:
        """Stop the zygote for good (server shutdown); waiting sessions are handed back."""
        self.closed = True
        if self._restart is not None:
            self._restart.cancel()
            self._restart = None
        self._stop_zygote()
        self._hand_back_all()

    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    # -- requests --------------------------------------------------------------------------

    def fork(
        self,
        reader_args: Sequence[str],
        env: dict[str, str],
        cols: int,
        rows: int,
        limits: dict[str, int],
        done: Done,
        cmdline: Sequence[str] = (),
        pixels: tuple[int, int] = (0, 0),
    ) -> bool:
        """Ask for a reader running ``newsterm READER_ARGS`` on a new pty; see the class."""
        if self.proc is None or self._sock is None:
            return False
        rid = self._next_id
        self._next_id += 1
        payload = json.dumps(
            {
                "id": rid, "argv": list(reader_args), "env": env, "limits": limits,
                "server": os.getpid(), "cmdline": list(cmdline),
            }
        ).encode("utf-8")  # fmt: skip
        master, slave = os.openpty()
        try:
            set_winsize(slave, cols, rows, pixels)
            socket.send_fds(self._sock, [payload], [slave])
        except BlockingIOError:  # a full socket (a zygote far behind): start this one apart
            os.close(master)
            return False
        except OSError as err:  # a broken socket: this zygote is of no use now
            os.close(master)
            self._lost(f"request failed: {err}")
            return False
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        os.set_inheritable(master, False)
        wait = ANSWER_TIMEOUT if self.ready else STARTING_TIMEOUT
        timer = asyncio.get_running_loop().call_later(wait, self._timed_out, rid, wait)
        self._pending[rid] = _Pending(master, done, timer)
        return True

    def warm(self, reader_args: Sequence[str]) -> bool:
        """Have the zygote read now what readers of ``newsterm READER_ARGS`` share (the
        catalog, after the server's sync wrote it) rather than when the next session asks:
        at 100,000 posts the first visitor after a write waited ~0.5 s for it. Asked again
        of a zygote started anew. False when there is no zygote to ask."""
        self._warm_args = list(reader_args)
        if self.proc is None or self._sock is None:
            return False
        rid = self._next_id
        self._next_id += 1
        payload = {"id": rid, "prepare": True, "argv": self._warm_args}
        try:
            self._sock.send(json.dumps(payload).encode("utf-8"))
        except BlockingIOError:  # a zygote far behind: the next fork reads it instead
            return False
        except OSError as err:
            self._lost(f"request failed: {err}")
            return False
        return True

    def _timed_out(self, rid: int, wait: float) -> None:
        entry = self._pending.get(rid)
        if entry is None:
            return
        # A zygote that keeps answering other sessions is busy (30 visitors at once on a
        # loaded machine), not hung: this session waits on. Replacing it would hand every
        # waiting session a reader started from nothing, several times the CPU of a fork.
        now = time.monotonic()
        more = max(wait - (now - self._last_answer), self._busy_until - now)
        if more > 0:
            loop = asyncio.get_running_loop()
            entry.timer = loop.call_later(more, self._timed_out, rid, wait)
            return
        self._lost(f"no answer in {wait:.0f} s")

    def _readable(self) -> None:
        sock = self._sock
        if sock is None:
            return
        while True:
            try:
                msg = sock.recv(REPLY_MAX)
            except BlockingIOError:
                return
            except OSError as err:
                self._lost(f"socket: {err}")
                return
            if not msg:
                self._lost("closed its socket")
                return
            self._answer(msg)
            if self._sock is not sock:
                return

    def _answer(self, msg: bytes) -> None:
        self._last_answer = time.monotonic()
        try:
            reply = json.loads(msg.decode("utf-8"))
        except ValueError:
            self._lost("an answer that is not JSON")
            return
        if "busy" in reply:  # reading what a request needs first (see forkserver.serve)
            self._busy_until = self._last_answer + STARTING_TIMEOUT
            return
        if "prepared" in reply:  # a warm request done (see warm)
            self._busy_until = 0.0
            self.prepared.append(bool(reply.get("fresh")))
            return
        if "ready" in reply:
            self.ready = True
            log_event(
                "fork-server", status="ready", pid=self.pid(),
                seconds=round(time.monotonic() - self._started_at, 3),
                threads=reply.get("threads"),
            )  # fmt: skip
            return
        entry = self._pending.pop(reply.get("id"), None)
        if entry is None:
            return
        entry.timer.cancel()
        pid = reply.get("pid")
        if isinstance(pid, int) and pid > 0:
            self.forked += 1
            entry.done(ForkedReader(pid), entry.master)
            return
        log_event("fork-server", status="fork-failed", error=str(reply.get("error"))[:200])
        with contextlib.suppress(OSError):
            os.close(entry.master)
        entry.done(None, None)


def command_line_room(longest: Sequence[str]) -> int:
    """Bytes of padding the zygote's command line needs so a reader's (``longest``) fits."""
    return len(b"".join(a.encode() + b"\0" for a in longest)) + 16


def reap_strays(known: Iterable[int]) -> list[int]:
    """Reap zombie children this server did not start itself (a subreaper inherits them).

    Children in the server's own session (the index's workers) and ``known`` pids are left to
    whoever waits for them. Returns the pids reaped.
    """
    keep = set(known)
    own_session = os.getsid(0)
    reaped = []
    for task in Path(f"/proc/{os.getpid()}/task").glob("*"):
        try:
            kids = [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            continue
        for pid in kids:
            if pid in keep:
                continue
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if stat[0] != "Z" or int(stat[3]) == own_session:
                continue
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    reaped.append(pid)
    return reaped
