"""The messages the reader's widgets send to the main screen: small typed classes in one place.

Widgets never reach into the screen; they post one of these and the screen decides what happens.
Each widget also names its messages as class attributes (``ArticleView.Scrolled``), so handlers
read ``@on(ArticleView.Scrolled)``.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message

from newsterm.models import Section


class FilterCancelled(Message):
    """Esc in the title filter: clear it and go back to the whole list."""


class ArticleScrolled(Message):
    """The top of the article now shows body line ``line``."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line


class ArticleResized(Message):
    """The article changed size: the body may need re-wrapping, the header re-aligning."""


class ArticleLeave(Message):
    """The reader asked to go back from the article to the list."""


class LinkClicked(Message):
    """A link in the article was clicked (``href`` as written in the post)."""

    def __init__(self, href: str) -> None:
        super().__init__()
        self.href = href


class OutlineLeave(Message):
    """Esc in the outline: back to the article."""


class OutlineJump(Message):
    """A section was picked in the outline: scroll the article there."""

    def __init__(self, section: Section) -> None:
        super().__init__()
        self.section = section


class QueryChanged(Message):
    """The search query changed (``now``: Enter asked for it to be searched at once, even short)."""

    def __init__(self, query: str, now: bool = False) -> None:
        super().__init__()
        self.query = query
        self.now = now


class HitOpened(Message):
    """A search result was picked: open its post at the query's first hit."""

    def __init__(self, hit: Any, query: str) -> None:
        super().__init__()
        self.hit = hit
        self.query = query


class SearchClosed(Message):
    """Esc in the query box: back to the list as it was."""
