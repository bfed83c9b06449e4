"""The reader's status line at the top of the screen."""

from __future__ import annotations

from textual.widgets import Static

from newsterm.tui.status import Status


class StatusLine(Static):
    """One line: the archive, its posts and unread count, the index's state."""

    _shown: str | None = None

    def show(self, status: Status) -> None:
        markup = status.markup()
        if markup == self._shown:
            return
        self._shown = markup
        # One row whatever it says (height 1 in the stylesheet): no layout of the whole screen.
        self.update(markup, layout=False)
