"""PROXY protocol v1/v2 (``newsterm serve --proxy-protocol-from``), and a fleet behind HAProxy.

The parsing tests are plain bytes. The end-to-end test starts the Debian ``haproxy`` in TCP mode
in front of two servers on loopback and drives it with the real ``ssh`` client from other
loopback addresses (127.0.0.2-127.0.0.7); every wait is bounded.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import struct
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from newsterm.ssh.proxy import (
    V2_SIGNATURE,
    ProxyHeaderError,
    is_trusted,
    looks_like_header,
    parse_trusted,
    parse_v1,
    parse_v2,
)


def v2(command: int, family: int, body: bytes) -> tuple[bytes, bytes]:
    return V2_SIGNATURE + bytes([0x20 | command, family]) + struct.pack("!H", len(body)), body


def test_v1_headers():
    assert parse_v1(b"PROXY TCP4 203.0.113.7 10.0.0.1 51234 22\r\n") == ("203.0.113.7", 51234)
    assert parse_v1(b"PROXY TCP6 2001:db8::7 2001:db8::1 40000 22\r\n") == ("2001:db8::7", 40000)
    assert parse_v1(b"PROXY UNKNOWN\r\n") is None
    for bad in (
        b"PROXY TCP4 203.0.113.7 10.0.0.1 51234 22\n",  # no CR
        b"PROXY TCP4 2001:db8::7 10.0.0.1 1 2\r\n",  # family and address disagree
        b"PROXY TCP4 203.0.113.7 10.0.0.1 99999 22\r\n",
        b"PROXY TCP4 evil\x1b[2J 10.0.0.1 1 2\r\n",
        b"PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",
        b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",
        b"PROXY TCP4 " + b"1" * 120 + b"\r\n",
    ):
        with pytest.raises(ProxyHeaderError):
            parse_v1(bad)


def test_v2_headers():
    body4 = socket.inet_aton("198.51.100.9") + socket.inet_aton("10.0.0.1")
    body4 += struct.pack("!HH", 60000, 22)
    assert parse_v2(*v2(1, 0x11, body4)) == ("198.51.100.9", 60000)
    body6 = socket.inet_pton(socket.AF_INET6, "2001:db8::9") + bytes(16)
    body6 += struct.pack("!HH", 1234, 22) + b"\x04\x00\x01x"  # a TLV after the addresses
    assert parse_v2(*v2(1, 0x21, body6)) == ("2001:db8::9", 1234)
    assert parse_v2(*v2(0, 0x00, b"")) is None  # LOCAL: the balancer's health check
    for head, body in (v2(1, 0x11, b"\x01\x02"), v2(5, 0x11, body4), v2(1, 0x31, b"x" * 216)):
        with pytest.raises(ProxyHeaderError):
            parse_v2(head, body)


def test_trusted_addresses_and_header_sniffing():
    trusted = parse_trusted("127.0.0.1, 10.1.0.0/16,::1")
    assert is_trusted("127.0.0.1", trusted) and is_trusted("10.1.200.3", trusted)
    assert is_trusted("::ffff:127.0.0.1", trusted) and is_trusted("::1", trusted)
    assert not is_trusted("127.0.0.2", trusted) and not is_trusted("garbage", trusted)
    with pytest.raises(ValueError):
        parse_trusted("10.0.0.0/33")
    assert looks_like_header(b"PROXY TCP4 1.2.3.4") and looks_like_header(V2_SIGNATURE)
    assert not looks_like_header(b"SSH-2.0-OpenSSH_9.2p1\r\n") and not looks_like_header(b"")


# -- end to end behind HAProxy -------------------------------------------------------------------

HAPROXY_CFG = """
global
    maxconn 200
defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend ssh
    bind 127.0.0.1:{front}
    default_backend readers
backend readers
    balance roundrobin
    server one 127.0.0.1:{one} send-proxy-v2 check check-send-proxy inter 1s
    server two 127.0.0.1:{two} send-proxy
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("haproxy"), reason="needs haproxy (Debian package)")
def test_two_servers_behind_haproxy_see_the_real_client(tmp_path: Path):
    from test_ssh_server import Client, keygen, make_archive, start_server, wait_for

    archive = make_archive(tmp_path / "archive")
    key = keygen(tmp_path / "reader")
    # One host key for the fleet: clients see one host whichever server they reach.
    hostkey = str(tmp_path / "fleet_host_key")
    opts = ("--proxy-protocol-from", "127.0.0.1", "--rate-per-ip", "3", "--host-key", hostkey)
    one = start_server(tmp_path / "one", archive, *opts)
    two = start_server(tmp_path / "two", archive, *opts)
    front = _free_port()
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(HAPROXY_CFG.format(front=front, one=one.port, two=two.port))
    haproxy = subprocess.Popen(
        ["haproxy", "-db", "-f", str(cfg)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    held: list[socket.socket] = []
    try:

        def listening() -> bool:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", front), 1):
                return True
            return False

        # (that probe connection is the balancer's business: it never reaches a server)
        wait_for(listening, 60)
        client = Client(one, key, tmp_path / "kh")
        client.server = type(one)(one.proc, front, "", one.log_path, one.env, one.home)

        def search(source: str) -> subprocess.CompletedProcess[str]:
            return client.ssh("-b", source, "-T", "127.0.0.1", "search", "quokkas")

        # Sessions spread over both servers, each logging the client's own address.
        for source in ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"):
            done = search(source)
            assert done.returncode == 0 and "Beta ssh post" in done.stdout, done.stderr
        seen = {
            name: {r["address"].rsplit(":", 1)[0] for r in srv.events("auth")}
            for name, srv in (("one", one), ("two", two))
        }
        assert seen["one"] and seen["two"], seen
        assert seen["one"] | seen["two"] == {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"}
        connects = one.events("connect") + two.events("connect")
        connects = [r for r in connects if "(check)" not in r.get("proxy", "")]
        assert all(r.get("proxy", "").startswith("127.0.0.1:") for r in connects), connects

        # A client over its rate (3 a minute per server) is refused by its address... The rate
        # counts connections as they are admitted: six searches at once (three to each server,
        # round robin) fill both servers' minute, and the two sent once all six are admitted
        # are refused. (Eight searches one after another can outlast the minute on a loaded
        # machine: the first would have left the window when the seventh came.)
        def admitted(address: str) -> int:
            connects = one.events("connect") + two.events("connect")
            return len([r for r in connects if r["address"].startswith(f"{address}:")])

        with ThreadPoolExecutor(6) as pool:
            filling = [pool.submit(search, "127.0.0.6") for _ in range(6)]
            wait_for(lambda: admitted("127.0.0.6") == 6, 60)
            over = [search("127.0.0.6").returncode for _ in range(2)]
            results = [f.result().returncode for f in filling] + over
        assert results.count(0) == 6 and results[-2:] == [255, 255], results
        refused = [
            r
            for srv in (one, two)
            for r in srv.events("refused")
            if r.get("reason") == "rate-limit"
        ]
        assert {r["address"].rsplit(":", 1)[0] for r in refused} == {"127.0.0.6"}
        # ...while another address behind the same balancer still gets in.
        done = search("127.0.0.7")
        assert done.returncode == 0 and "Beta ssh post" in done.stdout, done.stderr
        # A PROXY header straight from an address that is not the balancer is refused,
        # as is a trusted address that sends none; a plain direct client still gets in.
        forged = socket.create_connection(("127.0.0.1", one.port), 5, ("127.0.0.8", 0))
        held.append(forged)
        forged.sendall(b"PROXY TCP4 192.0.2.1 127.0.0.1 5555 22\r\nSSH-2.0-forged\r\n")
        bare = socket.create_connection(("127.0.0.1", one.port), 5, ("127.0.0.1", 0))
        held.append(bare)
        bare.sendall(b"SSH-2.0-no-header\r\n")
        wait_for(
            lambda: len([r for r in one.events("refused") if r.get("what") == "proxy-header"]) >= 2,
            60,
        )
        reasons = {r["reason"] for r in one.events("refused") if r.get("what") == "proxy-header"}
        assert "untrusted-address" in reasons
        assert any("no PROXY header" in r for r in reasons), reasons
        assert not [r for r in one.events("auth") if r["address"].startswith("192.0.2.1")]
        # The balancer's health checks (v2 LOCAL) are answered, never counted or penalised.
        wait_for(lambda: [r for r in one.events("connect") if "(check)" in r.get("proxy", "")], 60)
        assert not [r for r in one.events("penalty") if r["address"].startswith("127.0.0.1:")]
        direct = Client(one, key, tmp_path / "kh-direct")
        done = direct.ssh("-b", "127.0.0.9", "-T", "127.0.0.1", "search", "quokkas")
        assert done.returncode == 0 and "Beta ssh post" in done.stdout, done.stderr
    finally:
        for s in held:
            with contextlib.suppress(OSError):
                s.close()
        haproxy.terminate()
        try:
            haproxy.wait(10)
        except subprocess.TimeoutExpired:
            haproxy.kill()
            haproxy.wait(5)
        rc1, rc2 = one.stop(), two.stop()
        assert (rc1, rc2) == (0, 0), one.log_path.read_text() + two.log_path.read_text()
