"""Benchmark: one huge post of headings (issue 13 item 9) in ``newsterm show`` and the reader.

Usage::

    python benchmarks/bench_huge_post.py [--sizes 1,4,15.9] [--no-reader]

For each size (MB), a post made only of ``## Heading number N`` lines (the worst case the
adversarial run found: a 15.9 MB post, under the 16 MiB read limit, burnt 40 CPU s and hit a
served reader's 512 MB limit) is written to a temporary archive, then measured in child
processes (peak RSS from ``wait4``):

* ``newsterm show`` with its output to /dev/null: wall and CPU time, peak RSS;
* the reader (Textual's pilot, headless, 120x40): from opening the post until its article is
  complete, the outline's size, CPU time and peak RSS.

Prints a table and writes ``benchmarks/out/bench_huge_post.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
NAME = "2024-01-01-huge.md"

READER = r"""
import asyncio, json, os, resource, sys, time
from pathlib import Path
from newsterm.state import ReadingState
from newsterm.tui.app import NewstermApp

root = Path(sys.argv[1])

async def main():
    app = NewstermApp(root, index_dir=root.parent / "ix", state=ReadingState.in_memory(root),
                      watch=False, sync_index=False, restore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.loaded:
            await pilot.pause(0.05)
        t0 = time.perf_counter()
        app.main.open_post(sys.argv[2])
        deadline = t0 + 600
        while not (app.doc is not None and app.doc.complete) and time.perf_counter() < deadline:
            await pilot.pause(0.05)
        took = time.perf_counter() - t0
        done = app.doc is not None and app.doc.complete
        lines = len(app.doc.lines) if app.doc is not None else 0
        sections = sum(1 for s in app.main.sections for _ in s.walk())
        title = app.outline.border_title
    print(json.dumps({"open_s": took, "complete": done, "lines": lines, "sections": sections,
                      "outline_title": str(title)}))

asyncio.run(main())
"""


def make_post(folder: Path, mb: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / NAME
    limit = int(mb * 1_000_000)
    with open(path, "w", encoding="utf-8") as out:
        out.write("---\ntitle: huge\ndate: 2024-01-01\n---\n\n")
        n = 0
        while out.tell() < limit:
            out.write(f"## Heading number {n}\n\n")
            n += 1
    return path


def run_child(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Wall s, CPU s, peak RSS (KB) and stdout of one child process."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, env=env)
        assert proc.stdout is not None
        out = proc.stdout.read().decode("utf-8", "replace")
        if not out.strip():
            err.seek(0)
            tail = err.read().decode("utf-8", "replace").strip().splitlines()[-3:]
            print("child failed:", *tail, sep="\n  ", file=sys.stderr)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    wall = time.perf_counter() - t0
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,4,15.9", help="post sizes in MB, comma separated")
    ap.add_argument("--no-reader", action="store_true", help="only measure newsterm show")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-huge-") as tmp:
        env = {**os.environ}
        for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
            env[var] = str(Path(tmp) / var.lower())
        for size in (float(s) for s in args.sizes.split(",")):
            archive = Path(tmp) / f"a{size}"
            make_post(archive, size)
            show = [sys.executable, "-m", "newsterm", "show", "--archive", str(archive), NAME]
            wall, cpu, rss, _ = run_child(show, env)
            row = {"mb": size, "show_s": wall, "show_cpu_s": cpu, "show_rss_mb": rss / 1024}
            if not args.no_reader:
                wall, cpu, rss, out = run_child(
                    [sys.executable, "-c", READER, str(archive), NAME], env
                )
                info = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
                row.update(
                    reader_open_s=info.get("open_s"), reader_cpu_s=cpu,
                    reader_rss_mb=rss / 1024, reader_lines=info.get("lines"),
                    reader_sections=info.get("sections"), reader_complete=info.get("complete"),
                    reader_outline_title=info.get("outline_title"),
                )  # fmt: skip
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    print()
    print(f"{'MB':>5} {'show s':>7} {'cpu':>6} {'RSS MB':>7} {'reader s':>9} {'cpu':>6} "
          f"{'RSS MB':>7} {'lines':>8} {'outline':>8}")  # fmt: skip
    for r in rows:
        print(
            f"{r['mb']:>5} {r['show_s']:>7.1f} {r['show_cpu_s']:>6.1f} {r['show_rss_mb']:>7.0f}"
            f" {r.get('reader_open_s') or 0:>9.1f} {r.get('reader_cpu_s') or 0:>6.1f}"
            f" {r.get('reader_rss_mb') or 0:>7.0f} {r.get('reader_lines') or 0:>8}"
            f" {r.get('reader_sections') or 0:>8}"
        )
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_huge_post.json").write_text(json.dumps(rows, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
