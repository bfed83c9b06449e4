"""A post's words as the reader shows them, as one line of plain text (for search snippets).

The same preparation and parser as the reader (:mod:`newsterm.markdown.setup`), but no layout
and no rich: each block's text joined with spaces, code and math as their text, images as their
alt text, HTML as its text. So ``<기생충>은``, ```넷플릭스`로``, ``_posts`` and ``__get__()``
keep every character a reader sees, and no markup is left.

:func:`plain_excerpt` renders only the blocks around a part of a long body, so that a snippet
costs a fraction of a millisecond however long the post is.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: `typing` stays off the cold search path

if TYPE_CHECKING:
    from markdown_it.token import Token

__all__ = ["PLAIN_TEXT_VERSION", "plain_excerpt", "plain_line", "plain_text", "tokens_text"]

PLAIN_TEXT_VERSION = 4
"""The version of the rules that make a post's plain text (this module, and the preprocessing,
parser and HTML conversion of :mod:`newsterm.markdown`). Search keeps each post's text beside the
index (:mod:`newsterm.search.snippet_text`) under this number: **bump it whenever a change alters
the text a post renders to**, or searches go on showing snippets made by the old rules.
``tests/test_markdown_plain.py`` keeps a digest of what the rules make of a few posts, so a change
that forgets the bump fails there."""

_BLOCK_TEXT = {"fence", "code_block", "math_block", "math_block_label"}


def _inline(children: list[Token], out: list[str]) -> None:
    for tok in children:
        kind = tok.type
        if kind in ("text", "code_inline", "math_inline", "math_inline_double", "html_inline"):
            out.append(tok.content)
        elif kind in ("softbreak", "hardbreak"):
            out.append(" ")
        elif kind == "image":
            out.append(tok.content)
        elif kind == "footnote_ref":
            out.append(f"[{(tok.meta or {}).get('id', 0) + 1}]")


def tokens_text(tokens: list[Token]) -> str:
    """The text of parsed ``tokens``, blocks separated by one space, white space collapsed."""
    out: list[str] = []
    for tok in tokens:
        if tok.type == "inline":
            _inline(tok.children or [], out)
        elif tok.type in _BLOCK_TEXT:
            out.append(tok.content)
        elif tok.type == "html_block":  # only past the HTML converter's depth bound
            out.append(re.sub(r"<[^>]*>", " ", tok.content))
        else:
            continue
        out.append(" ")
    return " ".join("".join(out).split())


#: A character or line start that Markdown, HTML or a template tag could make into something
#: else than its own text. Text without any reads as itself (white space collapsed), so it
#: needs no parser (nor its import: a cold ``newsterm search`` starts faster).
_MARKUP = re.compile(r"[\\`*_\[\]<>!&{}~$|^#]|^[ \t]*(?:[-+=:]|\d+[.)])", re.M)


def plain_text(body: str) -> str:
    """The words of the post ``body`` as the reader shows them, on one line."""
    if not _MARKUP.search(body):
        return " ".join(body.split())
    from newsterm.markdown.preprocess import preprocess
    from newsterm.markdown.setup import parse

    return tokens_text(parse(preprocess(body)))


#: What opens a block when a line starts with it (a list item, a heading, a quote, a thematic
#: break, a fence, a colon container, a link reference definition): in :func:`plain_line`'s one
#: paragraph it is the author's text, so its first character is escaped.
_BLOCK_OPENER = re.compile(
    r"""[-+*](?=\s|$)|\#{1,6}(?=\s|$)|>|:::|~~~|```(?!.*`)
    |([-*_])(?:[ \t]*\1){2,}[ \t]*$|\[[^\]]+\]:""",
    re.X,
)
_ORDERED = re.compile(r"\d{1,9}(?=[.)](?:\s|$))")


def plain_line(text: str) -> str:
    """One paragraph of inline Markdown (a front-matter value such as a post's description)
    as the reader would show it, on one line: Liquid, HTML and Markdown reduced to their text
    (:func:`plain_text`), white space collapsed.

    The value is one paragraph: its line breaks are blanks, and what would open a block at its
    start (``2019. A year``, ``- note``, ``# 1``, ``> quote``) is kept as the words it is."""
    line = " ".join(text.split())
    ordered = _ORDERED.match(line)
    if ordered is not None:
        line = f"{line[: ordered.end()]}\\{line[ordered.end() :]}"
    elif _BLOCK_OPENER.match(line):
        line = "\\" + line
    return plain_text(line)


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.M)


def plain_excerpt(body: str, start: int, end: int, context: int = 300) -> tuple[str, bool, bool]:
    """The plain text of the blocks of ``body`` around ``body[start:end]`` (plus about
    ``context`` characters each side), and whether text was left out before / after it.

    The excerpt is cut at blank lines outside fenced code, so every block in it is whole.
    """
    if len(body) <= 4 * context:
        return plain_text(body), False, False
    lo = max(0, start - context)
    hi = min(len(body), end + context)
    cut = body.rfind("\n\n", 0, lo)
    lo = 0 if cut < 0 else cut + 2
    cut = body.find("\n\n", hi)
    hi = len(body) if cut < 0 else cut
    # A cut inside fenced code would read code as Markdown: move it out of the fence.
    fences = [m.start() for m in _FENCE.finditer(body, 0, hi)]
    inside = [f for f in fences if f < lo]
    if len(inside) % 2:
        lo = inside[-1]
    if len([f for f in fences if f >= lo]) % 2:
        close = _FENCE.search(body, hi)
        line_end = body.find("\n", close.end()) if close is not None else -1
        hi = len(body) if line_end < 0 else line_end
    return plain_text(body[lo:hi]), lo > 0, hi < len(body)
