"""The help screen, generated from the command table and the keymap in force."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Static

from newsterm.tui.keys import (
    ALL_COMMANDS,
    DIALOG_COMMANDS,
    HELP_BODY_COMMANDS,
    HELP_COMMANDS,
    SCREEN_COMMANDS,
    Command,
    bindings,
    effective_keys,
    pretty_keys,
)


def help_table(commands: tuple[Command, ...], keymap: dict[str, str], served: bool) -> Table:
    """Every command by group: its keys in force, what it does, and (served readers cannot
    remap) the binding id to remap it with."""
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold", max_width=16)
    table.add_column()
    if not served:
        table.add_column(style="dim", no_wrap=True)
    groups: dict[str, list[Command]] = {}
    for command in commands:
        if served and not command.served:
            continue
        groups.setdefault(command.group, []).append(command)
    for group, members in groups.items():
        table.add_row("", "")
        table.add_row("", Text(group, style="bold underline"))
        for command in members:
            row = [pretty_keys(effective_keys(command, keymap)), command.description]
            table.add_row(*row, *([] if served else [command.id]))
    return table


class HelpBody(VerticalScroll, inherit_bindings=False):
    """The help's scrolling text; its keys come from the registry (``help.*``)."""

    BINDINGS = bindings(HELP_BODY_COMMANDS)

    def action_scroll(self, direction: str) -> None:
        self.scroll_relative(y=2 if direction == "down" else -2, animate=False)


class HelpScreen(ModalScreen[None], inherit_bindings=False):
    """Keys and commands; any of Esc, q, ? closes it."""

    BINDINGS = bindings(HELP_COMMANDS + SCREEN_COMMANDS + DIALOG_COMMANDS)
    AUTO_FOCUS = "#help-body"

    def __init__(self, keymap: dict[str, str], served: bool, config_path: str = "") -> None:
        super().__init__()
        self.keymap = keymap
        self.served = served
        self.config_path = config_path

    def compose(self) -> ComposeResult:
        with HelpBody(id="help-body") as body:
            body.border_title = "newsterm · keys"
            if self.served or not self.config_path:
                body.border_subtitle = "Esc to close"
            else:
                body.border_subtitle = escape(
                    f"Esc to close · remap: [keymap] in {self.config_path}"
                )
            if not self.served:
                yield Static(
                    Text(
                        f"Remap a key in {self.config_path or 'config.toml'}, under [keymap]:"
                        ' "search" = "ctrl+s"  (the id is the right-hand column)',
                        style="dim",
                    ),
                    id="help-remap",
                )
            yield Static(help_table(ALL_COMMANDS, self.keymap, self.served), id="help-table")
