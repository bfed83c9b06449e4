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
    max_startups: tuple[int, int, int] = (30, 30, 200)
    per_source_max_startups: int = 4
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
        for name in (
            "max_sessions", "max_per_ip", "rate_per_ip", "memory_limit_mb", "cpu_limit",
            "per_source_max_startups",
        ):  # fmt: skip
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


def clamp_pixels(
    asked: tuple[int, int], size: tuple[int, int], pixels: tuple[int, int]
) -> tuple[int, int]:
    """A client's window size in pixels, kept only where it fits the window's cells as they
    are (``size``, the clamp of ``asked``): else 0x0, unknown (the reader may ask)."""
    width, height = pixels
    if asked != size or not (0 < width <= 65535 and 0 < height <= 65535):
        return 0, 0
    return width, height


PENALTIES = {"login-timeout": 20.0, "auth-failed": 5.0, "no-auth": 1.0, "refused": 1.0}
"""Seconds of penalty an address earns per kind of failure (OpenSSH's PerSourcePenalties:
grace-exceeded:20 authfail:5 noauth:1); refused connections count as ``noauth``."""
PENALTY_MIN = 15.0  # an address is refused once its penalty reaches this (OpenSSH min:15)
PENALTY_MAX = 600.0  # and for at most this long (OpenSSH max:600)
MAX_TRACKED_SOURCES = 65536  # bounded memory however many addresses knock


def parse_max_startups(text: str) -> tuple[int, int, int]:
    """``START:RATE:FULL`` (or one number, START=FULL) as OpenSSH's ``MaxStartups``."""
    parts = text.split(":")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        raise ValueError(f"max-startups is START:RATE:FULL, not {text!r}") from None
    if len(numbers) == 1:
        start, rate, full = numbers[0], 100, numbers[0]
    elif len(numbers) == 3:
        start, rate, full = numbers
    else:
        raise ValueError(f"max-startups is START:RATE:FULL, not {text!r}")
    if not (1 <= start <= full) or not 0 <= rate <= 100:
        raise ValueError(f"max-startups needs 1 <= START <= FULL and RATE 0-100, not {text!r}")
    return start, rate, full


def source_of(ip: str) -> str:
    """The address a limit counts: the IPv4 address, or the /64 an IPv6 address is in."""
    import ipaddress

    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if addr.version == 6:
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        return str(ipaddress.ip_network(f"{addr}/64", strict=False))
    return str(addr)


class Penalties:
    """Per-source penalties: addresses that keep failing are refused for a while.

    Each failure adds its :data:`PENALTIES` seconds to the address's score, which drains one
    second per second. Once the score reaches :data:`PENALTY_MIN`, the address is refused until
    the score would have drained (at most :data:`PENALTY_MAX` seconds).
    """

    def __init__(
        self, clock: Callable[[], float] = monotonic, exempt: frozenset[str] = frozenset()
    ):
        self._clock = clock
        self._score: dict[str, tuple[float, float]] = {}  # source -> (score, when)
        self._until: dict[str, float] = {}
        self.exempt = exempt

    def add(self, ip: str, kind: str) -> float:
        """Record a failure; returns for how long the address is now refused (0: not)."""
        src = source_of(ip)
        if src in self.exempt:
            return 0.0
        now = self._clock()
        score, when = self._score.pop(src, (0.0, now))
        score = min(PENALTY_MAX, max(0.0, score - (now - when)) + PENALTIES.get(kind, 1.0))
        self._score[src] = (score, now)
        if len(self._score) > MAX_TRACKED_SOURCES:
            self.prune()
        if score >= PENALTY_MIN:
            self._until[src] = max(self._until.get(src, 0.0), now + score)
            return score
        return 0.0

    def blocked(self, ip: str) -> float:
        """Seconds the address is still refused for (0: it may connect)."""
        src = source_of(ip)
        until = self._until.get(src)
        if until is None:
            return 0.0
        left = until - self._clock()
        if left <= 0:
            del self._until[src]
            return 0.0
        return left

    def prune(self) -> None:
        now = self._clock()
        for src in [s for s, (score, when) in self._score.items() if score <= now - when]:
            del self._score[src]
        for src in [s for s, until in self._until.items() if until <= now]:
            del self._until[src]
        while len(self._score) > MAX_TRACKED_SOURCES:  # oldest first (insertion order)
            del self._score[next(iter(self._score))]


class ConnectionLimiter:
    """Admission control, with connections not yet logged in counted apart from sessions.

    ``admit(ip)`` is asked for each new TCP connection: it checks the address's penalty, its
    connection rate, its unauthenticated connections (``per_source_max_startups``) and all
    unauthenticated connections with OpenSSH's ``MaxStartups`` START:RATE:FULL random early
    drop; it returns ``None`` (counted in as unauthenticated) or the reason it is refused.
    ``authenticated(ip)`` moves a connection that logged in to the sessions (``max_sessions``
    in all, ``max_per_ip`` per address), or returns why it cannot have one. ``release(ip,
    authenticated)`` gives the slot back; ``failed(ip, kind)`` adds a penalty.
    """

    def __init__(
        self,
        limits: Limits,
        clock: Callable[[], float] = monotonic,
        rng: Callable[[], float] | None = None,
        exempt: frozenset[str] = frozenset(),
    ) -> None:
        import random

        self.limits = limits
        self._clock = clock
        self._rng = rng or random.SystemRandom().random
        self._active: dict[str, int] = defaultdict(int)  # sessions (logged in)
        self._unauth: dict[str, int] = defaultdict(int)
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self.total = 0
        self.unauthenticated = 0
        self.penalties = Penalties(clock, frozenset(source_of(a) for a in exempt))

    def admit(self, ip: str) -> str | None:
        if self.penalties.blocked(ip):
            return "penalty"
        src = source_of(ip)
        now = self._clock()
        recent = self._recent[src]
        while recent and now - recent[0] >= 60.0:
            recent.popleft()
        reason = None
        if len(recent) >= self.limits.rate_per_ip:
            reason = "rate-limit"
        else:
            # Every attempt counts towards the rate, so a refused flood keeps being refused.
            recent.append(now)
            start, rate, full = self.limits.max_startups
            n = self.unauthenticated
            if self.total >= self.limits.max_sessions:
                reason = "server-full"  # sessions (logged in) only: silent ones never fill it
            elif self._active.get(src, 0) >= self.limits.max_per_ip:
                reason = "too-many-from-address"
            elif self._unauth.get(src, 0) >= self.limits.per_source_max_startups:
                reason = "too-many-unauthenticated-from-address"
            elif n >= full:
                reason = "max-startups"
            elif n >= start:
                drop = (rate + (100 - rate) * (n - start) / max(1, full - start)) / 100
                if self._rng() < drop:
                    reason = "max-startups"
        if reason is not None:
            self.penalties.add(ip, "refused")
            return reason
        self._unauth[src] += 1
        self.unauthenticated += 1
        return None

    def authenticated(self, ip: str) -> str | None:
        """The connection logged in: count it as a session (None) or say why it cannot."""
        src = source_of(ip)
        self._drop_unauth(src)
        if self.total >= self.limits.max_sessions:
            return "server-full"
        if self._active.get(src, 0) >= self.limits.max_per_ip:
            return "too-many-from-address"
        self._active[src] += 1
        self.total += 1
        return None

    def _drop_unauth(self, src: str) -> None:
        if self._unauth.get(src, 0) > 0:
            self._unauth[src] -= 1
            self.unauthenticated -= 1
            if not self._unauth[src]:
                del self._unauth[src]

    def release(self, ip: str, authenticated: bool = True) -> None:
        src = source_of(ip)
        if not authenticated:
            self._drop_unauth(src)
            return
        if self._active.get(src, 0) <= 0:
            return
        self._active[src] -= 1
        self.total -= 1
        if not self._active[src]:
            del self._active[src]
        if not self._recent.get(src):
            self._recent.pop(src, None)

    def failed(self, ip: str, kind: str) -> float:
        """A connection from ``ip`` ended without logging in (``kind``: see PENALTIES)."""
        return self.penalties.add(ip, kind)

    def active(self, ip: str) -> int:
        return self._active.get(source_of(ip), 0)

    def pending(self, ip: str) -> int:
        """Unauthenticated connections from the address."""
        return self._unauth.get(source_of(ip), 0)

    def prune(self) -> None:
        """Forget rate windows and penalties of addresses not seen for a while (bounded)."""
        now = self._clock()
        for ip in [ip for ip, q in self._recent.items() if not q or now - q[-1] >= 60.0]:
            del self._recent[ip]
        self.penalties.prune()


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


def zygote_preexec(memory_limit_mb: int) -> Callable[[], None]:
    """A ``preexec_fn`` for the fork server: no core dumps and the readers' address-space
    limit. No CPU limit and no ``nice``: each forked reader sets those for itself (its CPU time
    counts from its own fork), and the zygote's few forks should not wait behind readers."""
    import resource

    mem = memory_limit_mb * 1024 * 1024

    def setup() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return setup
