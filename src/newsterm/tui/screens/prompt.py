"""A one-line question (where to save, which command to pipe to): Enter answers, Esc cancels."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from newsterm.tui.keys import DIALOG_COMMANDS, PROMPT_COMMANDS, SCREEN_COMMANDS, bindings
from newsterm.tui.widgets.text_box import TextBox


class PromptScreen(ModalScreen[str | None], inherit_bindings=False):
    BINDINGS = bindings(PROMPT_COMMANDS + SCREEN_COMMANDS + DIALOG_COMMANDS)
    AUTO_FOCUS = "#prompt-input"

    def __init__(self, title: str, note: str, value: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.note = note
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-body") as body:
            body.border_title = self.title_text
            yield Static(self.note, id="prompt-note", markup=False)
            yield TextBox(self.value, id="prompt-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
