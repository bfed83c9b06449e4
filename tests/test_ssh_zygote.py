"""The fork server: a reader forked by the zygote is set up like a cold one, and every failure of
the zygote hands the session back (never a hang) and gets it restarted.

Each scenario runs in a forked child of the test process that makes itself a child subreaper,
as ``newsterm serve`` does (the test process itself stays as it was), and reports back as JSON.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

from newsterm.ssh import log, zygote
from newsterm.ssh.env import build_child_env
from newsterm.ssh.limits import zygote_preexec
from newsterm.ssh.zygote import ForkServer, become_subreaper, command_line_room, reap_strays

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")

LIMITS = {"memory_bytes": 512 * 1024 * 1024, "cpu_seconds": 60, "nice": 10}


def in_subreaper(scenario: Callable[[], object], timeout: float = 90) -> dict:
    """Run ``asyncio.run(scenario())`` in a forked child that is a child subreaper; returns what
    it returned, with ``log`` (the server log lines it wrote)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            os.close(read_end)
            lines = io.StringIO()
            log.set_stream(lines)
            assert become_subreaper()
            out = {"result": asyncio.run(scenario())}
        except BaseException:
            out = {"error": traceback.format_exc()}
            code = 1
        out["log"] = [json.loads(x) for x in lines.getvalue().splitlines() if x.startswith("{")]
        with os.fdopen(write_end, "w") as f:
            f.write(json.dumps(out, default=str))
        os._exit(code)
    os.close(write_end)
    data = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([read_end], [], [], 0.5)
            if ready:
                chunk = os.read(read_end, 65536)
                if not chunk:
                    break
                data += chunk
    finally:
        os.close(read_end)
        if not data:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert data, "the scenario did not finish in time"
    out = json.loads(data)
    assert "error" not in out, out["error"]
    return out


def reader_cmd(archive: Path, index_dir: Path) -> list[str]:
    return [
        sys.executable, "-I", "-m", "newsterm", "read", "--served",
        "--archive", str(archive), "--index-dir", str(index_dir),
    ]  # fmt: skip


def fork_server(cmd: list[str]) -> ForkServer:
    return ForkServer(
        build_child_env("xterm-256color", {}), zygote_preexec(512), room=command_line_room(cmd)
    )


async def until(pred: Callable[[], object], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {pred}")
        await asyncio.sleep(0.05)


async def ask(fs: ForkServer, cmd: list[str], env: dict[str, str], size=(90, 30)):
    """Send one request; the future gets ``(reader, master)`` or ``(None, None)``."""
    got: asyncio.Future = asyncio.get_running_loop().create_future()
    sent = fs.fork(cmd[4:], env, *size, LIMITS, lambda p, m: got.set_result((p, m)), cmdline=cmd)
    return sent, got


async def screen_until(master: int, needle: bytes, timeout: float = 30) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout
    while needle not in out and time.monotonic() < deadline:
        ready, _, _ = await asyncio.to_thread(select.select, [master], [], [], 0.2)
        if ready:
            try:
                out += os.read(master, 65536)
            except (BlockingIOError, OSError):
                await asyncio.sleep(0.05)
    return out


def stat_of(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    root.mkdir()
    (root / "2024-05-01-alpha.md").write_text(
        "---\ntitle: Alpha zygote post\ndate: 2024-05-01\n---\n\nWords about pangolins.\n",
        encoding="utf-8",
    )
    return root


def test_a_forked_reader_is_set_up_like_a_cold_one(archive, tmp_path):
    cmd = reader_cmd(archive, tmp_path / "index")

    async def scenario() -> dict:
        fs = fork_server(cmd)
        assert fs.start()
        env = build_child_env("xterm", {"COLORTERM": "truecolor"})
        sent, got = await ask(fs, cmd, env)
        assert sent
        proc, master = await asyncio.wait_for(got, 30)
        screen = await screen_until(master, b"Alpha zygote post")
        pid = proc.pid
        zygote_pid = fs.pid()
        zygote_fd = Path(f"/proc/{zygote_pid}/cmdline").read_bytes().split(b"\0")[4].decode()
        st = stat_of(pid)
        info = {
            "screen": screen.decode("utf-8", "replace"),
            "ppid": int(st[1]),
            "me": os.getpid(),
            "leader": int(st[3]) == pid,
            "tty": int(st[4]),
            "nice": int(st[16]),
            "limits": Path(f"/proc/{pid}/limits").read_text(),
            "environ": Path(f"/proc/{pid}/environ").read_bytes().decode(),
            "cmdline": [
                a.decode() for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a
            ],
            "fds": sorted(os.readlink(p) for p in Path(f"/proc/{pid}/fd").iterdir()),
            "zygote_socket": os.readlink(f"/proc/{zygote_pid}/fd/{zygote_fd}"),
            "sigcatch": re.search(r"SigCgt:\s+(\S+)", Path(f"/proc/{pid}/status").read_text())[1],
        }
        os.write(master, b"q")  # the reader quits as it would in any terminal
        info["status"] = await asyncio.to_thread(proc.wait, 20)
        os.close(master)
        info["reaped"] = not Path(f"/proc/{pid}").exists()
        fs.close()
        return info

    out = in_subreaper(scenario)
    info = out["result"]
    assert "Alpha zygote post" in info["screen"]  # a working reader on the pty it was handed
    assert info["ppid"] == info["me"]  # the server's own child, not the zygote's
    assert info["leader"] and info["tty"] != 0  # its own session, the pty its terminal
    assert info["nice"] == 10
    assert re.search(r"Max address space\s+536870912\s+536870912", info["limits"])
    assert re.search(r"Max cpu time\s+60\s+65", info["limits"])
    assert re.search(r"Max core file size\s+0\s+0", info["limits"])
    env = dict(x.split("=", 1) for x in info["environ"].split("\0") if "=" in x)
    assert env["TERM"] == "xterm" and env["COLORTERM"] == "truecolor"  # the session's own
    assert "NEWSTERM_ZYGOTE_ROOM" not in env and env["LANG"] == "C.UTF-8"
    assert info["cmdline"] == cmd  # what ps shows: the reader it stands for
    assert info["zygote_socket"] not in info["fds"]  # the zygote's descriptors are closed
    assert info["status"] == 0 and info["reaped"]
    events = [r for r in out["log"] if r["event"] == "fork-server"]
    assert [r["status"] for r in events[:2]] == ["started", "ready"]
    assert events[1]["threads"] == 1  # the zygote forks from one thread only


def test_a_killed_zygote_hands_waiting_sessions_back_and_is_restarted(archive, tmp_path):
    cmd = reader_cmd(archive, tmp_path / "index")

    async def scenario() -> dict:
        fs = fork_server(cmd)
        fs.start()
        await until(lambda: fs.ready, 30)
        first = fs.pid()
        # A reader forked before the zygote dies lives on: it is not the zygote's child.
        _, got0 = await ask(fs, cmd, build_child_env("xterm", {}))
        live, live_master = await asyncio.wait_for(got0, 30)
        await screen_until(live_master, b"Alpha zygote post")
        os.kill(first, signal.SIGSTOP)  # the request stays unanswered ...
        sent, got = await ask(fs, cmd, build_child_env("xterm", {}))
        os.kill(first, signal.SIGKILL)  # ... until the zygote dies
        t0 = time.monotonic()
        handed_back = await asyncio.wait_for(got, 10)
        after = time.monotonic() - t0
        # No zygote for a moment: a session asks and is told to start its reader itself.
        refused, _ = await ask(fs, cmd, build_child_env("xterm", {}))
        await until(lambda: fs.ready and fs.pid() != first, 30)
        # The new zygote serves sessions again.
        sent2, got2 = await ask(fs, ["", "", "", "", "--version"], build_child_env("xterm", {}))
        proc, master = await asyncio.wait_for(got2, 30)
        out = await screen_until(master, b"\n", 20)
        code = await asyncio.to_thread(proc.wait, 20)
        os.close(master)
        os.write(live_master, b"q")
        live_code = await asyncio.to_thread(live.wait, 20)
        os.close(live_master)
        fs.close()
        return {
            "sent": sent, "handed_back": handed_back == (None, None), "after": after,
            "refused": refused, "first_gone": not Path(f"/proc/{first}").exists(),
            "second": fs.pid(), "sent2": sent2, "out": out.decode(), "code": code,
            "live_code": live_code,
        }  # fmt: skip

    out = in_subreaper(scenario)
    r = out["result"]
    assert r["sent"] and r["handed_back"] and r["after"] < 5
    assert r["refused"] is False  # no zygote: the caller starts the reader the usual way
    assert r["first_gone"]  # killed and reaped, no zombie
    assert r["sent2"] and "newsterm" in r["out"] and r["code"] == 0
    assert r["live_code"] == 0  # the reader forked before the zygote died quit normally
    lost = [x for x in out["log"] if x.get("status") == "lost"]
    assert len(lost) == 1 and lost[0]["waiting"] == 1 and lost[0]["fallback"] == "spawn"
    started = [x for x in out["log"] if x.get("status") == "started"]
    assert len(started) == 2


def test_a_zygote_that_stops_answering_is_replaced(archive, tmp_path, monkeypatch):
    cmd = reader_cmd(archive, tmp_path / "index")
    monkeypatch.setattr(zygote, "ANSWER_TIMEOUT", 0.5)

    async def scenario() -> dict:
        fs = fork_server(cmd)
        fs.start()
        await until(lambda: fs.ready, 30)
        hung = fs.pid()
        os.kill(hung, signal.SIGSTOP)
        t0 = time.monotonic()
        sent, got = await ask(fs, cmd, build_child_env("xterm", {}))
        answer = await asyncio.wait_for(got, 10)
        waited = time.monotonic() - t0
        await until(lambda: fs.ready and fs.pid() != hung, 30)
        fs.close()
        return {
            "sent": sent, "answer": answer == (None, None), "waited": waited,
            "hung_gone": not Path(f"/proc/{hung}").exists(),
        }  # fmt: skip

    out = in_subreaper(scenario)
    r = out["result"]
    assert r["sent"] and r["answer"] and 0.4 < r["waited"] < 5 and r["hung_gone"]
    (lost,) = [x for x in out["log"] if x.get("status") == "lost"]
    assert "no answer" in lost["reason"]


def test_a_busy_zygote_that_answers_others_keeps_its_waiting_sessions():
    """30 visitors at once on a loaded machine: the zygote answers late but answers. Only a
    zygote that has answered nothing for the whole wait is replaced (and its sessions handed
    back to be started from nothing)."""

    wait = 1.0  # the answer time (ANSWER_TIMEOUT, 3 s in service, shortened)

    async def scenario() -> tuple[list[str], float]:
        fs = ForkServer({}, lambda: None)
        lost: list[tuple[str, float]] = []
        fs._lost = lambda reason: lost.append((reason, time.monotonic()))  # type: ignore[method-assign]
        loop = asyncio.get_running_loop()
        handed: list[object] = []
        timer = loop.call_later(100, lambda: None)
        fs._pending[7] = zygote._Pending(-1, lambda p, m: handed.append(p), timer)
        answered = fs._last_answer = time.monotonic()  # it has just answered another session
        fs._timed_out(7, wait)
        assert lost == [] and 7 in fs._pending  # busy, not hung: the session waits on
        # and then nothing more from it for the whole wait (however late the loop runs)
        await until(lambda: lost, 30)
        fs._pending[7].timer.cancel()
        return [reason for reason, _ in lost], lost[0][1] - answered

    lost, after = asyncio.run(scenario())
    assert len(lost) == 1 and "no answer" in lost[0]
    assert after >= wait  # replaced only once it has answered nothing for the whole wait


def test_a_zygote_reading_a_catalog_for_a_request_is_given_the_starting_time(monkeypatch):
    # The starting time (15 s in service) is shortened, yet kept well past the answer time
    # (0.3 s here): a loop that wakes late from its 0.4 s sleep is still within it.
    starting = 2.0
    monkeypatch.setattr(zygote, "STARTING_TIMEOUT", starting)

    async def scenario() -> tuple[list[str], list[str], float]:
        fs = ForkServer({}, lambda: None)
        lost: list[tuple[str, float]] = []
        fs._lost = lambda reason: lost.append((reason, time.monotonic()))  # type: ignore[method-assign]
        loop = asyncio.get_running_loop()
        timer = loop.call_later(100, lambda: None)
        fs._pending[7] = zygote._Pending(-1, lambda p, m: None, timer)
        answered = time.monotonic()
        fs._answer(json.dumps({"busy": 7}).encode())  # "reading the catalog first"
        await asyncio.sleep(0.4)
        fs._timed_out(7, 0.3)  # past the answer time, within the starting time
        during = [reason for reason, _ in lost]
        await until(lambda: lost, 30)  # nothing more: now it is hung
        fs._pending[7].timer.cancel()
        return during, [reason for reason, _ in lost], lost[0][1] - answered

    during, lost, after = asyncio.run(scenario())
    assert during == []
    assert len(lost) == 1 and "no answer" in lost[0]
    assert after >= starting  # not before the starting time is over


STAND_IN_SERVER = """
import asyncio, os, sys
from newsterm.ssh.env import build_child_env
from newsterm.ssh.limits import zygote_preexec
from newsterm.ssh.zygote import ForkServer

async def main():
    fs = ForkServer(build_child_env("xterm-256color", {}), zygote_preexec(512))
    fs.start()
    while not fs.ready:
        await asyncio.sleep(0.05)
    print(fs.pid(), flush=True)
    os._exit(0)  # abruptly: no close(), no shutdown

asyncio.run(main())
"""


def test_the_zygote_dies_with_the_server():
    async def scenario() -> dict:
        server = await asyncio.create_subprocess_exec(
            sys.executable, "-c", STAND_IN_SERVER, stdout=asyncio.subprocess.PIPE
        )
        said = await asyncio.wait_for(server.stdout.readline(), 60)
        await server.wait()
        pid = int(said)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            reap_strays(())  # (it was re-parented to us, the subreaper: reap it)
            if not Path(f"/proc/{pid}").exists():
                return {"gone": True}
            await asyncio.sleep(0.05)
        return {"gone": False}

    assert in_subreaper(scenario)["result"]["gone"]


def test_reap_strays_takes_only_orphans_it_did_not_start():
    async def scenario() -> dict:
        # An orphan: a middle process starts a grandchild in its own session and leaves at
        # once (os._exit: nothing reaps the grandchild, which outlives it).
        middle = subprocess.Popen(
            [sys.executable, "-c", "import os, subprocess; subprocess.Popen(['sleep', '0.3'], "
             "start_new_session=True); os._exit(0)"],
        )  # fmt: skip
        middle.wait(timeout=20)
        # One of our own, also finished, that someone waits for.
        ours = subprocess.Popen(["true"], start_new_session=True)
        deadline = time.monotonic() + 60
        reaped: list[int] = []
        while time.monotonic() < deadline and not reaped:
            await asyncio.sleep(0.05)
            reaped += reap_strays({ours.pid})
        return {"reaped": reaped, "ours": ours.pid, "ours_code": ours.wait(timeout=10)}

    r = in_subreaper(scenario)["result"]
    assert len(r["reaped"]) == 1 and r["ours"] not in r["reaped"]
    assert r["ours_code"] == 0  # still there for its own wait()


LATE_IMPORTS = """
import os, select, sys, time
from newsterm.zygote import preload

preload()
before = set(sys.modules)
archive, index_dir, out = sys.argv[1:4]
pid, fd = os.forkpty()
if pid == 0:  # the reader, as the zygote would fork it
    import fcntl, struct, termios

    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    import newsterm.cli

    try:
        newsterm.cli.main(["read", "--served", "--archive", archive, "--index-dir", index_dir])
    finally:
        with open(out, "w") as f:
            f.write("\\n".join(sorted(set(sys.modules) - before)))
        os._exit(0)
screen, quit_sent, deadline = b"", False, time.monotonic() + 60
while time.monotonic() < deadline:
    ready, _, _ = select.select([fd], [], [], 1.0)
    if ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        screen += data
    elif b"Alpha zygote post" in screen and not quit_sent:
        os.write(fd, b"q")  # drawn and quiet for a second: quit
        quit_sent = True
os.waitpid(pid, 0)
"""


def test_the_zygote_imports_everything_a_reader_needs_for_its_first_screen(archive, tmp_path):
    """A module the served reader imports late is imported again by every forked reader (CPU
    in each session's start and memory not shared): add it to ``newsterm.zygote.PRELOAD``."""
    from newsterm.search.index import open_index

    index_dir = tmp_path / "index"
    open_index(archive, index_dir).sync()  # as the server keeps it
    out = tmp_path / "late.txt"
    env = {**os.environ, "TERM": "xterm-256color"}
    subprocess.run(
        [sys.executable, "-c", LATE_IMPORTS, str(archive), str(index_dir), str(out)],
        env=env, timeout=120, check=True,
    )  # fmt: skip
    late = [m for m in out.read_text().split("\n") if m and m != "__mp_main__"]
    assert late == [], "\n".join(late)


THREADED_ZYGOTE = """
import json, os, socket, sys, threading, time
from newsterm.ssh.forkserver import serve

ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
if os.fork() == 0:  # the zygote, with a thread that something it imported started
    ours.close()
    threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
    serve(theirs.fileno(), os.getppid(), lambda argv: 0)
    os._exit(0)
theirs.close()
print(ours.recv(4096).decode())  # ready
master, slave = os.openpty()
request = {"id": 1, "argv": ["--version"], "env": {}, "server": os.getpid()}
socket.send_fds(ours, [json.dumps(request).encode()], [slave])
print(ours.recv(4096).decode())
ours.close()
os.wait()
"""


def test_a_zygote_with_a_second_thread_refuses_to_fork():
    """fork() copies only the calling thread: locks held by another would never be released
    in the reader. The zygote says so instead, and the server starts that reader apart."""
    out = subprocess.run(
        [sys.executable, "-c", THREADED_ZYGOTE], capture_output=True, text=True, timeout=60
    )
    ready, answer = (json.loads(line) for line in out.stdout.splitlines())
    assert ready["threads"] == 2
    assert answer["id"] == 1 and "pid" not in answer and "not safe" in answer["error"]


PRELOADING_ZYGOTE = """
import json, os, socket, sys
from newsterm import catalog, zygote
from newsterm.ssh.forkserver import serve
from newsterm.ssh.zygote import become_subreaper

archive, index_dir, out = sys.argv[1:4]


def run(argv):  # in the forked reader: what its list would get from the catalog
    c = catalog.Catalog.beside(index_dir, archive, writable=False)
    held = catalog._PRELOADED.get((str(c.path), c.root))
    listing = c.load()
    with open(out, "a") as f:
        shared = held is not None and listing is held[1]
        f.write(json.dumps({"shared": shared, "posts": [p.path for p in listing.posts]}) + "\\n")
    return 0


assert become_subreaper()
ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
if os.fork() == 0:
    ours.close()
    serve(theirs.fileno(), os.getppid(), run, zygote.prepare)
    os._exit(0)
theirs.close()
ours.recv(4096)  # ready
argv = ["read", "--served", "--archive", archive, "--index-dir", index_dir]
for n in (1, 2):
    if n == 2:  # the server's sync writes a new post into the catalog
        from newsterm.archive import Archive
        path = os.path.join(archive, "2024-06-01-beta.md")
        with open(path, "w") as f:
            f.write("---\\ntitle: Beta\\ndate: 2024-06-01\\n---\\n\\nMore.\\n")
        writer = catalog.Catalog.beside(index_dir, archive)
        catalog.refresh(Archive(archive), writer, writer.load())
    master, slave = os.openpty()
    request = {"id": n, "argv": argv, "env": {}, "server": os.getpid()}
    socket.send_fds(ours, [json.dumps(request).encode()], [slave])
    os.close(slave)
    reply = json.loads(ours.recv(4096))
    while "busy" in reply:  # the zygote says it reads the catalog first
        reply = json.loads(ours.recv(4096))
    pid = reply["pid"]
    os.waitpid(pid, 0)
    os.close(master)
ours.close()
os.wait()
"""


def test_readers_forked_by_the_zygote_share_the_catalog_it_read(archive, tmp_path):
    """The zygote reads the archive's catalog before forking (once, and again after the server
    wrote it): every forked reader gets that listing instead of reading 20,000 rows itself."""
    from newsterm.archive import Archive
    from newsterm.catalog import Catalog, refresh

    index_dir, out = tmp_path / "index", tmp_path / "readers.jsonl"
    catalog = Catalog.beside(index_dir, archive)
    refresh(Archive(archive), catalog, catalog.load())  # as the server keeps it
    subprocess.run(
        [sys.executable, "-c", PRELOADING_ZYGOTE, str(archive), str(index_dir), str(out)],
        timeout=60, check=True,
    )  # fmt: skip
    first, second = (json.loads(line) for line in out.read_text().splitlines())
    assert first == {"shared": True, "posts": ["2024-05-01-alpha.md"]}
    assert second == {"shared": True, "posts": ["2024-06-01-beta.md", "2024-05-01-alpha.md"]}


SHARING_READER = """
import gc, json, os, select, sys, time
from pathlib import Path
from newsterm import catalog, zygote

archive, index_dir, out = sys.argv[1:4]
zygote.preload()
argv = ["read", "--served", "--archive", archive, "--index-dir", index_dir]
assert zygote.prepare(argv)
gc.collect()
gc.freeze()  # as newsterm.ssh.forkserver.serve does before forking
c = catalog.Catalog.beside(index_dir, archive, writable=False)
held = catalog._PRELOADED[(str(c.path), c.root)][1]
pid, fd = os.forkpty()
if pid == 0:  # the reader, as the zygote forks it
    import fcntl, struct, termios

    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    from newsterm.state import ReadingState
    from newsterm.tui.app import NewstermApp
    from newsterm.tui.screens.main_loading import ArchiveLoading
    from newsterm.tui.widgets.post_list import Rows

    from newsterm.tui.screens.main import MainScreen

    from textual.css.stylesheet import Stylesheet

    workers, facts, parsed = [], {}, []
    real_parse = Stylesheet._parse_rules
    Stylesheet._parse_rules = lambda self, *a, **k: parsed.append(1) or real_parse(self, *a, **k)
    real_load = ArchiveLoading.load_archive
    ArchiveLoading.load_archive = lambda self: workers.append(1) or real_load(self)
    made_before_fork = held._by_path is not None
    real_quit = MainScreen.action_quit

    def quit_and_tell(main):  # (q: what the screen holds, before it goes)
        entries = main.post_list.entries
        facts.update({
            "by_path_made_before_fork": made_before_fork,
            "posts_shared": main.posts is held.posts,
            "by_path_shared": main.by_path is held.by_path,
            "rows_over_shared_posts": isinstance(entries, Rows) and entries.posts is held.posts,
            "title_index_built": main._titles is not None,
            "catalog_read_by_a_worker": bool(workers),
            "shown": [e.path for e in entries],
            "stylesheet_sources_parsed": len(parsed),
        })
        real_quit(main)

    MainScreen.action_quit = quit_and_tell
    app = NewstermApp(
        Path(archive), index_dir=Path(index_dir), state=ReadingState.in_memory(Path(archive)),
        served=True,
    )  # fmt: skip
    try:
        app.run()
    finally:
        with open(out, "w") as f:
            f.write(json.dumps(facts))
        os._exit(0)
screen, quit_sent, deadline = b"", False, time.monotonic() + 60
while time.monotonic() < deadline:
    ready, _, _ = select.select([fd], [], [], 1.0)
    if ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        screen += data
    elif b"Alpha zygote post" in screen and not quit_sent:
        os.write(fd, b"q")  # drawn and quiet for a second: quit
        quit_sent = True
os.waitpid(pid, 0)
"""


def test_a_forked_reader_shows_the_zygotes_list_without_rebuilding_it(archive, tmp_path):
    """The zygote reads the catalog and makes its ``by_path`` before forking; the forked reader
    shows that very list (no worker reading the catalog, no copy, no row per post, no title
    index until a title is typed): a reader that walked every post would copy the zygote's
    pages into its own memory (100,000 posts: tens of MB a session). Its stylesheet's sources
    were parsed by the zygote too."""
    from newsterm.archive import Archive
    from newsterm.catalog import Catalog, refresh

    (archive / "2024-04-01-older.md").write_text(
        "---\ntitle: An older post\ndate: 2024-04-01\n---\n\nMore.\n", encoding="utf-8"
    )
    index_dir, out = tmp_path / "index", tmp_path / "facts.json"
    catalog = Catalog.beside(index_dir, archive)
    refresh(Archive(archive), catalog, catalog.load())  # as the server keeps it
    env = {**os.environ, "TERM": "xterm-256color"}
    subprocess.run(
        [sys.executable, "-c", SHARING_READER, str(archive), str(index_dir), str(out)],
        env=env, timeout=120, check=True,
    )  # fmt: skip
    facts = json.loads(out.read_text())
    assert facts == {
        "by_path_made_before_fork": True,
        "posts_shared": True,
        "by_path_shared": True,
        "rows_over_shared_posts": True,
        "title_index_built": False,
        "catalog_read_by_a_worker": False,
        "shown": ["2024-05-01-alpha.md", "2024-04-01-older.md"],
        "stylesheet_sources_parsed": 0,  # the zygote parsed them (newsterm.tui.styles)
    }


def test_the_zygote_reads_the_catalog_when_the_server_synced_not_when_a_session_waits(
    archive, tmp_path
):
    # At 100,000 posts the first visitor after a server's sync waited ~0.5 s for the zygote to
    # read the catalog the sync wrote: the server asks for it right after the sync instead.
    from newsterm.archive import Archive
    from newsterm.catalog import Catalog, refresh

    index_dir = tmp_path / "index"
    cmd = reader_cmd(archive, index_dir)
    catalog = Catalog.beside(index_dir, archive)
    refresh(Archive(archive), catalog, catalog.load())

    async def scenario() -> dict:
        fs = fork_server(cmd)
        fs.start()
        assert fs.warm(cmd[4:])  # sent before the zygote is ready: read once it is
        await until(lambda: len(fs.prepared) == 1, 30)
        fs.warm(cmd[4:])  # nothing written since: two stats, nothing read
        await until(lambda: len(fs.prepared) == 2, 30)
        (archive / "2024-06-01-beta.md").write_text("---\ntitle: Beta\n---\nx\n", "utf-8")
        refresh(Archive(archive), catalog, catalog.load())  # the server's next sync
        fs.warm(cmd[4:])
        await until(lambda: len(fs.prepared) == 3, 30)
        first = fs.pid()
        os.kill(first, signal.SIGKILL)  # a zygote started again reads it before any session
        await until(lambda: fs.pid() not in (None, first) and len(fs.prepared) == 4, 30)
        _, got = await ask(fs, cmd, build_child_env("xterm", {}))
        proc, master = await asyncio.wait_for(got, 30)
        screen = await screen_until(master, b"Beta")
        os.write(master, b"q")
        await asyncio.to_thread(proc.wait, 20)
        os.close(master)
        fs.close()
        return {"prepared": fs.prepared, "forked": fs.forked, "beta": b"Beta" in screen}

    r = in_subreaper(scenario)["result"]
    assert r["prepared"] == [True, False, True, True]
    assert r["forked"] == 1 and r["beta"]
