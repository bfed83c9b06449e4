"""The search query language, its translation to Whoosh queries, and match spans for highlighting.

Language (any string parses, or raises :class:`~newsterm.errors.QueryError` with one line):

* words are ANDed: ``넷플릭스 극장``; ``AND`` may be written, ``OR`` (upper case) between two
  terms means either, ``NOT x`` or ``-x`` leaves out posts with ``x``; ``( ... )`` groups.
* ``"a phrase"`` matches its words in sequence.
* ``title:word``, ``section:word`` search only titles or section titles (``title:"a phrase"``
  too); ``category:x`` / ``tag:x`` match a whole category or tag, case-insensitively
  (``category:"machine learning"``); ``lang:en`` (``language:``) keeps posts in that language
  (a code or a name: ``ko``, ``en-US``, ``English``; see :mod:`newsterm.language`).
* ``date:2025``, ``date:2025-08``, ``date:2025-08-18`` and ``date:[2025-01-01 to 2025-06-30]``
  (either end may be ``*`` or left out) filter on the post's own calendar date.
* anything else before a colon (``10:30``, ``https://x``) is just text.

A Hangul word behaves like a substring search (see :mod:`newsterm.search.analysis`); a Latin word
matches its stem. :func:`find_matches` finds the same matches in a text, for highlighting.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from newsterm.errors import QueryError
from newsterm.search.analysis import Piece, Record, normalize, piece_terms, pieces, stem_spans

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "MAX_QUERY",
    "TEXT_FIELDS",
    "find_matches",
    "parse",
    "to_whoosh",
]

MAX_QUERY = 500
"""Longest query accepted, in characters."""

MAX_DEPTH = 16
"""Deepest nesting of parentheses and NOTs accepted."""

TEXT_FIELDS = ("title", "sections", "body")

_FIELD_ALIASES = {
    "title": "title",
    "section": "sections",
    "sections": "sections",
    "body": "body",
    "category": "categories",
    "categories": "categories",
    "cat": "categories",
    "tag": "tags",
    "tags": "tags",
    "date": "date",
    "lang": "lang",
    "language": "lang",
}
_KEYWORD_FIELDS = ("categories", "tags")


# --------------------------------------------------------------------------- syntax tree


class Text(Record):
    """Words or a phrase; ``field`` None means title, section titles and body."""

    __slots__ = ("field", "pieces", "text")

    def __init__(self, text: str, pieces: tuple[Piece, ...], field: str | None = None) -> None:
        self.text = text
        self.pieces = pieces
        self.field = field


class Keyword(Record):
    __slots__ = ("field", "value")

    def __init__(self, field: str, value: str) -> None:
        self.field = field
        self.value = value


class DateRange(Record):
    """Inclusive ``YYYYMMDD`` bounds; None is open."""

    __slots__ = ("high", "low")

    def __init__(self, low: int | None, high: int | None) -> None:
        self.low = low
        self.high = high


class And(Record):
    __slots__ = ("items",)

    def __init__(self, items: tuple[Node, ...]) -> None:
        self.items = items


class Or(Record):
    __slots__ = ("items",)

    def __init__(self, items: tuple[Node, ...]) -> None:
        self.items = items


class Not(Record):
    __slots__ = ("item",)

    def __init__(self, item: Node) -> None:
        self.item = item


Node = Text | Keyword | DateRange | And | Or | Not


# --------------------------------------------------------------------------- lexer

# Token kinds: "(", ")", "OR", "AND", "NOT", "-" (prefix), ("term", field|None, value, quoted)
_FIELD_RE = re.compile(r"([A-Za-z]+):")


def _lex(q: str) -> list[tuple[Any, ...]]:
    toks: list[tuple[Any, ...]] = []
    i, n = 0, len(q)
    while i < n:
        ch = q[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "()":
            toks.append((ch,))
            i += 1
            continue
        if ch == "-" and i + 1 < n and not q[i + 1].isspace() and q[i + 1] != "-":
            # a leading minus negates the term that follows
            toks.append(("-",))
            i += 1
            continue
        field = None
        m = _FIELD_RE.match(q, i)
        if m and m.group(1).lower() in _FIELD_ALIASES:
            field = _FIELD_ALIASES[m.group(1).lower()]
            i = m.end()
        if i < n and q[i] == '"':
            end = q.find('"', i + 1)
            if end < 0:
                end = n
            toks.append(("term", field, q[i + 1 : end], True))
            i = end + 1
            continue
        if field == "date" and i < n and q[i] == "[":
            end = q.find("]", i + 1)
            if end < 0:
                end = n
            toks.append(("term", field, q[i : end + 1], False))
            i = end + 1
            continue
        j = i
        while j < n and not q[j].isspace() and q[j] not in "()":
            j += 1
        word = q[i:j]
        i = j
        if field is None and word in ("OR", "AND", "NOT"):
            toks.append((word,))
        elif field is None and word == "|":
            toks.append(("OR",))
        else:
            toks.append(("term", field, word, False))
    return toks


# --------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, toks: list[tuple[Any, ...]]) -> None:
        self.toks = toks
        self.i = 0

    def peek(self) -> tuple[Any, ...] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def parse(self) -> Node | None:
        node = self.or_expr(0)
        while self.peek() is not None:  # a stray ")" at the top level: skip it, go on
            self.i += 1
            more = self.or_expr(0)
            node = _and([node, more])
        return node

    def or_expr(self, depth: int) -> Node | None:
        items = [self.and_expr(depth)]
        while (tok := self.peek()) is not None and tok[0] == "OR":
            self.i += 1
            items.append(self.and_expr(depth))
        found = [x for x in items if x is not None]
        if not found:
            return None
        return found[0] if len(found) == 1 else Or(tuple(found))

    def and_expr(self, depth: int) -> Node | None:
        items: list[Node | None] = []
        while (tok := self.peek()) is not None and tok[0] not in (")", "OR"):
            if tok[0] == "AND":
                self.i += 1
                continue
            items.append(self.unary(depth))
        return _and(items)

    def unary(self, depth: int) -> Node | None:
        if depth > MAX_DEPTH:
            raise QueryError(f"the query nests too deeply (more than {MAX_DEPTH} levels)")
        tok = self.peek()
        if tok is None or tok[0] in (")", "OR"):
            return None
        if tok[0] in ("NOT", "-"):
            self.i += 1
            inner = self.unary(depth + 1)
            return Not(inner) if inner is not None else None
        if tok[0] == "(":
            self.i += 1
            inner = self.or_expr(depth + 1)
            if (close := self.peek()) is not None and close[0] == ")":
                self.i += 1
            return inner
        if tok[0] == "AND":
            self.i += 1
            return None
        self.i += 1
        _, field, value, quoted = tok
        return _term(field, value, quoted)


def _and(items: list[Node | None]) -> Node | None:
    kept = [x for x in items if x is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else And(tuple(kept))


def _term(field: str | None, value: str, quoted: bool) -> Node | None:
    value = normalize(value)
    if field == "date":
        return _date_node(value)
    if field == "lang":
        return _lang_node(value)
    if field in _KEYWORD_FIELDS:
        v = " ".join(value.split()).lower()
        return Keyword(field, v) if v else None
    ps = tuple(pieces(value))
    if not ps:
        return None
    return Text(value, ps, field)


def _lang_node(value: str) -> Node | None:
    if not value.strip():
        return None
    from newsterm.language import normalise  # only for a query that asks (start-up)

    code = normalise(value)
    if code is None:
        raise QueryError(f"lang:{value.strip()} names no language (use a code: ko, en, ja ...)")
    return Keyword("lang", code)


_DATE_HELP = "use YYYY, YYYY-MM, YYYY-MM-DD or [FROM to TO]"


def _date_bounds(text: str) -> tuple[int, int]:
    from newsterm.archive import day_bounds  # the one rule, shared with `newsterm list --since`

    try:
        return day_bounds(text, _DATE_HELP)
    except ValueError as err:
        raise QueryError(str(err)) from None


def _date_node(value: str) -> Node | None:
    v = value.strip()
    if not v:
        return None
    if v.startswith("["):
        inner = v[1:].rstrip("]").strip()
        parts = re.split(r"\s+to\s+|\s*\.\.\s*|\s+TO\s+", inner, maxsplit=1)
        if len(parts) == 1:
            # "[2025 to]" or "[to 2025]" or "[2025]"
            one = parts[0]
            if re.match(r"(?i)^to\s+", one):
                parts = ["", one[2:]]
            elif re.search(r"(?i)\s+to$", one):
                parts = [one[:-2], ""]
        lo_text = parts[0].strip()
        hi_text = parts[1].strip() if len(parts) > 1 else lo_text
        lo = None if lo_text in ("", "*") else _date_bounds(lo_text)[0]
        hi = None if hi_text in ("", "*") else _date_bounds(hi_text)[1]
        if lo is not None and hi is not None and lo > hi:
            raise QueryError(f"the date range {v[:60]} ends before it starts")
        return DateRange(lo, hi)
    lo, hi = _date_bounds(v)
    return DateRange(lo, hi)


@lru_cache(maxsize=256)
def parse(query: str) -> Node:
    """The syntax tree of ``query``; :class:`QueryError` if it is too long or holds no term."""
    if not isinstance(query, str):
        raise QueryError("the query must be text")
    if len(query) > MAX_QUERY:
        raise QueryError(
            f"the query is too long ({len(query)} characters; the limit is {MAX_QUERY})"
        )
    query = query.replace("\x00", " ")
    node = _Parser(_lex(query)).parse()
    if node is None:
        raise QueryError("nothing to search for: the query has no words")
    return node


# --------------------------------------------------------------------------- to Whoosh


def _text_query(field: str, ps: tuple[Piece, ...]) -> Any:
    from whoosh import query as wq

    from newsterm.search.matchers import RareFirstPhrase as phrase
    from newsterm.search.matchers import SyllablePrefix

    if len(ps) == 1:
        p = ps[0]
        if not p.cjk:
            return wq.Term(field, p.key)
        if len(p.text) == 1:
            return SyllablePrefix(field, p.text)
        if len(p.text) == 2:
            return wq.Term(field, p.text)
        return phrase(field, piece_terms(p, trailing=False))
    terms: list[str] = []
    last = len(ps) - 1
    for i, p in enumerate(ps):
        terms.extend(piece_terms(p, trailing=i < last))
    return phrase(field, terms)


def to_whoosh(node: Node) -> Any:
    """The Whoosh query for a syntax tree."""
    from whoosh import query as wq

    from newsterm.search.matchers import FastOr

    if isinstance(node, Text):
        fields = (node.field,) if node.field else TEXT_FIELDS
        subs = [_text_query(f, node.pieces) for f in fields]
        return subs[0] if len(subs) == 1 else FastOr(subs)
    if isinstance(node, Keyword):
        return wq.Term(node.field, node.value)
    if isinstance(node, DateRange):
        return wq.NumericRange("day", node.low, node.high)
    if isinstance(node, And):
        return wq.And([to_whoosh(x) for x in node.items])
    if isinstance(node, Or):
        return FastOr([to_whoosh(x) for x in node.items])
    if isinstance(node, Not):
        return wq.Not(to_whoosh(node.item))
    raise AssertionError(node)


def is_negative(node: Node) -> bool:
    """True when the query only excludes (``-x``): it then means everything but that."""
    if isinstance(node, Not):
        return True
    if isinstance(node, And):
        return all(is_negative(x) for x in node.items)
    return False


# --------------------------------------------------------------------------- highlighting


def positive_texts(node: Node, negated: bool = False) -> list[Text]:
    """The text terms that a matching post contains (not those under NOT)."""
    if isinstance(node, Text):
        return [] if negated else [node]
    if isinstance(node, And | Or):
        out: list[Text] = []
        for x in node.items:
            out.extend(positive_texts(x, negated))
        return out
    if isinstance(node, Not):
        return positive_texts(node.item, not negated)
    return []


def _piece_ok(tp: Piece, qp: Piece, first: bool, last: bool) -> tuple[int, int] | None:
    """Where query piece ``qp`` matches text piece ``tp`` inside a sequence, or None."""
    if qp.cjk != tp.cjk:
        return None
    if not qp.cjk:
        return (tp.start, tp.end) if tp.key == qp.key else None
    q, t = qp.text, tp.text
    if first and not last and len(q) >= 1 and t.endswith(q):
        return (tp.end - len(q), tp.end)
    if last and not first and len(q) >= 2 and t.startswith(q):
        return (tp.start, tp.start + len(q))
    return (tp.start, tp.end) if t == q else None


def _text_spans(
    text: str, text_pieces: Callable[[], list[Piece]], term: Text
) -> list[tuple[int, int]]:
    qs = term.pieces
    spans: list[tuple[int, int]] = []
    if len(qs) == 1:
        q = qs[0]
        if q.cjk:
            start = text.find(q.text)
            while start >= 0:
                spans.append((start, start + len(q.text)))
                start = text.find(q.text, start + len(q.text))
        else:
            spans = stem_spans(text, q.key)
        return spans
    if qs[0].cjk and len(text) > WINDOWED_TEXT and text.count(qs[0].text) <= MAX_WINDOWS:
        for start, window in _phrase_windows(text, qs):
            spans.extend((start + a, start + b) for a, b in _sequence_spans(window, qs))
        return spans
    return _sequence_spans(text_pieces(), qs)


#: A text longer than this is split into pieces only around the places its phrase's first word
#: is found, not whole (the 20k bench's phrase search: 20 snippets' spans 9-10 -> 3 ms).
WINDOWED_TEXT = 500
MAX_WINDOWS = 8  # (a first word found more often: the whole text is split, once)


def _sequence_spans(tps: list[Piece], qs: tuple[Piece, ...]) -> list[tuple[int, int]]:
    """Where the query pieces ``qs`` match consecutive text pieces ``tps``."""
    spans: list[tuple[int, int]] = []
    k = len(qs)
    for i in range(len(tps) - k + 1):
        found = []
        for j, q in enumerate(qs):
            hit = _piece_ok(tps[i + j], q, j == 0, j == k - 1)
            if hit is None:
                break
            found.append(hit)
        else:
            spans.append((found[0][0], found[-1][1]))
    return spans


def _phrase_windows(text: str, qs: tuple[Piece, ...]) -> list[tuple[int, list[Piece]]]:
    """``(offset, pieces)`` of the stretches of ``text`` where a match of the phrase ``qs``
    (its first piece Hangul/CJK) may start: from the whitespace before each place its first
    piece's text is found to as many pieces after it as the phrase has. Pieces never hold
    whitespace, so a stretch cut at whitespace has the very pieces the whole text has there."""
    anchor, k, n = qs[0].text, len(qs), len(text)
    out: list[tuple[int, list[Piece]]] = []
    at = text.find(anchor)
    while at >= 0:
        start = at
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        reach = 64 * k
        while True:
            end = min(n, at + len(anchor) + reach)
            while end < n and not text[end].isspace():
                end += 1
            window = pieces(text[start:end])
            first = next((i for i, p in enumerate(window) if start + p.end > at), len(window))
            if len(window) - first >= k or end >= n:
                break
            reach *= 4  # separators longer than expected: look further
        out.append((start, window))
        at = text.find(anchor, at + len(anchor))
    return out


def find_matches(text: str, query: str) -> list[tuple[int, int]]:
    """Sorted, non-overlapping ``(start, end)`` spans of ``text`` that the query's words match.

    A Hangul word matches as a substring; a Latin word matches whole words with the same stem,
    whatever their case; a phrase matches its words in sequence. Words under NOT, categories,
    tags and dates are not highlighted. A query that cannot be parsed matches nothing.
    """
    try:
        node = parse(query)
    except QueryError:
        return []
    terms = positive_texts(node)
    if not terms or not text:
        return []
    cache: list[list[Piece]] = []

    def text_pieces() -> list[Piece]:
        if not cache:
            cache.append(pieces(text))
        return cache[0]

    spans: list[tuple[int, int]] = []
    for term in terms:
        spans.extend(_text_spans(text, text_pieces, term))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged
