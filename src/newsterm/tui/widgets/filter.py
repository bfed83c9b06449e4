"""The title filter box above the post list."""

from __future__ import annotations

from newsterm.tui import messages
from newsterm.tui.keys import FILTER_COMMANDS
from newsterm.tui.widgets.text_box import TextBox


class FilterInput(TextBox):
    """The title filter box: Esc clears it and goes back to the whole list."""

    BINDINGS = [c.binding() for c in FILTER_COMMANDS]

    Cancelled = messages.FilterCancelled

    def action_cancel(self) -> None:
        self.value = ""
        self.post_message(self.Cancelled())
