"""Benchmark: the search index and ``newsterm search`` against ripgrep (issue 3).

Usage::

    python benchmarks/bench_search.py [--posts 2000 20000 [100000]] [--repeat 7]
                                      [--recall-at 2000] [--recall-words 200]

For each archive size, in one run, on a throwaway copy of a generated archive (posts are edited
for the sync test; the bundled archive is never touched):

* full build ``newsterm index --rebuild`` (wall time, MB/s of Markdown, peak RSS) and the
  index's size on disk;
* ``newsterm index`` with nothing changed, and after one post was edited (median of 3);
* cold one-shot ``newsterm search`` (a fresh process each time, median of ``--repeat``) for a
  rare word, a common word, a two-word query, a phrase and a category filter (plus English
  words), and ``rg -l -F`` for the same strings with the ratio; ``python3 -c pass`` start-up;
* a recall/precision check: ~200 Korean strings (stems, stems with particles, one syllable,
  pieces of words, names, absent strings) searched with ``--json --limit 100000`` and compared
  with a plain substring scan of every post's title and body.

newsterm is driven only through its CLI, as a user runs it: ``--archive DIR`` and the index in
its default place, the user cache folder (``XDG_CACHE_HOME`` points into ``benchmarks/data/work``),
so that a search pays for finding that folder as it does for a user. Prints tables and writes
``benchmarks/out/bench_search.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

import _common as c

TARGETS = {
    "build_s_20k": 120.0,
    "nochange_sync_s": 0.5,
    "one_change_sync_s": 1.0,
    "startup_margin_2k_s": 0.120,
}
# Hangul strings that the generator's syllable inventory never makes (checked before use).
_MARKERS = ("뷁퀩퉯", "뷁퀩퉰", "뷁퀩퉱", "뷁퀩퉲", "뷁퀩퉳")


def _nt(*args: str) -> list[str]:
    return [*c.newsterm_cmd(), *args]


def _search_cmd(work: Path, query: list[str], *extra: str) -> list[str]:
    return _nt("search", *query, *extra, "--archive", str(work))


def _index_cmd(work: Path, *extra: str) -> list[str]:
    return _nt("index", "--quiet", *extra, "--archive", str(work))


def _default_index_dir(work: Path) -> Path:
    """Where newsterm keeps the index of ``work`` (the measured source's own rule)."""
    from newsterm.paths import index_dir_for

    return index_dir_for(work)


def _need_ok(r: c.Run, what: str, ok: tuple[int, ...] = (0,)) -> None:
    if r.returncode not in ok:
        tail = r.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise SystemExit(f"{what} failed (exit {r.returncode}): {' / '.join(tail)}")


def _rg_cmd(kind: str, q: dict, root: Path) -> list[str]:
    """ripgrep doing the same job as the newsterm query, as far as a grep can."""
    if kind == "two-word":
        w1, w2 = q["words"]
        script = 'rg -l -0 -F -e "$1" "$3" | xargs -0 -r rg -l -F -e "$2"'
        return ["sh", "-c", script, "sh", w1, w2, str(root)]
    if kind == "category":
        name = q["words"][0]
        return ["rg", "-l", f"^categories: \\[(.*, )?{name}[,\\]]", str(root)]
    flags = ["-i"] if q.get("latin") else []
    return ["rg", "-l", "-F", *flags, "-e", q["text"], str(root)]


def _queries(meta: dict) -> list[tuple[str, dict]]:
    qs = meta["queries"]
    out: list[tuple[str, dict]] = []
    if qs["rare"]:
        w = qs["rare"][0]["word"]
        out.append(("rare word", {"argv": [w], "text": w}))
    if qs["common"]:
        w = qs["common"][0]["word"]
        out.append(("common word", {"argv": [w], "text": w}))
    w1, w2 = qs["two_word"]["query"].split()
    out.append(("two-word", {"argv": [w1, w2], "text": f"{w1} {w2}", "words": [w1, w2]}))
    phrase = qs["phrase"]["query"]
    out.append(("phrase", {"argv": [f'"{phrase}"'], "text": phrase}))
    cat = qs["category"]["name"]
    out.append(("category", {"argv": [f"category:{cat}"], "text": cat, "words": [cat]}))
    if qs.get("rare_en"):
        w = qs["rare_en"][0]["word"]
        out.append(("rare English", {"argv": [w], "text": w, "latin": True}))
    if qs.get("common_en"):
        w = qs["common_en"][0]["word"]
        out.append(("common English", {"argv": [w], "text": w, "latin": True}))
    return out


def _count_lines(data: bytes) -> int:
    return sum(1 for line in data.splitlines() if line.strip())


def _startup(repeat: int) -> dict:
    py = c.python_for_newsterm()
    sys_py = shutil.which("python3") or py
    # pyenv and friends put a shell-script shim first on PATH: time the real interpreter.
    real = c.run([sys_py, "-c", "import sys; print(sys.executable)"]).stdout.decode().strip()
    sys_py = real or sys_py
    venv_s, _ = c.median_time([py, "-c", "pass"], repeat)
    sys_s, _ = c.median_time([sys_py, "-c", "pass"], repeat)
    return {"python3_c_pass_s": sys_s, "venv_python_c_pass_s": venv_s, "python3": sys_py}


# --------------------------------------------------------------------------- one archive size


def measure_size(posts: int, args: argparse.Namespace, startup: dict) -> dict:
    src, meta = c.generated_archive(posts, args.seed)
    work = c.fresh_copy(src, f"archive-{posts}")
    index_dir = _default_index_dir(work)
    if index_dir.exists():
        shutil.rmtree(index_dir)
    mb = meta["bytes"] / 1e6
    res: dict = {"posts": posts, "archive_mb": round(mb, 1), "queries": []}

    print(f"[{posts}] full build ...", file=sys.stderr)
    r = c.run(_index_cmd(work, "--rebuild"), timeout=args.build_timeout)
    _need_ok(r, "newsterm index --rebuild")
    res["build_s"] = round(r.seconds, 2)
    res["build_mb_per_s"] = round(mb / r.seconds, 2)
    res["build_peak_rss_mb"] = round(r.maxrss_mb, 1)
    res["index_mb"] = round(c.dir_size(index_dir) / 1e6, 1)
    res["index_summary"] = r.stdout.decode("utf-8", "replace").strip()[-300:]

    print(f"[{posts}] syncs ...", file=sys.stderr)
    nochange = [c.run(_index_cmd(work)) for _ in range(max(3, args.sync_repeat))]
    for run in nochange:
        _need_ok(run, "newsterm index (no change)")
    res["nochange_sync_s"] = round(statistics.median(x.seconds for x in nochange), 3)
    res["nochange_sync_runs_s"] = [round(x.seconds, 3) for x in nochange]
    res["sync_peak_rss_mb"] = round(max(x.maxrss_mb for x in nochange), 1)
    res.update(_one_change(work, args))

    print(f"[{posts}] searches ...", file=sys.stderr)
    for kind, q in _queries(meta):
        cmd = _search_cmd(work, q["argv"])
        first = c.run(cmd)
        _need_ok(first, f"newsterm search {q['text']}", ok=(0, 1))
        rg = _rg_cmd(kind, q, work)
        c.run(rg)
        # Alternate newsterm and rg so that both see the same load on a shared machine.
        runs, rg_runs = [], []
        for _ in range(args.repeat):
            runs.append(c.run(cmd))
            rg_runs.append(c.run(rg))
        nt_s = statistics.median(x.seconds for x in runs)
        rg_s = statistics.median(x.seconds for x in rg_runs)
        full = c.run(_search_cmd(work, q["argv"], "--json", "--limit", "100000"))
        _need_ok(full, f"newsterm search --json {q['text']}", ok=(0, 1))
        nt_hits = len(json.loads(full.stdout or b"[]"))
        res["queries"].append(
            {
                "kind": kind,
                "query": " ".join(q["argv"]),
                "newsterm_s": round(nt_s, 4),
                "newsterm_runs_s": [round(x.seconds, 4) for x in runs],
                "newsterm_hits": nt_hits,
                "newsterm_peak_rss_mb": round(max(x.maxrss_mb for x in runs), 1),
                "rg_cmd": " ".join(rg[:-1]) if rg[0] == "rg" else "rg -l -F w1 | xargs rg -l -F w2",
                "rg_s": round(rg_s, 4),
                "rg_runs_s": [round(x.seconds, 4) for x in rg_runs],
                "rg_files": _count_lines(rg_runs[0].stdout.replace(b"\0", b"\n")),
                "ratio": round(nt_s / rg_s, 2) if rg_s else None,
            }
        )
    rare = next((q for q in res["queries"] if q["kind"] == "rare word"), None)
    if rare:
        res["rare_minus_python3_s"] = round(rare["newsterm_s"] - startup["python3_c_pass_s"], 4)
        res["rare_minus_venv_python_s"] = round(
            rare["newsterm_s"] - startup["venv_python_c_pass_s"], 4
        )
    if posts in args.recall_at:
        print(f"[{posts}] recall/precision ...", file=sys.stderr)
        res["recall"] = recall_check(work, meta, args.recall_words, args.seed)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(index_dir, ignore_errors=True)
    return res


def _one_change(work: Path, args: argparse.Namespace) -> dict:
    """Edit one post (append a paragraph with a new word, new mtime), sync, find the word."""
    rng = random.Random(args.seed)
    paths = sorted(p for p in work.rglob("*.md"))
    times, found = [], []
    for marker in _MARKERS[: max(3, args.sync_repeat)]:
        probe = c.run(["rg", "-l", "-F", marker, str(work)])
        if probe.returncode == 0:
            raise SystemExit(f"marker {marker} already in the archive; pick another")
        post = rng.choice(paths)
        with post.open("a", encoding="utf-8") as f:
            f.write(f"\n추가 문단: {marker}가 새로 들어간 문장이다.\n")
        later = time.time() + 2
        os.utime(post, (later, later))
        r = c.run(_index_cmd(work))
        _need_ok(r, "newsterm index (one change)")
        times.append(r.seconds)
        s = c.run(_search_cmd(work, [marker], "--json"))
        hits = [h["path"] for h in json.loads(s.stdout or b"[]")]
        found.append(hits == [post.relative_to(work).as_posix()])
    return {
        "one_change_sync_s": round(statistics.median(times), 3),
        "one_change_sync_runs_s": [round(t, 3) for t in times],
        "one_change_found_after_sync": all(found),
    }


# --------------------------------------------------------------------------- recall/precision


def recall_check(work: Path, meta: dict, n_words: int, seed: int) -> dict:
    """Compare ``newsterm search`` hits with a plain substring scan of titles and bodies."""
    from newsterm.archive import Archive  # the measured source (see _common.use_source)

    posts, problems = Archive(work).load_all()
    texts = {p.path: p.title + "\n" + p.body for p in posts}
    extra = {p.path: " ".join((*p.categories, *p.tags)) for p in posts}
    words = list(meta["recall_words"])
    random.Random(seed).shuffle(words)
    words = words[:n_words]
    tp = fp = fn = 0
    per_kind: dict[str, list[int]] = {}
    misses, extras = [], []
    t0 = time.perf_counter()
    for item in words:
        w = item["word"]
        truth = {path for path, text in texts.items() if w in text}
        r = c.run(_search_cmd(work, [w], "--json", "--limit", "100000"), timeout=600)
        if r.returncode not in (0, 1):
            misses.append({"word": w, "kind": item["kind"], "error": r.returncode})
            fn += len(truth)
            continue
        got = {h["path"] for h in json.loads(r.stdout or b"[]")}
        # Hits explained by categories/tags are right, not false positives.
        explained = {p for p in got - truth if w in extra.get(p, "")}
        w_tp, w_fp, w_fn = len(got & truth), len(got - truth - explained), len(truth - got)
        tp, fp, fn = tp + w_tp, fp + w_fp, fn + w_fn
        k = per_kind.setdefault(item["kind"], [0, 0, 0, 0])
        k[0] += 1
        k[1] += w_tp
        k[2] += w_fp
        k[3] += w_fn
        if w_fn:
            misses.append({"word": w, "kind": item["kind"], "missed": sorted(truth - got)[:5]})
        if w_fp:
            extras.append({"word": w, "kind": item["kind"], "extra": sorted(got - truth)[:5]})
    return {
        "words": len(words),
        "posts_scanned": len(posts),
        "problems": len(problems),
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "recall": round(tp / (tp + fn), 5) if tp + fn else 1.0,
        "precision": round(tp / (tp + fp), 5) if tp + fp else 1.0,
        "by_kind": {
            kind: {"words": v[0], "tp": v[1], "fp": v[2], "fn": v[3]}
            for kind, v in sorted(per_kind.items())
        },
        "words_with_misses": misses[:30],
        "words_with_extra_hits": extras[:30],
        "seconds": round(time.perf_counter() - t0, 1),
    }


# --------------------------------------------------------------------------- report


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(results: list[dict], startup: dict, repeat: int) -> str:
    lines = []
    rows = [
        (
            f"{r['posts']:,}",
            f"{r['archive_mb']} MB",
            c.secs(r["build_s"]),
            f"{r['build_mb_per_s']:.2f} MB/s",
            f"{r['index_mb']} MB",
            c.secs(r["nochange_sync_s"]),
            c.secs(r["one_change_sync_s"]),
            f"{r['build_peak_rss_mb']:.0f} MB",
        )
        for r in results
    ]
    headers = ("posts", "archive", "full build", "rate", "index size", "no-change sync",
               "one-change sync", "build peak RSS")  # fmt: skip
    lines.append(c.table(headers, rows))
    lines.append("")
    rows = []
    for r in results:
        for q in r["queries"]:
            rows.append(
                (
                    f"{r['posts']:,}",
                    q["kind"],
                    q["query"],
                    c.ms(q["newsterm_s"]),
                    q["newsterm_hits"],
                    c.ms(q["rg_s"]),
                    q["rg_files"],
                    f"{q['ratio']:.2f}x" if q["ratio"] else "-",
                )
            )
    headers = ("posts", "query", "as typed", f"newsterm search (median of {repeat})", "hits",
               "rg", "rg files", "newsterm/rg")  # fmt: skip
    lines.append(c.table(headers, rows))
    lines.append("")
    lines.append(
        f"python3 -c pass: {c.ms(startup['python3_c_pass_s'])}; "
        f"venv python -c pass: {c.ms(startup['venv_python_c_pass_s'])}"
    )
    recalls = [(r["posts"], r["recall"]) for r in results if "recall" in r]
    if recalls:
        lines.append("")
        rows = []
        for posts, rc in recalls:
            rows.append(
                (
                    f"{posts:,}",
                    rc["words"],
                    rc["true_positives"],
                    rc["false_positives"],
                    rc["false_negatives"],
                    f"{rc['recall']:.4f}",
                    f"{rc['precision']:.4f}",
                )
            )
        headers = ("posts", "words", "true pos.", "false pos.", "false neg.", "recall", "precision")
        lines.append(c.table(headers, rows))
        for posts, rc in recalls:
            kinds = ", ".join(
                f"{k}: {v['words']} words fp {v['fp']} fn {v['fn']}"
                for k, v in rc["by_kind"].items()
            )
            lines.append(f"  {posts:,} by kind: {kinds}")
    lines.append("")
    lines.append("targets:")
    for r in results:
        if r["posts"] == 20000:
            lines.append(
                f"  full build at 20k <= 120 s: {c.secs(r['build_s'])} "
                f"({_verdict(r['build_s'] <= TARGETS['build_s_20k'])})"
            )
        lines.append(
            f"  [{r['posts']:,}] no-change sync <= 0.5 s: {c.secs(r['nochange_sync_s'])} "
            f"({_verdict(r['nochange_sync_s'] <= TARGETS['nochange_sync_s'])}); "
            f"one change <= 1 s: {c.secs(r['one_change_sync_s'])} "
            f"({_verdict(r['one_change_sync_s'] <= TARGETS['one_change_sync_s'])}"
            f"{'' if r['one_change_found_after_sync'] else ', EDIT NOT FOUND BY SEARCH'})"
        )
        rare = next((q for q in r["queries"] if q["kind"] == "rare word"), None)
        if rare and r["posts"] >= 20000:  # the issue sets this target at 20,000 posts
            lines.append(
                f"  [{r['posts']:,}] rare word no slower than rg: {c.ms(rare['newsterm_s'])} vs "
                f"{c.ms(rare['rg_s'])} ({_verdict(rare['newsterm_s'] <= rare['rg_s'])})"
            )
        if r["posts"] == 2000 and "rare_minus_python3_s" in r:
            d = r["rare_minus_python3_s"]
            lines.append(
                f"  [2,000] rare-word search within 120 ms of python3 -c pass: +{d * 1000:.0f} ms "
                f"({_verdict(d <= TARGETS['startup_margin_2k_s'])}); vs venv python "
                f"+{r['rare_minus_venv_python_s'] * 1000:.0f} ms"
            )
    for posts, rc in recalls:
        ok = rc["recall"] == 1.0 and rc["precision"] >= 0.999
        lines.append(
            f"  [{posts:,}] recall 1.0 / precision >= 0.999: {rc['recall']:.4f} / "
            f"{rc['precision']:.4f} ({_verdict(ok)})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="benchmark the search index and newsterm search")
    ap.add_argument("--posts", type=int, nargs="+", default=[2000, 20000])
    ap.add_argument("--repeat", type=int, default=7, help="runs per search timing (>= 5)")
    ap.add_argument("--sync-repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--recall-at", type=int, nargs="*", default=[2000])
    ap.add_argument("--recall-words", type=int, default=200)
    ap.add_argument("--build-timeout", type=float, default=1800.0)
    ap.add_argument("--keep", action="store_true", help="keep the work copies and indexes")
    ap.add_argument(
        "--src",
        choices=["head", "worktree"],
        default="head",
        help="measure the last commit (default) or the working tree as it is",
    )
    args = ap.parse_args(argv)
    # newsterm finds its index in the user cache folder, here one under benchmarks/data/work.
    c.set_env("XDG_CACHE_HOME", str(c.DATA / "work" / "cache"))
    source = c.use_source(args.src)
    args.repeat = max(5, args.repeat)
    if not shutil.which("rg"):
        raise SystemExit("ripgrep is missing: apt-get install -y ripgrep")

    machine_before = c.machine()
    startup = _startup(args.repeat)
    results: list[dict] = []
    for n in args.posts:
        results.append(measure_size(n, args, startup))
        text = report(results, startup, args.repeat)
        path = c.write_json(
            "bench_search.json",
            {
                "machine": machine_before,
                "load_average_after": c.machine()["load_average"],
                "source": source,
                "targets": TARGETS,
                "startup": startup,
                "results": results,
                "report": text,
                "complete": len(results) == len(args.posts),
            },
        )
        if len(results) < len(args.posts):  # partial results survive an interrupted run
            print(text, file=sys.stderr)
    print(text)
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
