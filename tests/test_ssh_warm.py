"""Spare readers: started ahead, handed a pty and arguments, or let go."""

from __future__ import annotations

import os
import select
import time

from newsterm.ssh.env import build_child_env
from newsterm.ssh.limits import child_preexec
from newsterm.ssh.warm import WarmPool, start_on_spare

ENV = build_child_env("xterm-256color", {})


def pool(size: int = 1) -> WarmPool:
    return WarmPool(size, ENV, child_preexec(512, 60, False))


def read_until_exit(master: int, proc, timeout: float = 60) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the other side closed
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    return out


def test_a_spare_runs_the_arguments_it_is_given_on_its_pty():
    warm = pool()
    warm.refill()
    assert len(warm.spares) == 1 and warm.started == 1
    spare = warm.take(dict(ENV))
    assert spare is not None and not warm.spares
    proc, master = start_on_spare(spare, ["--version"], 90, 30)
    try:
        out = read_until_exit(master, proc)
    finally:
        os.close(master)
    assert proc.wait(timeout=30) == 0
    assert b"newsterm" in out  # written to the pty it was handed, not to /dev/null
    stat = f"/proc/{proc.pid}/stat"
    assert not os.path.exists(stat)  # reaped


def test_only_the_same_environment_gets_a_spare_and_refill_replaces_used_ones():
    warm = pool()
    warm.refill()
    try:
        other = build_child_env("xterm", {"COLORTERM": "truecolor"})
        assert warm.take(other) is None
        assert len(warm.spares) == 1
        first = warm.take(dict(ENV))
        assert first is not None
        warm.refill()
        assert len(warm.spares) == 1 and warm.spares[0].proc.pid != first.proc.pid
        first.close()
        assert first.proc.wait(timeout=60) == 0  # its socket closed: it goes by itself
    finally:
        for proc in warm.close():
            assert proc.wait(timeout=60) == 0


def test_a_spare_that_died_is_reaped_and_replaced():
    warm = pool()
    warm.refill()
    dead = warm.spares[0].proc
    dead.kill()
    dead.wait(timeout=10)
    assert warm.take(dict(ENV)) is None  # never hands out a dead one
    warm.refill()
    try:
        assert len(warm.spares) == 1 and warm.spares[0].proc.pid != dead.pid
    finally:
        for proc in warm.close():
            proc.wait(timeout=60)


def test_size_zero_keeps_no_spares():
    warm = pool(0)
    warm.refill()
    assert warm.spares == [] and warm.take(dict(ENV)) is None


def test_handing_a_session_to_a_dead_spare_fails_cleanly_and_reaps_it():
    import pytest

    warm = pool()
    warm.refill()
    spare = warm.take(dict(ENV))
    spare.proc.kill()
    spare.proc.wait(timeout=10)
    spare.proc.returncode = None  # as if it died after take() looked at it
    with pytest.raises(OSError):
        start_on_spare(spare, ["--version"], 80, 24)
    assert not os.path.exists(f"/proc/{spare.proc.pid}/stat")
