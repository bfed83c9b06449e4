"""Benchmark: reading every post's metadata with ``newsterm list --json`` (issue 2).

Usage::

    python benchmarks/bench_archive.py [--posts 2000 20000] [--repeat 3]

Each run is a fresh ``newsterm`` process ("cold" for Python; the files are in the page cache
after the first, unmeasured run). Prints a table and writes ``benchmarks/out/bench_archive.json``.
Target (issue 2): 20,000 posts well under 10 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys

import _common as c


def measure(posts: int, repeat: int, seed: int) -> dict:
    root, meta = c.generated_archive(posts, seed)
    cmd = [*c.newsterm_cmd(), "list", "--json", "--archive", str(root)]
    first = c.run(cmd)  # warms the page cache; also checks the output
    if first.returncode != 0:
        raise SystemExit(f"newsterm list failed on {root} (exit {first.returncode})")
    listed = len(json.loads(first.stdout))
    runs = [c.run(cmd) for _ in range(repeat)]
    times = [r.seconds for r in runs]
    return {
        "posts": posts,
        "listed": listed,
        "archive_mb": round(meta["bytes"] / 1e6, 1),
        "median_s": round(statistics.median(times), 3),
        "runs_s": [round(t, 3) for t in times],
        "posts_per_s": round(posts / statistics.median(times)),
        "peak_rss_mb": round(max(r.maxrss_mb for r in runs), 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="time `newsterm list --json` on generated archives")
    ap.add_argument("--posts", type=int, nargs="+", default=[2000, 20000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--src",
        choices=["head", "worktree"],
        default="head",
        help="measure the last commit (default) or the working tree as it is",
    )
    args = ap.parse_args(argv)
    source = c.use_source(args.src)

    results = [measure(n, args.repeat, args.seed) for n in args.posts]
    rows = [
        (
            f"{r['posts']:,}",
            f"{r['archive_mb']} MB",
            f"{r['median_s']:.2f} s",
            f"{r['posts_per_s']:,}/s",
            f"{r['peak_rss_mb']:.0f} MB",
            "yes" if r["listed"] == r["posts"] else f"NO ({r['listed']})",
        )
        for r in results
    ]
    headers = ("posts", "archive", f"list --json (median of {args.repeat})", "rate", "peak RSS")
    print(c.table((*headers, "all listed"), rows))
    target = next((r for r in results if r["posts"] == 20000), None)
    if target:
        verdict = "met" if target["median_s"] < 10 else "MISSED"
        print(f"\ntarget: 20,000 posts well under 10 s -> {target['median_s']:.2f} s ({verdict})")
    path = c.write_json(
        "bench_archive.json",
        {
            "machine": c.machine(),
            "source": source,
            "command": "newsterm list --json",
            "results": results,
        },
    )
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
