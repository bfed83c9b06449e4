"""What the terminal probes cost a served reader: time to the first screen over SSH with and
without them, in the same run, the kinds of client taking turns.

A served reader asks the client's terminal what it can draw only when the client's TERM says it
may draw (``tui.images.detect``): Kitty or Ghostty get textual-image's probes (Sixel's DA1, the
graphics query, the cell size when the pty has no pixel size), each waiting up to 0.1 s for its
answer; a TERM of the xterm family (most clients), foot, mlterm... gets DA1 alone (Sixel if the
answer lists 4), then the cell size if Sixel and the pty has none. Six kinds of client connect in
turn to one server:

* ``screen-256color``: no probe (the baseline);
* ``xterm-256color``, answering DA1 as xterm does (no Sixel): the probe most clients now pay;
* ``xterm-256color``, silent (never answers DA1): that probe's worst case, its timeout;
* ``xterm-256color``, answering DA1 as ``xterm -ti vt340`` does (Sixel), its window's pixel size
  given (the pty gets it, so no cell-size query);
* ``xterm-kitty``, answering as Kitty does (DA1 without Sixel, the graphics query OK, the pixel
  size given);
* ``xterm-kitty``, silent (a terminal that claims Kitty but does not answer, or a proxy that
  swallows the queries): the probes' worst case, their timeouts.

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

KINDS = ("plain", "xterm", "xterm-silent", "sixel", "kitty", "kitty-silent")
TERMS = {"plain": "screen-256color", "kitty": "xterm-kitty", "kitty-silent": "xterm-kitty"}
XTERM_DA1 = b"\x1b[?64;1;2;6;9;15;16;17;18;21;22;28c"  # xterm's own answer: no Sixel
VT340_DA1 = b"\x1b[?63;1;2;4;6;9;15;16;22;28c"  # xterm -ti vt340's: 4, Sixel


class ProbedReader(Reader):
    """A client whose TERM may say Kitty or xterm, answering the probe's queries (or not)."""

    kind: str = "plain"
    probe_bytes: int = 0
    asked: bool = False  # the probe's first query (DA1) came
    cell_asked: bool = False  # the cell-size query came

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
        pixels = self.kind in ("kitty", "sixel")  # a window that knows its pixels (xterm, Kitty)
        self.proc = await self.conn.create_process(
            term_type=TERMS.get(self.kind, "xterm-256color"),
            term_size=(COLS, ROWS, COLS * 10, ROWS * 20) if pixels else (COLS, ROWS),
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
            self.cell_asked = self.cell_asked or b"\x1b[16t" in data
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
            if self.recording and self.kind in ("xterm", "sixel") and b"\x1b[c" in data:
                self.send(VT340_DA1 if self.kind == "sixel" else XTERM_DA1)  # xterm: no 16t
            if self.recording:
                self.chunks.append((time.perf_counter(), data))
                tail = self.chunks[-2][1][-16:] if len(self.chunks) > 1 else b""
                self.posts_seen = self.posts_seen or b" posts" in tail + data
            self.changed.set()


async def one(port: int, kind: str) -> tuple[float | None, bool, bool]:
    reader = ProbedReader(port)
    reader.kind = kind
    try:
        first = await reader.open()
        return first, reader.asked, reader.cell_asked
    finally:
        await reader.close()


async def measure(
    port: int, rounds: int, pause: float
) -> tuple[dict[str, list[float]], dict[str, int], dict[str, int]]:
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    probed = dict.fromkeys(KINDS, 0)
    cell = dict.fromkeys(KINDS, 0)
    for r in range(rounds):
        order = KINDS if r % 2 == 0 else tuple(reversed(KINDS))  # alternate, both orders
        for kind in order:
            first, asked, cell_asked = await one(port, kind)
            probed[kind] += asked
            cell[kind] += cell_asked
            if first is not None:
                times[kind].append(first)
            await asyncio.sleep(pause)
    return times, probed, cell


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
        times, probed, cell = asyncio.run(measure(server.port, args.rounds, args.pause))
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)
    load_end = [round(x, 2) for x in os.getloadavg()]
    base = statistics.median(times["plain"]) if times["plain"] else None
    head = f"{'client':<14} {'n':>3} {'median':>8} {'min':>7} {'max':>7} {'- plain':>8}"
    print(f"{head}  probed  cell asked")
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
            f"  {cell[kind]}/{args.rounds}"
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
            "cell_asked": cell,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
