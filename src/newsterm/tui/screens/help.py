"""The help screen, generated from the command table and the keymap in force."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from newsterm.tui.keys import ALL_COMMANDS, Command, effective_keys, pretty_keys


def help_table(commands: tuple[Command, ...], keymap: dict[str, str], served: bool) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold", no_wrap=True)
    table.add_column()
    groups: dict[str, list[Command]] = {}
    for command in commands:
        if served and not command.served:
            continue
        groups.setdefault(command.group, []).append(command)
    for group, members in groups.items():
        table.add_row("", "")
        table.add_row("", Text(group, style="bold underline"))
        for command in members:
            table.add_row(pretty_keys(effective_keys(command, keymap)), command.description)
    table.add_row("", "")
    table.add_row("ctrl+p", "Command palette: every action by name")
    return table


class HelpScreen(ModalScreen[None]):
    """Keys and commands; any of Esc, q, ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", show=True),
        Binding("j,down", "scroll('down')", show=False),
        Binding("k,up", "scroll('up')", show=False),
    ]

    def __init__(self, keymap: dict[str, str], served: bool) -> None:
        super().__init__()
        self.keymap = keymap
        self.served = served

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "newsterm · keys"
            body.border_subtitle = "Esc to close · remap in config.toml [keymap]"
            yield Static(help_table(ALL_COMMANDS, self.keymap, self.served), id="help-table")

    def action_scroll(self, direction: str) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        body.scroll_relative(y=2 if direction == "down" else -2, animate=False)
