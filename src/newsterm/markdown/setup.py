"""The one markdown-it setup shared by the reader, ``newsterm show`` and search snippets.

CommonMark with HTML on (rendered as its text by :mod:`newsterm.markdown.htmlconv`), GFM tables
and strikethrough, CJK-friendly emphasis (:mod:`newsterm.markdown.cjk`) and, from
mdit-py-plugins, footnotes (``[^1]``), task lists (``- [ ]``), dollar math (``$…$``,
``$$…$$``), definition lists (kramdown/pandoc ``Term`` / ``: definition``) and colon containers
(``:::tip`` … ``:::``: Docusaurus, VitePress and Astro admonitions, pandoc's fenced divs), whose
kind and title :func:`directive_label` reads. A heading's attribute list (``## Title {#intro}``)
is not shown (:func:`heading_id_rule`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from newsterm.anchors import heading_id
from newsterm.markdown.cjk import cjk_friendly_plugin
from newsterm.markdown.htmlconv import html_block_rule, html_inline_rule

__all__ = ["DIRECTIVE", "directive_label", "parse", "parser"]

DIRECTIVE = "directive"
"""The container name: its tokens are ``container_directive_open`` / ``_close``."""

# ":::tip", ":::tip Title", ":::tip[Title]", ":::tip{...}", "::: {.note}", "::: note"
_DIRECTIVE = re.compile(r"\s*\{?\s*\.?([A-Za-z][\w-]*)")
_KNOWN_LABELS = {"tldr": "TL;DR", "todo": "To do", "faq": "FAQ"}


def _is_directive(params: str, *_args: object) -> bool:
    return _DIRECTIVE.match(params) is not None


def directive_label(info: str) -> str:
    """What a container says about itself: its title (``:::tip Title``, ``:::tip[Title]``),
    else its kind as a word (``:::warning`` -> ``Warning``, ``:::tldr`` -> ``TL;DR``)."""
    m = _DIRECTIVE.match(info)
    if m is None:
        return ""
    kind = m.group(1)
    rest = info[m.end() :].strip()
    if rest.startswith("["):
        rest = rest[1:].split("]", 1)[0]
    elif rest.startswith("{") or rest.startswith("}"):
        rest = ""
    rest = rest.strip()
    if rest:
        return rest
    return _KNOWN_LABELS.get(kind.lower(), kind.replace("-", " ").replace("_", " ").capitalize())


def heading_id_rule(state: StateCore) -> None:
    """Core rule: a heading's attribute list (``## Title {#intro}``) is not shown; its id
    becomes an ``anchor`` token of ours, where an in-page link ``#intro`` leads."""
    tokens = state.tokens
    for i, tok in enumerate(tokens[:-1]):
        if tok.type != "heading_open":
            continue
        inline = tokens[i + 1]
        children = inline.children or []
        if not children or children[-1].type != "text":
            continue
        text, ident = heading_id(children[-1].content)
        if text == children[-1].content:
            continue
        children[-1].content = text
        if ident:
            children.append(Token("anchor", "", 0, attrs={"id": ident}))
        inline.content = heading_id(inline.content)[0]


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """The shared parser (built once; markdown-it parsers are reusable and thread safe)."""
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable(["strikethrough", "table"])
    md.use(footnote_plugin)
    md.use(tasklists_plugin)
    # "$5 and $10" is money, not math: no space inside the dollars, no digit right after.
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    md.use(deflist_plugin)
    md.use(container_plugin, name=DIRECTIVE, validate=_is_directive)
    md.use(cjk_friendly_plugin)
    md.core.ruler.before("inline", "newsterm_html_block", html_block_rule)
    md.core.ruler.push("newsterm_heading_ids", heading_id_rule)
    # last, so that it also sees the task lists' check boxes and the footnotes
    md.core.ruler.push("newsterm_html_inline", html_inline_rule)
    return md


def parse(markdown: str) -> list[Token]:
    """markdown-it tokens of ``markdown`` (already preprocessed) with the shared setup."""
    return parser().parse(markdown)
