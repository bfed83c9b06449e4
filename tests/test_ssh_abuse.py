"""``newsterm serve`` under abuse, end to end with the real OpenSSH client (issue 13 item 8).

Attackers are other loopback addresses (127.0.0.2-127.0.0.8) holding silent TCP connections;
the real reader connects from 127.0.0.1. Every loop and wait is bounded.
"""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

import pytest

from test_ssh_server import Client, keygen, make_archive, start_server, wait_for

pytestmark = [pytest.mark.slow]


def silent(port: int, source: str) -> socket.socket:
    """A TCP connection that never says anything (never sends an SSH banner)."""
    return socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))


def refused_reasons(server, what: str = "connection") -> list[str]:
    return [r.get("reason") for r in server.events("refused") if r.get("what") == what]


def test_a_reader_gets_in_while_silent_connections_flood_the_server(tmp_path: Path):
    archive = make_archive(tmp_path / "archive")
    key = keygen(tmp_path / "reader")
    server = start_server(tmp_path / "home", archive, "--login-timeout", "3")
    client = Client(server, key, tmp_path / "kh")
    held: list[socket.socket] = []
    try:
        # 8 silent connections from each of 7 addresses, as in the report.
        for a in range(2, 9):
            for _ in range(8):
                held.append(silent(server.port, f"127.0.0.{a}"))
        wait_for(lambda: len(server.events("connect")) >= 56, 60)
        # Each address gets its 4 start-ups; the rest are refused, and no session slot is used.
        wait_for(lambda: len(refused_reasons(server)) >= 28, 60)
        assert refused_reasons(server).count("too-many-unauthenticated-from-address") == 28
        for attempt in range(3):  # the real reader gets in every time while the attack runs
            done = client.ssh("-T", "127.0.0.1", "search", "zebras")
            assert done.returncode == 0, (attempt, done.stderr, server.log_path.read_text())
            assert "Gamma ssh post" in done.stdout
        # The silent ones run into the login timeout: logged as such, not as failed logins...
        wait_for(
            lambda: (
                sum(r.get("reason") == "login-timeout" for r in server.events("disconnect")) >= 28
            ),
            60,
        )
        assert not [r for r in server.events("disconnect") if r.get("reason") == "auth-failed"]
        # ...and their addresses are refused for a while (per-source penalties).
        penalised = {r["address"].rsplit(":", 1)[0] for r in server.events("penalty")}
        assert penalised == {f"127.0.0.{a}" for a in range(2, 9)}
        again = silent(server.port, "127.0.0.2")
        held.append(again)
        wait_for(lambda: "penalty" in refused_reasons(server), 60)
        done = client.ssh("-T", "127.0.0.1", "search", "zebras")
        assert done.returncode == 0 and "Gamma ssh post" in done.stdout, done.stderr
    finally:
        for s in held:
            with contextlib.suppress(OSError):
                s.close()
        assert server.stop() == 0, server.log_path.read_text()


def test_max_startups_drops_at_random_from_start_and_all_at_full(tmp_path: Path):
    archive = make_archive(tmp_path / "archive")
    server = start_server(
        tmp_path / "home", archive, "--max-startups", "3:50:6",
        "--per-source-max-startups", "100", "--login-timeout", "20",
    )  # fmt: skip
    held: list[socket.socket] = []
    try:
        for _ in range(14):
            held.append(silent(server.port, "127.0.0.5"))
        wait_for(lambda: len(server.events("connect")) >= 14, 60)
        refused = refused_reasons(server)
        assert set(refused) == {"max-startups"}
        admitted = 14 - len(refused)
        assert 3 <= admitted <= 6, refused  # START always in, never more than FULL
        assert server.proc.poll() is None
    finally:
        for s in held:
            with contextlib.suppress(OSError):
                s.close()
        assert server.stop() == 0, server.log_path.read_text()


def test_a_reader_killed_by_a_signal_is_logged_as_such(tmp_path: Path):
    import asyncio
    import os
    import signal

    asyncssh = pytest.importorskip("asyncssh")
    archive = make_archive(tmp_path / "archive")
    server = start_server(tmp_path / "home", archive)

    async def go() -> int | None:
        opts = dict(known_hosts=None, username="x", client_keys=None, config=None)
        async with asyncssh.connect("127.0.0.1", server.port, **opts) as conn:
            proc = await conn.create_process(term_type="xterm\x1b[31m", term_size=(100, 30))
            (pid,) = await asyncio.to_thread(wait_for, server.readers, 60)
            os.kill(pid, signal.SIGKILL)
            done = await asyncio.wait_for(proc.wait(check=False), 20)
            return done.exit_status

    try:
        status = asyncio.run(asyncio.wait_for(go(), 60))
        wait_for(lambda: server.events("disconnect"), 60)
    finally:
        assert server.stop() == 0, server.log_path.read_text()
    (end,) = server.events("disconnect")
    assert end["reason"] == "reader-killed-SIGKILL" and status == 128 + 9, (end, status)
    # The client's TERM is logged as OpenSSH would: no raw escape reaches a log viewer.
    assert end["term"] == "xterm\\033[31m"
