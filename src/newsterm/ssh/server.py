"""``newsterm serve``: the archive reader over SSH (asyncssh), in the foreground.

Anyone may read anonymously (no password prompt) unless ``--no-anonymous``; a key listed in
``--authorized-keys`` makes its holder a member whose reading state is kept. Each interactive
session runs its own ``newsterm read --served`` child in its own pty (see ``session.py``); exec
requests may only run ``search``. Forwarding, agent, X11, SFTP/scp and other subsystems are
refused. Limits guard the machine (see ``limits.py``). Logs are JSON lines on stderr; SIGTERM
or SIGINT stops the server cleanly: sessions are told, children are ended and reaped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import asyncssh

from newsterm.errors import NewstermError
from newsterm.paths import index_dir_for, resolve_archive
from newsterm.search.store import index_present
from newsterm.ssh.env import build_child_env
from newsterm.ssh.hostkey import fingerprint, load_or_create_host_key
from newsterm.ssh.indexer import IndexKeeper
from newsterm.ssh.limits import ConnectionLimiter, Limits, zygote_preexec
from newsterm.ssh.log import log_event, monotonic, vis
from newsterm.ssh.proxy import (
    ProxyHeaderError,
    is_trusted,
    parse_trusted,
    peek_for_header,
    read_header,
)
from newsterm.ssh.pty_child import ChildProcess
from newsterm.ssh.session import ConnState, ServedSession
from newsterm.ssh.zygote import ForkServer, become_subreaper, command_line_room, reap_strays

SHUTDOWN_GRACE = 3.0
READER_NICE = 10  # readers run below the server, so a busy one never slows the SSH side
INDEX_CHECK_EVERY = 10.0  # seconds between looks for an index deleted under the server


class ServeError(NewstermError):
    """A ``newsterm serve`` setting that cannot work (one line, exit 2)."""


def read_authorized_keys(path: str | os.PathLike[str]) -> set[str]:
    """SHA256 fingerprints of the public keys in an OpenSSH ``authorized_keys`` file.

    Options before a key (``restrict,command=...``) are skipped; a line that holds no key makes
    the whole file an error, so a typo never silently locks a member out.
    """
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ServeError(f"cannot read authorized keys {path}: {err}") from None
    prints: set[str] = set()
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key = None
        parts = line.split()
        for start in range(len(parts)):
            if parts[start].startswith(("ssh-", "ecdsa-", "sk-")):
                with contextlib.suppress(asyncssh.KeyImportError, ValueError):
                    key = asyncssh.import_public_key(" ".join(parts[start : start + 2]))
                    break
        if key is None:
            raise ServeError(f"{path}:{lineno}: not a public key")
        prints.add(fingerprint(key))
    if not prints:
        # an empty file (or only comments) would quietly make nobody a member
        raise ServeError(f"{path} holds no public keys")
    return prints


class ServerApp:
    """State shared by every connection of one running server."""

    def __init__(
        self,
        root: Path,
        index_dir: Path,
        limits: Limits,
        members: set[str],
        allow_anonymous: bool,
        fork_server: bool = False,
        penalty_exempt: frozenset[str] = frozenset(),
        proxy_trusted: tuple = (),
    ) -> None:
        self.root = root
        self.index_dir = index_dir
        self.limits = limits
        self.members = members
        self.allow_anonymous = allow_anonymous
        self.limiter = ConnectionLimiter(limits, exempt=penalty_exempt)
        self.proxy_trusted = proxy_trusted  # networks whose PROXY headers are believed
        self.sessions: set[ServedSession] = set()
        self.connections: set[_Connection] = set()
        self.children: set[ChildProcess] = set()
        # The server is the index's only writer; readers and search execs only read it.
        self.indexer = IndexKeeper(root, index_dir, after_sync=self.warm_fork_server)
        self.index_ready = self.indexer.ready
        # The fork server (zygote): made by start_fork_server once the event loop runs.
        self.want_fork_server = fork_server
        self.forkserver: ForkServer | None = None
        self.closing = False

    def start_fork_server(self) -> None:
        """Start the zygote that forks readers, if wanted and possible (else readers are
        started with exec, as without it)."""
        if not self.want_fork_server or self.forkserver is not None:
            return
        if not become_subreaper():
            log_event("fork-server", status="unavailable", reason="not a child subreaper")
            return
        longest = self.reader_argv("member-" + "x" * 43)  # the longest state name
        self.forkserver = ForkServer(
            build_child_env("xterm-256color", {}),
            zygote_preexec(self.limits.memory_limit_mb),
            room=command_line_room(longest),
        )
        self.forkserver.start()

    def warm_fork_server(self) -> None:
        """After a sync (which may have written the catalog): the zygote reads it now, not
        the next session while it waits for its reader."""
        if self.forkserver is not None:
            argv = self.reader_argv(None)
            self.forkserver.warm(argv[argv.index("newsterm") + 1 :])

    def reader_limits(self) -> dict[str, int]:
        """The rlimits and priority a forked reader gives itself (as ``child_preexec``)."""
        return {
            "memory_bytes": self.limits.memory_limit_mb * 1024 * 1024,
            "cpu_seconds": self.limits.cpu_limit,
            "nice": READER_NICE,
        }

    def reap_strays(self) -> None:
        """Reap zombies the server inherited as subreaper, never one it waits for itself."""
        if self.forkserver is None:
            return
        known = {p.pid for p in self.children}
        known.update(s.search_pid() for s in self.sessions)
        zygote = self.forkserver.pid()
        if zygote is not None:
            known.add(zygote)
        reap_strays(p for p in known if p)

    def folders(self) -> tuple[str, str]:
        return str(self.root), str(self.index_dir)

    def reader_argv(self, state: str | None) -> list[str]:
        """The isolated reader command for one session (``--state`` for members only)."""
        argv = [
            sys.executable, "-I", "-m", "newsterm", "read", "--served",
            "--archive", str(self.root), "--index-dir", str(self.index_dir),
        ]  # fmt: skip
        if state:
            argv += ["--state", state]
        return argv

    def make_connection(
        self, peer: tuple[str, int] | None = None, proxied_by: str | None = None
    ) -> _Connection:
        return _Connection(self, peer, proxied_by)


class _Connection(asyncssh.SSHServer):
    """asyncssh's per-connection callbacks: admission, authentication, what may be opened."""

    def __init__(
        self, app: ServerApp, peer: tuple[str, int] | None = None, proxied_by: str | None = None
    ) -> None:
        self._app = app
        self._peer = peer  # the client's address from a PROXY header (else the socket's)
        self._proxied_by = proxied_by
        self._state: ConnState | None = None
        self._conn: asyncssh.SSHServerConnection | None = None
        self._slot: str | None = None  # "unauthenticated" or "session": what the limiter counts
        self._auth_failed = False
        self._key_fp: str | None = None
        self._key_member = False
        self._logged_key_refusal = False

    # connection life ---------------------------------------------------------------------

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._watch_auth_methods(conn)
        peer = self._peer or conn.get_extra_info("peername") or ("?", 0)
        state = ConnState(app=self._app, ip=str(peer[0]), port=int(peer[1]))
        self._state = state
        log_event("connect", address=state.address, proxy=self._proxied_by)
        if (self._proxied_by or "").endswith("(check)"):
            # The trusted balancer's own health check: not a client, not counted or penalised.
            self._app.connections.add(self)
            return
        reason = "shutting-down" if self._app.closing else self._app.limiter.admit(state.ip)
        if reason is not None:
            state.end_reason = f"refused-{reason}"
            log_event("refused", address=state.address, what="connection", reason=reason)
            asyncio.get_running_loop().call_soon(
                conn.disconnect, asyncssh.DISC_TOO_MANY_CONNECTIONS, f"newsterm: {reason}"
            )
            return
        self._slot = "unauthenticated"
        self._app.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        state = self._state
        if state is None:
            return
        if self._slot is not None:
            self._app.limiter.release(state.ip, authenticated=self._slot == "session")
            self._slot = None
        self._app.connections.discard(self)
        checking = (self._proxied_by or "").endswith("(check)")
        if state.end_reason is None and not state.authenticated and not checking:
            # Why a connection ended before logging in, and the penalty its address earns.
            if isinstance(exc, asyncssh.ConnectionLost) and "login timeout" in str(exc).lower():
                state.end_reason = "login-timeout"
            elif self._auth_failed:
                state.end_reason = "auth-failed"
            else:
                state.end_reason = "no-auth"
            penalty = self._app.limiter.failed(state.ip, state.end_reason)
            if penalty:
                log_event(
                    "penalty", address=state.address, seconds=penalty, reason=state.end_reason
                )
        elif state.end_reason is None:
            state.end_reason = "client-closed" if state.authenticated else "balancer-check"
        size = f"{state.size[0]}x{state.size[1]}" if state.size else None
        log_event(
            "disconnect", address=state.address, user=state.user, auth=state.method,
            key=state.fingerprint, member=state.member, kind=state.kind, term=state.term,
            size=size, duration=monotonic() - state.started, bytes_in=state.bytes_in,
            bytes_out=state.bytes_out, exit_status=state.exit_status, reason=state.end_reason,
        )  # fmt: skip

    def _watch_auth_methods(self, conn: asyncssh.SSHServerConnection) -> None:
        """Log the login methods asyncssh refuses by itself (password always; keyboard-
        interactive under ``--no-anonymous``), once each per connection."""
        finish = getattr(conn, "_finish_userauth", None)
        if finish is None:
            return
        offered = {b"publickey", b"none"} | (
            {b"keyboard-interactive"} if self._app.allow_anonymous else set()
        )
        said: set[bytes] = set()

        def checked(begin_auth: bool, method: bytes, packet: object) -> object:
            if method not in offered and method not in said and self._state is not None:
                said.add(method)
                self._auth_failed = True
                name = vis(method.decode("ascii", "replace"), 40)
                log_event("refused", address=self._state.address, what="auth-method", method=name)
            return finish(begin_auth, method, packet)

        conn._finish_userauth = checked  # type: ignore[method-assign]

    def close(self, reason: str) -> None:
        if self._state is not None and self._state.end_reason is None:
            self._state.end_reason = reason
        if self._conn is not None:
            self._conn.disconnect(asyncssh.DISC_BY_APPLICATION, f"newsterm: {reason}")

    # authentication ----------------------------------------------------------------------

    def begin_auth(self, username: str) -> bool:
        assert self._state is not None
        self._state.user = vis(username)
        app = self._app
        if not app.members and app.allow_anonymous:
            self._auth_done("none")
            return False
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        fp = fingerprint(key)
        member = fp in self._app.members
        if not member and not self._app.allow_anonymous:
            self._auth_failed = True
            if not self._logged_key_refusal and self._state is not None:
                self._logged_key_refusal = True
                log_event("refused", address=self._state.address, what="key", key=fp)
            return False
        self._key_fp, self._key_member = fp, member
        return True

    def kbdint_auth_supported(self) -> bool:
        # Readers without any key get in as anonymous, with no prompt at all.
        return self._app.allow_anonymous

    def get_kbdint_challenge(self, username: str, lang: str, submethods: str) -> bool:
        self._key_fp, self._key_member = None, False
        return self._app.allow_anonymous

    def password_auth_supported(self) -> bool:
        return False

    def auth_completed(self) -> None:
        if self._state is not None and not self._state.authenticated:
            if self._key_fp is not None:
                self._auth_done("publickey", self._key_fp, self._key_member)
            else:
                self._auth_done("keyboard-interactive")

    def _auth_done(self, method: str, fp: str | None = None, member: bool = False) -> None:
        state = self._state
        assert state is not None
        state.authenticated = True
        state.method = method
        state.fingerprint = fp
        state.member = member
        log_event(
            "auth", address=state.address, user=state.user, method=method, key=fp,
            member=member,
        )  # fmt: skip
        # Logged in: from now on the connection counts as a session, not as a start-up.
        if self._slot == "unauthenticated":
            self._slot = None
            reason = self._app.limiter.authenticated(state.ip)
            if reason is not None:
                state.end_reason = f"refused-{reason}"
                log_event("refused", address=state.address, what="session", reason=reason)
                conn = self._conn
                if conn is not None:
                    asyncio.get_running_loop().call_soon(
                        conn.disconnect, asyncssh.DISC_TOO_MANY_CONNECTIONS, f"newsterm: {reason}"
                    )
                return
            self._slot = "session"

    # what a client may open --------------------------------------------------------------

    def session_requested(self) -> ServedSession | bool:
        state = self._state
        assert state is not None
        if self._app.closing:
            return False
        state.sessions_opened += 1
        if state.sessions_opened > 1:
            log_event("refused", address=state.address, what="second-session")
            return False
        return ServedSession(state)

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int):
        self._refused("port-forward-local")
        raise asyncssh.ChannelOpenError(
            asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED, "newsterm: forwarding is disabled"
        )

    def server_requested(self, listen_host: str, listen_port: int):
        self._refused("port-forward-remote")
        return False

    def unix_connection_requested(self, dest_path: str):
        self._refused("unix-forward-local")
        raise asyncssh.ChannelOpenError(
            asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED, "newsterm: forwarding is disabled"
        )

    def unix_server_requested(self, listen_path: str):
        self._refused("unix-forward-remote")
        return False

    def _refused(self, what: str) -> None:
        if self._state is not None:
            log_event("refused", address=self._state.address, what=what)


async def _serve(args: argparse.Namespace, app: ServerApp, host_key: asyncssh.SSHKey) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    limits = app.limits
    ssh_options: dict = dict(
        server_host_keys=[host_key],
        encoding=None,
        line_editor=False,
        allow_pty=True,
        agent_forwarding=False,
        x11_forwarding=False,
        allow_scp=False,
        sftp_factory=None,
        public_key_auth=True,
        kbdint_auth=app.allow_anonymous,
        password_auth=False,
        host_based_auth=False,
        gss_host=None,
        gss_kex=False,
        gss_auth=False,
        login_timeout=limits.login_timeout or None,
        keepalive_interval=60,
        keepalive_count_max=3,
        rdns_lookup=False,
        config=None,
    )  # fmt: skip
    try:
        if app.proxy_trusted:
            server: Any = await ProxiedListener.start(app, args.host, args.port, ssh_options)
        else:
            server = await asyncssh.listen(
                args.host, args.port, server_factory=app.make_connection, reuse_address=True,
                **ssh_options,
            )  # fmt: skip
    except OSError as err:
        raise ServeError(f"cannot listen on {args.host}:{args.port}: {err.strerror}") from None
    port = server.sockets[0].getsockname()[1] if server.sockets else args.port
    fp = fingerprint(host_key)
    log_event("listening", host=args.host, port=port, fingerprint=fp, archive=str(app.root))
    print(
        f"newsterm serve: listening on {args.host}:{port}  host key {fp}  archive {app.root}",
        flush=True,
    )
    app.start_fork_server()
    indexing = asyncio.ensure_future(app.indexer.run(stop))
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=INDEX_CHECK_EVERY)
            app.limiter.prune()
            app.reap_strays()
            if app.index_ready.is_set() and not index_present(app.index_dir):
                # Deleted under the server (a cleaned cache): the only writer rebuilds it.
                log_event("index", status="missing")
                app.indexer.request()
    finally:
        stop.set()
        await _shutdown(app, server)
        # A sync in progress finishes in its thread (Whoosh commits are atomic); do not wait long.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(indexing), timeout=2)
    return 0


class ProxiedListener:
    """The listening socket when a load balancer sends PROXY headers (``--proxy-protocol-from``).

    Each accepted connection's header is read first (trusted addresses must send one; anyone
    else's is refused), then the socket is handed to asyncssh with the client's real address.
    """

    def __init__(self, app: ServerApp, sock: socket.socket, ssh_options: dict) -> None:
        self._app = app
        self._ssh_options = ssh_options
        self.sockets = [sock]
        self._tasks: set[asyncio.Task] = set()
        self._accepting = asyncio.ensure_future(self._accept())

    @classmethod
    async def start(
        cls, app: ServerApp, host: str, port: int, ssh_options: dict
    ) -> ProxiedListener:
        sock = socket.create_server((host, port), backlog=100, reuse_port=False)
        sock.setblocking(False)
        return cls(app, sock, ssh_options)

    async def _accept(self) -> None:
        loop = asyncio.get_running_loop()
        listening = self.sockets[0]
        while True:
            try:
                sock, addr = await loop.sock_accept(listening)
            except asyncio.CancelledError:
                raise
            except OSError:
                await asyncio.sleep(0.05)  # out of descriptors: do not spin
                continue
            task = asyncio.ensure_future(self._handle(sock, (str(addr[0]), int(addr[1]))))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _handle(self, sock: socket.socket, addr: tuple[str, int]) -> None:
        app = self._app
        peer: tuple[str, int] | None = addr
        try:
            if is_trusted(addr[0], app.proxy_trusted):
                try:
                    told = await read_header(sock)
                except ProxyHeaderError as err:
                    log_event(
                        "refused", address=f"{addr[0]}:{addr[1]}", what="proxy-header",
                        reason=str(err),
                    )  # fmt: skip
                    sock.close()
                    return
                peer = told or addr  # LOCAL/UNKNOWN: the balancer's own (health) check
                proxied_by = f"{addr[0]}:{addr[1]}" if told else f"{addr[0]}:{addr[1]} (check)"
            else:
                if await peek_for_header(sock):
                    log_event(
                        "refused", address=f"{addr[0]}:{addr[1]}", what="proxy-header",
                        reason="untrusted-address",
                    )  # fmt: skip
                    app.limiter.failed(addr[0], "refused")
                    sock.close()
                    return
                proxied_by = None
            await asyncssh.run_server(
                sock,
                server_factory=lambda: app.make_connection(peer, proxied_by),
                **self._ssh_options,
            )
        except asyncio.CancelledError:
            with contextlib.suppress(OSError):
                sock.close()
            raise
        except Exception:  # the connection's own callbacks logged why it ended
            with contextlib.suppress(OSError):
                sock.close()

    def close(self) -> None:
        self._accepting.cancel()
        with contextlib.suppress(OSError):
            self.sockets[0].close()

    async def wait_closed(self) -> None:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._accepting


async def _shutdown(app: ServerApp, server: Any) -> None:
    """Stop listening, tell every session, end and reap every child, close connections."""
    app.closing = True
    log_event("stopping", sessions=len(app.sessions), children=len(app.children))
    server.close()
    if app.forkserver is not None:
        app.forkserver.close()  # sessions still waiting for a reader are ended below
    for session in list(app.sessions):
        session.stop("server-shutdown", "the server is shutting down")
    deadline = monotonic() + SHUTDOWN_GRACE
    while (app.children or app.sessions) and monotonic() < deadline:
        await asyncio.sleep(0.05)
    for proc in list(app.children):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            proc.wait(timeout=2)
        app.children.discard(proc)
    for conn in list(app.connections):
        conn.close("server-shutdown")
    with contextlib.suppress(Exception):
        await asyncio.wait_for(server.wait_closed(), timeout=2)
    await asyncio.sleep(0.1)  # let the disconnect messages go out
    log_event("stopped")


def run_server(args: argparse.Namespace) -> int:
    """Run ``newsterm serve`` in the foreground until SIGTERM/SIGINT; returns the exit status."""
    limits = Limits.from_args(args)
    problems = limits.problems()
    if problems:
        raise ServeError(problems[0])
    root = resolve_archive(getattr(args, "archive", None))
    index_arg = getattr(args, "index_dir", None)
    index_dir = Path(index_arg).expanduser().resolve() if index_arg else index_dir_for(root)
    members: set[str] = set()
    if args.authorized_keys:
        members = read_authorized_keys(args.authorized_keys)
    allow_anonymous = not args.no_anonymous
    if not allow_anonymous and not members:
        raise ServeError("--no-anonymous needs --authorized-keys with at least one key")
    host_key, key_path, created = load_or_create_host_key(getattr(args, "host_key", None))
    if created:
        log_event("host-key-created", path=str(key_path), fingerprint=fingerprint(host_key))

    async def main() -> int:
        fork_server = getattr(args, "fork_server", True) is not False
        if getattr(args, "warm", None) == 0:  # the option it replaced: --warm 0 was "none"
            fork_server = False
        app = ServerApp(
            root, index_dir, limits, members, allow_anonymous, fork_server,
            penalty_exempt=app_exempt, proxy_trusted=trusted,
        )  # fmt: skip
        return await _serve(args, app, host_key)

    try:
        trusted = parse_trusted(getattr(args, "proxy_protocol_from", None))
    except ValueError as err:
        raise ServeError(f"--proxy-protocol-from: {err}") from None
    app_exempt = frozenset(
        a.strip() for a in (getattr(args, "penalty_exempt", None) or "").split(",") if a.strip()
    )

    return asyncio.run(main())
