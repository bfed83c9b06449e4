"""What a forked reader's Private memory grows by when it builds lists over posts it shares with
the zygote it was forked from (copy-on-write pages it touches become its own).

This process plays the zygote: it reads a catalog whole (``Catalog.load``, as ``preload`` does,
with its posts by path), then ``gc.collect(); gc.freeze()``, and forks one child per step. Each
child reads its ``smaps_rollup`` (Private = dirty + clean), does one thing, and reads it again:

* ``list``: one copy of the list (``list(posts)``: every post's reference count written);
* ``list+dict``: that and a new dict by path (what a rebuilt list and ``by_path`` cost);
* ``load``: ``Catalog.load()`` afresh, the whole catalog read again (what a served reader did
  after each server write), kept alive with its dict;
* ``overlay``: one changed post applied with ``Listing.changed`` and a screenful of rows read.

    .venv/bin/python benchmarks/bench_cow.py --index-dir I --archive A
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path


def private_mb() -> float:
    total = 0
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith(("Private_Dirty:", "Private_Clean:")):
            total += int(line.split()[1])
    return total / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index-dir", required=True)
    ap.add_argument("--archive", required=True)
    args = ap.parse_args()
    from newsterm.catalog import Catalog, Changes
    from newsterm.models import PostInfo

    catalog = Catalog.beside(args.index_dir, args.archive, writable=False)
    listing = catalog.load()
    if listing is None:
        print("no catalog", file=sys.stderr)
        return 1
    listing.by_path  # noqa: B018  (as preload makes it)
    gc.collect()
    gc.freeze()
    posts = listing.posts
    print(f"posts: {len(posts):,}  zygote Private {private_mb():.1f} MB")

    def step(name: str) -> object:
        if name == "list":
            return list(posts)
        if name == "list+dict":
            copy = list(posts)
            return copy, {p.path: p for p in copy}
        if name == "load":
            fresh = catalog.load()
            assert fresh is not None
            return fresh, fresh.by_path
        top = posts[0]
        changed = PostInfo(top.path, "changed " + top.title, top.date, top.categories, top.tags)
        mark = listing.mark or ("", 0)
        newer = listing.changed(Changes((mark[0], mark[1] + 1), [changed]))
        assert newer is not None
        return newer, [newer.posts[i] for i in range(60)], newer.by_path.get(top.path)

    for name in ("list", "list+dict", "load", "overlay"):
        pid = os.fork()
        if pid == 0:
            before = private_mb()
            c0 = time.process_time()
            kept = step(name)
            cpu = time.process_time() - c0
            after = private_mb()
            print(f"{name:10} +{after - before:6.1f} MB Private  {cpu:.3f} CPU s", flush=True)
            del kept
            os._exit(0)
        os.waitpid(pid, 0)
    print(f"load: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
