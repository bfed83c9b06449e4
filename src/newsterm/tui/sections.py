"""Where the open post's sections start, for section keys and for the editor's line."""

from __future__ import annotations

from collections.abc import Iterable

from newsterm.markdown.layout import RenderedDoc
from newsterm.models import Section


def _all(sections: Iterable[Section]) -> Iterable[Section]:
    for top in sections:
        yield from top.walk()


def section_starts(doc: RenderedDoc, sections: Iterable[Section]) -> list[int]:
    """The screen rows (of ``doc``) where sections start, top to bottom, once each."""
    return sorted({doc.y_of_line(s.line) for s in _all(sections)})


def next_start(starts: list[int], y: int) -> int | None:
    """The first section start below row ``y`` (None: no section below)."""
    return next((s for s in starts if s > y), None)


def prev_start(starts: list[int], y: int) -> int:
    """The last section start above row ``y``, else the top of the post."""
    return next((s for s in reversed(starts) if s < y), 0)


def section_line(sections: Iterable[Section], line: int) -> int:
    """The body line where the section holding body ``line`` starts (``line`` itself when
    it comes before every section)."""
    return max((s.line for s in _all(sections) if s.line <= line), default=line)
