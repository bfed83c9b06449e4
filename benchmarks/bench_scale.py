"""Benchmark: newsterm at scale (issue 12) on generated archives of 20,000 and 100,000 posts.

Usage::

    python benchmarks/bench_scale.py [--posts 20000 100000] [--src worktree|head]
                                     [--rebuild] [--repeat 3] [--no-reader]

Per archive size, with the index in its default place (the user cache folder; ``XDG_CACHE_HOME``
points to ``benchmarks/data/work/cache``), measured in one run so ratios compare:

* **reader, first screen / whole list**: a child process runs the real reader headless
  (Textual's ``run_test``, 120x40, archive watching and index sync on, as a user runs it) and
  records when the first post rows reach the screen and when the list holds every post, sorted,
  with no "so far" in the status line; also when the status says "up to date", and every index
  status the screen showed on the way (a check must never be labelled "indexing");
* **reader, peak RSS**: ``wait4``'s peak RSS of that child (and its RSS once the list is whole);
* **`newsterm index`, nothing changed**: median of ``--repeat`` runs right after an up-to-date
  sync (wall and CPU time: user + system);
* **`newsterm index`, one post changed**: one post gets a new paragraph (written to a new file
  and renamed over the old one: the generated archive's own bytes are put back the same way
  afterwards, with their mtime) and ``newsterm index`` runs; then the post is put back and it
  runs again; the median of those runs;
* **full build** (only with ``--rebuild``: 15-60 minutes at 100,000 posts on this shared
  machine): wall time, CPU time and peak RSS of ``newsterm index --rebuild``; without it, the
  build time of the first run that made the index is reported when this run made it;
* **index size / archive size**: bytes on disk of the index folder (catalog included) over the
  archive's Markdown bytes, as ``newsterm index`` leaves it and after the merge the reader and
  the server run in the background (``search.merge.merge_all``, run here in a child process
  and timed: the later rows measure the merged index, what a user has after the first reader);
* **cold ``newsterm search``** (a fresh process each time: the one-shot command) for the
  generated archive's rare word and its phrase, alternated with ``rg -l -F`` for the same
  string over the same files (median of ``--repeat`` each, after one unmeasured run of each);
* **SSH: 30 clients connecting at once**: ``bench_ssh.py`` in a child process serving this
  archive with this index (``--single 1 --crowds 30``; its own JSON, ``bench_ssh-<posts>.json``,
  holds every row it measures), the last first screen and the readers' CPU to it;
* the floors: ``python -c pass`` on the same interpreter; per archive, ``find`` listing the posts
  (a walk without a stat) and ``find -printf`` of every post's mtime and size (the walk with a
  stat of every file, in C: what a check that an edit in place cannot escape must do).

Prints a table and writes ``benchmarks/out/bench_scale.json``: every row of issue 12's table
for one archive size comes from one run (``--posts 100000 --rebuild`` takes the longest).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _common as c

TARGETS_100K = {
    "ssh_burst_30_last_s": 3.0,
    "full_list_s": 2.0,
    "first_screen_s": 1.0,
    "peak_rss_mb": 400.0,
    "no_change_sync_s": 0.5,
    "one_change_sync_s": 1.0,
    "full_build_s": 480.0,
    "index_ratio": 1.5,
}
SIZE = (120, 40)
_ROW = re.compile(r"\d{4}-\d{2}-\d{2}")


# ------------------------------------------------------------------ the reader (child process)
def _text(widget) -> str:
    rendered = widget.render()
    return getattr(rendered, "plain", None) or str(rendered)


async def _reader(root: Path, expected: int, timeout: float) -> dict:
    from newsterm.tui.app import NewstermApp
    from newsterm.tui.widgets.post_list import PostList

    t0 = time.perf_counter()
    app = NewstermApp(root)
    frames: list[tuple[float, int, str]] = []

    def probe() -> tuple[int, str]:
        try:
            screen = app.screen
            rows = len(screen.query_one(PostList).entries)
            status = _text(screen.query_one("#status"))
            return rows, status
        except Exception:  # not composed yet
            return 0, ""

    original = app._display

    def display(screen, renderable) -> None:
        original(screen, renderable)
        rows, status = probe()
        frames.append((time.perf_counter() - t0, rows, status))

    app._display = display
    out: dict = {"expected_rows": expected}
    async with app.run_test(size=SIZE) as pilot:
        deadline = time.perf_counter() + timeout
        first = whole = ready = None
        rss_whole = None
        while time.perf_counter() < deadline:
            if frames:
                _when, rows, status = frames[-1]
                if first is None and rows > 0:
                    first = next(t for t, r, _s in frames if r > 0)
                if whole is None and rows >= expected and "so far" not in status:
                    whole = next(t for t, r, s in frames if r >= expected and "so far" not in s)
                    rss_whole = _rss_mb()
                if ready is None and "up to date" in status:
                    ready = next(t for t, _r, s in frames if "up to date" in s)
                if first is not None and whole is not None and ready is not None:
                    break
            await pilot.pause(0.02)
        out["first_screen_s"] = first
        out["full_list_s"] = whole
        out["up_to_date_s"] = ready
        out["rss_after_list_mb"] = rss_whole
        # Index states shown on the way: the part of the status line after the post counts.
        seen: list[str] = []
        for _t, _r, status in frames:
            state = status.rsplit("·", 1)[-1].strip()
            if state and (not seen or seen[-1] != state):
                seen.append(state)
        out["index_states_seen"] = [re.sub(r"[\d,]+", "N", s) for s in seen][:40]
        out["final_status"] = frames[-1][2] if frames else ""
        await pilot.pause(0.3)
    out["rss_end_mb"] = _rss_mb()
    return out


def _rss_mb() -> float | None:
    m = re.search(r"VmRSS:\s+(\d+) kB", Path("/proc/self/status").read_text())
    return int(m.group(1)) / 1024 if m else None


def child_main(argv: list[str]) -> int:
    root, expected, result, timeout = Path(argv[0]), int(argv[1]), Path(argv[2]), float(argv[3])
    user = Path(tempfile.mkdtemp(prefix="bench-scale-user-"))
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        os.environ[var] = str(user / var.lower())  # no reading state; the cache is the bench's
    try:
        data = asyncio.run(_reader(root, expected, timeout))
    finally:
        shutil.rmtree(user, ignore_errors=True)
    result.write_text(json.dumps(data), encoding="utf-8")
    return 0


def measure_reader(root: Path, expected: int, timeout: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "reader.json"
        child = [
            c.python_for_newsterm(), str(Path(__file__).resolve()), "--child", str(root),
            str(expected), str(result), str(timeout),
        ]  # fmt: skip
        run = c.run(child, timeout=timeout + 120)
        if run.returncode != 0 or not result.exists():
            return {"error": run.stderr.decode(errors="replace")[-2000:]}
        data = json.loads(result.read_text(encoding="utf-8"))
    data["peak_rss_mb"] = run.maxrss_mb
    data["process_s"] = run.seconds
    return data


# ------------------------------------------------------------------ index commands
def _index_cmd(root: Path, *extra: str) -> list[str]:
    return [*c.newsterm_cmd(), "--archive", str(root), "index", "--quiet", *extra]


def _index_dir(root: Path) -> Path:
    from newsterm import paths

    return paths.index_dir_for(root)


def _sync(root: Path) -> c.Run:
    run = c.run(_index_cmd(root), timeout=7200)
    if run.returncode != 0:
        sys.exit(f"bench_scale: newsterm index failed: {run.stderr.decode(errors='replace')}")
    return run


def _posts_of(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.md") if not any(x.startswith(".") for x in p.parts))


def _replace(path: Path, data: bytes, mtime_ns: int | None = None) -> None:
    """Write ``data`` to a new file and rename it over ``path`` (the old inode is untouched)."""
    tmp = path.with_name(f".{path.name}.bench-tmp")
    tmp.write_bytes(data)
    if mtime_ns is not None:
        os.utime(tmp, ns=(mtime_ns, mtime_ns))
    os.replace(tmp, path)


def one_change(root: Path, post: Path, repeat: int) -> list[c.Run]:
    original = post.read_bytes()
    st = post.stat()
    times = []
    try:
        for i in range(repeat):
            extra = f"\n\n벤치마크 문단 {i} scalebenchword{i}\n".encode()
            _replace(post, original + extra)
            times.append(_sync(root))
            _replace(post, original, st.st_mtime_ns)
            times.append(_sync(root))
    finally:
        if post.read_bytes() != original:
            _replace(post, original, st.st_mtime_ns)
            _sync(root)
    return times


def measure_size(posts: int, args: argparse.Namespace) -> dict:
    root, meta = c.generated_archive(posts, args.seed)
    files = _posts_of(root)
    archive_bytes = sum(p.stat().st_size for p in files)
    out: dict = {"posts": posts, "files": len(files), "archive_bytes": archive_bytes}
    index_dir = _index_dir(root)
    print(f"[{posts}] archive {root}; index {index_dir}", file=sys.stderr)
    if args.rebuild:
        print(f"[{posts}] full build ...", file=sys.stderr)
        out["load_before_build"] = os.getloadavg()[0]
        run = c.run(_index_cmd(root, "--rebuild"), timeout=7200)
        if run.returncode != 0:
            sys.exit(f"bench_scale: the build failed: {run.stderr.decode(errors='replace')}")
        out["full_build_s"] = run.seconds
        out["full_build_cpu_s"] = run.cpu_s
        out["full_build_rss_mb"] = run.maxrss_mb
        out["load_after_build"] = os.getloadavg()[0]
    else:
        existed = index_dir.is_dir()
        run = _sync(root)
        if not existed:
            out["full_build_s"] = run.seconds
            out["full_build_rss_mb"] = run.maxrss_mb
        out["first_sync_s"] = run.seconds
    out["index_bytes_built"] = c.dir_size(index_dir)
    out["index_ratio_built"] = out["index_bytes_built"] / archive_bytes
    if not args.no_merge:
        print(f"[{posts}] background merge (run in the foreground) ...", file=sys.stderr)
        merge = c.run([c.python_for_newsterm(), "-c", _MERGE, str(index_dir)], timeout=7200)
        if merge.returncode != 0:
            sys.exit(f"bench_scale: the merge failed: {merge.stderr.decode(errors='replace')}")
        out["merge_s"] = merge.seconds
        out["merge_cpu_s"] = merge.cpu_s
        out["merges"] = int(merge.stdout.decode().split()[-1] or 0)
    out["segments"] = _segments(index_dir)
    out["index_bytes"] = c.dir_size(index_dir)
    out["index_ratio"] = out["index_bytes"] / archive_bytes
    _sync(root)  # the next runs start from an index that has just been brought up to date
    runs = [_sync(root) for _ in range(args.repeat)]
    out["no_change_sync_runs_s"] = [r.seconds for r in runs]
    out["no_change_sync_s"] = statistics.median(r.seconds for r in runs)
    out["no_change_sync_cpu_s"] = statistics.median(r.cpu_s for r in runs)
    for name, cmd in (
        ("find_names", ["find", str(root), "-name", "*.md"]),
        ("find_stats", ["find", str(root), "-name", "*.md", "-printf", "%T@ %s %P\n"]),
    ):
        floor = [c.run(cmd) for _ in range(args.repeat)]
        out[f"{name}_s"] = statistics.median(r.seconds for r in floor)
        out[f"{name}_cpu_s"] = statistics.median(r.cpu_s for r in floor)
    post = files[len(files) // 3]
    runs = one_change(root, post, max(1, args.repeat // 2 + 1))
    out["one_change_post"] = str(post.relative_to(root))
    out["one_change_sync_runs_s"] = [r.seconds for r in runs]
    out["one_change_sync_s"] = statistics.median(r.seconds for r in runs)
    out["one_change_sync_cpu_s"] = statistics.median(r.cpu_s for r in runs)
    if not args.no_reader:
        print(f"[{posts}] reader ...", file=sys.stderr)
        out["reader"] = measure_reader(root, len(files), args.reader_timeout)
    if not args.no_search:
        print(f"[{posts}] cold searches ...", file=sys.stderr)
        out["search"] = cold_searches(root, meta, args.repeat + 4)
    if not args.no_ssh:
        print(f"[{posts}] SSH burst (bench_ssh.py) ...", file=sys.stderr)
        out["ssh"] = ssh_burst(root, index_dir, posts, args.ssh_seconds)
    out["load_end"] = os.getloadavg()[0]
    return out


_MERGE = (
    "import sys; from pathlib import Path; from newsterm.search.merge import merge_all; "
    "print(merge_all(Path(sys.argv[1])))"
)


def _segments(index_dir: Path) -> int:
    return len({p.name.split(".")[0] for p in index_dir.rglob("MAIN_*.trm")})


def cold_searches(root: Path, meta: dict, repeat: int) -> dict:
    """The one-shot ``newsterm search`` for the archive's rare word and phrase against rg."""
    queries = meta["queries"]
    word = queries["rare"][0]["word"]
    phrase = queries["phrase"]["query"]
    out: dict = {}
    for kind, argv, text in (("rare", [word], word), ("phrase", [f'"{phrase}"'], phrase)):
        search = [*c.newsterm_cmd(), "--archive", str(root), "search", *argv]
        rg = ["rg", "-l", "-F", "-e", text, str(root)]
        first, first_rg = c.run(search), c.run(rg)
        if first.returncode not in (0, 1):
            sys.exit(
                f"bench_scale: newsterm search failed: {first.stderr.decode(errors='replace')}"
            )
        runs, rg_runs = [], []
        for _ in range(repeat):  # alternated: both see the same load
            runs.append(c.run(search))
            rg_runs.append(c.run(rg))
        nt_s = statistics.median(r.seconds for r in runs)
        rg_s = statistics.median(r.seconds for r in rg_runs)
        out[kind] = {
            "query": " ".join(argv),
            "newsterm_s": nt_s,
            "newsterm_cpu_s": statistics.median(r.cpu_s for r in runs),
            "newsterm_runs_s": [r.seconds for r in runs],
            "rg_s": rg_s,
            "rg_cpu_s": statistics.median(r.cpu_s for r in rg_runs),
            "rg_runs_s": [r.seconds for r in rg_runs],
            "rg_files": len(first_rg.stdout.splitlines()),
            "newsterm_lines": len(first.stdout.splitlines()),
            "ratio": nt_s / rg_s if rg_s else None,
        }
    return out


def ssh_burst(root: Path, index_dir: Path, posts: int, seconds: float) -> dict:
    """``bench_ssh.py`` serving this archive and index: one client, then 30 at once."""
    name = f"bench_ssh-{posts}.json"
    cmd = [
        sys.executable, str(Path(__file__).with_name("bench_ssh.py")), "--archive", str(root),
        "--index-dir", str(index_dir), "--single", "1", "--crowds", "30",
        "--seconds", str(seconds), "--pause", "1", "--out", name,
        "--keep-log", str(c.OUT / f"bench_ssh-{posts}.server.log"),
    ]  # fmt: skip
    run = c.run(cmd, timeout=3600)
    if run.returncode != 0:
        return {"error": run.stderr.decode(errors="replace")[-2000:]}
    data = json.loads((c.REPO / "benchmarks" / "out" / name).read_text(encoding="utf-8"))
    crowd = data.get("crowd_30", {})
    return {
        "json": name,
        "table": run.stdout.decode(errors="replace"),
        "first_screen_1_s": data.get("first_screen_1", {}).get("median_s"),
        "burst_30_last_s": crowd.get("last_s"),
        "burst_30_failed": crowd.get("failed"),
        "reader_cpu_s_mean": crowd.get("reader_cpu_s_mean"),
        "server_cpu_s": crowd.get("server_cpu_s"),
        "pss_mb_mean": crowd.get("memory", {}).get("pss_mb_mean"),
        "latency_p95_s": crowd.get("latency_p95_s"),
        "load_before_burst": crowd.get("load_average_before"),
    }


def _floor() -> float:
    med, _runs = c.median_time([c.python_for_newsterm(), "-c", "pass"], 5)
    return med


def _cell(r: dict, key: str) -> object:
    """A table cell's value: ``part.key`` reads a nested result; some cells join two values."""
    if key == "build_load":
        a, b = r.get("load_before_build"), r.get("load_after_build")
        return None if a is None else f"{a:.1f} / {b:.1f}"
    if key == "merge_wall_cpu":
        if "merge_s" not in r:
            return None
        return f"{r['merge_s']:.1f} / {r['merge_cpu_s']:.1f} s ({r['segments']} segments)"
    if key == "sizes":
        return f"{r['index_bytes'] / 1e6:,.0f} / {r['archive_bytes'] / 1e6:,.0f} MB"
    if key.startswith("search."):
        q = r.get("search", {}).get(key.split(".", 1)[1])
        if not q:
            return None
        return f"{q['newsterm_s'] * 1000:.0f} / {q['rg_s'] * 1000:.0f} ms ({q['ratio']:.2f}x rg)"
    if key == "ssh.cpu":
        s = r.get("ssh", {})
        return (
            None
            if s.get("reader_cpu_s_mean") is None
            else (f"{s['reader_cpu_s_mean']:.2f} / {s['server_cpu_s']:.2f} s")
        )
    if key == "ssh.pss_p95":
        s = r.get("ssh", {})
        if s.get("pss_mb_mean") is None:
            return None
        p95 = s.get("latency_p95_s")
        return f"{s['pss_mb_mean']:.0f} MB; " + ("-" if p95 is None else f"{p95 * 1000:.0f} ms")
    if "." in key:
        part, name = key.split(".", 1)
        return r.get(part, {}).get(name)
    return r.get(key)


def report(results: list[dict], floor: float) -> str:
    cols = [f"{r['posts']:,} posts" for r in results]
    rows = []

    def row(name: str, fmt, key: str, target: str = "") -> None:
        cells = []
        for r in results:
            value = _cell(r, key)
            cells.append("-" if value is None else fmt(value))
        rows.append([name, *cells, target])

    row("reader: first screen", c.secs, "reader.first_screen_s", "<= 1 s")
    row("reader: whole list loaded", c.secs, "reader.full_list_s", "<= 2 s")
    row("reader: 'up to date' shown", c.secs, "reader.up_to_date_s", "<= no-change sync")
    row("reader: peak RSS", lambda v: f"{v:,.0f} MB", "reader.peak_rss_mb", "<= 400 MB")
    row("reader: RSS with the list", lambda v: f"{v:,.0f} MB", "reader.rss_after_list_mb")
    row("`newsterm index`, nothing changed", c.secs, "no_change_sync_s", "<= 0.5 s")
    row("  its CPU time (user + system)", c.secs, "no_change_sync_cpu_s")
    row("  floor: `find -printf` mtime+size", c.secs, "find_stats_s")
    row("  floor: its CPU time", c.secs, "find_stats_cpu_s")
    row("  floor: `find` names only", c.secs, "find_names_s")
    row("`newsterm index`, one post changed", c.secs, "one_change_sync_s", "<= 1 s")
    row("  its CPU time (user + system)", c.secs, "one_change_sync_cpu_s")
    row("full build", c.secs, "full_build_s", "<= 480 s")
    row("  its CPU time (all processes)", c.secs, "full_build_cpu_s")
    row("  load average before / after it", lambda v: v, "build_load")
    ratio = lambda v: f"{v:.2f}x"  # noqa: E731
    row("index size / archive size, as built", ratio, "index_ratio_built")
    row("  background merge (wall / CPU)", lambda v: v, "merge_wall_cpu")
    row("index size / archive size, merged", ratio, "index_ratio", "<= 1.5x")
    row("  index / archive bytes, merged", lambda v: v, "sizes")
    row("cold search, rare word: newsterm / rg", lambda v: v, "search.rare")
    row("cold search, phrase: newsterm / rg", lambda v: v, "search.phrase", "<= 1x rg at 20k")
    row("SSH: 30 at once, last first screen", c.secs, "ssh.burst_30_last_s", "<= 3 s")
    row("  1 client's first screen", c.secs, "ssh.first_screen_1_s")
    row("  readers' CPU to it (mean) / server's", lambda v: v, "ssh.cpu")
    row("  PSS per session; key→redraw p95, 30 active", lambda v: v, "ssh.pss_p95")
    row("load average at the end of this size", lambda v: f"{v:.1f}", "load_end")
    text = c.table(["measure", *cols, "target at 100k"], rows)
    states = [
        f"{r['posts']:,}: " + " → ".join(r.get("reader", {}).get("index_states_seen", []))
        for r in results
    ]
    return (
        text
        + f"\n\nfloor: python -c pass {floor * 1000:.0f} ms\nindex states the reader showed:\n  "
        + "\n  ".join(states)
    )


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        return child_main(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[20000, 100000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="measure a full build too")
    parser.add_argument("--no-reader", action="store_true")
    parser.add_argument("--no-merge", action="store_true", help="measure the index as built")
    parser.add_argument("--no-search", action="store_true", help="no cold searches against rg")
    parser.add_argument("--no-ssh", action="store_true", help="no SSH burst (bench_ssh.py)")
    parser.add_argument("--ssh-seconds", type=float, default=5.0, help="30 readers pressing keys")
    parser.add_argument("--reader-timeout", type=float, default=300.0)
    parser.add_argument(
        "--src",
        default="worktree",
        help="worktree (the checkout as it is), head, or a commit to measure (a baseline)",
    )
    parser.add_argument("--out", default="bench_scale.json")
    parser.add_argument(
        "--cache",
        default="cache",
        help="user cache folder under benchmarks/data/work (a baseline keeps its own index)",
    )
    args = parser.parse_args()
    c.set_env("XDG_CACHE_HOME", str(c.DATA / "work" / args.cache))
    source = c.use_source(args.src)
    if not args.no_search and not shutil.which("rg"):
        sys.exit("bench_scale: rg (ripgrep) is needed for the search rows (or --no-search)")
    load_start = os.getloadavg()[0]
    floor = _floor()
    results = [measure_size(n, args) for n in args.posts]
    text = report(results, floor)
    load = os.getloadavg()[0]
    print(
        f"\nnewsterm at scale ({source['mode']} {source['commit'][:10]}; "
        f"load {load_start:.1f} at the start, {load:.1f} at the end)"
    )
    print(text)
    path = c.write_json(
        args.out,
        {
            "machine": c.machine(),
            "source": source,
            "floor_python_s": floor,
            "load_start": load_start,
            "load_end": load,
            "targets_100k": TARGETS_100K,
            "results": results,
        },
    )
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
