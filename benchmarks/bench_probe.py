"""What the Kitty graphics probe costs a served reader: time to the first screen over SSH with
and without it, in the same run, the kinds of client taking turns.

A served reader asks the client's terminal whether it speaks the Terminal Graphics Protocol only
when the client's TERM names Kitty or Ghostty (``tui.images.detect``); textual-image then sends
its queries (Sixel's DA1, the graphics query, the cell size when the pty has no pixel size) and
waits up to 0.1 s for each answer. Three kinds of client connect in turn to one server:

* ``xterm-256color``: no probe (the baseline);
* ``xterm-kitty``, answering as Kitty does (DA1 without Sixel, the graphics query OK, the pty's
  pixel size given, so no cell-size query): the probe's real cost, a round trip or two;
* ``xterm-kitty``, silent (a terminal that claims Kitty but does not answer, or a proxy that
  swallows the queries): the probe's worst case, its timeouts.

First screen as ``bench_ssh.py`` takes it (TCP connect to the first full screen, pyte terminal).
The server passes a client's TERM only if the terminfo database knows it; on a machine without
Kitty's terminfo the server runs in a private mount namespace (``unshare -m``, as root) where
``/etc/terminfo`` holds an ``xterm-kitty`` entry, so that nothing outside the bench changes.

    .venv/bin/python benchmarks/bench_probe.py [--archive DIR] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncssh

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, machine, write_json
from bench_ssh import COLS, ROWS, Reader, server_python, start_server
from newsterm.ssh.env import TERMINFO_DIRS, terminfo_known

KINDS = ("plain", "kitty", "kitty-silent")


class ProbedReader(Reader):
    """A client whose TERM may say Kitty, answering the probe's queries (or not)."""

    kind: str = "plain"
    probe_bytes: int = 0
    asked: bool = False  # the probe's first query (DA1) came

    async def record(self, timeout: float = 60.0, quiet: float = 1.0) -> None:
        self.t0 = time.perf_counter()
        self.recording = True
        self.conn = await asyncio.wait_for(
            asyncssh.connect(
                "127.0.0.1", self.port, username="bench", known_hosts=None, client_keys=None,
                agent_path=None, config=None, encoding=None,
            ),
            timeout,
        )  # fmt: skip
        kitty = self.kind != "plain"
        self.proc = await self.conn.create_process(
            term_type="xterm-kitty" if kitty else "xterm-256color",
            term_size=(COLS, ROWS, COLS * 10, ROWS * 20) if kitty else (COLS, ROWS),
            encoding=None,
        )
        self.pump_task = asyncio.ensure_future(self._pump())
        deadline = self.t0 + timeout
        while time.perf_counter() < deadline:
            last = self.chunks[-1][0] if self.chunks else None
            if last is not None and time.perf_counter() - last >= quiet and self._drawn():
                break
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), quiet)
            except TimeoutError:
                pass

    async def _pump(self) -> None:
        assert self.proc is not None
        while True:
            data = await self.proc.stdout.read(65536)
            if not data:
                return
            self.asked = self.asked or b"\x1b[c" in data
            if self.recording and self.kind == "kitty":
                # answer as Kitty: DA1 without Sixel (4), the graphics query OK
                if b"\x1b[c" in data:
                    self.send(b"\x1b[?62;22c")
                    self.probe_bytes += 1
                if b"\x1b_G" in data and b"a=q" in data:
                    self.send(b"\x1b_Gi=1;OK\x1b\\")
                    self.probe_bytes += 1
                if b"\x1b[16t" in data:
                    self.send(b"\x1b[6;20;10t")
            if self.recording:
                self.chunks.append((time.perf_counter(), data))
                tail = self.chunks[-2][1][-16:] if len(self.chunks) > 1 else b""
                self.posts_seen = self.posts_seen or b" posts" in tail + data
            self.changed.set()


async def one(port: int, kind: str) -> tuple[float | None, bool]:
    reader = ProbedReader(port)
    reader.kind = kind
    try:
        first = await reader.open()
        return first, reader.asked
    finally:
        await reader.close()


async def measure(
    port: int, rounds: int, pause: float
) -> tuple[dict[str, list[float]], dict[str, int]]:
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    probed = dict.fromkeys(KINDS, 0)
    for r in range(rounds):
        order = KINDS if r % 2 == 0 else tuple(reversed(KINDS))  # alternate, both orders
        for kind in order:
            first, asked = await one(port, kind)
            probed[kind] += asked
            if first is not None:
                times[kind].append(first)
            await asyncio.sleep(pause)
    return times, probed


def _with_kitty_terminfo(home: Path) -> Path:
    """A wrapper of the server's Python that runs it where ``xterm-kitty`` is a known TERM."""
    terminfo = home / "terminfo" / "x"
    terminfo.mkdir(parents=True)
    known = next(
        Path(d, "x", "xterm-256color")
        for d in TERMINFO_DIRS
        if Path(d, "x", "xterm-256color").is_file()
    )
    shutil.copy(known, terminfo / "xterm-kitty")  # the name is what counts
    wrapper = home / "python-kitty"
    wrapper.write_text(
        "#!/bin/sh\n"
        f"exec unshare -m sh -c 'mount --bind {terminfo.parent} /etc/terminfo && "
        f'exec "$0" "$@"\' {server_python()} "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archive", type=Path, help="archive to serve (default: the bundled one)")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--pause", type=float, default=1.5, help="s between clients (1.5)")
    args = parser.parse_args()
    archive = (args.archive or REPO / "archive").resolve()
    home = Path(tempfile.mkdtemp(prefix="bench-probe-"))
    load = [round(x, 2) for x in os.getloadavg()]
    print(f"serving {archive} ... (load average {load})", file=sys.stderr)
    python = None
    if not terminfo_known("xterm-kitty"):
        python = str(_with_kitty_terminfo(home))
    server = start_server(archive, home, python=python)
    try:
        times, probed = asyncio.run(measure(server.port, args.rounds, args.pause))
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)
    load_end = [round(x, 2) for x in os.getloadavg()]
    base = statistics.median(times["plain"]) if times["plain"] else None
    print(f"{'client':<14} {'n':>3} {'median':>8} {'min':>7} {'max':>7} {'- plain':>8}  probed")
    for kind in KINDS:
        got = times[kind]
        if not got:
            print(f"{kind:<14} no first screen")
            continue
        med = statistics.median(got)
        extra = f"{(med - base) * 1000:+.0f}" if base is not None else ""
        print(
            f"{kind:<14} {len(got):>3} {med * 1000:>6.0f}ms {min(got) * 1000:>5.0f}ms "
            f"{max(got) * 1000:>5.0f}ms {extra:>6}ms  {probed[kind]}/{args.rounds}"
        )
    print(f"load average {load} -> {load_end}")
    write_json(
        "bench_probe.json",
        {
            "machine": machine(),
            "archive": str(archive),
            "load": [load, load_end],
            "times": times,
            "probed": probed,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
