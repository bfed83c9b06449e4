"""Benchmark: what `newsterm search` pays to find out whether its index is behind (issue 11).

Usage::

    python benchmarks/bench_stale_check.py [--posts 2000 20000 100000] [--repeat 7]

Before answering, a search compares the modification times of the archive's folders with the
index's last update (``search.index.folders_changed_since``): one ``scandir`` per folder and one
stat per folder, no stat of the post files. This measures that check on archives laid out as
``generate_archive.py`` lays them out (``YYYY/MM/`` folders over 15 years, posts as files; the
files are empty here, as the check never opens them), with a warm page cache (a search follows
other work on the archive). It also times the stat walk that a sync does (``os.stat`` of
every post file), which is what a search pays when the check says the index is behind. Prints
a table, writes ``benchmarks/out/bench_stale_check.json``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import _common as c


def _tree(root: Path, posts: int) -> int:
    """``posts`` empty post files in year/month folders; returns the number of folders."""
    if root.exists():
        shutil.rmtree(root)
    folders = set()
    for i in range(posts):
        year, month = 2011 + i % 15, 1 + (i // 15) % 12
        folder = root / f"{year}" / f"{month:02d}"
        if folder not in folders:
            folder.mkdir(parents=True, exist_ok=True)
            folders.add(folder)
        (folder / f"{year}-{month:02d}-01-post-{i:06d}.md").touch()
    return len(folders) + len({f.parent for f in folders}) + 1


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, nargs="+", default=[2000, 20000, 100000])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)
    c.use_source("worktree")
    from newsterm.search.index import folders_changed_since

    rows, results = [], []
    for posts in args.posts:
        root = c.DATA / f"stale-check-{posts}"
        folders = _tree(root, posts)
        since = time.time_ns()
        assert folders_changed_since(root, since) == 0
        check = _median_ms(lambda: folders_changed_since(root, since), args.repeat)  # noqa: B023

        def stat_walk(root: Path = root) -> None:
            for dirpath, _dirs, files in os.walk(root):
                for name in files:
                    os.stat(os.path.join(dirpath, name))

        walk = _median_ms(stat_walk, max(3, args.repeat // 2))
        (root / "2015" / "03" / "2015-03-02-new.md").touch()
        assert folders_changed_since(root, since) == 1
        rows.append((f"{posts:,}", folders, f"{check:.2f} ms", f"{walk:.1f} ms"))
        results.append(
            {"posts": posts, "folders": folders, "check_ms": check, "stat_walk_ms": walk}
        )
        shutil.rmtree(root)
    print(c.table(["posts", "folders", "stale check (median)", "stat walk of every post"], rows))
    path = c.write_json("bench_stale_check", {"machine": c.machine(), "results": results})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
