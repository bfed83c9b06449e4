"""The PROXY protocol (v1 text and v2 binary, as HAProxy sends them) for ``newsterm serve``.

Behind a load balancer every connection comes from the balancer's address; with
``--proxy-protocol-from`` the balancer tells the real client's address in a header before the
SSH bytes, so per-address limits, penalties and logs see the client. A header is only believed
from the trusted addresses, and required from them; a header from anyone else is refused.

Parsing is plain bytes in, address out; :func:`read_header` reads exactly the header's bytes
from a connected socket (the SSH bytes after it are left for the SSH server).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import struct
from collections.abc import Iterable

V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
V1_PREFIX = b"PROXY "
V1_MAX = 107  # the longest v1 line, CR LF included (the specification's limit)
V2_MAX_BODY = 4096  # addresses plus TLVs; HAProxy's own are far smaller
HEADER_TIMEOUT = 5.0  # seconds a trusted balancer has to send the header
PEEK_TIMEOUT = 0.5  # seconds to look for a header from an untrusted address


class ProxyHeaderError(Exception):
    """A PROXY header that is missing, malformed or not believed (``str``: the reason)."""


def parse_trusted(text: str | None) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``ADDR[,NET...]`` of ``--proxy-protocol-from`` as networks (a bare address is a /32)."""
    out = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"not an address or network: {part!r}") from None
    return tuple(out)


def is_trusted(ip: str, trusted: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if addr.version == 6 and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return any(addr in net for net in trusted)


def looks_like_header(data: bytes) -> bool:
    """Whether the first bytes of a connection are (the start of) a PROXY header."""
    if not data:
        return False
    return V1_PREFIX.startswith(data[:6]) or V2_SIGNATURE.startswith(data[:12])


def parse_v1(line: bytes) -> tuple[str, int] | None:
    """``PROXY TCP4|TCP6 SRC DST SPORT DPORT\\r\\n`` → (SRC, SPORT); ``UNKNOWN`` → None."""
    if not line.endswith(b"\r\n") or len(line) > V1_MAX:
        raise ProxyHeaderError("malformed PROXY v1 header")
    parts = line[:-2].split(b" ")
    if parts[0] != b"PROXY" or len(parts) < 2:
        raise ProxyHeaderError("malformed PROXY v1 header")
    if parts[1] == b"UNKNOWN":
        return None
    if parts[1] not in (b"TCP4", b"TCP6") or len(parts) != 6:
        raise ProxyHeaderError("malformed PROXY v1 header")
    try:
        src = ipaddress.ip_address(parts[2].decode("ascii"))
        ipaddress.ip_address(parts[3].decode("ascii"))
        sport, dport = int(parts[4]), int(parts[5])
    except (ValueError, UnicodeDecodeError):
        raise ProxyHeaderError("malformed PROXY v1 header") from None
    if src.version != (4 if parts[1] == b"TCP4" else 6) or not (
        0 <= sport <= 65535 and 0 <= dport <= 65535
    ):
        raise ProxyHeaderError("malformed PROXY v1 header")
    return str(src), sport


def parse_v2(head: bytes, body: bytes) -> tuple[str, int] | None:
    """A v2 header (16 bytes ``head``, then ``body``) → (source, port); LOCAL → None."""
    if len(head) != 16 or not head.startswith(V2_SIGNATURE):
        raise ProxyHeaderError("malformed PROXY v2 header")
    ver_cmd, family = head[12], head[13]
    if ver_cmd >> 4 != 2:
        raise ProxyHeaderError("unsupported PROXY version")
    command = ver_cmd & 0x0F
    if command == 0:  # LOCAL: the balancer's own connection (a health check)
        return None
    if command != 1:
        raise ProxyHeaderError("unsupported PROXY v2 command")
    if family == 0x11 and len(body) >= 12:  # TCP over IPv4
        src = socket.inet_ntop(socket.AF_INET, body[0:4])
        (port,) = struct.unpack("!H", body[8:10])
        return src, port
    if family == 0x21 and len(body) >= 36:  # TCP over IPv6
        src = socket.inet_ntop(socket.AF_INET6, body[0:16])
        (port,) = struct.unpack("!H", body[32:34])
        return src, port
    if family >> 4 == 0:  # AF_UNSPEC: no address to tell
        return None
    raise ProxyHeaderError("unsupported PROXY v2 address family")


async def _recv_exactly(loop: asyncio.AbstractEventLoop, sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = await loop.sock_recv(sock, n - len(data))
        if not chunk:
            raise ProxyHeaderError("connection closed before the PROXY header")
        data += chunk
    return data


async def read_header(
    sock: socket.socket, timeout: float = HEADER_TIMEOUT
) -> tuple[str, int] | None:
    """Read a PROXY v1 or v2 header from ``sock`` (and nothing after it).

    Returns the client's (address, port), or None for a header that names no client (v1
    UNKNOWN, v2 LOCAL: the balancer's own health check). Raises :class:`ProxyHeaderError`.
    """
    loop = asyncio.get_running_loop()

    async def read() -> tuple[str, int] | None:
        first = await _recv_exactly(loop, sock, 6)
        if first == V1_PREFIX:
            line = first
            while not line.endswith(b"\r\n"):
                if len(line) >= V1_MAX:
                    raise ProxyHeaderError("PROXY v1 header too long")
                line += await _recv_exactly(loop, sock, 1)
            return parse_v1(line)
        if V2_SIGNATURE.startswith(first):
            head = first + await _recv_exactly(loop, sock, 10)
            if not head.startswith(V2_SIGNATURE):
                raise ProxyHeaderError("no PROXY header from a trusted address")
            (length,) = struct.unpack("!H", head[14:16])
            if length > V2_MAX_BODY:
                raise ProxyHeaderError("PROXY v2 header too long")
            body = await _recv_exactly(loop, sock, length)
            return parse_v2(head, body)
        raise ProxyHeaderError("no PROXY header from a trusted address")

    try:
        return await asyncio.wait_for(read(), timeout)
    except TimeoutError:
        raise ProxyHeaderError("no PROXY header in time") from None
    except OSError as err:
        raise ProxyHeaderError(f"connection failed: {err.strerror or err}") from None


async def peek_for_header(sock: socket.socket, timeout: float = PEEK_TIMEOUT) -> bool:
    """Whether an untrusted client opens with a PROXY header (left unread either way).

    Waits at most ``timeout`` for the first bytes: an SSH client sends its version line at
    once, one that waits for the server's is let through after the wait.
    """
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    fd = sock.fileno()

    def on_ready() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, on_ready)
    try:
        await asyncio.wait_for(ready, timeout)
    except TimeoutError:
        return False
    finally:
        loop.remove_reader(fd)
    try:
        data = sock.recv(16, socket.MSG_PEEK)
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return False
    return looks_like_header(data)
