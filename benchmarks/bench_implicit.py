"""Benchmark: precision and recall of implicit headings against hand labels (issue 10).

Usage::

    python benchmarks/bench_implicit.py                    # score the rule against the labels
    python benchmarks/bench_implicit.py --candidates N     # lines to label in N more posts

``benchmarks/implicit_labels.tsv`` holds the labels: one row per labelled post of the corpus
that ``fetch_corpus.py`` extracts (``benchmarks/data/``), ``corpus-folder/path-in-archive`` then
the body lines (1-based, as in ``Section.line``) that are implicit headings, comma-separated,
empty when the post has none. Only paths and line numbers: no post text is kept in the repo.

A line is a heading when the blog's reader would take it for one: a short title standing for
the paragraph(s) under it, written without Markdown heading syntax (a plain line or a whole
bold line). Every line of a labelled post that a loose rule lists as a candidate was looked at.

Scoring runs :func:`newsterm.outline.extract_outline` on each labelled post and compares its
implicit headings with the labels (precision, recall, the misses and false hits by folder).
Writes ``benchmarks/out/bench_implicit.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DATA = BENCH / "data"
OUT = BENCH / "out"
LABELS = BENCH / "implicit_labels.tsv"
sys.path.insert(0, str(REPO / "src"))

from markdown_it import MarkdownIt  # noqa: E402

from newsterm import outline  # noqa: E402
from newsterm.archive import Archive, PostError  # noqa: E402

_MD = MarkdownIt("commonmark", {"html": True})
_BOLD = re.compile(r"\s*(\*\*|__).+\1\s*$")


def read_labels(path: Path = LABELS) -> dict[str, set[int]]:
    labels: dict[str, set[int]] = {}
    for row in path.read_text(encoding="utf-8").split("\n"):
        if not row.strip() or row.startswith("#"):
            continue
        name, _, lines = row.partition("\t")
        labels[name] = {int(x) for x in lines.split(",") if x.strip()}
    return labels


def load(name: str):
    folder, _, rel = name.partition("/")
    return Archive(DATA / folder).read(rel)


def predicted(body: str) -> set[int]:
    return {s.line for s in outline.flatten(outline.extract_outline(body)) if s.implicit}


def score(labels: dict[str, set[int]], show: int) -> dict:
    tp = fp = fn = 0
    by_folder: dict[str, list[int]] = {}
    misses, false_hits = [], []
    for name, truth in sorted(labels.items()):
        try:
            post = load(name)
        except (PostError, OSError) as err:
            print(f"cannot read {name}: {err}", file=sys.stderr)
            continue
        pred = predicted(post.body)
        lines = post.body.split("\n")
        f = by_folder.setdefault(name.split("/", 1)[0], [0, 0, 0, 0])
        f[0] += 1
        for _ln in sorted(pred & truth):
            tp += 1
            f[1] += 1
        for ln in sorted(pred - truth):
            fp += 1
            f[2] += 1
            false_hits.append(f"{name}:{ln}: {lines[ln - 1].strip()[:70]}")
        for ln in sorted(truth - pred):
            fn += 1
            f[3] += 1
            misses.append(f"{name}:{ln}: {lines[ln - 1].strip()[:70]}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(f"{'folder':14} {'posts':>5} {'tp':>4} {'fp':>4} {'fn':>4}")
    for folder, (n, a, b, c) in sorted(by_folder.items()):
        print(f"{folder:14} {n:>5} {a:>4} {b:>4} {c:>4}")
    print(f"{'TOTAL':14} {len(labels):>5} {tp:>4} {fp:>4} {fn:>4}")
    print(f"precision {precision:.3f}  recall {recall:.3f}")
    for item in false_hits[:show]:
        print("  false:", item)
    for item in misses[:show]:
        print("  missed:", item)
    return {
        "posts": len(labels),
        "labelled_headings": tp + fn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "by_folder": by_folder,
        "false_hits": false_hits,
        "misses": misses,
    }


# ----------------------------------------------------------------------------- labelling aid


def code_lines(body: str) -> set[int]:
    """0-based body lines inside fenced or indented code."""
    out: set[int] = set()
    for tok in _MD.parse(body):
        if tok.type in ("fence", "code_block") and tok.map:
            out.update(range(tok.map[0], tok.map[1]))
    return out


def candidates(body: str, blind: bool = False) -> list[int]:
    """1-based body lines worth a look: what the rule finds (unless ``blind``), every whole-line
    bold after a blank line, and every short line after a blank line that opens a paragraph and
    does not end with punctuation (outside code, ``<pre>`` blocks, math, link definitions)."""
    lines = body.split("\n")
    code = code_lines(body)
    out = set() if blind else set(predicted(body))
    in_pre = False
    for i, line in enumerate(lines):
        low = line.lower()
        if "<pre" in low:
            in_pre = "</pre>" not in low
            continue
        if in_pre:
            in_pre = "</pre>" not in low
            continue
        if i in code or not line.strip():
            continue
        prev_blank = i == 0 or not lines[i - 1].strip()
        s = line.strip()
        if not prev_blank:
            continue
        if _BOLD.match(line):
            out.add(i + 1)
            continue
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if not nxt or len(s) > 45 or s[-1] in ".?!;:{}(),=":
            continue
        if s[0] in "-*+>|#`!$[{" or s[:2].rstrip(".").isdigit() or _CODEY.search(s):
            continue
        if s[0] == "<" and not _TAGS.sub("", s).strip():
            continue  # a line of HTML tags only
        out.add(i + 1)
    return sorted(out)


_TAGS = re.compile(r"<[^<>]*>")
_CODEY = re.compile(r"[;{}]\s*$|^\s*(?:def|class|public|private|return|import|const|var|if|for)\b")


def print_candidates(name: str) -> None:
    post = load(name)
    lines = post.body.split("\n")
    pred = predicted(post.body)
    print(f"=== {name}")
    for ln in candidates(post.body):
        mark = "R" if ln in pred else " "
        prev = lines[ln - 2].strip()[:30] if ln >= 2 else ""
        nxt = lines[ln].strip()[:60] if ln < len(lines) else ""
        print(f" {mark} {ln:>4} | {lines[ln - 1].strip()[:60]}   \u23ce {nxt}   (prev: {prev})")


def blind_sample(per_folder: int, seed: int, labelled: dict[str, set[int]], whole: set[str]):
    """Posts for a blind check: every post of the folders in ``whole``, and ``per_folder``
    random unlabelled posts of each other corpus folder."""
    listing = json.loads((DATA / "corpus.json").read_text(encoding="utf-8"))
    rng = random.Random(seed)
    names = []
    for r in listing:
        folder = DATA / r["name"]
        if not folder.is_dir():
            continue
        paths = sorted(Archive(folder).iter_paths())
        rng.shuffle(paths)
        fresh = [f"{folder.name}/{p}" for p in paths if f"{folder.name}/{p}" not in labelled]
        names += fresh if folder.name in whole else fresh[:per_folder]
    return names


def show_blind(names: list[str]) -> None:
    """Each post's candidate lines with the lines around them, and nothing of the rule's
    output: label these before scoring."""
    for name in names:
        try:
            post = load(name)
        except PostError:
            continue
        lines = post.body.split("\n")
        cands = candidates(post.body, blind=True)
        print(f"=== {name}")
        for ln in cands:
            prev = lines[ln - 2].strip()[:30] if ln >= 2 else ""
            nxt = lines[ln].strip()[:50] if ln < len(lines) else ""
            print(f"   {ln:>4} | {lines[ln - 1].strip()[:60]}   \u23ce {nxt}   (prev: {prev})")


def show_candidates(n: int, seed: int, labelled: dict[str, set[int]]) -> None:
    listing = json.loads((DATA / "corpus.json").read_text(encoding="utf-8"))
    folders = [DATA / r["name"] for r in listing if (DATA / r["name"]).is_dir()]
    rng = random.Random(seed)
    per = max(1, n // max(1, len(folders)))
    for folder in folders:
        try:
            paths = list(Archive(folder).iter_paths())
        except Exception:
            continue
        rng.shuffle(paths)
        picked = 0
        for rel in paths:
            name = f"{folder.name}/{rel}"
            if name in labelled:
                continue
            try:
                post = Archive(folder).read(rel)
            except PostError:
                continue
            lines = post.body.split("\n")
            cands = candidates(post.body)
            pred = predicted(post.body)
            print(f"=== {name}")
            for ln in cands:
                mark = "R" if ln in pred else " "
                prev = lines[ln - 2].strip()[:30] if ln >= 2 else ""
                nxt = lines[ln].strip()[:50] if ln < len(lines) else ""
                print(f" {mark} {ln:>4} | {lines[ln - 1].strip()[:60]}   ⏎ {nxt}   (prev: {prev})")
            picked += 1
            if picked >= per:
                break


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="implicit headings: precision and recall")
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--candidates", type=int, default=0, help="list candidates in N new posts")
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("--posts", type=Path, help="list candidates of the posts named in this file")
    ap.add_argument("--show", type=int, default=40, help="false hits / misses to print")
    ap.add_argument("--label", default="")
    ap.add_argument(
        "--blind",
        metavar="FOLDERS",
        help="list blind candidates (no rule output) of every post of these comma-separated"
        " folders and --per-folder unlabelled posts of each other folder",
    )
    ap.add_argument("--per-folder", type=int, default=6)
    args = ap.parse_args(argv)
    labels = read_labels(args.labels) if args.labels.is_file() else {}
    if args.blind is not None:
        known = {**read_labels(LABELS), **labels}
        names = blind_sample(args.per_folder, args.seed, known, set(args.blind.split(",")))
        show_blind(names)
        return 0
    if args.posts:
        for row in args.posts.read_text(encoding="utf-8").split("\n"):
            if row.strip():
                print_candidates(row.split("\t")[0])
        return 0
    if args.candidates:
        show_candidates(args.candidates, args.seed, labels)
        return 0
    if not labels:
        print(f"no labels in {args.labels}", file=sys.stderr)
        return 2
    result = score(labels, args.show)
    OUT.mkdir(parents=True, exist_ok=True)
    name = f"bench_implicit-{args.label}.json" if args.label else "bench_implicit.json"
    (OUT / name).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
