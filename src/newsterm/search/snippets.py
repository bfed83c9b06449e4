"""The passage shown under a search hit: plain text around the best matches, with match spans."""

from __future__ import annotations

import re

__all__ = ["SNIPPET_CHARS", "make_snippet"]

SNIPPET_CHARS = 160
"""About how many characters a snippet holds."""

_MD_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\([^()\n]*\)")  # no nesting: linear time
_MD_MARK = re.compile(
    r"(?m)^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)|[*_`~]{1,3}|<[^>\n]{1,200}>"
)


def _plain(body: str) -> str:
    text = _MD_LINK.sub(r"\1", body)
    text = _MD_MARK.sub(" ", text)
    return " ".join(text.split())  # runs of whitespace as one space (5x a regex's speed)


def make_snippet(
    body: str, query: str, width: int = SNIPPET_CHARS
) -> tuple[str, list[tuple[int, int]]]:
    """A short plain passage of ``body`` around the best matches of ``query``, with match spans.

    The passage is the window of about ``width`` characters holding the most distinct query
    words (then the most matches); with no match it is the start of the post.
    """
    from newsterm.search.query import find_matches

    text = _plain(body)
    if not text:
        return "", []
    spans = find_matches(text, query) if query else []
    if not spans:
        snippet = _cut(text, 0, width)
        return snippet, find_matches(snippet, query) if query else []
    best = (-1, -1, 0)
    j = 0
    words: dict[str, int] = {}
    for i, (s, _e) in enumerate(spans):
        while j < len(spans) and (j <= i or spans[j][1] - s <= width):
            w = text[spans[j][0] : spans[j][1]].lower()
            words[w] = words.get(w, 0) + 1
            j += 1
        score = (len(words), j - i)
        if score > best[:2]:
            best = (*score, i)
        w = text[s : spans[i][1]].lower()
        words[w] -= 1
        if not words[w]:
            del words[w]
    first = spans[best[2]][0]
    start = max(0, first - width // 4)
    snippet = _cut(text, start, width)
    return snippet, find_matches(snippet, query)


def _cut(text: str, start: int, width: int) -> str:
    """``text[start:start+width]`` widened/narrowed to whole words, with ellipses."""
    if start > 0:
        space = text.rfind(" ", max(0, start - 20), start + 1)
        start = space + 1 if space >= 0 else start
    end = start + width
    if end < len(text):
        space = text.rfind(" ", start + width // 2, end)
        end = space if space > 0 else end
    else:
        end = len(text)
    out = text[start:end].strip()
    if start > 0:
        out = "… " + out
    if end < len(text):
        out = out + " …"
    return out
