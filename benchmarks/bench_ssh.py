"""``newsterm serve`` under load: first screen, memory per session, keypress-to-redraw latency.

Starts a real server (its own user folders in a temporary home) on 127.0.0.1 and drives it with
asyncssh clients; every client's output goes into a pyte terminal (120x40) and the figures are
taken from that screen:

* first screen: from the start of the TCP connection to the first *full* screen (the status
  line says how many posts, the post list has its first row, the key bar is on the last row),
  for one client (median of several, one after the other), and for the last of 10 and of 30
  clients connecting at once. While clients connect, their bytes are only recorded with their
  arrival times and fed into pyte afterwards: pyte is slow Python, and feeding 30 screens live
  took more CPU in this process than the readers being measured;
* the CPU each reader used to reach its first screen, and the server's own CPU during a burst:
  what a burst costs whatever else the machine is running;
* memory per session: RSS, PSS (shared pages split between their users) and USS (pages only
  that reader has) of the reader processes from ``/proc/PID/smaps_rollup``, with 10 and 30
  sessions open, and the fork server's (zygote's) own;
* keypress-to-redraw: N readers are active at once, each pressing ``j``/``k`` about once a second
  (random phase); the latency of a key is the time until that client's screen shows the list
  selection on its new row. p50/p95 over every key of every reader.

Targets (issues 5 and 12, this 2-core machine): one client's first screen within 1 s; the last of
30 connecting at once within 3 s; p95 under 0.6 s with 30 active readers; <= 60 MB per session.
The load average is printed at the start and saved before each burst: other work on the machine
changes every figure but the CPU and memory ones. Prints a table and writes
``benchmarks/out/bench_ssh.json``. ``--python`` runs the server from another venv (an older
commit's, for a before/after in the same run style).

    .venv/bin/python benchmarks/bench_ssh.py [--archive DIR | --posts N] [--seconds S]
        [--fork-server | --no-fork-server] [--python VENV/bin/python] [--index-dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
import pyte

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, generated_archive, machine, ms, table, write_json

COLS, ROWS = 120, 40
FIRST_SCREEN_TARGET = 1.0
P95_TARGET = 0.6
BURST_TARGET = 3.0  # the last of 30 clients connecting at once has its first screen
MEMORY_TARGET_MB = 60.0  # PSS per session with 30 open
KEY_TIMEOUT = 5.0
QUIET = 1.0  # s without output after which a connecting client's screen counts as drawn
DATE = re.compile(r"\d{4}-\d\d-\d\d")
POSTS = re.compile(rb"\d posts")  # the status line's count (raw output, before the terminal)
DA1_QUERY = re.compile(rb"\x1b\[0?c")
DA1_ANSWER = b"\x1b[?62;22c"  # VT220 with colour, as xterm answers without Sixel


# -- the server ---------------------------------------------------------------------------------


@dataclass
class Server:
    proc: subprocess.Popen[str]
    port: int
    log_path: Path
    home: Path

    def log(self) -> list[dict]:
        out = []
        for line in self.log_path.read_text(encoding="utf-8").splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    out.append(json.loads(line))
        return out

    def children(self) -> list[int]:
        kids: list[int] = []
        for task in Path(f"/proc/{self.proc.pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                kids += [int(x) for x in (task / "children").read_text().split()]
        return kids

    def readers(self) -> list[int]:
        """Children that are a session's reader (not spares waiting for a session)."""
        pids = {r.get("pid") for r in self.log() if r["event"] == "session"}
        return [pid for pid in self.children() if pid in pids]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def server_python(given: str | None = None) -> str:
    """The Python that runs the server (and so the readers): the checkout's venv, or another
    one given with --python (a venv of an older commit: a baseline in the same run style)."""
    if given:
        return given
    python = REPO / ".venv" / "bin" / "python"
    return str(python if python.exists() else sys.executable)


def start_server(
    archive: Path,
    home: Path,
    fork_server: bool | None = True,
    python: str | None = None,
    index_dir: Path | None = None,
) -> Server:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "NEWSTERM"))}
    for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        env[var] = str(home / var.lower())
    fork = {True: ["--fork-server"], False: ["--no-fork-server"], None: []}[fork_server]
    argv = [
        server_python(python), "-m", "newsterm", "serve",
        "--archive", str(archive), "--host", "127.0.0.1", "--port", "0",
        # 30 visitors from one address stand for 30 people: no per-address limit may refuse them
        "--max-sessions", "200", "--max-per-ip", "200", "--rate-per-ip", "100000",
        "--per-source-max-startups", "200",
        *fork, *(["--index-dir", str(index_dir)] if index_dir else []),
    ]  # fmt: skip
    log_path = home / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, env=env, text=True
        )
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    line = proc.stdout.readline() if ready else ""
    match = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
    if not match:
        proc.kill()
        raise SystemExit(f"the server did not start: {line!r}\n{log_path.read_text()}")
    server = Server(proc, int(match.group(1)), log_path, home)
    deadline = time.monotonic() + 600
    while not any(r["event"] == "index" for r in server.log()):
        if time.monotonic() > deadline:
            raise SystemExit("the server's index did not get ready in 10 minutes")
        time.sleep(0.2)
    return server


# -- a client with a terminal -------------------------------------------------------------------


@dataclass
class Reader:
    """One SSH reader session whose output is kept in a pyte screen."""

    port: int
    screen: pyte.Screen = field(default_factory=lambda: pyte.Screen(COLS, ROWS))
    conn: asyncssh.SSHClientConnection | None = None
    proc: asyncssh.SSHClientProcess | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    first_screen: float | None = None
    pump_task: asyncio.Task | None = None
    recording: bool = False
    posts_seen: bool = False
    t0: float = 0.0
    chunks: list[tuple[float, bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stream = pyte.ByteStream(self.screen)

    async def open(self, timeout: float = 60.0) -> float | None:
        """Connect, record until the screen is drawn, and replay: seconds to the first full
        screen (``None``: never full)."""
        await self.record(timeout)
        return self.replay()

    async def record(self, timeout: float = 60.0, quiet: float = QUIET) -> None:
        """Connect and keep what arrives, with its arrival time, until the reader has been
        quiet for ``quiet`` s after drawing (or ``timeout``).

        The pyte terminal is fed afterwards (:meth:`replay`): pyte is slow Python, and feeding
        30 screens live would have this process take the CPU the readers are measured for.
        """
        self.t0 = time.perf_counter()
        self.recording = True
        self.conn = await asyncio.wait_for(
            asyncssh.connect(
                "127.0.0.1", self.port, username="bench", known_hosts=None, client_keys=None,
                agent_path=None, config=None, encoding=None,
            ),
            timeout,
        )  # fmt: skip
        self.proc = await self.conn.create_process(
            term_type="xterm-256color", term_size=(COLS, ROWS), encoding=None
        )
        self.pump_task = asyncio.ensure_future(self._pump())
        deadline = self.t0 + timeout
        while time.perf_counter() < deadline:
            last = self.chunks[-1][0] if self.chunks else None
            now = time.perf_counter()
            if last is not None and now - last >= quiet and self._drawn():
                break
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), quiet)

    def _drawn(self) -> bool:
        """Cheap, without a terminal: the status line's post count has been sent."""
        return self.posts_seen

    def replay(self) -> float | None:
        """Feed what was recorded into the terminal; when its first full screen arrived."""
        self.recording = False
        chunks, self.chunks = self.chunks, []
        for at, data in chunks:
            self.stream.feed(data)
            if self.first_screen is None and self.full():
                self.first_screen = at - self.t0
        return self.first_screen

    async def _pump(self) -> None:
        assert self.proc is not None
        while True:
            data = await self.proc.stdout.read(65536)
            if not data:
                return
            if DA1_QUERY.search(data):
                # A real terminal answers at once (this as an xterm without Sixel); a reader
                # whose TERM may speak Sixel asks, and would wait out its probe for nothing.
                self.proc.stdin.write(DA1_ANSWER)
            if self.recording:
                self.chunks.append((time.perf_counter(), data))
                tail = self.chunks[-2][1][-16:] if len(self.chunks) > 1 else b""
                self.posts_seen = self.posts_seen or bool(POSTS.search(tail + data))
            else:
                self.stream.feed(data)
            self.changed.set()

    async def wait_for(self, pred, timeout: float) -> bool:
        deadline = time.perf_counter() + timeout
        while not pred():
            left = deadline - time.perf_counter()
            if left <= 0:
                return False
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)
        return True

    def line(self, y: int, width: int = COLS) -> str:
        """Row ``y`` of the screen, its first ``width`` cells (cheaper than ``screen.display``)."""
        row = self.screen.buffer[y]
        return "".join(row[x].data for x in range(width))

    def full(self) -> bool:
        return (
            re.search(r"\d posts", self.line(0)) is not None
            and DATE.search(self.line(1, 40)) is not None
            and bool(self.line(ROWS - 1).strip())
        )

    def list_rows(self) -> list[int]:
        """Screen rows that show a post of the list (a date in the left 40 columns)."""
        return [y for y in range(1, ROWS - 1) if DATE.search(self.line(y, 40))]

    def selection(self) -> int | None:
        """The list row drawn in a background colour that no other list row has."""
        buf = self.screen.buffer
        colours: dict[tuple, list[int]] = {}
        for y in self.list_rows():
            cell = buf[y][2]
            colours.setdefault((cell.bg, cell.reverse), []).append(y)
        lone = [ys[0] for ys in colours.values() if len(ys) == 1]
        return lone[0] if len(lone) == 1 else None

    async def press(self, key: str, want_row: int) -> float | None:
        """Send ``key``; seconds until the selection shows on ``want_row`` (None: timed out)."""
        t0 = time.perf_counter()
        self.send(key.encode())
        ok = await self.wait_for(lambda: self.selection() == want_row, KEY_TIMEOUT)
        return time.perf_counter() - t0 if ok else None

    def send(self, data: bytes) -> None:
        assert self.proc is not None
        self.proc.stdin.write(data)

    async def close(self) -> None:
        if self.proc is not None:
            self.proc.close()
        if self.conn is not None:
            self.conn.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.conn.wait_closed(), 5)
        if self.pump_task is not None:
            self.pump_task.cancel()


async def open_many(port: int, n: int) -> tuple[list[Reader], list[float | None]]:
    """``n`` clients connect at once; each one's time to its first full screen."""
    readers = [Reader(port) for _ in range(n)]
    results = await asyncio.gather(*(r.record() for r in readers), return_exceptions=True)
    # Only once every client has its screen: turn the recorded bytes into screens.
    results = [
        r if isinstance(r, BaseException) else rd.replay()
        for r, rd in zip(results, readers, strict=True)
    ]
    times = [t if isinstance(t, float) else None for t in results]
    errors = sorted({f"{type(r).__name__}: {r}" for r in results if isinstance(r, BaseException)})
    if any(r is None for r in results):
        print(f"  {results.count(None)} clients never got a full screen", file=sys.stderr)
    for error in errors:
        print(f"  a client failed: {error}", file=sys.stderr)
    return readers, times


async def close_all(readers: list[Reader]) -> None:
    await asyncio.gather(*(r.close() for r in readers), return_exceptions=True)


def wait_no_readers(server: Server, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while server.readers() and time.monotonic() < deadline:
        time.sleep(0.2)


# -- measurements -------------------------------------------------------------------------------


def _rollup(pid: int, field: str) -> float:
    """One field of ``/proc/PID/smaps_rollup``, in MB."""
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return int(re.search(rf"^{field}:\s+(\d+)", rollup, re.M).group(1)) / 1024


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_of(pids: list[int]) -> dict:
    """RSS, PSS (shared pages split between their users) and USS (pages only this process
    has: what ending it would give back) of each process, from ``smaps_rollup``."""
    rss, pss, uss = [], [], []
    for pid in pids:
        try:
            one = (
                _rollup(pid, "Rss"),
                _rollup(pid, "Pss"),
                _rollup(pid, "Private_Clean") + _rollup(pid, "Private_Dirty"),
            )
        except (OSError, AttributeError):
            continue
        rss.append(one[0])
        pss.append(one[1])
        uss.append(one[2])

    def mean(values: list[float]) -> float | None:
        return round(statistics.mean(values), 1) if values else None

    return {
        "sessions": len(rss),
        "rss_mb_mean": mean(rss),
        "pss_mb_mean": mean(pss),
        "uss_mb_mean": mean(uss),
        "rss_mb_total": round(sum(rss), 1),
        "pss_mb_total": round(sum(pss), 1),
        "uss_mb_total": round(sum(uss), 1),
    }


async def active_readers(readers: list[Reader], seconds: float, interval: float) -> list[float]:
    """Every reader presses j/k about every ``interval`` s for ``seconds``; all latencies."""
    latencies: list[float] = []
    timeouts = [0]

    async def one(reader: Reader, rnd: random.Random) -> None:
        await asyncio.sleep(rnd.uniform(0, interval))
        end = time.perf_counter() + seconds
        step = 1
        while time.perf_counter() < end:
            row = reader.selection()
            if row is None:
                await asyncio.sleep(0.1)
                continue
            rows = reader.list_rows()
            nxt = row + step
            if nxt not in rows:
                step = -step
                nxt = row + step
            started = time.perf_counter()
            lat = await reader.press("j" if step > 0 else "k", nxt)
            if lat is None:
                timeouts[0] += 1
                latencies.append(KEY_TIMEOUT)
            else:
                latencies.append(lat)
            pause = interval * rnd.uniform(0.7, 1.3) - (time.perf_counter() - started)
            await asyncio.sleep(max(0.0, pause))

    await asyncio.gather(*(one(r, random.Random(i)) for i, r in enumerate(readers)))
    if timeouts[0]:
        print(f"  {timeouts[0]} keys got no redraw within {KEY_TIMEOUT:.0f} s", file=sys.stderr)
    return latencies


class LocalReader(Reader):
    """The same reader started the way the server starts it, on a local pty: no SSH at all.

    Its figures separate what SSH adds from what the reader itself costs.
    """

    def __init__(self, archive: Path, home: Path, python: str | None = None) -> None:
        super().__init__(0)
        self.python = python
        self.archive = archive
        self.home = home
        self.master: int | None = None
        self.child: subprocess.Popen[bytes] | None = None

    async def open(self, timeout: float = 60.0) -> float:
        from newsterm.ssh.env import build_child_env
        from newsterm.ssh.limits import child_preexec
        from newsterm.ssh.pty_child import spawn_in_pty

        base = {"HOME": str(self.home)}
        for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
            base[var] = str(self.home / var.lower())
        env = build_child_env("xterm-256color", {}, base=base)
        argv = [
            server_python(self.python), "-I", "-m", "newsterm", "read",
            "--served", "--archive", str(self.archive),
        ]  # fmt: skip
        t0 = time.perf_counter()
        self.child, self.master = spawn_in_pty(argv, env, COLS, ROWS, child_preexec(512, 600, True))
        asyncio.get_running_loop().add_reader(self.master, self._readable)
        await self.wait_for(self.full, timeout)
        self.first_screen = time.perf_counter() - t0
        return self.first_screen

    def _readable(self) -> None:
        try:
            data = os.read(self.master, 65536)
        except OSError:
            data = b""
        if not data:
            asyncio.get_running_loop().remove_reader(self.master)
            return
        if DA1_QUERY.search(data):
            self.send(DA1_ANSWER)  # as the SSH clients do
        self.stream.feed(data)
        self.changed.set()

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    async def close(self) -> None:
        if self.master is not None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(self.master)
            os.close(self.master)
            self.master = None
        if self.child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.child.pid, signal.SIGKILL)
            await asyncio.to_thread(self.child.wait, 10)


async def local_reference(
    archive: Path, home: Path, runs: int, seconds: float, interval: float, python: str | None
):
    times = []
    for _ in range(runs):
        reader = LocalReader(archive, home, python)
        try:
            times.append(await reader.open())
        finally:
            await reader.close()
    reader = LocalReader(archive, home, python)
    try:
        await reader.open()
        lat = await active_readers([reader], seconds, interval)
    finally:
        await reader.close()
    return {
        "first_screen_runs": times,
        "first_screen_median_s": statistics.median(times),
        "keys": len(lat),
        "latency_p50_s": pct(lat, 50),
        "latency_p95_s": pct(lat, 95),
    }


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


async def measure(port: int, server: Server, args: argparse.Namespace) -> dict:
    out: dict = {}
    # One client at a time.
    singles = []
    for _ in range(args.single):
        readers, times = await open_many(port, 1)
        singles.append(times[0])
        await close_all(readers)
        await asyncio.to_thread(wait_no_readers, server)
        await asyncio.sleep(args.pause)  # visitors do not all come at once
    ok = [t for t in singles if t is not None]
    out["first_screen_1"] = {
        "runs": singles,
        "median_s": statistics.median(ok) if ok else None,
        "max_s": max(ok) if ok else None,
    }
    for n in args.crowds:
        print(f"  {n} clients connecting at once ...", file=sys.stderr)
        load_before = [round(x, 2) for x in os.getloadavg()]
        server_cpu = cpu_seconds(server.proc.pid) or 0.0
        readers, times = await open_many(port, n)
        server_cpu = (cpu_seconds(server.proc.pid) or 0.0) - server_cpu
        reader_cpu = [c for c in map(cpu_seconds, server.readers()) if c is not None]
        ok = [t for t in times if t is not None]
        entry = {
            "clients": n,
            "failed": len(times) - len(ok),
            "last_s": max(ok) if ok else None,
            "median_s": statistics.median(ok) if ok else None,
            "memory": memory_of(server.readers()),
            "load_average_before": load_before,
            # CPU each reader used to draw its first screen (and settle), and the server's
            # (SSH) during the burst: what the burst costs whatever else the machine runs.
            "reader_cpu_s_mean": round(statistics.mean(reader_cpu), 3) if reader_cpu else None,
            "readers_cpu_s_total": round(sum(reader_cpu), 2),
            "server_cpu_s": round(server_cpu, 2),
        }
        print(f"  {n} readers pressing keys for {args.seconds:.0f} s ...", file=sys.stderr)
        live = [r for r in readers if r.first_screen]
        pids = server.readers()
        cpu_before = sum(c for c in map(cpu_seconds, pids) if c is not None)
        lat = await active_readers(live, args.seconds, args.interval)
        cpu_keys = sum(c for c in map(cpu_seconds, pids) if c is not None) - cpu_before
        # CPU the readers used per key (redraws included): what a key costs, load or not.
        entry["reader_cpu_ms_per_key"] = round(1000 * cpu_keys / len(lat), 1) if lat else None
        entry["keys"] = len(lat)
        entry["latency_p50_s"] = pct(lat, 50)
        entry["latency_p95_s"] = pct(lat, 95)
        entry["latency_max_s"] = max(lat) if lat else None
        entry["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        out[f"crowd_{n}"] = entry
        await close_all(readers)
        await asyncio.to_thread(wait_no_readers, server)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archive", type=Path, help="archive to serve (default: the bundled one)")
    parser.add_argument("--posts", type=int, help="serve a generated archive of N posts instead")
    parser.add_argument("--single", type=int, default=5, help="one-client runs (5)")
    parser.add_argument("--crowds", type=int, nargs="+", default=[10, 30])
    parser.add_argument("--seconds", type=float, default=20.0, help="key-pressing time (20)")
    parser.add_argument("--interval", type=float, default=1.0, help="s between a reader's keys")
    parser.add_argument("--pause", type=float, default=4.0, help="s between one-client runs (4)")
    parser.add_argument(
        "--fork-server",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the server's --fork-server / --no-fork-server (default: the server's default)",
    )
    parser.add_argument("--python", help="the Python (venv) that runs the server and readers")
    parser.add_argument(
        "--index-dir", type=Path, help="the server's --index-dir (a copy of a built index)"
    )
    parser.add_argument("--out", default="bench_ssh.json")
    parser.add_argument("--keep-log", type=Path, help="copy the server's log (JSON lines) here")
    args = parser.parse_args()
    if args.posts:
        archive, _meta = generated_archive(args.posts)
    else:
        archive = (args.archive or REPO / "archive").resolve()
    home = Path(tempfile.mkdtemp(prefix="bench-ssh-"))
    load_start = [round(x, 2) for x in os.getloadavg()]
    print(f"serving {archive} ... (load average {load_start})", file=sys.stderr)
    server = start_server(archive, home, args.fork_server, args.python, args.index_dir)
    try:
        results = asyncio.run(measure(server.port, server, args))
        server_rss = memory_of([server.proc.pid])
        sessions = [r for r in server.log() if r["event"] == "session"]
        forked = f"{sum(1 for r in sessions if r.get('start') == 'fork')} of {len(sessions)}"
        zygotes = [r["pid"] for r in server.log() if r["event"] == "fork-server" and "pid" in r]
        zygote_memory = memory_of(zygotes[-1:])
        server.stop()
        print("  the same reader on a local pty, without SSH ...", file=sys.stderr)
        local = asyncio.run(
            local_reference(
                archive, home, args.single, min(args.seconds, 10), args.interval, args.python
            )
        )
    finally:
        server.stop()
        if args.keep_log:
            shutil.copyfile(server.log_path, args.keep_log)
        shutil.rmtree(home, ignore_errors=True)
    posts = sum(1 for _ in archive.rglob("*.md"))
    rows: list[list[str]] = []

    def row(measure: str, result: str, target: str = "", verdict: str = "") -> None:
        rows.append([measure, result, target, verdict])

    def pair(a: float | None, b: float | None) -> str:
        return f"{ms(a)} / {ms(b)}"

    one = results["first_screen_1"]
    row(
        "first screen, 1 client (median / max)",
        pair(one["median_s"], one["max_s"]),
        f"< {FIRST_SCREEN_TARGET * 1000:.0f} ms",
        _verdict(one["median_s"], FIRST_SCREEN_TARGET),
    )
    row("  same reader on a local pty, no SSH (median)", ms(local["first_screen_median_s"]))
    for n in args.crowds:
        c = results[f"crowd_{n}"]
        fail = f" ({c['failed']} failed)" if c["failed"] else ""
        big = n >= 30
        row(
            f"first screen, last of {n} at once",
            ms(c["last_s"]) + fail,
            f"< {BURST_TARGET * 1000:.0f} ms" if big else "",
            _verdict(c["last_s"], BURST_TARGET) if big else "",
        )
        row(
            f"  CPU per reader to its first screen / server's CPU, {n} at once",
            f"{c['reader_cpu_s_mean']} s / {c['server_cpu_s']} s",
        )
        m = c["memory"]
        row(
            f"memory per session, {n} open (RSS / PSS / USS)",
            f"{m['rss_mb_mean']} / {m['pss_mb_mean']} / {m['uss_mb_mean']} MB",
            f"PSS <= {MEMORY_TARGET_MB:.0f} MB" if big else "",
            _verdict(m["pss_mb_mean"], MEMORY_TARGET_MB + 1e-9) if big else "",
        )
        row(f"  readers' CPU per key, {n} active", f"{c['reader_cpu_ms_per_key']} ms")
        row(
            f"key→redraw, {n} active readers (p50 / p95), {c['keys']} keys",
            pair(c["latency_p50_s"], c["latency_p95_s"]),
            f"p95 < {P95_TARGET * 1000:.0f} ms" if big else "",
            _verdict(c["latency_p95_s"], P95_TARGET) if big else "",
        )
    row(
        "  key→redraw, 1 reader on a local pty, no SSH (p50 / p95)",
        pair(local["latency_p50_s"], local["latency_p95_s"]),
    )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nnewsterm serve: {posts} posts, {COLS}x{ROWS} clients, key every ~{args.interval} s")
    start = ", ".join(f"{x:.2f}" for x in load_start)
    print(f"load average at the start: {start}, at the end: {load} ({os.cpu_count()} CPUs)")
    mode = {True: "--fork-server", False: "--no-fork-server", None: "the default"}[args.fork_server]
    print(f"{mode}: {forked} sessions forked by the zygote")
    if zygote_memory["sessions"]:
        z = zygote_memory
        print(f"the zygote itself: RSS {z['rss_mb_mean']} / PSS {z['pss_mb_mean']} MB")
    print(table(["measure", "result", "target", ""], rows))
    data = {
        "benchmark": "ssh",
        "machine": machine(),
        "archive": str(archive),
        "posts": posts,
        "terminal": f"{COLS}x{ROWS}",
        "key_interval_s": args.interval,
        "key_seconds": args.seconds,
        "targets": {
            "first_screen_1_s": FIRST_SCREEN_TARGET,
            "last_of_30_at_once_s": BURST_TARGET,
            "p95_30_active_s": P95_TARGET,
            "pss_per_session_mb": MEMORY_TARGET_MB,
        },
        "server_memory": server_rss,
        "load_average_start": load_start,
        "fork_server": args.fork_server,
        "sessions_forked": forked,
        "zygote_memory_at_end": zygote_memory,
        "local_reader_no_ssh": local,
        **results,
    }
    path = write_json(args.out, data)
    print(f"\nwrote {path}")
    return 0


def _verdict(value: float | None, target: float) -> str:
    if value is None:
        return "n/a"
    return "ok" if value < target else "MISSED"


if __name__ == "__main__":
    sys.exit(main())
