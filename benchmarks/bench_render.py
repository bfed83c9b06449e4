"""Benchmark: how long the one Markdown path takes to lay out posts (issue 10, "stay fast").

Usage::

    python benchmarks/bench_render.py [FOLDER ...] [--width 100] [--limit 300]

For each folder (default: the real-archive corpus in ``benchmarks/data/`` and the bundled
``archive/``), every post (up to ``--limit``) is laid out as the reader lays it out
(:class:`newsterm.markdown.Renderer`, code highlighted) and its search snippet is made; the
table shows the median, 90th percentile and largest time per post. A 200 KB post made of the
folder's posts shows the progressive path: time to the first chunk of lines the reader can show,
and to the whole post. CPU time (``time.process_time``) is used, so that other processes on the
machine disturb the figures less. Writes ``benchmarks/out/bench_render.json``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import _common as c
from newsterm.archive import Archive
from newsterm.markdown import Palette, Renderer
from newsterm.search.snippets import make_snippet


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def bench_folder(folder: Path, width: int, limit: int) -> dict:
    posts, _ = Archive(folder).load_all()
    posts = posts[:limit]
    layout: list[float] = []
    snippet: list[float] = []
    for post in posts:
        t0 = time.process_time()
        Renderer(width, Palette()).render(post.body)
        t1 = time.process_time()
        make_snippet(post.body, post.title.split()[0] if post.title.split() else "")
        t2 = time.process_time()
        layout.append(t1 - t0)
        snippet.append(t2 - t1)
    big = ""
    for post in posts:
        if len(big.encode()) >= 200_000:
            break
        big += post.body + "\n\n"
    big = big[:200_000]
    first: list[float] = []
    t0 = time.process_time()
    doc = Renderer(width, Palette()).render(
        big,
        on_chunk=lambda _d: first.append(time.process_time() - t0) if not first else None,
        chunk_lines=200,
    )
    whole = time.process_time() - t0
    return {
        "folder": folder.name,
        "posts": len(posts),
        "layout_median_ms": round(statistics.median(layout) * 1000, 1) if layout else None,
        "layout_p90_ms": round(_pct(layout, 0.9) * 1000, 1) if layout else None,
        "layout_max_ms": round(max(layout) * 1000, 1) if layout else None,
        "snippet_median_ms": round(statistics.median(snippet) * 1000, 2) if snippet else None,
        "big_kb": len(big.encode()) // 1024,
        "big_first_chunk_ms": round(first[0] * 1000) if first else None,
        "big_whole_ms": round(whole * 1000),
        "big_lines": len(doc.lines),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description="time the one Markdown path on real posts")
    ap.add_argument("folders", nargs="*", type=Path)
    ap.add_argument("--width", type=int, default=100)
    ap.add_argument("--limit", type=int, default=300)
    args = ap.parse_args()
    folders = args.folders or [
        *sorted(p for p in c.DATA.iterdir() if p.is_dir()),
        c.REPO / "archive",
    ]
    rows = []
    for folder in folders:
        if not folder.is_dir():
            print(f"skipped (not a folder): {folder}", file=sys.stderr)
            continue
        row = bench_folder(folder, args.width, args.limit)
        rows.append(row)
        print(f"  {row['folder']}: {row['posts']} posts", file=sys.stderr)
    headers = ["folder", "posts", "median", "p90", "max", "snippet", "200KB first", "200KB all"]
    print(
        c.table(
            headers,
            [
                [
                    r["folder"],
                    r["posts"],
                    f"{r['layout_median_ms']} ms",
                    f"{r['layout_p90_ms']} ms",
                    f"{r['layout_max_ms']} ms",
                    f"{r['snippet_median_ms']} ms",
                    f"{r['big_first_chunk_ms']} ms",
                    f"{r['big_whole_ms']} ms",
                ]
                for r in rows
            ],
        )
    )
    path = c.write_json(
        "bench_render.json", {"machine": c.machine(), "width": args.width, "rows": rows}
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
