"""Benchmark: how faithfully real archives are shown (issue 10).

Usage::

    python benchmarks/bench_fidelity.py [FOLDER ...] [--width 100] [--examples 3]

Without folders it measures every corpus folder that ``fetch_corpus.py`` extracted into
``benchmarks/data/`` (listed in ``benchmarks/data/corpus.json``). Every post of a folder is read
with newsterm's archive reader and rendered twice, as the reader shows it (the article view's
renderer) and as ``newsterm show`` prints it on a terminal; the plain text of each is checked:

* **raw markup**: posts whose rendered text still has ``{%``, ``%}``, ``{{``, ``{:``, an HTML
  tag (``<br>``, ``</div>`` ...: names of HTML elements only, ``Arc<T>`` is text), a footnote
  definition ``[^1]:`` or a ``**`` pair. What the post shows on purpose is not counted: for each
  pattern, only occurrences beyond those in the post's code and math (fenced, indented, inline,
  ``<pre>``, ``$…$``) and in the text that stock CommonMark (with GFM tables) leaves literal
  (``make: ***``, ``**a **``) count;
* **lost HTML text**: ``<h1>``..``<h6>`` and ``<blockquote>`` elements (outside code) whose
  words (their text read as Markdown) are not found in order in the rendered text laid out
  wide;
* **undated**: posts without a date; **section pages**: ``_index.*`` files listed as posts;
* **implicit headings**: headings the outline found without Markdown heading syntax, and the
  posts that have any.

Prints a table (one row per folder, one column pair per front: reader / show) and writes
``benchmarks/out/bench_fidelity.json`` (with ``--label NAME``, ``bench_fidelity-NAME.json``).
"""

from __future__ import annotations

import argparse
import html
import io
import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DATA = BENCH / "data"
OUT = BENCH / "out"
sys.path.insert(0, str(REPO / "src"))

from markdown_it import MarkdownIt  # noqa: E402
from mdit_py_plugins.tasklists import tasklists_plugin  # noqa: E402

from newsterm import outline  # noqa: E402
from newsterm.archive import Archive  # noqa: E402
from newsterm.models import Post  # noqa: E402

RAW_PATTERNS: dict[str, re.Pattern[str]] = {
    "{%": re.compile(r"\{%"),
    "%}": re.compile(r"%\}"),
    "{{": re.compile(r"\{\{"),
    "{:": re.compile(r"\{:"),
    "<tag": re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s+[^<>\n]*)?/?>"),
    "[^n]:": re.compile(r"\[\^[^\]\s]+\]:"),
    "**": re.compile(r"\*\*"),
    ":::": re.compile(r":::"),  # a colon container (:::tip … :::) shown as written
    "{#": re.compile(r"\{#[^\s{}]+"),  # a heading's id (## Why {#why}) shown as written
}
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_WS = re.compile(r"\s+")
_HTML_ELEMENT = re.compile(r"<(h[1-6]|blockquote)(?:\s[^>]*)?>(.*?)</\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^<>]*>")
_ELEMENT_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|code|del|em|i|ins|kbd|mark|s|samp|small|span|strong|sub|sup|tt|u|var)"
    r"(?:\s[^<>]*)?>",
    re.I,
)
_HTML_CODE = re.compile(r"<(pre|code|textarea)\b[^>]*>(.*?)</\1\s*>", re.I | re.S)
_ESCAPED_TAG = re.compile(r"&lt;/?[A-Za-z][^&\n]{0,80}?&gt;")
_LIQUID_RAW = re.compile(r"\{%-?\s*(?:raw|endraw)\s*-?%\}")
_MD = MarkdownIt("commonmark", {"html": True}).enable("table")  # GFM tables, as blogs
_MD_TASKS = MarkdownIt("commonmark", {"html": True}).use(tasklists_plugin)  # "[x]" is no word


# ----------------------------------------------------------------------------- the two fronts


def reader_text(post: Post, width: int) -> str:
    """The plain text of the article as the reader shows it."""
    core = _core_renderer()
    if core is not None:
        return core(post, width)
    from newsterm.tui.render import Palette, Renderer

    doc = Renderer(width, Palette()).render(outline.promote_headings(post.body))
    return "\n".join(t.plain for t in doc.lines)


class _TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def show_text(post: Post, width: int) -> str:
    """The plain text ``newsterm show`` prints on a terminal ``width`` columns wide."""
    from newsterm import cli_archive

    out = _TTY()
    saved, saved_cols = sys.stdout, os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    sys.stdout = out
    try:
        show = getattr(cli_archive, "show_post", None)
        if show is not None:
            show(post)
        else:
            cli_archive._show_rich(post, outline.promote_headings(post.body))
    finally:
        sys.stdout = saved
        if saved_cols is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved_cols
    return _ANSI.sub("", out.getvalue())


def _core_renderer() -> Callable[[Post, int], str] | None:
    """The core's one rendering function, once it exists (see issue 10: one rendering path)."""
    try:
        from newsterm.markdown import render_text
    except ImportError:
        return None
    return lambda post, width: render_text(post.body, width=width)


# ----------------------------------------------------------------------------- checks


def code_and_html(body: str) -> tuple[str, list[tuple[str, str]]]:
    """The text of the post's code (fences, indented code, code spans) and its HTML headings and
    block quotes (outside code) as ``(tag, text)``."""
    code: list[str] = []
    html_parts: list[str] = []
    from newsterm.markdown.preprocess import preprocess

    parsed = _MD.parse(preprocess(body))  # code as the blog shows it: {% highlight %} too
    for tok in parsed:
        if tok.type in ("fence", "code_block"):
            code.append(tok.content)
        elif tok.type == "html_block":
            html_parts.append(tok.content)
        for child in tok.children or ():
            if child.type == "code_inline":
                code.append(child.content)
            elif child.type == "html_inline":
                html_parts.append(child.content)
    # Math ($...$, $$...$$) is shown as its source on purpose, like code; so is code that
    # newsterm finds where stock CommonMark does not (Markdown lines inside an HTML block).
    from newsterm.markdown.setup import parse as newsterm_parse

    for tok in newsterm_parse(preprocess(body)):
        if tok.type in ("math_block", "math_block_label", "fence", "code_block"):
            code.append(tok.content)
        for child in tok.children or ():
            if child.type.startswith("math_inline") or child.type == "code_inline":
                code.append(child.content)
    # Code in HTML (<pre>, <code>, <textarea>) and text written with entities (&lt;T&gt;) is
    # shown as it is on purpose too.
    for m in _HTML_CODE.finditer(body):
        code.append(html.unescape(m.group(2)))
    code.extend(html.unescape(m.group(0)) for m in _ESCAPED_TAG.finditer(body))
    # Jekyll runs Liquid before Markdown: {% raw %} tags inside code are never shown.
    code_text = _LIQUID_RAW.sub("", "\n".join(code))
    joined = "".join(html_parts)
    # Inline tags are separate tokens: look for elements in the block HTML and in the whole
    # body outside code (a <blockquote> line followed by Markdown lines, say).
    elements = []
    outside = body
    for c in code:
        # Only code that could hold an element (a tag or a whole block): replacing a short inline
        # span such as `Projection` everywhere cut words out of real headings.
        if c.strip() and ("<" in c or "\n" in c):
            outside = outside.replace(c, " ")
    for m in _HTML_ELEMENT.finditer(outside):
        # (tags out, but not autolinks such as <https://x.org>: the reader shows those)
        inner = _INLINE_TAG.sub("", m.group(2))  # "<code>auto impl</code>s" reads "auto impls"
        text = _words(_markdown_text(html.unescape(_ELEMENT_TAG.sub(" ", inner))))
        if text:
            elements.append((m.group(1).lower(), text))
    del joined
    return code_text, elements


#: The elements of HTML (WHATWG, with the obsolete ones blogs still use): a "<name ...>" with any
#: other name (``Arc<T>``, ``<file>``, ``<eop>``, ``List<String>``) is the author's text.
HTML_ELEMENTS = frozenset(
    """a abbr address area article aside audio b base bdi bdo blockquote body br button canvas
    caption center cite code col colgroup data datalist dd del details dfn dialog div dl dt em
    embed fieldset figcaption figure font footer form h1 h2 h3 h4 h5 h6 head header hgroup hr
    html i iframe img input ins kbd label legend li link main map mark menu meta meter nav
    noscript object ol optgroup option output p param picture pre progress q rp rt ruby s samp
    script search section select slot small source span strike strong style sub summary sup
    table tbody td template textarea tfoot th thead time title tr track tt u ul var video
    wbr""".split()  # noqa: SIM905
)
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")


def _count(name: str, text: str) -> int:
    found = RAW_PATTERNS[name].findall(text)
    if name == "<tag":
        return sum(1 for t in found if _TAG_NAME.match(t).group(1).lower() in HTML_ELEMENTS)
    return len(found)


_SITE_SYNTAX = frozenset({":::", "{#"})


def raw_left(rendered: str, code_text: str, literal_text: str = "") -> list[str]:
    """The raw-markup patterns found in ``rendered`` more often than the post shows them on
    purpose: in its code (``code_text``) or as text that CommonMark itself reads literally
    (``literal_text``: ``make: ***``, ``**Help wanted: **`` whose closing ``**`` follows a
    space)."""
    found = []
    for name in RAW_PATTERNS:
        n = _count(name, rendered)
        # stock CommonMark shows ":::" as text, but the sites that write it render a box
        literal = 0 if name in _SITE_SYNTAX else _count(name, literal_text)
        if n and n > _count(name, code_text) + literal:
            found.append(name)
    return found


def literal_text(body: str) -> str:
    """The text (not code, not HTML) of the post as stock CommonMark reads it, after the blog
    dialects are turned into Markdown: markup characters in it are shown as they are by any
    CommonMark renderer (GitHub's, Zola's), so they are the author's text."""
    from newsterm.markdown.preprocess import preprocess

    out = []
    for tok in _MD.parse(preprocess(body)):
        for child in tok.children or ():
            if child.type == "text":
                out.append(child.content)
    return "\n".join(out)


def _markdown_text(source: str) -> str:
    """The text of Markdown ``source`` as stock CommonMark reads it (link targets are not
    text)."""
    out = []
    for tok in _MD_TASKS.parse(source):
        if tok.type in ("fence", "code_block"):
            out.append(tok.content)
        for child in tok.children or ():
            if child.type in ("text", "code_inline", "image"):
                out.append(child.content)
    return " ".join(out)


def _words(text: str) -> str:
    """The words of ``text`` (letters and digits), one space apart: Markdown inside an element
    (``> - item``, ``**``) and what the reader draws for it (``▌``, ``•``) are not words."""
    return " ".join(re.split(r"[\W_]+", text)).strip()


def _shown(words: list[str], rendered: list[str], at: dict[str, list[int]]) -> bool:
    """Whether ``words`` appear in order in ``rendered`` (the reader adds words of its own
    between them: an ordered list's numbers, a footnote's [1], code the element holds)."""
    if not words:
        return True
    for start in at.get(words[0], ())[:50]:
        i, j = 1, start + 1
        while i < len(words) and j < len(rendered):
            if rendered[j] == words[i]:
                i += 1
            j += 1
        if i == len(words):
            return True
    return False


def lost_html(rendered: str, elements: list[tuple[str, str]]) -> list[str]:
    shown = _words(rendered).split()
    at: dict[str, list[int]] = {}
    for i, w in enumerate(shown):
        at.setdefault(w, []).append(i)
    return [f"<{tag}> {text[:40]}" for tag, text in elements if not _shown(text.split(), shown, at)]


def is_section_page(path: str) -> bool:
    return Path(path).stem.lower() == "_index"


def measure(folder: Path, width: int, examples: int, fronts: tuple[str, ...]) -> dict:
    started = time.perf_counter()
    posts, problems = Archive(folder).load_all()
    row: dict = {
        "folder": folder.name,
        "posts": len(posts),
        "problems": len(problems),
        "undated": sum(1 for p in posts if p.date is None),
        "section_pages": sum(1 for p in posts if is_section_page(p.path)),
        "implicit_headings": 0,
        "posts_with_implicit": 0,
    }
    ex: dict[str, list[str]] = {}
    for front in fronts:
        row[f"{front}_raw_posts"] = 0
        row[f"{front}_lost_html_posts"] = 0
        row[f"{front}_lost_html_items"] = 0
        row[f"{front}_raw_by_pattern"] = dict.fromkeys(RAW_PATTERNS, 0)
    row["html_items"] = 0
    render_s = dict.fromkeys(fronts, 0.0)
    for post in posts:
        implicit = [s for s in outline.flatten(outline.extract_outline(post.body)) if s.implicit]
        row["implicit_headings"] += len(implicit)
        row["posts_with_implicit"] += bool(implicit)
        code_text, elements = code_and_html(post.body)
        literal = literal_text(post.body)
        row["html_items"] += len(elements)
        for front in fronts:
            t0 = time.perf_counter()
            try:
                text = reader_text(post, width) if front == "reader" else show_text(post, width)
            except Exception as err:  # one post that cannot be rendered is a finding, not a stop
                text = ""
                ex.setdefault(f"{front} error", []).append(f"{post.path}: {err!r}"[:200])
            render_s[front] += time.perf_counter() - t0
            raw = raw_left(text, code_text, literal)
            if raw:
                row[f"{front}_raw_posts"] += 1
                for name in raw:
                    row[f"{front}_raw_by_pattern"][name] += 1
                    key = f"{front} raw {name}"
                    if len(ex.setdefault(key, [])) < examples:
                        line = next(
                            (ln for ln in text.split("\n") if RAW_PATTERNS[name].search(ln)), ""
                        )
                        ex[key].append(f"{post.path}: {line.strip()[:100]}")
            # (compared with the text laid out wide: a long URL wrapped at the width would no
            # longer read as one word)
            lost = lost_html(text, elements)
            if lost:
                wide = reader_text(post, 100_000) if front == "reader" else show_text(post, 100_000)
                lost = lost_html(wide, elements)
            if lost:
                row[f"{front}_lost_html_posts"] += 1
                row[f"{front}_lost_html_items"] += len(lost)
                key = f"{front} lost html"
                if len(ex.setdefault(key, [])) < examples:
                    ex[key].append(f"{post.path}: {lost[0]}")
    for p in posts:
        if p.date is None and len(ex.setdefault("undated", [])) < examples:
            ex["undated"].append(p.path)
    row["render_s"] = {k: round(v, 1) for k, v in render_s.items()}
    row["seconds"] = round(time.perf_counter() - started, 1)
    row["examples"] = ex
    return row


def corpus_folders() -> list[Path]:
    listing = DATA / "corpus.json"
    if listing.is_file():
        names = [r["name"] for r in json.loads(listing.read_text(encoding="utf-8"))]
        return [DATA / n for n in names if (DATA / n).is_dir()]
    return []


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="count what real archives lose in rendering")
    ap.add_argument("folders", nargs="*", type=Path)
    ap.add_argument("--width", type=int, default=100)
    ap.add_argument("--examples", type=int, default=3, help="examples of each defect to print")
    ap.add_argument("--fronts", default="reader,show", help="reader, show or both")
    ap.add_argument("--label", default="", help="suffix of the JSON file name")
    args = ap.parse_args(argv)
    folders = args.folders or corpus_folders()
    if not folders:
        print("no folders: run benchmarks/fetch_corpus.py first, or name folders", file=sys.stderr)
        return 2
    fronts = tuple(f for f in args.fronts.split(",") if f in ("reader", "show"))
    rows = []
    for folder in folders:
        row = measure(folder, args.width, args.examples, fronts)
        rows.append(row)
        print(f"  {folder.name}: {row['posts']} posts in {row['seconds']} s", file=sys.stderr)

    total: dict = {"folder": "TOTAL"}
    for key in rows[0]:
        if isinstance(rows[0][key], int):
            total[key] = sum(r[key] for r in rows)
    for front in fronts:
        total[f"{front}_raw_by_pattern"] = {
            name: sum(r[f"{front}_raw_by_pattern"][name] for r in rows) for name in RAW_PATTERNS
        }
    cols = [
        ("folder", "folder", 14),
        ("posts", "posts", 6),
        ("undated", "undated", 7),
        ("section_pages", "_index", 6),
        ("posts_with_implicit", "impl.p", 6),
        ("implicit_headings", "impl.h", 6),
    ]
    for front in fronts:
        short = "rd" if front == "reader" else "sh"
        cols += [
            (f"{front}_raw_posts", f"raw.{short}", 6),
            (f"{front}_lost_html_posts", f"lost.{short}", 7),
        ]
    print("  ".join(f"{h:>{w}}" if i else f"{h:<{w}}" for i, (_k, h, w) in enumerate(cols)))
    for r in [*rows, total]:
        print(
            "  ".join(
                f"{r[k]!s:>{w}}" if i else f"{r[k]!s:<{w}}" for i, (k, _h, w) in enumerate(cols)
            )
        )
    for front in fronts:
        by = total[f"{front}_raw_by_pattern"]
        print(f"{front}: posts with raw " + ", ".join(f"{k} {v}" for k, v in by.items()))
    if args.examples:
        for r in rows:
            for key, items in r["examples"].items():
                for item in items:
                    print(f"  [{r['folder']}] {key}: {item}")
    OUT.mkdir(parents=True, exist_ok=True)
    name = f"bench_fidelity-{args.label}.json" if args.label else "bench_fidelity.json"
    commit = os.popen(f"git -C {REPO} rev-parse --short HEAD").read().strip()
    (OUT / name).write_text(
        json.dumps(
            {"commit": commit, "width": args.width, "rows": rows, "total": total},
            ensure_ascii=False,
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {OUT / name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
