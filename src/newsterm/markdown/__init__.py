"""One Markdown setup for the reader, ``newsterm show`` and search snippets.

* :func:`preprocess` — Jekyll Liquid, Hugo/Zola shortcodes and kramdown extensions to plain
  Markdown (``show`` piped prints this);
* :func:`parse` — the shared markdown-it parser (HTML as text, CJK-friendly emphasis,
  footnotes, task lists, math, definition lists);
* :class:`Renderer` / :func:`render_text` — the laid-out lines the reader and ``show`` on a
  terminal display, and their plain text (``newsterm.markdown.layout``, which needs rich).

The core: nothing here imports Textual, and only ``layout`` imports rich (loaded on first use,
so that ``newsterm search`` can use the parser without it).
"""

from __future__ import annotations

from typing import Any

from newsterm.markdown.preprocess import POST_LINK_SCHEME, preprocess
from newsterm.markdown.setup import parse, parser

__all__ = [
    "POST_LINK_SCHEME",
    "Block",
    "HitPos",
    "Palette",
    "RenderedDoc",
    "Renderer",
    "find_hits",
    "parse",
    "parser",
    "prepare",
    "preprocess",
    "render_text",
]

_LAYOUT = {"Block", "HitPos", "Palette", "RenderedDoc", "Renderer", "find_hits", "prepare"}
_LAYOUT.add("render_text")


def __getattr__(name: str) -> Any:
    if name in _LAYOUT:
        from newsterm.markdown import layout

        return getattr(layout, name)
    raise AttributeError(name)
