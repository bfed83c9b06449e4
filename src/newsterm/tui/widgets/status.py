"""The reader's status line at the top of the screen."""

from __future__ import annotations

from textual.widgets import Static

from newsterm.tui.status import Status


class StatusLine(Static):
    """One line: the archive, its posts and unread count, the index's state."""

    def show(self, status: Status) -> None:
        self.update(status.markup())
