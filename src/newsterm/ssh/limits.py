"""Limits for ``newsterm serve``: sessions in all, per address, connection rate, sizes, rlimits.

Everything here is plain bookkeeping (no asyncssh, no I/O) so it can be tested with a fake clock.
"""

from __future__ import annotations

import argparse
import os
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

from newsterm.ssh.log import monotonic

MIN_COLS, MAX_COLS = 20, 500
MIN_ROWS, MAX_ROWS = 5, 200
DEFAULT_COLS, DEFAULT_ROWS = 80, 24


@dataclass(frozen=True, slots=True)
class Limits:
    """The server's limits; times in seconds, ``0`` for a time limit means none."""

    max_sessions: int = 50
    max_per_ip: int = 8
    rate_per_ip: int = 30
    login_timeout: float = 30.0
    idle_timeout: float = 1800.0
    max_session_time: float = 4 * 3600.0
    memory_limit_mb: int = 512
    cpu_limit: int = 600
    exec_timeout: float = 30.0
    exec_output_limit: int = 4 * 1024 * 1024

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Limits:
        """Build limits from ``newsterm serve`` arguments (missing ones keep the defaults)."""
        fields = {}
        for name in cls.__dataclass_fields__:
            value = getattr(args, name, None)
            if value is not None:
                fields[name] = value
        return cls(**fields)

    def problems(self) -> list[str]:
        """Values that make no sense, as one-line messages."""
        out = []
        for name in ("max_sessions", "max_per_ip", "rate_per_ip", "memory_limit_mb", "cpu_limit"):
            if getattr(self, name) < 1:
                out.append(f"--{name.replace('_', '-')} must be at least 1")
        for name in ("login_timeout", "idle_timeout", "max_session_time"):
            if getattr(self, name) < 0:
                out.append(f"--{name.replace('_', '-')} must not be negative")
        if self.memory_limit_mb < 64:
            out.append("--memory-limit-mb must be at least 64")
        return out


def clamp_size(cols: int, rows: int) -> tuple[int, int]:
    """A client's window size made safe: unknown (0) becomes 80x24, the rest is clamped."""
    cols = DEFAULT_COLS if cols <= 0 else min(max(cols, MIN_COLS), MAX_COLS)
    rows = DEFAULT_ROWS if rows <= 0 else min(max(rows, MIN_ROWS), MAX_ROWS)
    return cols, rows


class ConnectionLimiter:
    """Admission control for new connections: total, per address, and per-address rate.

    ``admit(ip)`` either counts the connection in and returns ``None``, or returns the reason
    it is refused; every admitted connection must later be given back with ``release(ip)``.
    """

    def __init__(self, limits: Limits, clock: Callable[[], float] = monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._active: dict[str, int] = defaultdict(int)
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self.total = 0

    def admit(self, ip: str) -> str | None:
        now = self._clock()
        recent = self._recent[ip]
        while recent and now - recent[0] >= 60.0:
            recent.popleft()
        if len(recent) >= self.limits.rate_per_ip:
            return "rate-limit"
        # Every attempt counts towards the rate, so a refused flood keeps being refused.
        recent.append(now)
        if self.total >= self.limits.max_sessions:
            return "server-full"
        if self._active[ip] >= self.limits.max_per_ip:
            return "too-many-from-address"
        self._active[ip] += 1
        self.total += 1
        return None

    def release(self, ip: str) -> None:
        if self._active.get(ip, 0) <= 0:
            return
        self._active[ip] -= 1
        self.total -= 1
        if not self._active[ip]:
            del self._active[ip]
        if not self._recent.get(ip):
            self._recent.pop(ip, None)

    def active(self, ip: str) -> int:
        return self._active.get(ip, 0)

    def prune(self) -> None:
        """Forget rate windows of addresses not seen for a minute (bounded memory)."""
        now = self._clock()
        for ip in [ip for ip, q in self._recent.items() if not q or now - q[-1] >= 60.0]:
            del self._recent[ip]


def child_preexec(
    memory_limit_mb: int, cpu_limit: int, controlling_tty: bool
) -> Callable[[], None]:
    """A ``preexec_fn`` for a reader or search child: its own terminal, rlimits, low priority.

    Runs in the forked child before exec, so it only makes system calls (no locks, no imports).
    """
    import fcntl
    import resource
    import termios

    mem = memory_limit_mb * 1024 * 1024
    tiocsctty = termios.TIOCSCTTY

    def setup() -> None:
        if controlling_tty:
            # start_new_session=True made us a session leader; take stdin (the pty) as ours.
            fcntl.ioctl(0, tiocsctty, 0)
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_limit, cpu_limit + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.nice(10)

    return setup
