"""Where an index's bytes go: per file type, and inside the term tables (issue 12).

    .venv/bin/python benchmarks/bench_index_size.py INDEX_DIR [--archive ARCHIVE] [--label L]

INDEX_DIR is an archive's index folder (the one with ``CURRENT``) or a generation folder. The
table gives the bytes of each kind of file (term tables ``.trm``, postings ``.pst``, stored
fields, length and sort columns, the manifest, the catalog), and, reading every segment's term
table, how its bytes split into Whoosh's hash-table overhead (slots, key and value lengths, the
ordered index), the keys, the term infos, the posting lists inlined in them, and how many
(field, term) entries repeat a term another segment already has. Postings are split by field.
Writes JSON to ``benchmarks/out/index_size-<label>.json``. Reads the index only.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "src"))

from newsterm.search import store  # noqa: E402


def _kind(name: str) -> str:
    if name.startswith("MAIN_") and "." in name:
        return name[name.index(".") :]  # .trm, .pst, ._stored.col, ._body_len.col, ...
    if name.startswith("_MAIN_"):
        return "TOC"
    return name


def file_table(folder: Path, extra: list[Path]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = collections.defaultdict(lambda: {"files": 0, "bytes": 0})
    for entry in [*folder.iterdir(), *extra]:
        if entry.is_file():
            k = _kind(entry.name)
            out[k]["files"] += 1
            out[k]["bytes"] += entry.stat().st_size
    return dict(out)


def term_tables(folder: Path) -> dict:
    """Split every segment's term table (and postings file, by field)."""
    from whoosh import index as windex
    from whoosh.codec.whoosh3 import W3TermInfo
    from whoosh.filedb.filetables import _directory_size, _lengths, _pointer

    import newsterm.search.index  # noqa: F401  (the codec's modules under their old names)
    from newsterm.search.codec import CompactTermInfo

    ix = windex.open_dir(str(folder))
    segments = ix._segments()
    seen: set[bytes] = set()
    acc = collections.Counter()
    by_field = collections.Counter()
    post_by_field = collections.Counter()
    postings_by_field = collections.Counter()
    for seg in segments:
        codec = seg.codec()
        tr = codec.terms_reader(ix.storage, seg)
        tindex = tr._tindex
        unmap = tr._fieldunmap
        n = 0
        for key, value in tindex.items():
            n += 1
            fnum = int.from_bytes(key[:2], "big")  # whoosh3's key: field number (ushort), term
            field = unmap[fnum] if fnum < len(unmap) else "?"
            if value[0] == 2:  # newsterm's compact inlined list (codec.CompactTermInfo)
                info = CompactTermInfo.from_bytes(value)
                df = info.doc_frequency()
                head = 3
            else:  # Whoosh's term info: a pickled inlined list (flags 1) or a pointer
                df = int.from_bytes(value[5:9], "big")
                head = W3TermInfo._struct.size
            acc["postings"] += df
            postings_by_field[field] += df
            acc["key bytes"] += len(key)
            acc["item lengths (8 B)"] += _lengths.size
            acc["term info fixed"] += head
            rest = len(value) - head
            by_field[field] += _lengths.size + len(key) + len(value)
            if value[0]:
                acc["inlined postings"] += rest
                acc["entries inlined"] += 1
                acc["postings inlined"] += df
            else:
                acc["pointer to postings (12 B)"] += rest
                info = W3TermInfo.from_bytes(value)
                length = info.extent()[1]  # (Whoosh's unpack_int gives a 1-tuple)
                post_by_field[field] += length[0] if isinstance(length, tuple) else length
            if key in seen:
                acc["entries repeating another segment's term"] += 1
                acc["bytes of repeated entries"] += (
                    _lengths.size + len(key) + len(value) + 2 * _pointer.size + 4
                )
            else:
                seen.add(key)
        acc["entries"] += n
        slots = sum(numslots for _pos, numslots in tindex.tables)
        acc["hash slots (12 B, 2 per entry)"] += slots * _pointer.size
        acc["directory (256 x 12 B)"] += _directory_size
        acc["ordered index (per entry)"] += tindex.extras.get("indexlen", 0) * 4
        tr.close()
    acc["distinct (field, term)"] = len(seen)
    return {
        "segments": len(segments),
        "docs": ix.doc_count_all(),
        "parts": dict(acc),
        "term_table_by_field": dict(by_field),
        "postings_by_field": dict(post_by_field),
        "posting_count_by_field": dict(postings_by_field),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("index_dir", type=Path)
    ap.add_argument("--archive", type=Path, help="the archive, for the size ratio")
    ap.add_argument("--label", default="index")
    args = ap.parse_args()
    top = args.index_dir
    folder = store.current_dir(top)
    extra = [p for p in top.iterdir() if p.is_file()] if folder != top else []
    files = file_table(folder, extra)
    total = sum(v["bytes"] for v in files.values())
    archive_bytes = None
    if args.archive:
        archive_bytes = sum(
            os.path.getsize(os.path.join(d, f))
            for d, _s, fs in os.walk(args.archive)
            for f in fs
            if f.endswith((".md", ".markdown"))
        )
    t0 = time.monotonic()
    terms = term_tables(folder)
    took = time.monotonic() - t0

    print(f"index {top} ({terms['segments']} segments, {terms['docs']:,} posts)")
    if archive_bytes:
        print(
            f"archive Markdown {archive_bytes / 1e6:,.1f} MB; index {total / 1e6:,.1f} MB "
            f"= {total / archive_bytes:.2f}x"
        )
    print("\n| file type | files | MB | share |\n|---|---|---|---|")
    for k, v in sorted(files.items(), key=lambda kv: -kv[1]["bytes"]):
        if v["bytes"] >= 50_000:
            print(f"| {k} | {v['files']} | {v['bytes'] / 1e6:,.1f} | {v['bytes'] / total:.1%} |")
    trm = files.get(".trm", {}).get("bytes", 0)
    print("\n| inside the term tables | MB or count | share of .trm |\n|---|---|---|")
    for k, v in terms["parts"].items():
        if k.startswith(("entries", "distinct", "postings")):
            print(f"| {k} | {v:,} | |")
        else:
            print(f"| {k} | {v / 1e6:,.1f} | {v / trm:.1%} |")
    print("\n| field | term table MB | postings file MB | postings |\n|---|---|---|---|")
    for f, v in sorted(terms["term_table_by_field"].items(), key=lambda kv: -kv[1]):
        print(
            f"| {f} | {v / 1e6:,.1f} | {terms['postings_by_field'].get(f, 0) / 1e6:,.1f} "
            f"| {terms['posting_count_by_field'].get(f, 0):,} |"
        )
    print(f"\n(read in {took:.1f} s)")
    out = BENCH / "out"
    out.mkdir(exist_ok=True)
    (out / f"index_size-{args.label}.json").write_text(
        json.dumps(
            {"index": str(top), "files": files, "total": total, "archive": archive_bytes, **terms},
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
