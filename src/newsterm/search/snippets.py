"""The passage shown under a search hit: plain text around the best matches, with match spans."""

from __future__ import annotations

__all__ = ["SNIPPET_CHARS", "make_snippet"]

SNIPPET_CHARS = 160
"""About how many characters a snippet holds."""


def _best_start(text: str, spans: list[tuple[int, int]], width: int) -> int:
    """Where the window of ``width`` characters holding the most distinct matched words (then
    the most matches) begins: at its first match."""
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
    return spans[best[2]][0]


def _text_near(body: str, query: str, width: int) -> tuple[str, bool, bool]:
    """The post's text as the reader shows it (the core's one Markdown path), for a long post
    only around its best raw match, and whether text was left out before / after it."""
    from newsterm.markdown.plain import plain_excerpt, plain_text
    from newsterm.search.query import find_matches

    if len(body) <= _WHOLE_BODY:
        return plain_text(body), False, False
    raw = find_matches(body, query) if query else []
    at = _best_start(body, raw, width) if raw else 0
    return plain_excerpt(body, at, at + width)


#: Bodies up to this many characters are rendered whole for their snippet; a longer one only
#: around its best match (rendering costs time per character, a snippet needs a few lines).
_WHOLE_BODY = 1500


def make_snippet(
    body: str, query: str, width: int = SNIPPET_CHARS, text: str | None = None
) -> tuple[str, list[tuple[int, int]]]:
    """A short plain passage of ``body`` around the best matches of ``query``, with match spans.

    The text is what the reader shows (Liquid, shortcodes, HTML and Markdown rendered by
    :mod:`newsterm.markdown`), so the snippet holds exactly the post's words: ``<기생충>은``,
    ```넷플릭스`로`` and ``_posts`` stay whole. The passage is the window of about ``width``
    characters holding the most distinct query words (then the most matches); with no match it
    is the start of the post.

    ``text``: the post's whole plain text when it is already known (kept beside the index by
    :mod:`newsterm.search.snippet_text`): then nothing is rendered.
    """
    from newsterm.search.query import find_matches

    if text is not None:
        cut_before = cut_after = False
    else:
        text, cut_before, cut_after = _text_near(body, query, width)
    spans = find_matches(text, query) if query and text else []
    if not spans and (cut_before or cut_after) and query:
        from newsterm.markdown.plain import plain_text

        text, cut_before, cut_after = plain_text(body), False, False  # the match was in markup
        spans = find_matches(text, query) if text else []
    if not text:
        return "", []
    start = max(0, _best_start(text, spans, width) - width // 4) if spans else 0
    snippet = _cut(text, start, width, cut_before, cut_after)
    return snippet, find_matches(snippet, query) if query else []


def _cut(
    text: str, start: int, width: int, cut_before: bool = False, cut_after: bool = False
) -> str:
    """``text[start:start+width]`` widened/narrowed to whole words, with ellipses (also where
    ``text`` itself was cut out of a longer one)."""
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
    if start > 0 or cut_before:
        out = "… " + out
    if end < len(text) or cut_after:
        out = out + " …"
    return out
