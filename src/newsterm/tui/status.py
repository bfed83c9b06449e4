"""The reader's status line: what it says about the archive, the reading marks and the index."""

from __future__ import annotations

from dataclasses import dataclass

from textual.markup import escape as escape_markup

from newsterm.tui.listing import fmt


@dataclass(frozen=True)
class Status:
    """What the status line reports."""

    archive: str  # the archive folder's name
    posts: int = 0
    problems: int = 0  # files that could not be read
    unread: int = 0
    partial: str = ""  # "reading 400/20,000…" while a big archive loads
    listed: bool = False  # the whole list is known (loaded, or from the catalog)
    index: str = "waiting"  # the index's state ("up to date", "indexing 10/20", an error…)
    served: bool = False

    def markup(self) -> str:
        """The line as Textual content markup; archive and index text is escaped."""
        parts = [f"[b]newsterm[/b]  {escape_markup(self.archive)}"]
        if self.partial:
            parts.append(f"{fmt(self.posts)} posts so far ({self.partial})")
        elif self.listed:
            parts.append(f"{fmt(self.posts)} posts")
            if self.problems:
                parts.append(f"[$warning]{fmt(self.problems)} unreadable[/]")
            parts.append(f"{fmt(self.unread)} unread")
        else:
            parts.append("loading…")
        parts.append(escape_markup(self.index))  # may quote an error with a path
        if self.served:
            parts.append("served")
        return "  ·  ".join(parts)
