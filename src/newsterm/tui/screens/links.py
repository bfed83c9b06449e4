"""The open post's links, numbered (as newsboat lists an article's URLs); Enter follows one."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from newsterm.text import one_line
from newsterm.tui.keys import DIALOG_COMMANDS, LINK_COMMANDS, SCREEN_COMMANDS, bindings, hint

_LIST_KEYS = ("links.down", "links.up", "links.first", "links.last", "links.open")


class LinkList(OptionList, inherit_bindings=False):
    BINDINGS = bindings(tuple(c for c in LINK_COMMANDS if c.id in _LIST_KEYS))


class LinksScreen(ModalScreen[str | None], inherit_bindings=False):
    """Returns the href picked (Enter) or None (Esc). Each row: number, where it goes (a post's
    title for a link into this archive), and the link as written."""

    BINDINGS = bindings(
        tuple(c for c in LINK_COMMANDS if c.id not in _LIST_KEYS)
        + SCREEN_COMMANDS
        + DIALOG_COMMANDS
    )
    AUTO_FOCUS = "#links-list"

    def __init__(self, links: list[tuple[str, str | None]], keymap: dict[str, str]) -> None:
        super().__init__()
        self.links = links
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with Vertical(id="links-body") as body:
            body.border_title = f"Links · {len(self.links)}"
            body.border_subtitle = hint(
                tuple(c for c in LINK_COMMANDS if c.id in ("links.open", "links.close")),
                self.keymap,
            )
            options = []
            for number, (href, title) in enumerate(self.links, 1):
                row = Text(f"{number:>3}. ", style="dim", no_wrap=True, overflow="ellipsis")
                if title is not None:
                    row.append("→ ", style="bold")
                    row.append(one_line(title), style="bold")
                    row.append(f"  {one_line(href)}", style="dim")
                else:
                    row.append(one_line(href))
                options.append(Option(row, id=f"link-{number}"))
            yield LinkList(*options, id="links-list")

    def on_mount(self) -> None:
        self.query_one("#links-list", LinkList).highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.links[event.option_index][0])

    def action_close(self) -> None:
        self.dismiss(None)
