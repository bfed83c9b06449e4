"""Readers started ahead of time, so a new session does not wait for Python to import Textual.

Most of a reader's start-up is importing (Textual, Rich, markdown-it, newsterm's reader). The
server keeps a few spare reader processes that have done that and wait: each is started exactly
like a cold reader (``python -I``, an environment built from scratch, rlimits, ``nice``, its own
session) but runs ``python -I -m newsterm.spare``, which imports the reader and then blocks on a
socket (:mod:`newsterm.ssh.spare`). When a session arrives whose environment is the same as a
spare's, the server passes it the session's pty (``SCM_RIGHTS``) and the reader's arguments;
the spare makes the pty its controlling terminal and its standard streams, and runs ``newsterm
read`` from there. It is then that session's one reader process, a child of the server like any
other. A spare whose server goes away sees the socket close and exits. One process per session
still holds: a spare serves one session and ends with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# -- in the server ------------------------------------------------------------------------------


@dataclass
class Spare:
    """A spare reader: its process, the server's end of its socket, the environment it has."""

    proc: subprocess.Popen[bytes]
    sock: socket.socket
    env: dict[str, str]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class WarmPool:
    """Keeps up to ``size`` spare readers for the environment ``env`` (the common one).

    ``take(env)`` hands out a live spare whose environment is exactly ``env`` (else ``None``,
    and the caller starts a reader the usual way); ``refill()`` starts spares up to ``size``.
    """

    def __init__(
        self,
        size: int,
        env: dict[str, str],
        preexec: Callable[[], None],
        python: str = sys.executable,
    ) -> None:
        self.size = max(0, size)
        self.env = dict(env)
        self._preexec = preexec
        self._python = python
        self.spares: list[Spare] = []
        self.started = 0
        self.used = 0

    def refill(self) -> None:
        """Reap spares that died and start new ones up to ``size``."""
        alive = []
        for spare in self.spares:
            if spare.proc.poll() is None:
                alive.append(spare)
            else:
                spare.close()
        self.spares = alive
        while len(self.spares) < self.size:
            started = self._start()
            if started is None:
                return
            self.spares.append(started)

    def _start(self) -> Spare | None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            proc = subprocess.Popen(
                [self._python, "-I", "-m", "newsterm.spare", str(theirs.fileno())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=self.env,
                cwd="/",
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
                preexec_fn=self._preexec,
            )
        except OSError:
            ours.close()
            return None
        finally:
            theirs.close()
        self.started += 1
        return Spare(proc, ours, dict(self.env))

    def take(self, env: dict[str, str]) -> Spare | None:
        """A live spare for exactly ``env``, removed from the pool; ``None`` if there is none."""
        if env != self.env:
            return None
        while self.spares:
            spare = self.spares.pop(0)
            if spare.proc.poll() is None:
                self.used += 1
                return spare
            spare.close()
        return None

    def close(self) -> list[subprocess.Popen[bytes]]:
        """Let every spare go (they exit when their socket closes); returns their processes."""
        procs = [s.proc for s in self.spares]
        for spare in self.spares:
            spare.close()
        self.spares = []
        return procs


def start_on_spare(
    spare: Spare, reader_args: Sequence[str], cols: int, rows: int
) -> tuple[subprocess.Popen[bytes], int]:
    """Give ``spare`` a new pty of the given size and the ``newsterm`` arguments to run.

    Returns the process and the pty's master (non-blocking), like ``spawn_in_pty``.
    """
    from newsterm.ssh.pty_child import set_winsize

    payload = json.dumps({"argv": list(reader_args)}).encode("utf-8")
    master, slave = os.openpty()
    try:
        set_winsize(slave, cols, rows)
        socket.send_fds(spare.sock, [payload], [slave])
    except BaseException:
        os.close(master)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(spare.proc.pid, 9)
        with contextlib.suppress(subprocess.TimeoutExpired):
            spare.proc.wait(timeout=2)  # reaped, never left as a zombie
        raise
    finally:
        os.close(slave)
        spare.close()
    os.set_blocking(master, False)
    return spare.proc, master
