"""A child process in its own pseudo-terminal, watched from the event loop.

The pty is the child's controlling terminal (new session + ``TIOCSCTTY``), so a size set with
``TIOCSWINSZ`` on the master reaches it as SIGWINCH, and closing the master hangs it up. Exit is
noticed through a pidfd (polling as a fallback) and the child is always reaped.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import struct
import subprocess
import termios
from collections.abc import Callable, Sequence
from typing import Protocol


class ChildProcess(Protocol):
    """What the server uses of a reader's process: a ``Popen``, or a reader forked by the
    zygote (``newsterm.ssh.zygote.ForkedReader``)."""

    pid: int
    returncode: int | None

    def poll(self) -> int | None: ...
    def wait(self, timeout: float | None = None) -> int: ...
    def send_signal(self, sig: int) -> None: ...


def set_winsize(fd: int, cols: int, rows: int, pixels: tuple[int, int] = (0, 0)) -> None:
    """Set a terminal's size (rows, columns; ``pixels``: its width and height in pixels, 0 if
    unknown) on ``fd``; the kernel tells the foreground group."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, pixels[0], pixels[1]))


def get_winsize(fd: int) -> tuple[int, int]:
    """``(cols, rows)`` of the terminal on ``fd``."""
    rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
    return cols, rows


def spawn_in_pty(
    argv: Sequence[str],
    env: dict[str, str],
    cols: int,
    rows: int,
    preexec: Callable[[], None],
    cwd: str = "/",
    pixels: tuple[int, int] = (0, 0),
) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``argv`` on a new pty of the given size; returns the process and the master fd.

    ``preexec`` must make the pty the controlling terminal (see ``limits.child_preexec``).
    The master is non-blocking and close-on-exec; the server keeps no copy of the slave.
    """
    master, slave = os.openpty()
    try:
        set_winsize(slave, cols, rows, pixels)
        proc = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=cwd,
            close_fds=True,
            start_new_session=True,
            preexec_fn=preexec,
        )
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    os.set_blocking(master, False)
    os.set_inheritable(master, False)
    return proc, master


class ExitWatch:
    """Calls ``on_exit(returncode)`` once, from the event loop, after reaping ``proc``."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        proc: ChildProcess,
        on_exit: Callable[[int], None],
    ) -> None:
        self._loop = loop
        self._proc = proc
        self._on_exit = on_exit
        self._pidfd: int | None = None
        self._timer: asyncio.TimerHandle | None = None
        self.done = False
        try:
            self._pidfd = os.pidfd_open(proc.pid)
        except (AttributeError, OSError):
            self._pidfd = None
        if self._pidfd is not None:
            loop.add_reader(self._pidfd, self._check)
        else:
            self._timer = loop.call_later(0.1, self._check)

    def cancel(self) -> None:
        """Stop watching (the caller reaps the process itself)."""
        if self.done:
            return
        self.done = True
        if self._pidfd is not None:
            self._loop.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None
        if self._timer is not None:
            self._timer.cancel()

    def _check(self) -> None:
        if self.done:
            return
        code = self._proc.poll()
        if code is None:
            if self._pidfd is None:
                self._timer = self._loop.call_later(0.1, self._check)
            return
        self.done = True
        if self._pidfd is not None:
            self._loop.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None
        self._on_exit(code)


def signal_group(proc: ChildProcess, sig: int = signal.SIGHUP) -> None:
    """Send ``sig`` to the child's process group (it leads its own session); ignore if gone."""
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)
