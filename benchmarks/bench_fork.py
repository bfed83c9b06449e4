"""A served reader forked as the SSH server's zygote forks it: its CPU and memory to the first
screen, and (``--profile``) where that CPU goes.

This process plays the zygote (``newsterm.zygote.preload`` and ``prepare`` for the archive's
catalog, then ``gc.collect(); gc.freeze()``) and forks readers one after the other, each on its
own pty (120x40) running ``newsterm read --served --archive A --index-dir I``, as
``newsterm.ssh.forkserver`` does (without the double fork and the session's limits, which cost
nothing measurable). For each reader it records, from ``/proc``:

* **first screen**: the CPU time (user + system) the reader had used when its output first held
  the status line's post count and then stayed quiet for ``--quiet`` s, and the wall time;
* **settled**: its CPU time ``--settle`` s later (what polling and late work add);
* its memory then, from ``smaps_rollup``: Private (dirty + clean: pages only this reader has,
  copied or made after the fork) and PSS.

``--change``: then the server's write of one changed post: the newest post's row is written
again with a new title into the catalog (``Catalog.store``, as the server's index sync writes
it), and the reader is watched until its list shows the title and goes quiet; it records the
CPU that took (from the settled point) and the reader's memory after it. Before the next fork
the zygote reads the catalog again, as the real one does.

``--profile FILE`` runs the first reader under cProfile from the fork to its first screen and
writes pstats to FILE (print it with ``python -m pstats FILE``); ``--probe`` prints the CPU each
reader spent inside a few of Textual's steps (stylesheet parse and apply, layout, rendering), and
with ``BENCH_FORK_TIMELINE=1`` when each began (CPU ms since the fork). A DA1 question
(``tui.images.detect``) is answered as xterm answers it (no Sixel), as a real terminal would.
No SSH, no server: what it measures is the reader's own work after the fork, the part a
30-client burst pays 30 times.

    .venv/bin/python benchmarks/bench_fork.py --archive A --index-dir I [--runs 5]
        [--profile out.pstats] [--change]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import gc
import json
import os
import re
import select
import signal
import statistics
import struct
import sys
import termios
import time
from pathlib import Path

POSTS = re.compile(rb"\d posts")
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` so far (``schedstat``: nanoseconds, not clock ticks of 10 ms)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK


def rollup(pid: int) -> dict[str, float]:
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[-1] == "kB":
            out[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return {
        "rss_mb": round(out.get("Rss", 0), 1),
        "pss_mb": round(out.get("Pss", 0), 1),
        "private_mb": round(out.get("Private_Dirty", 0) + out.get("Private_Clean", 0), 1),
    }


class Child:
    def __init__(self, pid: int, master: int, said: int) -> None:
        self.pid, self.master, self.said = pid, master, said

    def cpu(self) -> float:
        """The reader's own CPU time (``time.process_time()``: every thread, in ns), asked
        with SIGUSR2; ``/proc/PID/stat`` (10 ms ticks) if it does not answer."""
        os.kill(self.pid, signal.SIGUSR2)
        ready, _, _ = select.select([self.said], [], [], 2.0)
        if ready:
            data = os.read(self.said, 64)
            with contextlib.suppress(ValueError):
                return float(data.split()[-1])
        return cpu_seconds(self.pid)


def fork_reader(argv: list[str], profile: str | None) -> Child:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    said, say = os.pipe()
    pid = os.fork()
    if pid:
        os.close(slave)
        os.close(say)
        return Child(pid, master, said)
    code = 1
    try:
        os.close(master)
        os.close(said)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.dup2(say, 3)
        os.closerange(4, 1024)
        signal.signal(
            signal.SIGUSR2, lambda _s, _f: os.write(3, f"{time.process_time()}\n".encode())
        )
        import io

        for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
            raw = io.FileIO(fd, "r" if fd == 0 else "w", closefd=False)
            buffered = io.BufferedReader(raw) if fd == 0 else io.BufferedWriter(raw)
            stream = io.TextIOWrapper(buffered, encoding="utf-8", line_buffering=fd != 0)
            setattr(sys, name, stream)
        from newsterm.ssh.env import build_child_env

        env = build_child_env("xterm-256color", {})
        os.environ.clear()
        os.environ.update(env)
        import newsterm.cli

        if PROBE:
            _probe()
        if profile:
            import cProfile

            prof = cProfile.Profile()

            def dump(_sig: int, _frame: object) -> None:
                prof.disable()
                prof.dump_stats(profile)
                os._exit(0)

            signal.signal(signal.SIGUSR1, dump)
            prof.enable()
        code = newsterm.cli.main(argv)
    except BaseException:
        import traceback

        Path("/tmp/bench_fork-child-error.txt").write_text(traceback.format_exc())
        code = 1
    finally:
        os._exit(code)


PROBE = False
PROBED: dict[str, list[float]] = {}
TIMELINE: list[str] = []
TIMELINE_ON = bool(os.environ.get("BENCH_FORK_TIMELINE"))


def _probe() -> None:
    """Time (CPU, every thread of the reader) spent inside a few of Textual's steps."""
    import functools
    import threading

    from textual import _compositor, app, screen
    from textual.css import stylesheet

    depth = threading.local()

    def wrap(owner: object, name: str, label: str) -> None:
        inner = getattr(owner, name)
        slot = PROBED.setdefault(label, [0.0, 0])

        @functools.wraps(inner)
        def timed(*a: object, **k: object) -> object:
            key = f"d_{label}"
            level = getattr(depth, key, 0)
            setattr(depth, key, level + 1)
            start = time.thread_time()
            if level == 0 and TIMELINE_ON:
                TIMELINE.append(f"{time.process_time() * 1000:.0f}:{label}")
            try:
                return inner(*a, **k)
            finally:
                setattr(depth, key, level)
                if level == 0:
                    slot[0] += time.thread_time() - start
                    slot[1] += 1

        setattr(owner, name, timed)

    wrap(stylesheet.Stylesheet, "parse", "css parse")
    wrap(stylesheet.Stylesheet, "apply", "css apply")
    wrap(stylesheet.Stylesheet, "update_nodes", "css update_nodes")
    wrap(_compositor.Compositor, "render_update", "render_update")
    wrap(_compositor.Compositor, "reflow", "reflow")
    wrap(app.App, "_register", "register")
    wrap(screen.Screen, "_refresh_layout", "refresh_layout")
    wrap(app.App, "__init__", "App.__init__")
    if TIMELINE_ON:
        from newsterm.tui.screens import main, main_index

        for name in ("_loaded", "_update_status", "_rebuild_list", "_apply_panes"):
            wrap(main.MainScreen, name, name)
        wrap(main_index.IndexStatus, "_set_index_state", "_set_index_state")

    def report(_s: int, _f: object) -> None:
        line = " ".join(f"{k}={v[0] * 1000:.1f}ms/{v[1]}" for k, v in PROBED.items())
        if TIMELINE:
            line += "\ntimeline " + " ".join(TIMELINE)
        os.write(3, f"probe {line}\n".encode())

    signal.signal(signal.SIGUSR1, report)


def watch(child: Child, quiet: float, timeout: float = 60.0) -> tuple[float, float]:
    """Wall time and CPU time when the screen showed its post count and went quiet."""
    start = time.monotonic()
    seen = b""
    counted = False
    last = start
    while time.monotonic() - start < timeout:
        ready, _, _ = select.select([child.master], [], [], 0.01)
        now = time.monotonic()
        if ready:
            try:
                data = os.read(child.master, 65536)
            except OSError:
                break
            if not data:
                break
            last = now
            if b"\x1b[c" in data:  # DA1 (tui.images.detect): answer as xterm does, no Sixel
                os.write(child.master, b"\x1b[?64;1;2;6;9;15;18;21;22c")
            if not counted:
                seen = (seen + data)[-4096:]
                counted = bool(POSTS.search(seen))
        elif counted and now - last >= quiet:
            return last - start, child.cpu()
    raise TimeoutError(f"no first screen: {seen[-600:]!r}")


def watch_for(child: Child, marker: bytes, quiet: float, timeout: float = 60.0) -> float:
    """Wall time until the reader wrote ``marker`` and then went quiet for ``quiet`` s."""
    start = time.monotonic()
    seen = b""
    found = False
    last = start
    while time.monotonic() - start < timeout:
        ready, _, _ = select.select([child.master], [], [], 0.01)
        now = time.monotonic()
        if ready:
            data = os.read(child.master, 65536)
            if not data:
                break
            last = now
            if not found:
                seen = (seen + data)[-4096:]
                found = marker in seen
        elif found and now - last >= quiet:
            return last - start
    raise TimeoutError(f"the change was not shown: {seen[-600:]!r}")


def write_change(index_dir: str, archive: str, marker: str) -> None:
    """The newest post's row written again with ``marker`` before its title, as the server's
    index sync writes a post that changed (one row, one transaction)."""
    import sqlite3

    from newsterm.catalog import Catalog
    from newsterm.models import PostInfo

    catalog = Catalog.beside(index_dir, archive)
    top = catalog.load(limit=1)
    assert top is not None and top.posts
    post = top.posts[0]
    con = sqlite3.connect(catalog.path)
    try:
        mtime, size = con.execute(
            "SELECT mtime_ns, size FROM posts WHERE path = ?", (post.path,)
        ).fetchone()
    finally:
        con.close()
    title = f"{marker} {post.title.split('] ', 1)[-1]}"
    changed = PostInfo(
        post.path, title, post.date, post.categories, post.tags, post.size, post.digest, post.length
    )
    assert catalog.store([(post.path, (mtime + 1, size), changed, None)])


def drain(master: int, seconds: float) -> None:
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        ready, _, _ = select.select([master], [], [], left)
        if ready:
            with contextlib.suppress(OSError):
                os.read(master, 65536)


def end(child: Child) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(child.pid, signal.SIGKILL)
    os.waitpid(child.pid, 0)
    os.close(child.master)
    os.close(child.said)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--archive", required=True)
    ap.add_argument("--index-dir", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quiet", type=float, default=0.3, help="s of no output: screen drawn")
    ap.add_argument("--settle", type=float, default=1.5)
    ap.add_argument("--profile", metavar="FILE", help="cProfile the first reader to FILE")
    ap.add_argument("--out", help="JSON of every run")
    ap.add_argument("--probe", action="store_true", help="CPU inside a few of Textual's steps")
    ap.add_argument(
        "--change", action="store_true", help="then one post changed by the server: its cost"
    )
    args = ap.parse_args()
    argv = ["read", "--served", "--archive", str(Path(args.archive).resolve())]
    argv += ["--index-dir", str(Path(args.index_dir).resolve())]
    global PROBE
    PROBE = args.probe

    c0 = time.process_time()
    import newsterm.zygote as zygote

    zygote.preload()
    c1 = time.process_time()
    fresh = zygote.prepare(argv)
    gc.collect()
    gc.freeze()
    c2 = time.process_time()
    print(f"zygote: preload {c1 - c0:.3f} CPU s, prepare {c2 - c1:.3f} CPU s (read: {fresh})")
    print(f"zygote: {rollup(os.getpid())}")

    runs = []
    for i in range(args.runs):
        profile = args.profile if i == 0 else None
        child = fork_reader(argv, profile)
        try:
            wall, cpu = watch(child, args.quiet)
            if profile:
                os.kill(child.pid, signal.SIGUSR1)
                os.waitpid(child.pid, 0)
                os.close(child.master)
                os.close(child.said)
                print(f"profile written to {profile} (first screen {wall:.3f} s, {cpu:.3f} CPU s)")
                continue
            drain(child.master, args.settle)
            settled = child.cpu()
            if args.probe:
                os.kill(child.pid, signal.SIGUSR1)
                ready, _, _ = select.select([child.said], [], [], 2.0)
                if ready:
                    print(os.read(child.said, 4096).decode().strip())
            mem = rollup(child.pid)
            changed: dict[str, float] = {}
            if args.change:
                marker = f"[chg{os.getpid() % 1000}-{i}]"
                write_change(argv[5], argv[3], marker)
                shown = watch_for(child, marker.encode(), args.quiet)
                drain(child.master, args.settle)
                after = rollup(child.pid)
                changed = {
                    "change_cpu_s": round(child.cpu() - settled, 3),
                    "change_wall_s": round(shown, 3),
                    "change_private_mb": after["private_mb"],
                    "change_pss_mb": after["pss_mb"],
                }
        finally:
            if not profile:
                end(child)
        run = {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "settled_cpu_s": round(settled, 3)}
        run.update(mem)
        run.update(changed)
        if args.change:  # the zygote reads the changed catalog before its next fork
            zygote.prepare(argv)
            gc.collect()
            gc.freeze()
        runs.append(run)
        print(json.dumps(run))
    if runs:
        keys = ["wall_s", "cpu_s", "settled_cpu_s", "private_mb", "pss_mb"]
        if args.change:
            keys += ["change_cpu_s", "change_wall_s", "change_private_mb", "change_pss_mb"]
        for key in keys:
            values = [r[key] for r in runs]
            print(f"{key}: median {statistics.median(values):.3f} min {min(values):.3f}")
    print(f"load: {os.getloadavg()}")
    if args.out:
        Path(args.out).write_text(json.dumps({"runs": runs, "load": os.getloadavg()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
