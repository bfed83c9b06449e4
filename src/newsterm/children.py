"""Worker processes that die with their parent and say why they failed in one line.

A full index build forks worker processes (Whoosh's multi-process writer). If the build is
killed (``kill -9``, a closed terminal), its workers would go on for half a minute, holding the
index's lock and ~250 MB each; if a worker fails (a full disk) it prints a "Process
SubWriterTask" traceback over the one-line error the parent gives. Inside :class:`TiedChildren`
every process forked from this one:

* gets ``SIGKILL`` when the thread that forked it exits (Linux ``PR_SET_PDEATHSIG`` through
  ``prctl``; it also exits at once if the parent is already gone when it starts);
* writes its stderr (a traceback) into a pipe that the parent reads: :meth:`TiedChildren.reason`
  gives the last line of what a failed worker said, for the parent's one-line error.

Only the standard library; nothing here knows Whoosh.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

__all__ = ["TiedChildren"]

PR_SET_PDEATHSIG = 1
_hook_installed = False
_active: TiedChildren | None = None


def _set_parent_death_signal() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the pipe below still ends the worker's output
        pass


def _in_child() -> None:
    tied = _active
    if tied is None:
        return
    _set_parent_death_signal()
    if os.getppid() != tied.parent:  # the parent died before prctl took effect
        os._exit(1)
    with contextlib.suppress(OSError):
        os.close(tied._read_fd)
        sys.stderr = os.fdopen(tied._write_fd, "w", buffering=1, errors="replace")


class TiedChildren:
    """``with TiedChildren() as tied:`` — processes forked inside die with this process."""

    def __init__(self) -> None:
        self.parent = os.getpid()
        self._read_fd = -1
        self._write_fd = -1
        self._said = b""

    def __enter__(self) -> TiedChildren:
        global _hook_installed, _active
        if not _hook_installed and hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_in_child)
            _hook_installed = True
        self.parent = os.getpid()
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._read_fd, False)
        _active = self
        return self

    def __exit__(self, *exc: object) -> None:
        global _active
        _active = None
        self._drain()
        for fd in (self._read_fd, self._write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self._read_fd, 65536)
            except (BlockingIOError, OSError):
                return
            if not chunk:
                return
            self._said = (self._said + chunk)[-8192:]

    def reason(self) -> str:
        """The last line a worker wrote (its error), or ''."""
        self._drain()
        lines = [ln.strip() for ln in self._said.decode("utf-8", "replace").splitlines()]
        lines = [ln for ln in lines if ln]
        return lines[-1] if lines else ""
