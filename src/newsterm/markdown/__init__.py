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

# `typing` stays off the one-shot search's import path (snippets load this package): Any is
# for the type checker only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

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

# Everything is loaded on first use: `newsterm search` imports newsterm.markdown.plain and
# pays for markdown-it only when a snippet has markup to render.
_HOME = {
    "POST_LINK_SCHEME": "preprocess",
    "preprocess": "preprocess",
    "parse": "setup",
    "parser": "setup",
    **dict.fromkeys(
        ("Block", "HitPos", "Palette", "RenderedDoc", "Renderer", "find_hits", "prepare"),
        "layout",
    ),
    "render_text": "layout",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(name)
    import importlib

    value = getattr(importlib.import_module(f"newsterm.markdown.{home}"), name)
    # Kept here: importing the submodule "preprocess" set this package's attribute of that
    # name to the module; the function is what ``newsterm.markdown.preprocess`` means.
    globals()[name] = value
    return value
