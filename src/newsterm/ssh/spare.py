"""The spare reader's side of the warm pool (see :mod:`newsterm.ssh.warm`): wait for a session.

A spare process has imported the reader already (its entry point, :mod:`newsterm.spare`, does
that, as it may know every front). Here it blocks on its socket until the server sends a
session: the reader's arguments and the session's pty, which becomes the controlling terminal
and the standard streams. The server going away (the socket closing) ends the spare.
"""

from __future__ import annotations

import io
import json
import os
import socket
import sys

MAX_REQUEST = 64 * 1024
"""Largest request the server may send (the reader's arguments, as JSON)."""


def _adopt_terminal(tty: int) -> None:
    """Make ``tty`` the controlling terminal and fds 0-2, and rebuild ``sys.std*`` on it."""
    import fcntl
    import termios

    fcntl.ioctl(tty, termios.TIOCSCTTY, 0)  # we lead our own session and have no terminal yet
    for fd in (0, 1, 2):
        os.dup2(tty, fd)
    if tty > 2:
        os.close(tty)
    # The streams Python made at start-up wrapped /dev/null; make them as for a terminal.
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


def wait_for_session(fd: int) -> list[str] | None:
    """Block on socket ``fd`` until the server sends a session; adopt its terminal and return
    the ``newsterm`` arguments to run. ``None``: the server went away or changed its mind."""
    sock = socket.socket(fileno=fd)
    try:
        msg, fds, _flags, _addr = socket.recv_fds(sock, MAX_REQUEST, 1)
    except OSError:
        return None
    finally:
        sock.close()
    if not msg or len(fds) != 1:
        for received in fds:
            os.close(received)
        return None
    request = json.loads(msg.decode("utf-8"))
    _adopt_terminal(fds[0])
    return list(request["argv"])
