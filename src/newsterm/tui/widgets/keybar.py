"""The key bar at the bottom: the main commands and their keys, from the command table.

Textual's Footer rebuilds all its key widgets whenever focus moves (every time a post is opened),
which costs tens of milliseconds; this bar shows only app-wide commands, so it is drawn once per
keymap. Each key is clickable.
"""

from __future__ import annotations

from textual.markup import escape
from textual.widgets import Static

from newsterm.tui.keys import commands_for, effective_keys, pretty_keys


def keybar_markup(keymap: dict[str, str], served: bool, width: int = 1000) -> str:
    """The bar's markup, keeping as many commands as fit in ``width`` cells, palette last."""
    palette = ("^p", "palette", "command_palette")
    items = []
    for command in commands_for(served):
        if command.footer:
            key = pretty_keys(effective_keys(command, keymap)).split()[0]
            items.append((key, command.label or command.description, command.action))
    budget = width - (len(palette[0]) + len(palette[1]) + 1)
    # Kept first when space is short: help, quit, search and the outline (at 80 columns the
    # outline's key stays in view); the others in table order while they fit.
    first = ("help", "quit", "search", "toggle_outline")
    order = sorted(
        range(len(items)),
        key=lambda i: (first.index(items[i][2]) if items[i][2] in first else len(first), i),
    )
    chosen, used = set(), 0
    for i in order:
        key, label, _action = items[i]
        cost = len(key) + 1 + len(label) + 2
        if used + cost > budget:
            break
        chosen.add(i)
        used += cost
    kept = [items[i] for i in sorted(chosen)]
    parts = [
        f"[@click=screen.{action}][b $accent]{escape(key)}[/] {escape(label)}[/]"
        for key, label, action in [*kept, palette]
    ]
    return "  ".join(parts)


class KeyBar(Static):
    """One line of ``key label`` pairs, ending with the command palette's key."""

    _keys: tuple[dict[str, str], bool] = ({}, False)
    _shown: str | None = None

    def show_keys(self, keymap: dict[str, str], served: bool) -> None:
        self._keys = (keymap, served)
        # Before the first layout (the screen's on_mount) the bar has no size yet: it spans
        # the screen, so the screen's width less its padding is what it will have. (The keys
        # that fit are made once, not for no width first and again at the first resize.)
        width = self.size.width or self.screen.size.width - self.styles.gutter.width
        markup = keybar_markup(keymap, served, width - 2 if width > 0 else 1000)
        if markup == self._shown:
            return
        self._shown = markup
        self.update(markup, layout=False)  # one row (height 1): no layout of the whole screen

    def on_resize(self) -> None:
        self.show_keys(*self._keys)
