"""Limits: admission per address and in all, the connection rate, window sizes."""

from __future__ import annotations

import argparse

import pytest

from newsterm.ssh.limits import (
    ConnectionLimiter,
    Limits,
    clamp_pixels,
    clamp_size,
    parse_max_startups,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _session(lim: ConnectionLimiter, ip: str) -> str | None:
    reason = lim.admit(ip)
    return reason if reason is not None else lim.authenticated(ip)


def test_per_address_and_total_session_limits():
    lim = ConnectionLimiter(Limits(max_sessions=3, max_per_ip=2, rate_per_ip=100), Clock())
    assert _session(lim, "10.0.0.1") is None
    assert _session(lim, "10.0.0.1") is None
    assert _session(lim, "10.0.0.1") == "too-many-from-address"
    assert _session(lim, "10.0.0.2") is None
    assert _session(lim, "10.0.0.3") == "server-full"
    lim.release("10.0.0.1")
    assert _session(lim, "10.0.0.3") is None
    assert lim.total == 3 and lim.unauthenticated == 0
    for _ in range(5):  # releasing more than was admitted never goes negative
        lim.release("10.0.0.2")
        lim.release("10.0.0.2", authenticated=False)
    assert lim.total == 2 and lim.active("10.0.0.2") == 0 and lim.unauthenticated == 0


def test_rate_per_address_uses_a_sliding_minute():
    clock = Clock()
    lim = ConnectionLimiter(Limits(max_sessions=100, max_per_ip=100, rate_per_ip=3), clock)
    for _ in range(3):
        assert lim.admit("1.2.3.4") is None
        lim.release("1.2.3.4", authenticated=False)
    assert lim.admit("1.2.3.4") == "rate-limit"
    assert lim.admit("5.6.7.8") is None  # other addresses are not affected
    clock.now += 59.0
    assert lim.admit("1.2.3.4") == "rate-limit"
    clock.now += 1.5
    assert lim.admit("1.2.3.4") is None
    clock.now += 120
    lim.release("1.2.3.4", authenticated=False)
    lim.release("5.6.7.8", authenticated=False)
    lim.prune()
    assert lim.total == 0 and lim.unauthenticated == 0 and not lim._recent


def test_silent_connections_never_take_a_session_slot():
    # 8 silent connections from each of 7 addresses (issue 13 item 8), 2 sessions in all.
    lim = ConnectionLimiter(
        Limits(max_sessions=2, max_per_ip=8, rate_per_ip=100, per_source_max_startups=4),
        Clock(),
        rng=lambda: 0.99,
    )
    refused = [lim.admit(f"127.0.0.{a}") for a in range(2, 9) for _ in range(8)]
    assert refused.count(None) == 28 and lim.unauthenticated == 28
    assert set(refused) == {None, "too-many-unauthenticated-from-address"}
    # A real reader still gets in, and gets a session.
    assert lim.admit("127.0.0.1") is None and lim.authenticated("127.0.0.1") is None
    assert lim.total == 1


def test_max_startups_random_early_drop_follows_openssh():
    limits = Limits(rate_per_ip=10_000, per_source_max_startups=1000, max_startups=(10, 30, 100))
    draws = iter([0.0] * 10)  # below START nothing is drawn
    lim = ConnectionLimiter(limits, Clock(), rng=lambda: next(draws))
    for _ in range(10):
        assert lim.admit("10.0.0.1") is None
    # At n unauthenticated, a new one is dropped with p = RATE + (100-RATE)(n-START)/(FULL-START)
    for n, draw, dropped in [
        (10, 0.29, True), (10, 0.31, False), (55, 0.64, True), (56, 0.66, False),
    ]:  # fmt: skip
        while lim.unauthenticated < n:
            lim._unauth["10.0.0.1"] += 1
            lim.unauthenticated += 1
        lim._rng = lambda d=draw: d
        reason = lim.admit("10.0.0.1")
        assert (reason == "max-startups") is dropped, (n, draw)
        if reason is None:
            lim.release("10.0.0.1", authenticated=False)
    lim.unauthenticated = 100
    lim._rng = lambda: 0.9999
    assert lim.admit("10.0.0.2") == "max-startups"  # FULL: every one


def test_parse_max_startups():
    assert parse_max_startups("10:30:100") == (10, 30, 100)
    assert parse_max_startups("7") == (7, 100, 7)
    for bad in ("", "a:b:c", "10:30", "20:30:10", "10:101:20", "0:30:10"):
        with pytest.raises(ValueError):
            parse_max_startups(bad)


def test_addresses_that_keep_failing_are_refused_for_a_while():
    clock = Clock()
    lim = ConnectionLimiter(Limits(rate_per_ip=1000, per_source_max_startups=100), clock)
    # A silent connection that runs into the login timeout: 20 s, over the 15 s minimum.
    assert lim.admit("10.0.0.9") is None
    lim.release("10.0.0.9", authenticated=False)
    assert lim.failed("10.0.0.9", "login-timeout") == 20.0
    assert lim.admit("10.0.0.9") == "penalty"
    assert lim.admit("10.0.0.1") is None  # only that address
    clock.now += 21
    assert lim.admit("10.0.0.9") is None
    # Failed logins add up: 5 s each, refused from the third.
    assert lim.failed("10.0.0.7", "auth-failed") == 0.0
    assert lim.failed("10.0.0.7", "auth-failed") == 0.0
    assert lim.failed("10.0.0.7", "auth-failed") == 15.0
    assert lim.admit("10.0.0.7") == "penalty"
    # The score drains with time, and never passes the maximum.
    for _ in range(500):
        lim.failed("10.0.0.8", "login-timeout")
    assert lim.penalties.blocked("10.0.0.8") == 600.0
    # An IPv6 /64 is one source; exempt addresses are never penalised.
    lim.failed("2001:db8::1", "login-timeout")
    assert lim.admit("2001:db8::ffff") == "penalty"
    exempt = ConnectionLimiter(Limits(), clock, exempt=frozenset({"10.0.0.5"}))
    for _ in range(10):
        exempt.failed("10.0.0.5", "login-timeout")
    assert exempt.admit("10.0.0.5") is None


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


@pytest.mark.parametrize(
    ("asked", "pixels", "expected"),
    [
        ((100, 30), (1000, 600), (1000, 600)),  # as the client sent it: the reader's cells
        ((100, 30), (0, 0), (0, 0)),  # unknown stays unknown (the reader may ask)
        ((1000, 30), (9000, 600), (0, 0)),  # cells clamped to 500: the pixels no longer fit
        ((100, 30), (70000, 600), (0, 0)),  # more than a pty can hold
    ],
)
def test_window_pixels_are_kept_only_where_they_fit_the_cells(asked, pixels, expected):
    assert clamp_pixels(asked, clamp_size(*asked), pixels) == expected
