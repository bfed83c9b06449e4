"""The title filter box above the post list."""

from __future__ import annotations

from textual.widgets import Input

from newsterm.tui import messages
from newsterm.tui.keys import FILTER_COMMANDS


class FilterInput(Input):
    """The title filter box: Esc clears it and goes back to the whole list."""

    BINDINGS = [c.binding() for c in FILTER_COMMANDS]

    Cancelled = messages.FilterCancelled

    def action_cancel(self) -> None:
        self.value = ""
        self.post_message(self.Cancelled())
