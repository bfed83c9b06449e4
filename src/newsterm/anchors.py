"""Where an in-page link (``[목차](#배경)``, ``<a href="#source-1">``, ``#fn1``) leads in its post.

Blog engines name a heading's anchor each their own way (GitHub and Jekyll's kramdown keep
Hangul and lower-case the rest, Hugo and Zola may drop accents or add ``-1`` to a repeated
name), and authors write ids of their own (``<span id="source-1">``, ``<a name="top">``,
``## Title {#intro}``). :func:`anchor_key` reduces both a link's fragment and a target's name to
their letters and digits, case folded, so one rule matches them all; the N-th repeat of a
heading is also known by its name plus ``N`` (``example-1``).

Pure text rules: the layout (:mod:`newsterm.markdown.layout`), the outline
(:mod:`newsterm.outline`) and the titles (:mod:`newsterm.archive`) use them; nothing here
imports a parser.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

__all__ = ["HEADING_ID", "anchor_key", "heading_id"]

# One item of an attribute list: an id, a class, a key=value pair, or Pandoc's "-" (unnumbered).
_ITEM = r'(?:#[^\s{}]+|\.[^\s{}]+|[\w-]+=(?:"[^"\n]*"|[^\s{}]*)|-)'
#: A heading's attribute list after its text: ``## Title {#intro}`` (kramdown, Pandoc, Hugo,
#: Zola, PHP Markdown Extra), also with classes or a colon: ``{#intro .x}``, ``{: #intro}``.
HEADING_ID = re.compile(rf"\{{:?[ \t]*{_ITEM}(?:[ \t]+{_ITEM})*[ \t]*\}}[ \t]*")
_ID = re.compile(rf"[ \t]+\{{:?[ \t]*{_ITEM}(?:[ \t]+{_ITEM})*[ \t]*\}}[ \t]*$")
_ID = re.compile(r"(?<![^\s{:])#([^\s{}]+)")
_NOT_WORD = re.compile(r"[\W_]+")


def anchor_key(name: str) -> str:
    """``name`` (a fragment as written in a link, an id, or a heading's text) reduced to what
    every engine's anchor keeps: its letters and digits, case folded (``추천-다음-시리즈``
    and ``추천 다음 시리즈`` are both ``추천다음시리즈``)."""
    text = unicodedata.normalize("NFC", unquote(name.removeprefix("#")))
    return _NOT_WORD.sub("", text.casefold())


def heading_id(text: str) -> tuple[str, str | None]:
    """A heading's text without its trailing attribute list (``{#intro}``, ``{.unnumbered}``),
    and the id that list gives (or None). A ``{...}`` that is no attribute list (``{x}``,
    ``{{ var }}``) stays. (The list is found from its last ``{``, not by a search that would
    go over a long run of blanks again at each of them.)"""
    at = text.rfind("{")
    if at < 1 or text[at - 1] not in " \t" or not text.rstrip(" \t").endswith("}"):
        return text, None
    m = HEADING_ID.fullmatch(text, at)
    if m is None:
        return text, None
    ident = _ID.search(m.group(0))
    return text[:at].rstrip(" \t"), ident.group(1) if ident else None
