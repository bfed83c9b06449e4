"""Styled terminal output of the one-shot commands (``list``, ``search``): one table of styles.

The styles are SGR sequences every terminal knows (bold, dim and the basic colours, as the
terminal's theme shows them), written directly: rich would write the same sequences but is
slow to import, a large part of a one-shot search (benchmarks/README.md, start-up costs).
Whether to style at all is :func:`fancy`: a terminal, ``NO_COLOR`` not set, and not a
``dumb`` terminal. The text itself is made safe by the core's cleaner (:mod:`newsterm.text`)
before it is painted.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import TextIO

__all__ = ["STYLES", "fancy", "isatty", "paint"]

STYLES = {
    # a search hit (cli_search)
    "title": "1",  # bold
    "date": "32",  # green
    "categories": "35",  # magenta
    "path": "36",  # cyan
    "snippet": "2",  # dim
    "match": "1;33",  # bold yellow
    "footer": "2",  # dim
    # a row of `newsterm list` (cli_archive)
    "list.header": "1",  # bold
    "list.date": "36",  # cyan
    "list.categories": "32",  # green
    "list.path": "2",  # dim
    "list.draft": "2",  # dim: "[draft] " before a draft's title
}
"""Role -> SGR parameters."""


def isatty(stream: TextIO | None) -> bool:
    """True when ``stream`` is a terminal (a closed or fake stream is not)."""
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


def fancy(stream: TextIO | None) -> bool:
    """Styled output on ``stream``: a terminal, colours not refused, and not a dumb terminal."""
    return isatty(stream) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def paint(text: str, role: str | None) -> str:
    """``text`` in the style of ``role`` (None or blank text: as it is)."""
    if not role or not text.strip():
        return text
    return f"\x1b[{STYLES[role]}m{text}\x1b[0m"
