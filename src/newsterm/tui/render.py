"""The reader's side of rendering: a thin front over the core's one Markdown path.

Layout (blocks to wrapped rich ``Text`` lines, source-line map, links, progressive rendering)
lives in :mod:`newsterm.markdown.layout`, shared with ``newsterm show``; the reader passes its
theme's :class:`Palette` (see ``widgets/article.py``) and adds in-post search helpers here.
"""

from __future__ import annotations

import re

from newsterm.markdown.layout import (
    Block,
    HitPos,
    Matcher,
    Palette,
    RenderedDoc,
    Renderer,
    Span,
    find_hits,
    inline_text,
)
from newsterm.models import reading_minutes  # the core's rule, shared with `newsterm show`

__all__ = [
    "Block",
    "HitPos",
    "Palette",
    "RenderedDoc",
    "Renderer",
    "find_hits",
    "inline_text",
    "matcher_for",
    "reading_minutes",
    "simple_matcher",
]

_WORD = re.compile(r"\w+", re.UNICODE)


def simple_matcher(query: str) -> Matcher:
    """A plain case-insensitive term matcher (fallback when the query module cannot parse)."""
    terms = [w.casefold() for w in _WORD.findall(query) if w.casefold() not in {"and", "or", "not"}]

    def match(text: str) -> list[Span]:
        folded = text.casefold()
        spans = []
        for term in terms:
            start = folded.find(term)
            while start >= 0:
                spans.append((start, start + len(term)))
                start = folded.find(term, start + len(term))
        return sorted(spans)

    return match


def matcher_for(query: str) -> Matcher:
    """Where ``query`` matches a line of text, by the search package's rules (the same as the
    index's), else by :func:`simple_matcher` when the query cannot be parsed there."""
    try:
        from newsterm.search.query import find_matches
    except ImportError:
        return simple_matcher(query)

    def match(text: str) -> list[Span]:
        try:
            return list(find_matches(text, query))
        except Exception:
            return simple_matcher(query)(text)

    return match
