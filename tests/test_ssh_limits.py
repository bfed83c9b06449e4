"""Limits: admission per address and in all, the connection rate, window sizes."""

from __future__ import annotations

import argparse

import pytest

from newsterm.ssh.limits import ConnectionLimiter, Limits, clamp_size


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_per_address_and_total_limits():
    lim = ConnectionLimiter(Limits(max_sessions=3, max_per_ip=2, rate_per_ip=100), Clock())
    assert lim.admit("10.0.0.1") is None
    assert lim.admit("10.0.0.1") is None
    assert lim.admit("10.0.0.1") == "too-many-from-address"
    assert lim.admit("10.0.0.2") is None
    assert lim.admit("10.0.0.3") == "server-full"
    lim.release("10.0.0.1")
    assert lim.admit("10.0.0.3") is None
    assert lim.total == 3
    for _ in range(5):  # releasing more than was admitted never goes negative
        lim.release("10.0.0.2")
    assert lim.total == 2 and lim.active("10.0.0.2") == 0


def test_rate_per_address_uses_a_sliding_minute():
    clock = Clock()
    lim = ConnectionLimiter(Limits(max_sessions=100, max_per_ip=100, rate_per_ip=3), clock)
    for _ in range(3):
        assert lim.admit("1.2.3.4") is None
        lim.release("1.2.3.4")
    assert lim.admit("1.2.3.4") == "rate-limit"
    assert lim.admit("5.6.7.8") is None  # other addresses are not affected
    clock.now += 59.0
    assert lim.admit("1.2.3.4") == "rate-limit"
    clock.now += 1.5
    assert lim.admit("1.2.3.4") is None
    clock.now += 120
    lim.release("1.2.3.4")
    lim.release("5.6.7.8")
    lim.prune()
    assert lim.total == 0 and not lim._recent


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ((0, 0), (80, 24)),
        ((100, 30), (100, 30)),
        ((1, 1), (20, 5)),
        ((100000, 100000), (500, 200)),
        ((-5, 40), (80, 40)),
    ],
)
def test_window_size_is_clamped(given, expected):
    assert clamp_size(*given) == expected


def test_limits_from_args_and_problems():
    args = argparse.Namespace(max_sessions=5, idle_timeout=10.0, unrelated=1, cpu_limit=None)
    limits = Limits.from_args(args)
    assert limits.max_sessions == 5 and limits.idle_timeout == 10.0
    assert limits.cpu_limit == Limits().cpu_limit
    assert limits.problems() == []
    assert Limits(max_per_ip=0).problems() == ["--max-per-ip must be at least 1"]
    assert Limits(memory_limit_mb=10).problems() == ["--memory-limit-mb must be at least 64"]
