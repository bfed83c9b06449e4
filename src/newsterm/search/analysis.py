"""Text analysis for the search index: Korean-aware tokens; a Hangul query is a substring search.

Korean words carry particles (``넷플릭스가``, ``극장에서``), so whole-word tokens would miss most
matches. Instead, text is cut into *runs*:

* a run of Hangul or other CJK characters becomes overlapping character bigrams, followed by its
  last character on its own: ``넷플릭스가`` -> ``넷플 플릭 릭스 스가 가`` (a lone syllable is just
  itself). Every token takes the next position, so the bigrams of one run are consecutive and
  the trailing syllable keeps two runs from ever looking adjacent;
* any other run of letters and digits is a word, lowercased and stemmed (Porter2, via Whoosh's
  :class:`~whoosh.analysis.StemFilter`); numbers are kept as they are.

Text is NFC-normalised first. Queries are cut the same way (:func:`pieces`, :func:`piece_terms`):
a Hangul word of three or more syllables becomes a phrase of its consecutive bigrams, which
matches exactly where the word occurs as a substring; two syllables are one bigram term; one
syllable is a prefix query on the same field, which finds it at the start or middle of a run
(bigram ``X?``) and at its end (the trailing syllable ``X``).

:data:`ANALYZER_VERSION` is stored with the index; change it whenever tokens change so existing
indexes are rebuilt.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache

from newsterm.search.lazy_imports import import_lean

# Whoosh imported past what a search never uses (see lazy_imports.STAND_INS).
import_lean("whoosh.compat")
import_lean("whoosh.analysis")


def import_whoosh_query() -> None:
    """Import ``whoosh.query`` without its English morphology tables (its ``Variations``
    query, which newsterm never uses)."""
    import_lean("whoosh.query")
    import whoosh.query  # noqa: F401  (already loaded: binds nothing new, keeps it explicit)


from whoosh.analysis import StemFilter, Token, Tokenizer  # noqa: E402
from whoosh.lang.porter2 import stem as _porter2  # noqa: E402

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

__all__ = [
    "ANALYZER_VERSION",
    "MAX_TOKEN",
    "WORDS",  # noqa: F822  (provided by __getattr__)
    "Piece",
    "Record",
    "analyzer",
    "import_whoosh_query",
    "is_cjk",
    "normalize",
    "piece_terms",
    "pieces",
    "stem",
    "stem_spans",
    "term_positions",
]

ANALYZER_VERSION = 1
"""Bump when the tokens change: an index built with another version is rebuilt."""

MAX_TOKEN = 60
"""Longer words (base64 blobs, URLs without breaks) are cut to this many characters."""

_CJK = (
    "\u1100-\u11ff"  # Hangul Jamo
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3130-\u318f"  # Hangul compatibility Jamo
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\ua960-\ua97f"  # Hangul Jamo extended A
    "\uac00-\ud7af"  # Hangul syllables
    "\ud7b0-\ud7ff"  # Hangul Jamo extended B
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f"  # half-width Katakana
    "\U00020000-\U0002fa1f"  # CJK extensions B-F, compatibility supplement
)
# Each of these big character classes takes milliseconds to compile (sre fills a 64K-entry
# map one character at a time): they are compiled on first use, and a query (a short text)
# is cut into runs without them (:func:`_short_runs`).


@lru_cache(maxsize=1)
def _runs() -> re.Pattern[str]:
    """Runs of Hangul/CJK (group 1) and runs of other letters and digits (group 2)."""
    return re.compile(f"([{_CJK}]+)|([^\\W_{_CJK}]+)")


def _cjk_bounds() -> tuple[list[int], list[int]]:
    """The first and last code points of the ``_CJK`` ranges (each written ``a-b``), sorted."""
    pairs = sorted(zip(map(ord, _CJK[0::3]), map(ord, _CJK[2::3]), strict=True))
    return [lo for lo, _hi in pairs], [hi for _lo, hi in pairs]


_CJK_LOW, _CJK_HIGH = _cjk_bounds()


def _is_cjk_char(ch: str) -> bool:
    code = ord(ch)
    i = bisect_right(_CJK_LOW, code) - 1
    return i >= 0 and code <= _CJK_HIGH[i]


SHORT_TEXT = 300
"""Texts up to this long (queries) are cut into runs by a loop instead of a regex."""


def _short_runs(text: str) -> list[tuple[int, int, bool]]:
    """``(start, end, cjk)`` of the runs ``_runs()`` finds in ``text``, found character by
    character: for a short text that is faster than compiling the regex (a test checks that
    both agree). ``[^\\W_]`` is exactly ``str.isalnum``."""
    out = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if _is_cjk_char(ch):
            j = i + 1
            while j < n and _is_cjk_char(text[j]):
                j += 1
            out.append((i, j, True))
        elif ch.isalnum():
            j = i + 1
            while j < n and text[j].isalnum() and not _is_cjk_char(text[j]):
                j += 1
            out.append((i, j, False))
        else:
            i += 1
            continue
        i = j
    return out


@lru_cache(maxsize=1)
def _words() -> re.Pattern[str]:
    """Runs of letters and digits that are not Hangul/CJK (the words that get stemmed)."""
    return re.compile(f"[^\\W_{_CJK}]+")


@lru_cache(maxsize=64)
def _ascii_words_from(first: str) -> re.Pattern[str]:
    """Whole ASCII runs of letters and digits that start with ``first`` (either case)."""
    chars = re.escape(first.lower() + first.upper()) if first.isalpha() else re.escape(first)
    return re.compile(f"(?<![A-Za-z0-9])[{chars}][A-Za-z0-9]*")


def stem_spans(text: str, key: str) -> list[tuple[int, int]]:
    """Where ``text`` has a word (a Latin/number run, as the index cuts text) that stems to
    ``key``: ``(start, end)`` spans in order.

    An ASCII key (the usual English word) is looked for among ASCII runs, each checked to be a
    whole word (no letter but Hangul/CJK next to it): the full word pattern, with its CJK
    ranges, is slow to compile, a noticeable part of a one-shot search.
    """
    first = key[:1]
    if not key.isascii():
        return [
            m.span()
            for m in _words().finditer(text)
            if m.group().lower()[:1] == first and stem(m.group()) == key
        ]
    spans = []
    end_of_text = len(text)
    # a stem keeps its word's first letter: only the runs starting with it are stemmed
    for m in _ascii_words_from(first).finditer(text):
        word = m.group()
        s, e = m.span()
        if (s and _joins(text[s - 1])) or (e < end_of_text and _joins(text[e])):
            continue  # part of a longer word (an accented letter, another script)
        if stem(word) == key:
            spans.append((s, e))
    return spans


def _joins(ch: str) -> bool:
    """True when ``ch`` would be part of the same Latin word as a letter next to it."""
    return ch.isalnum() and not _is_cjk_char(ch)


def __getattr__(name: str) -> re.Pattern[str]:
    if name == "WORDS":
        return _words()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def is_cjk(text: str) -> bool:
    """True when ``text`` is made only of Hangul/CJK characters."""
    return bool(text) and all(_is_cjk_char(ch) for ch in text)


def normalize(text: str) -> str:
    """NFC form of ``text`` (cheap when it already is)."""
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


_STEM_FILTER = StemFilter(stemfn=_porter2, cachesize=None)


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """The index form of one Latin/number word: lowercased, cut, Porter2-stemmed."""
    stemmed: str = _STEM_FILTER.stemfn(word.lower()[:MAX_TOKEN])
    return stemmed


class KoreanTokenizer(Tokenizer):
    """Bigrams for Hangul/CJK runs (plus the run's last character), lowercased words otherwise."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Any]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        value = normalize(value)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        pos = start_pos
        for m in _runs().finditer(value):
            run = m.group(1)
            if run is None:
                word = m.group(2)
                t.text = word.lower()[:MAX_TOKEN]
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = word
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar = start_char + m.start()
                    t.endchar = start_char + m.end()
                pos += 1
                yield t
                continue
            base = m.start()
            n = len(run)
            for i in range(n):
                t.text = run[i : i + 2]
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = t.text
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar = start_char + base + i
                    t.endchar = start_char + base + min(i + 2, n)
                pos += 1
                yield t


class LatinStemFilter(StemFilter):
    """Whoosh's Porter2 stemmer, applied only to non-CJK words (bigrams pass through)."""

    def __init__(self) -> None:
        super().__init__(stemfn=_porter2, cachesize=None)

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for t in tokens:
            if not t.stopped and not (t.text and _is_cjk_char(t.text[0])):
                t.text = stem(t.text)
            yield t


def analyzer() -> Any:
    """A fresh analyzer (tokenizer + stem filter) for the index fields."""
    return KoreanTokenizer() | LatinStemFilter()


def term_positions(text: str) -> dict[str, list[int]]:
    """Every term of ``text`` with its positions: what :func:`analyzer` yields, grouped.

    This is the indexing fast path (no Token objects, no generator chain); the tests check that
    it agrees with the analyzer token for token.
    """
    poses: dict[str, list[int]] = {}
    pos = 0
    for m in _runs().finditer(normalize(text)):
        run = m.group(1)
        if run is None:
            term = stem(m.group(2))
            found = poses.get(term)
            if found is None:
                poses[term] = [pos]
            else:
                found.append(pos)
            pos += 1
            continue
        last = len(run) - 1
        for i in range(last + 1):
            term = run[i : i + 2] if i < last else run[i]
            found = poses.get(term)
            if found is None:
                poses[term] = [pos]
            else:
                found.append(pos)
            pos += 1
    return poses


# --------------------------------------------------------------------------- query side


class Record:
    """A stand-in for a slots dataclass (importing dataclasses is a visible part of start-up).

    Subclasses name their fields in ``__slots__``; equality, hashing and repr follow them.
    """

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, f) for f in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record) or type(other) is not type(self):
            return False
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self._values()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in self.__slots__)
        return f"{type(self).__name__}({inner})"


class Piece(Record):
    """One run of ``text``: ``cjk`` (Hangul etc.) or a word; ``start``/``end`` index ``text``."""

    __slots__ = ("cjk", "end", "start", "text")

    def __init__(self, text: str, cjk: bool, start: int, end: int) -> None:
        self.text = text
        self.cjk = cjk
        self.start = start
        self.end = end

    @property
    def key(self) -> str:
        """What must match: the run itself for CJK, the stem for a word."""
        return self.text if self.cjk else stem(self.text)


def pieces(text: str) -> list[Piece]:
    """The runs of ``text`` (expected to be NFC already) with their offsets."""
    if len(text) <= SHORT_TEXT:
        return [Piece(text[a:b], cjk, a, b) for a, b, cjk in _short_runs(text)]
    out: list[Piece] = []
    for m in _runs().finditer(text):
        cjk = m.group(1) is not None
        out.append(Piece(m.group(0), cjk, m.start(), m.end()))
    return out


def piece_terms(piece: Piece, trailing: bool = True) -> list[str]:
    """The index terms of one run, in position order.

    ``trailing=False`` leaves out the last character a CJK run of two or more ends with, which a
    query does when the run may continue in the document (a word's end, a phrase's end).
    """
    if not piece.cjk:
        return [piece.key]
    run = piece.text
    if len(run) == 1:
        return [run]
    grams = [run[i : i + 2] for i in range(len(run) - 1)]
    if trailing:
        grams.append(run[-1])
    return grams
