"""End to end: ``newsterm serve`` driven by the real OpenSSH client (and tmux for screens).

One server runs for the whole module (on 127.0.0.1, a free port the server picks itself); tests
that need other settings start their own short-lived one. Every wait is bounded in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsterm.ssh.pty_child import get_winsize

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which("ssh") and shutil.which("tmux") and shutil.which("ssh-keygen")),
        reason="needs the OpenSSH client and tmux",
    ),
]

POSTS = {
    "2024-05-03-gamma.md": ("Gamma ssh post", "2024-05-03", "Third words about zebras."),
    "2024-05-02-beta.md": ("Beta ssh post", "2024-05-02", "Second words about quokkas."),
    "2024-05-01-alpha.md": ("Alpha ssh post", "2024-05-01", "First words about pangolins."),
}
TITLES = [t for t, _, _ in POSTS.values()]


def wait_for(
    pred: Callable[[], object],
    timeout: float,
    step: float = 0.1,
    show: Callable[[], str] | None = None,
) -> object:
    """Poll ``pred`` until it returns something true or ``timeout`` passes (then fail).

    ``show`` describes the state on failure (for instance the terminal's screen).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            extra = f"\n{show()}" if show else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {pred}{extra}")
        time.sleep(step)


def make_archive(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, (title, date, body) in POSTS.items():
        (root / name).write_text(
            f"---\ntitle: {title}\ndate: {date}\ncategories: [test]\n---\n\n{body}\n",
            encoding="utf-8",
        )
    return root


def keygen(path: Path) -> Path:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
        check=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    return path


def children_of(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def proc_state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def proc_environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.decode().split("=", 1) for item in raw.split(b"\0") if b"=" in item)


def proc_cmdline(pid: int) -> list[str]:
    return [a.decode() for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]


@dataclass
class Server:
    proc: subprocess.Popen[str]
    port: int
    fingerprint: str
    log_path: Path
    env: dict[str, str]
    home: Path

    def log(self) -> list[dict]:
        lines = self.log_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def events(self, event: str) -> list[dict]:
        return [r for r in self.log() if r["event"] == event]

    def readers(self) -> list[int]:
        return [p for p in children_of(self.proc.pid) if "read" in proc_cmdline_safe(p)]

    def zygotes(self) -> set[int]:
        """Every fork server (zygote) the server started."""
        return {r["pid"] for r in self.events("fork-server") if r.get("status") == "started"}

    def others(self) -> list[int]:
        """Children that are neither a reader nor the fork server."""
        zygotes = self.zygotes()
        return [p for p in children_of(self.proc.pid) if p not in zygotes]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        return self.proc.returncode


def proc_cmdline_safe(pid: int) -> list[str]:
    try:
        return proc_cmdline(pid)
    except OSError:
        return []


def server_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "NEWSTERM"))}
    for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        env[var] = str(home / var.lower())
    return env


def start_server(home: Path, archive: Path, *extra: str, expect_fail: bool = False) -> Server:
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / f"server-{time.monotonic_ns()}.log"
    env = server_env(home)
    argv = [
        sys.executable, "-m", "newsterm", "serve", "--archive", str(archive),
        "--host", "127.0.0.1", "--port", "0", *extra,
    ]  # fmt: skip
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, env=env, text=True
        )
    if expect_fail:
        proc.wait(timeout=30)
        return Server(proc, 0, "", log_path, env, home)
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    line = proc.stdout.readline() if ready else ""
    match = re.search(r"listening on 127\.0\.0\.1:(\d+)\s+host key (SHA256:\S+)", line)
    if not match:
        proc.kill()
        proc.wait(timeout=5)
        raise AssertionError(f"server did not start: {line!r}\n{log_path.read_text()}")
    return Server(proc, int(match.group(1)), match.group(2), log_path, env, home)


@dataclass
class Client:
    server: Server
    key: Path
    known_hosts: Path

    def opts(self, key: Path | None = None) -> list[str]:
        return [
            "-F", "/dev/null", "-p", str(self.server.port),
            "-o", f"UserKnownHostsFile={self.known_hosts}",
            "-o", "StrictHostKeyChecking=accept-new", "-o", "BatchMode=yes",
            "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10",
            "-i", str(key or self.key),
        ]  # fmt: skip

    def ssh(
        self, *args: str, key: Path | None = None, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ssh", *self.opts(key), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def ssh_argv(self, *args: str, key: Path | None = None) -> list[str]:
        return ["ssh", *self.opts(key), *args]


class Tmux:
    """A private tmux server (its own socket) running one command in a sized window."""

    def __init__(self, tmp: Path, name: str) -> None:
        self.sock = str(tmp / f"tmux-{name}.sock")
        self.name = name

    def run(self, *args: str, check: bool = True) -> str:
        res = subprocess.run(
            ["tmux", "-S", self.sock, "-f", "/dev/null", *args],
            capture_output=True, text=True, timeout=15, check=check,
        )  # fmt: skip
        return res.stdout

    def start(self, command: str, cols: int = 100, rows: int = 30) -> None:
        self.run("new-session", "-d", "-s", self.name, "-x", str(cols), "-y", str(rows), command)

    def screen(self, escapes: bool = False) -> list[str]:
        args = ["capture-pane", "-p", "-t", self.name] + (["-e"] if escapes else [])
        return self.run(*args).split("\n")

    def text(self) -> str:
        return "\n".join(self.screen())

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.name, *keys)

    def kill(self) -> None:
        self.run("kill-server", check=False)


def shell_quote(argv: list[str]) -> str:
    import shlex

    return " ".join(shlex.quote(a) for a in argv)


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("ssh")
    archive = make_archive(tmp / "archive")
    member = keygen(tmp / "member")
    stranger = keygen(tmp / "stranger")
    ak = tmp / "authorized_keys"
    ak.write_text((tmp / "member.pub").read_text())
    server = start_server(
        tmp / "home", archive, "--authorized-keys", str(ak),
        "--max-per-ip", "60", "--rate-per-ip", "1000", "--per-source-max-startups", "60",
    )  # fmt: skip
    client = Client(server, member, tmp / "known_hosts")
    try:
        yield {
            "tmp": tmp, "archive": archive, "member": member, "stranger": stranger, "ak": ak,
            "server": server, "client": client,
        }  # fmt: skip
    finally:
        rc = server.stop()
        assert rc == 0, server.log_path.read_text()


@pytest.fixture
def tmux(world: dict, request: pytest.FixtureRequest) -> Iterator[Tmux]:
    t = Tmux(world["tmp"], re.sub(r"\W", "", request.node.name)[:30])
    yield t
    t.kill()


def lead_style(line: str) -> str:
    """The escape sequences before a screen row's first character (its selection style)."""
    match = re.match(r"(?:\x1b\[[0-9;:]*m)*", line)
    return match.group(0) if match else ""


def wait_titles(t: Tmux, timeout: float = 60) -> str:
    return wait_for(
        lambda: all(title in t.text() for title in TITLES) and t.text(), timeout, show=t.text
    )


def wait_full_screen(t: Tmux, rows: int, timeout: float = 60, titles: bool = True) -> list[str]:
    """The screen once the status line, the key bar on the last row and (``titles``) the titles
    show. A member may come back to an open post on a narrow screen, hence ``titles=False``."""

    def full() -> list[str] | None:
        screen = t.screen()[:rows]
        text = "\n".join(screen)
        if len(screen) < rows or not screen[-1].strip() or "newsterm" not in screen[0]:
            return None
        if titles and not all(x in text for x in TITLES):
            return None
        return screen

    return wait_for(full, timeout, show=t.text)


# -- tests ------------------------------------------------------------------------------------


def test_first_screen_keys_resize_and_quit(world, tmux):
    client: Client = world["client"]
    argv = client.ssh_argv("-tt", "127.0.0.1")
    tmux.start(f"{shell_quote(argv)}; echo SSH-EXIT=$?; sleep 60", 100, 30)
    # The first full screen: titles, and the key bar on the last of the 30 rows.
    plain = wait_full_screen(tmux, 30)
    rows = tmux.screen(escapes=True)
    # The newest post is first and selected; `j` moves the selection down one row.
    first = next(i for i, line in enumerate(plain) if TITLES[0] in line)
    second = next(i for i, line in enumerate(plain) if TITLES[1] in line)
    assert first < second
    before = (rows[first], rows[second])
    tmux.keys("j")

    def moved() -> bool:
        now = tmux.screen(escapes=True)
        a, b = lead_style(now[first]), lead_style(now[second])
        return a != b and (a, b) == (lead_style(before[1]), lead_style(before[0]))

    wait_for(moved, 60, show=tmux.text)
    # Resize: the reader redraws at the new size (its bottom line moves to the new last row).
    footer = plain[29]
    word = footer.split()[1] if len(footer.split()) > 1 else footer.split()[0]
    # Open the selected post, then resize: the whole layout (not just the key bar) must follow,
    # so the post's title has to show again inside the new, smaller width.
    tmux.keys("Enter")
    wait_for(lambda: tmux.text().count(TITLES[1]) >= 2, 60, show=tmux.text)
    tmux.run("resize-window", "-t", tmux.name, "-x", "70", "-y", "20")

    def redrawn_small() -> bool:
        screen = tmux.screen()
        return len(screen) >= 20 and word in screen[19] and TITLES[1] in "\n".join(screen[:19])

    wait_for(redrawn_small, 60, show=tmux.text)
    tmux.run("resize-window", "-t", tmux.name, "-x", "120", "-y", "40")
    wait_for(lambda: word in tmux.screen()[39] and TITLES[0] in tmux.text(), 60, show=tmux.text)
    pid = world["server"].readers()[0]
    tty = os.readlink(f"/proc/{pid}/fd/0")
    assert tty.startswith("/dev/pts/")
    tmux.keys("q")
    wait_for(lambda: "SSH-EXIT=0" in tmux.text(), 60)
    wait_for(lambda: not world["server"].readers(), 60)


def test_reader_child_is_isolated(world, tmux):
    client: Client = world["client"]
    argv = client.ssh_argv(
        "-tt", "-o", "SetEnv=LD_PRELOAD=/tmp/evil.so TEXTUAL_DRIVER=evil:Driver "
        "PYTHONPATH=/tmp EDITOR=vim COLORTERM=truecolor LANG=ko_KR.EUC-KR",
        "127.0.0.1",
    )  # fmt: skip
    # Agent and X11 forwarding are asked for too (a live agent, a DISPLAY): both are refused.
    sock = world["tmp"] / "agent.sock"
    agent = subprocess.Popen(
        ["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(sock.exists, 60)
        tmux.start(
            f"env TERM=../../etc/x SSH_AUTH_SOCK={sock} DISPLAY=:97 "
            f"{shell_quote([argv[0], '-A', '-X', *argv[1:]])}; sleep 60",
            90, 25,
        )  # fmt: skip
        wait_full_screen(tmux, 25, titles=False)
    finally:
        agent.kill()
        agent.wait(timeout=10)
    server: Server = world["server"]
    (pid,) = wait_for(server.readers, 60)
    assert [p for p in server.others() if p != pid] == []  # no agent/X11 helpers
    env = proc_environ(pid)
    assert env["TERM"] == "xterm-256color"
    assert env["COLORTERM"] == "truecolor"
    assert env["LANG"] == "C.UTF-8"
    assert env["HOME"] == server.env["HOME"]
    assert env["XDG_DATA_HOME"] == server.env["XDG_DATA_HOME"]
    for name in env:
        assert not name.startswith(("LD_", "PYTHON", "TEXTUAL")), name
        assert name not in ("EDITOR", "PAGER", "BROWSER", "SSH_AUTH_SOCK", "DISPLAY"), name
    cmd = proc_cmdline(pid)
    assert cmd[:4] == [sys.executable, "-I", "-m", "newsterm"]
    assert "--served" in cmd
    # Members get their own state profile, named after their key.
    state = cmd[cmd.index("--state") + 1]
    assert state.startswith("member-") and re.fullmatch(r"member-[A-Za-z0-9_-]+", state)
    # Own session with the pty as controlling terminal, low priority, rlimits.
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    assert int(stat[3]) == pid  # session id: it leads its own session
    assert int(stat[4]) != 0  # tty_nr: it has a controlling terminal
    assert int(stat[16]) == 10  # nice
    limits = Path(f"/proc/{pid}/limits").read_text()
    assert re.search(r"Max address space\s+536870912\s+536870912", limits)
    assert re.search(r"Max cpu time\s+600\s+605", limits)
    tmux.kill()
    wait_for(lambda: not server.readers(), 60)


def read_beta_and_quit(tmp: Path, argv: list[str], name: str) -> str:
    """Connect, open the second post of the list, quit; returns the first screen's text."""
    t = Tmux(tmp, f"state{name}")  # its own tmux server: no race with the last one's exit
    try:
        t.start(f"{shell_quote(argv)}; echo {name}-EXIT=$?; sleep 60", 120, 30)
        first = "\n".join(wait_full_screen(t, 30))
        if first.count(TITLES[1]) < 2:  # not already open: select it and open it
            t.keys("g", "j", "Enter")
            wait_for(lambda: t.text().count(TITLES[1]) >= 2, 60, show=t.text)
        t.keys("q")
        wait_for(lambda: f"{name}-EXIT=0" in t.text(), 60, show=t.text)
    finally:
        t.kill()
    return first


def test_member_state_lasts_and_anonymous_state_does_not(world, tmp_path):
    server = start_server(
        tmp_path / "home", world["archive"], "--authorized-keys", str(world["ak"])
    )
    client = Client(server, world["member"], tmp_path / "kh")
    try:
        member = client.ssh_argv("-tt", "127.0.0.1")
        stranger = client.ssh_argv("-tt", "127.0.0.1", key=world["stranger"])
        first = read_beta_and_quit(tmp_path, member, "m1")
        assert "3 unread" in first
        # The member comes back to the post they were reading, marked read.
        again = read_beta_and_quit(tmp_path, member, "m2")
        assert again.count(TITLES[1]) >= 2 and "2 unread" in again
        # An anonymous reader's marks and position are gone when the session ends.
        read_beta_and_quit(tmp_path, stranger, "a1")
        anon = read_beta_and_quit(tmp_path, stranger, "a2")
        assert anon.count(TITLES[1]) == 1 and "3 unread" in anon
        stamps = [r for r in server.events("session") if r.get("kind") == "reader"]
        assert [r["member"] for r in stamps] == [True, True, False, False]
        auth = [r for r in server.events("auth") if r.get("member") is False]
        assert auth and all(r["method"] == "publickey" for r in auth)
        # Member state is kept in the server's data folder under the key's profile, nothing else.
        (db,) = Path(server.env["XDG_DATA_HOME"]).rglob("state.sqlite3")
        with sqlite3.connect(db) as conn:
            profiles = {row[0] for row in conn.execute("SELECT profile FROM post_state")}
        assert len(profiles) == 1 and profiles.pop().startswith("member-")
    finally:
        assert server.stop() == 0


def test_a_corrupt_state_file_does_not_lock_out_members(world, tmp_path):
    """Issue 13 item 2 on the server: every member's reader shares one state file."""
    server = start_server(
        tmp_path / "home", world["archive"], "--authorized-keys", str(world["ak"])
    )
    client = Client(server, world["member"], tmp_path / "kh")
    try:
        member = client.ssh_argv("-tt", "127.0.0.1")
        read_beta_and_quit(tmp_path, member, "c1")
        (db,) = Path(server.env["XDG_DATA_HOME"]).rglob("state.sqlite3")
        for side in db.parent.glob("state.sqlite3-*"):
            side.unlink()
        db.write_bytes(b"\x00not a database: a disk hiccup\n" * 300)
        # The member still gets the reader (one notice), and their marks are kept from now on.
        second = read_beta_and_quit(tmp_path, member, "c2")
        assert "3 unread" in second
        aside = list(db.parent.glob("state.sqlite3.corrupt-*"))
        assert len(aside) == 1 and aside[0].read_bytes().startswith(b"\x00not a database")
        third = read_beta_and_quit(tmp_path, member, "c3")
        assert third.count(TITLES[1]) >= 2 and "2 unread" in third
        assert not [r for r in server.events("disconnect") if r.get("exit_status") not in (0, None)]
    finally:
        assert server.stop() == 0


def test_archive_changes_reach_an_open_session(world, tmux, tmp_path):
    archive = make_archive(tmp_path / "archive")
    server = start_server(tmp_path / "home", archive)
    client = Client(server, world["member"], tmp_path / "kh")
    try:
        tmux.start(f"{shell_quote(client.ssh_argv('-tt', '127.0.0.1'))}; sleep 60", 120, 30)
        wait_full_screen(tmux, 30)
        wait_for(lambda: server.events("index"), 60, show=server.log_path.read_text)
        (archive / "2024-05-04-delta.md").write_text(
            "---\ntitle: Delta ssh post\ndate: 2024-05-04\n---\n\nFourth words about narwhals.\n",
            encoding="utf-8",
        )
        # The reader's list shows the new post, and the server (the index's only writer)
        # indexes it, so the open session's search finds it.
        wait_for(lambda: "Delta ssh post" in tmux.text(), 60, show=tmux.text)
        synced = lambda: [r for r in server.events("index") if r.get("status") == "synced"]  # noqa: E731
        wait_for(lambda: len(synced()) >= 2, 60, show=server.log_path.read_text)
        tmux.keys("/")
        time.sleep(0.3)
        tmux.keys("narwhals")
        found = re.compile(r"1 result.*\n.*Delta ssh post", re.S)
        wait_for(lambda: found.search(tmux.text()), 60, show=tmux.text)
        assert "narwhals" not in server.log_path.read_text()  # a reader's query is never logged
    finally:
        assert server.stop() == 0


def test_search_exec_plain_and_json(world):
    client: Client = world["client"]
    res = client.ssh("127.0.0.1", "search", "quokkas")
    assert res.returncode == 0, res.stderr
    assert "Beta ssh post" in res.stdout
    assert "Gamma ssh post" not in res.stdout
    res = client.ssh("127.0.0.1", "search", "--json", "'pangolins'")
    assert res.returncode == 0, res.stderr
    hits = json.loads(res.stdout)
    assert isinstance(hits, list) and len(hits) == 1
    assert "Alpha ssh post" in json.dumps(hits, ensure_ascii=False)
    # With a pty (ssh -t) the client's terminal expects CR LF, as a pty would send; without
    # one the output is passed on as it is.
    for flags, newline in ((["-tt"], b"\r\n"), ([], b"\n")):
        done = subprocess.run(
            client.ssh_argv(*flags, "127.0.0.1", "search", "quokkas"),
            capture_output=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, done.stderr
        text = done.stdout.replace(b"\x1b[0m", b"")  # styled under -t: the client has a terminal
        assert b"Beta ssh post" + newline in text
        assert done.stdout.count(b"\n") == done.stdout.count(newline) >= 3
        assert (b"\x1b[" in done.stdout) == bool(flags)
    # Options that would name another folder are refused, not passed on.
    res = client.ssh("127.0.0.1", "search", "--archive", "/etc", "passwd")
    assert res.returncode == 1 and "not allowed" in res.stderr
    # Queries are never logged.
    assert "quokkas" not in server_text(world) and "pangolins" not in server_text(world)


def server_text(world: dict) -> str:
    return world["server"].log_path.read_text(encoding="utf-8")


def test_everything_else_is_refused(world):
    client: Client = world["client"]
    server: Server = world["server"]
    res = client.ssh("127.0.0.1", "ls", "/")
    assert res.returncode == 1 and "only 'search" in res.stderr and res.stdout == ""
    res = client.ssh("-T", "127.0.0.1")
    assert res.returncode == 1 and "needs a terminal" in res.stderr
    res = client.ssh("-W", "127.0.0.1:22", "127.0.0.1")
    assert res.returncode == 255 and "forwarding failed" in res.stderr
    res = client.ssh("-o", "ExitOnForwardFailure=yes", "-N", "-R", "0:127.0.0.1:9", "127.0.0.1")
    assert res.returncode == 255 and "forwarding failed" in res.stderr
    sftp = subprocess.run(
        ["sftp", "-b", "-", *client.opts()[:1], "/dev/null", "-P", str(server.port),
         *client.opts()[4:], "127.0.0.1"],
        input="ls\n", capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert sftp.returncode != 0 and "subsystem request failed" in sftp.stderr
    scp = subprocess.run(
        ["scp", "-O", "-P", str(server.port), *client.opts()[4:], "127.0.0.1:/etc/hostname",
         str(world["tmp"] / "stolen")],
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert scp.returncode != 0 and not (world["tmp"] / "stolen").exists()
    # Agent forwarding is refused inside asyncssh; it still gets a refused line.
    agent = subprocess.Popen(
        ["ssh-agent", "-D", "-a", str(world["tmp"] / "agent.sock")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(lambda: (world["tmp"] / "agent.sock").exists(), 60)
        res = subprocess.run(
            ["ssh", "-A", *client.opts(), "-T", "127.0.0.1", "search", "zebras"],
            capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
            env={**os.environ, "SSH_AUTH_SOCK": str(world["tmp"] / "agent.sock")},
        )  # fmt: skip
        assert res.returncode == 0 and "Gamma" in res.stdout, res.stderr
    finally:
        agent.terminate()
        agent.wait(10)
    what = {r.get("what") for r in server.events("refused")}
    assert {"exec", "no-pty", "port-forward-local", "port-forward-remote", "subsystem"} <= what
    wait_for(lambda: "agent-forwarding" in {r.get("what") for r in server.events("refused")}, 60)


def test_a_client_without_keys_gets_in_anonymously_without_a_prompt(world):
    client: Client = world["client"]
    server: Server = world["server"]
    # First values win in ssh: no public keys at all, and keyboard-interactive allowed.
    argv = [
        "ssh", "-o", "PubkeyAuthentication=no", "-o", "BatchMode=no", *client.opts(),
        "127.0.0.1", "whoami",
    ]  # fmt: skip
    res = subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert res.returncode == 1 and "only 'search" in res.stderr  # in, and only search is allowed
    assert "assword" not in res.stderr
    last = server.events("auth")[-1]
    assert last["method"] == "keyboard-interactive" and last["member"] is False


def test_local_port_forward_is_refused(world):
    client: Client = world["client"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        lport = s.getsockname()[1]
    # ssh keeps the first value of an option: LogLevel=INFO must come before the shared ERROR.
    fwd = subprocess.Popen(
        [
            "ssh", "-o", "LogLevel=INFO", *client.opts(), "-N",
            "-L", f"{lport}:127.0.0.1:{world['server'].port}", "127.0.0.1",
        ],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:

        def try_connect() -> bytes | None:
            try:
                with socket.create_connection(("127.0.0.1", lport), timeout=5) as c:
                    c.settimeout(5)
                    return c.recv(100) or b"closed"
            except ConnectionRefusedError:
                return None
            except ConnectionResetError:
                return b"closed"

        # Through the forward no SSH banner ever arrives: the channel is refused and closed.
        assert wait_for(try_connect, 60) == b"closed"
    finally:
        fwd.kill()
        _, err = fwd.communicate(timeout=10)
    assert "prohibited" in err  # the client was told why (LogLevel=INFO for this one)
    assert any(r.get("what") == "port-forward-local" for r in world["server"].events("refused"))


ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: cursor, style, modes, queries
    rb"|\x1b[\]P_^].*?(?:\x07|\x1b\\)"  # OSC, DCS, APC, PM strings
    rb"|\x1b[ -/]*[0-~]",  # the rest: two or three bytes
    re.S,
)


def terminal_text(out: bytes) -> str:
    """The text a reader wrote to its terminal, its escape sequences left out."""
    return ESCAPES.sub(b"", out).decode("utf-8", "replace")


def reader_settled(out: bytes) -> bool:
    """The world reader's screen has come to rest: its list shows the archive's posts and its
    last status line says the server's index is up to date."""
    text = terminal_text(out)
    status = text[text.rfind("newsterm  archive") :][:100]
    rest = re.match(
        rf"newsterm  archive  ·  {len(POSTS)} posts  ·  \d+ unread  ·  up to date", status
    )
    return all(t in text for t in TITLES) and rest is not None


def test_one_session_per_connection_and_quiet_when_idle(world):
    asyncssh = pytest.importorskip("asyncssh")
    server: Server = world["server"]

    async def go() -> tuple[str, str, bytes]:
        async with asyncssh.connect(
            "127.0.0.1", server.port, known_hosts=None, username="x",
            client_keys=[str(world["stranger"])], config=None, encoding=None,
        ) as conn:  # fmt: skip
            # The first session (a reader) is open while a second is asked for on the same
            # connection (as OpenSSH's ControlMaster multiplexing would do): that one is refused.
            first = await conn.create_process(term_type="xterm", term_size=(80, 24))
            screen = await asyncio.wait_for(first.stdout.read(4096), 20)
            try:
                await conn.create_process("search zebras")
                second = "second session opened"
            except asyncssh.ChannelOpenError as err:
                second = f"refused: {err.reason}"
            # Once drawn, an idle reader sends nothing: no clock, animation or blinking cursor.
            # Its last legitimate redraws (the list filled, the index "indexing" then "up to
            # date") may come seconds late on a loaded machine: idleness is measured from the
            # settled screen, then one quiet second (the rest of that frame), on.
            out = screen
            deadline = time.monotonic() + 60
            while not reader_settled(out):
                assert time.monotonic() < deadline, terminal_text(out)[-2000:]
                with contextlib.suppress(TimeoutError):
                    out += await asyncio.wait_for(first.stdout.read(65536), 1.0)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:  # settle: wait for one quiet second
                try:
                    await asyncio.wait_for(first.stdout.read(65536), 1.0)
                except TimeoutError:
                    break
            idle = b""
            with contextlib.suppress(TimeoutError):
                idle = await asyncio.wait_for(first.stdout.read(65536), 3.0)
            first.close()
            return screen, second, idle

    screen, second, idle = asyncio.run(asyncio.wait_for(go(), 120))
    assert screen  # the first session is a working reader
    assert second.startswith("refused"), second
    assert any(r.get("what") == "second-session" for r in server.events("refused"))
    assert idle == b"", idle[:200]


def test_readers_are_forked_and_a_lost_fork_server_is_replaced(world, tmp_path):
    asyncssh = pytest.importorskip("asyncssh")
    server = start_server(tmp_path / "home", world["archive"])

    async def session(term: str) -> dict:
        opts = dict(known_hosts=None, username="x", client_keys=None, config=None, encoding=None)
        async with asyncssh.connect("127.0.0.1", server.port, **opts) as conn:
            proc = await conn.create_process(term_type=term, term_size=(100, 30))
            screen = b""
            deadline = time.monotonic() + 60
            while not all(t.encode() in screen for t in TITLES) and time.monotonic() < deadline:
                with contextlib.suppress(TimeoutError):
                    screen += await asyncio.wait_for(proc.stdout.read(65536), 1)
            (rec,) = [r for r in server.events("session") if r.get("kind") == "reader"][-1:]
            pid = rec["pid"]
            proc.change_terminal_size(90, 25)
            fd = os.open(f"/proc/{pid}/fd/0", os.O_RDWR | os.O_NOCTTY)
            try:
                size = await asyncio.to_thread(
                    wait_for, lambda: get_winsize(fd) == (90, 25) and get_winsize(fd), 60
                )
            finally:
                os.close(fd)
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            env = proc_environ(pid)
            proc.stdin.write(b"q")
            done = await asyncio.wait_for(proc.wait(check=False), 60)
            return {
                "titles": all(t.encode() in screen for t in TITLES),
                "start": rec.get("start"),
                "pid": pid,
                "parent": int(stat[1]),
                "size": size,
                "leader": int(stat[3]) == pid and int(stat[4]) != 0,
                "term": env.get("TERM"),
                "status": done.exit_status,
            }

    def zygote_ready() -> int | None:
        ready = [r["pid"] for r in server.events("fork-server") if r.get("status") == "ready"]
        return ready[-1] if ready else None

    try:
        first_zygote = wait_for(zygote_ready, 60)
        # A session gets a reader forked by the zygote: the server's own child, on its pty, in
        # its own session, with the environment the client's terminal asked for.
        one = asyncio.run(asyncio.wait_for(session("xterm"), 180))
        assert one["start"] == "fork" and one["titles"] and one["status"] == 0, one
        assert one["parent"] == server.proc.pid and one["leader"] and one["size"] == (90, 25)
        assert one["term"] == "xterm"
        # The zygote hangs: a session waits for it 3 s at most, then gets a reader started the
        # usual way; the server says so, ends the hung zygote and starts another, which forks
        # the next session's reader again.
        os.kill(first_zygote, signal.SIGSTOP)
        t0 = time.monotonic()
        two = asyncio.run(asyncio.wait_for(session("xterm-256color"), 180))
        assert two["start"] == "spawn" and two["titles"] and two["status"] == 0, two
        assert time.monotonic() - t0 < 40
        (lost,) = [r for r in server.events("fork-server") if r["status"] == "lost"]
        assert lost["pid"] == first_zygote and lost["fallback"] == "spawn"
        assert "no answer" in lost["reason"] and lost["waiting"] == 1
        wait_for(lambda: zygote_ready() not in (None, first_zygote), 60)
        assert proc_state(first_zygote) is None  # killed and reaped
        # Killed outright, the zygote is replaced the same way (and no session notices).
        second_zygote = zygote_ready()
        os.kill(second_zygote, signal.SIGKILL)
        wait_for(lambda: zygote_ready() not in (None, first_zygote, second_zygote), 60)
        three = asyncio.run(asyncio.wait_for(session("xterm-256color"), 180))
        assert three["start"] == "fork" and three["titles"] and three["status"] == 0, three
        assert server.proc.poll() is None
        zygotes = server.zygotes()
        assert len(zygotes) == 3
    finally:
        assert server.stop() == 0
    assert all(proc_state(p) is None for p in zygotes)  # all ended and reaped at shutdown


def test_no_fork_server_starts_each_reader_as_a_new_python(world, tmp_path):
    server = start_server(tmp_path / "home", world["archive"], "--no-fork-server")
    client = Client(server, world["member"], tmp_path / "kh")
    t = Tmux(tmp_path, "nofork")
    try:
        t.start(f"{shell_quote(client.ssh_argv('-tt', '127.0.0.1'))}; sleep 60", 100, 30)
        wait_full_screen(t, 30)
        (pid,) = server.readers()
        assert proc_cmdline(pid)[:4] == [sys.executable, "-I", "-m", "newsterm"]
        (rec,) = server.events("session")
        assert rec["start"] == "spawn" and rec["pid"] == pid
        assert not server.events("fork-server") and server.others() == [pid]
        t.keys("q")
        wait_for(lambda: not server.readers(), 60)
    finally:
        t.kill()
        assert server.stop() == 0


def test_abrupt_disconnects_leave_no_child(world):
    client: Client = world["client"]
    server: Server = world["server"]
    clients = [
        subprocess.Popen(
            client.ssh_argv("-tt", "127.0.0.1"),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(20)
    ]
    try:
        wait_for(lambda: len(server.readers()) >= 20, 120, 0.25)
    finally:
        for c in clients:
            c.kill()
        for c in clients:
            c.wait(timeout=10)
    wait_for(lambda: not server.others(), 60, 0.25)
    assert server.proc.poll() is None
    assert not [p for p in children_of(server.proc.pid) if proc_state(p) == "Z"]  # all reaped
    ends = [r for r in server.events("disconnect") if r.get("reason") == "client-closed"]
    assert len(ends) >= 20


def test_log_lines_describe_connections(world):
    server: Server = world["server"]
    records = server.log()
    assert records[0]["event"] in ("listening", "host-key-created")
    disc = [r for r in records if r["event"] == "disconnect" and r.get("kind") == "reader"]
    assert disc
    for key in ("time", "address", "user", "auth", "duration", "bytes_in", "bytes_out", "reason"):
        assert key in disc[0], key
    assert any("term" in r and "size" in r for r in disc)
    assert any(r.get("key", "").startswith("SHA256:") for r in disc)


def test_host_key_is_kept_and_fingerprint_printed(world, tmp_path):
    server: Server = world["server"]
    pub = Path(server.env["XDG_DATA_HOME"]) / "newsterm" / "ssh" / "ssh_host_ed25519_key.pub"
    shown = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(pub)], capture_output=True, text=True, timeout=10
    ).stdout
    assert server.fingerprint in shown
    # The client recorded exactly this key.
    world["client"].ssh("127.0.0.1", "whoami")  # (accept-new writes it on first contact)
    known = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(world["tmp"] / "known_hosts")],
        capture_output=True, text=True, timeout=10,
    ).stdout  # fmt: skip
    assert server.fingerprint in known
    # A second server on the same user folders reuses the key.
    again = start_server(server.home, world["archive"], "--max-sessions", "1")
    try:
        assert again.fingerprint == server.fingerprint
    finally:
        again.proc.send_signal(signal.SIGINT)  # Ctrl+C stops it as cleanly as SIGTERM
        assert again.proc.wait(timeout=15) == 0
        assert again.events("stopped")
    # A corrupt key is an error, not a silent replacement.
    home = tmp_path / "corrupt"
    keydir = Path(server_env(home)["XDG_DATA_HOME"]) / "newsterm" / "ssh"
    keydir.mkdir(parents=True)
    (keydir / "ssh_host_ed25519_key").write_text("garbage\n")
    os.chmod(keydir / "ssh_host_ed25519_key", 0o600)
    bad = start_server(home, world["archive"], expect_fail=True)
    assert bad.proc.returncode == 2
    err = bad.log_path.read_text()
    assert "host key" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert (keydir / "ssh_host_ed25519_key").read_text() == "garbage\n"


def _try_unoffered_methods(port: int) -> str:
    """Log in with password and keyboard-interactive even though the server offers neither."""
    import asyncssh
    from asyncssh.connection import SSHClientConnection
    from asyncssh.packet import Boolean, NameList, SSHPacket

    handlers = SSHClientConnection._packet_handlers  # dispatch table: pkttype -> function
    failure = 51  # MSG_USERAUTH_FAILURE
    real = handlers[failure]

    def pretend(self, pkttype, pktid, packet):
        packet.get_namelist()
        packet.get_boolean()
        offered = [b"password", b"keyboard-interactive"]
        return real(self, pkttype, pktid, SSHPacket(NameList(offered) + Boolean(False)))

    async def go() -> str:
        handlers[failure] = pretend
        try:
            async with asyncssh.connect(
                "127.0.0.1", port, known_hosts=None, username="x", client_keys=None,
                password="guess", config=None, preferred_auth=["keyboard-interactive", "password"],
                kbdint_auth=True,
            ):  # fmt: skip
                return "admitted"
        except (asyncssh.PermissionDenied, asyncssh.DisconnectError, OSError):
            return "refused"
        finally:
            handlers[failure] = real

    return asyncio.run(asyncio.wait_for(go(), 30))


def test_no_anonymous_refuses_unlisted_keys(world, tmp_path):
    server = start_server(
        tmp_path / "home", world["archive"], "--authorized-keys", str(world["ak"]),
        "--no-anonymous",
    )  # fmt: skip
    try:
        client = Client(server, world["member"], tmp_path / "kh")
        res = client.ssh("127.0.0.1", "whoami", key=world["stranger"])
        assert res.returncode == 255 and "Permission denied" in res.stderr
        assert "only 'search" not in res.stderr  # never got as far as a session
        # The listed key gets in (its exec request reaches the allow-list and is answered).
        res = client.ssh("127.0.0.1", "whoami")
        assert res.returncode == 1 and "only 'search" in res.stderr
        # A client that tries password and keyboard-interactive anyway (never offered here):
        # asyncssh refuses them by itself, and each gets a refused line.
        assert _try_unoffered_methods(server.port) == "refused"
        refused = server.events("refused")
        assert any(r["what"] == "key" for r in refused)
        methods = {r.get("method") for r in refused if r["what"] == "auth-method"}
        assert methods == {"password", "keyboard-interactive"}, refused
        auth = server.events("auth")
        assert [r["member"] for r in auth] == [True]
        assert auth[0]["method"] == "publickey" and auth[0]["key"].startswith("SHA256:")
    finally:
        assert server.stop() == 0


def test_limits_and_shutdown(world, tmp_path):
    asyncssh = pytest.importorskip("asyncssh")
    server = start_server(
        tmp_path / "home", world["archive"], "--max-per-ip", "1", "--rate-per-ip", "4",
        "--idle-timeout", "3",
    )  # fmt: skip

    async def go() -> dict:
        out: dict = {}
        opts = dict(known_hosts=None, username="x", client_keys=None, config=None)
        async with asyncssh.connect("127.0.0.1", server.port, **opts) as conn:
            t0 = time.monotonic()
            proc = await conn.create_process(term_type="xterm", term_size=(1000, 1000))
            (pid,) = await asyncio.to_thread(wait_for, lambda: server_readers(server), 15)
            fd = os.open(f"/proc/{pid}/fd/0", os.O_RDWR | os.O_NOCTTY)
            try:
                out["size"] = get_winsize(fd)
            finally:
                os.close(fd)
            try:
                async with asyncssh.connect("127.0.0.1", server.port, **opts):
                    out["second"] = "admitted"
            except (asyncssh.Error, OSError) as err:
                out["second"] = str(err)
            done = await asyncio.wait_for(proc.wait(check=False), 20)
            out["idle_after"] = time.monotonic() - t0
            out["idle_output"] = f"{done.stdout}{done.stderr}"
            out["idle_status"] = done.exit_status
        for _ in range(2):
            async with asyncssh.connect("127.0.0.1", server.port, **opts):
                pass
        try:
            async with asyncssh.connect("127.0.0.1", server.port, **opts):
                out["fifth"] = "admitted"
        except (asyncssh.Error, OSError) as err:
            out["fifth"] = str(err)
        return out

    try:
        out = asyncio.run(asyncio.wait_for(go(), 60))
    finally:
        rc = server.stop()
    log = server.log_path.read_text()
    # A connection is refused on arrival (rate) or when it logs in (sessions per address).
    refusals = [
        r.get("reason") for r in server.events("refused") if r["what"] in ("connection", "session")
    ]
    assert out["size"] == (500, 200), out
    # The client is told why (the reason arrives unless the transport closes first under load).
    assert out["second"] != "admitted" and "too-many-from-address" in refusals, (out, log)
    # Nothing was typed: the session ends after the 3 s idle limit, and says why.
    assert "idle" in out["idle_output"] and out["idle_status"] != 0, (out, log)
    assert out["idle_after"] >= 2.9, out
    assert any(r.get("reason") == "idle-timeout" for r in server.events("disconnect")), log
    assert out["fifth"] != "admitted" and refusals[-1] == "rate-limit", (out, log)
    assert "rate-limit" in out["fifth"] or "lost" in out["fifth"].lower(), out
    assert rc == 0, log


def test_max_session_time_ends_a_busy_session(world, tmp_path):
    asyncssh = pytest.importorskip("asyncssh")
    server = start_server(tmp_path / "home", world["archive"], "--max-session-time", "2")

    async def go() -> tuple[float, str, int | None]:
        opts = dict(known_hosts=None, username="x", client_keys=None, config=None)
        async with asyncssh.connect("127.0.0.1", server.port, **opts) as conn:
            t0 = time.monotonic()
            proc = await conn.create_process(term_type="xterm", term_size=(80, 24))

            async def keep_typing() -> None:  # not idle: only the time limit can end it
                while True:
                    proc.stdin.write("j")
                    await asyncio.sleep(0.2)

            typing = asyncio.ensure_future(keep_typing())
            try:
                done = await asyncio.wait_for(proc.wait(check=False), 20)
            finally:
                typing.cancel()
            return time.monotonic() - t0, f"{done.stdout}{done.stderr}", done.exit_status

    try:
        after, output, status = asyncio.run(asyncio.wait_for(go(), 40))
    finally:
        assert server.stop() == 0
    assert 1.9 <= after < 15
    assert "time limit" in output and status != 0
    assert any(r.get("reason") == "max-session-time" for r in server.events("disconnect"))


def server_readers(server: Server) -> list[int]:
    return server.readers()


def test_sigterm_tells_sessions_and_reaps_children(world, tmp_path, tmux):
    server = start_server(tmp_path / "home", world["archive"])
    client = Client(server, world["member"], tmp_path / "kh")
    tmux.start(f"{shell_quote(client.ssh_argv('-tt', '127.0.0.1'))}; echo SSH-EXIT=$?; sleep 60")
    try:
        wait_titles(tmux)
        (pid,) = server.readers()
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=15) == 0
        wait_for(lambda: "shutting down" in tmux.text() and "SSH-EXIT=" in tmux.text(), 60)
        assert proc_state(pid) is None  # reaped, not a zombie, not orphaned
        assert server.events("stopped")
    finally:
        server.stop()


def _site_with_a_picture(root: Path) -> Path:
    """A Jekyll site whose one post shows a local picture (320x160 pixels, a sun on blue)."""
    from PIL import Image, ImageDraw

    (root / "_posts").mkdir(parents=True)
    (root / "assets").mkdir()
    (root / "_config.yml").write_text("title: t\n")
    picture = Image.new("RGB", (320, 160), (30, 60, 160))
    ImageDraw.Draw(picture).ellipse((100, 20, 220, 140), fill=(240, 200, 40))
    picture.save(root / "assets" / "sun.png")
    (root / "_posts" / "2024-06-01-sun.md").write_text(
        "---\ntitle: Sun ssh post\ndate: 2024-06-01\n---\n\n![a sun](/assets/sun.png)\n\nEnd.\n"
    )
    return root / "_posts"


def test_a_sixel_client_sees_the_picture_as_sixel_and_a_plain_one_is_told_where(tmp_path):
    """Served: a client whose terminal answers DA1 with Sixel (4) gets the image view (v, 1)
    drawn as Sixel, a row of cells per image, sized by the window's pixels its client sent (the
    reader's pty has them: no cell-size query, which xterm does not answer); one whose terminal
    answers without Sixel gets the article's placeholder and, for v 1, only where it is."""
    asyncssh = pytest.importorskip("asyncssh")
    server = start_server(tmp_path / "home", _site_with_a_picture(tmp_path / "site"))

    async def session(da1: bytes) -> bytes:
        opts = dict(known_hosts=None, username="x", client_keys=None, config=None, encoding=None)
        async with asyncssh.connect("127.0.0.1", server.port, **opts) as conn:
            size = (100, 30, 1000, 600)  # cells of 10x20 pixels
            proc = await conn.create_process(term_type="xterm-256color", term_size=size)
            out = b""

            async def until(what: bytes, timeout: float = 30) -> None:
                nonlocal out
                deadline = time.monotonic() + timeout
                while what not in out and time.monotonic() < deadline:
                    with contextlib.suppress(TimeoutError):
                        chunk = await asyncio.wait_for(proc.stdout.read(65536), 0.5)
                        if b"\x1b[c" in chunk:
                            proc.stdin.write(da1)  # the terminal's answer to DA1
                        out += chunk
                assert what in out, out[-2000:]

            await until(b"Sun ssh post")
            proc.stdin.write(b"\r")
            await until(b"[image: a sun]")
            proc.stdin.write(b"v")
            await until(b"/assets/sun.png")
            proc.stdin.write(b"1")
            await until(b"\x1b\\" if b";4;" in da1 else b"Images are not shown")
            await asyncio.sleep(0.5)
            proc.stdin.write(b"\x1bq")  # leave the view, then quit
            with contextlib.suppress(TimeoutError):
                out += await asyncio.wait_for(proc.stdout.read(65536), 2)
            proc.close()
            return out

    try:
        sixel = asyncio.run(asyncio.wait_for(session(b"\x1b[?63;1;2;4;6;9;15;16;22;28c"), 90))
        plain = asyncio.run(asyncio.wait_for(session(b"\x1b[?64;1;2;6;9;15;16;22;28c"), 90))
    finally:
        assert server.stop() == 0
    # 320x160 pixels at 10x20 per cell: 8 rows of cells, each a Sixel image 320x20 pixels.
    images = re.findall(rb'\x1bP0;1;0q"1;1;(\d+);(\d+)', sixel)
    assert images[:8] == [(b"320", b"20")] * 8, images
    assert sixel.count(b"\x1b[c") == 1 and b"\x1b[16t" not in sixel  # one question
    assert b"\xe2\x96\x80" not in sixel  # the article keeps its placeholder (no half blocks)
    assert b"\x1bP" not in plain and b"\xe2\x96\x80" not in plain
    assert b"assets/sun.png" in plain
