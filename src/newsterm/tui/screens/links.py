"""The open post's links, numbered (as newsboat lists an article's URLs); Enter follows one.

A link's number picks it directly, as in newsboat: typing ``3`` opens link 3 at once when no
link number starts with 3 but 3 itself (fewer than 30 links); otherwise it moves to link 3 and
waits for a second digit (``4`` then opens 34) or Enter."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from newsterm.text import one_line
from newsterm.tui.keys import DIALOG_COMMANDS, LINK_COMMANDS, SCREEN_COMMANDS, bindings, hint

_LIST_KEYS = ("links.down", "links.up", "links.first", "links.last", "links.open")


def _as_written(href: str) -> str:
    """A link as the reader knows it: ``{% post_url %}`` links without their inner scheme."""
    from newsterm.markdown.preprocess import POST_LINK_SCHEME

    return href.removeprefix(POST_LINK_SCHEME)


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
        self.typed = ""  # the digits typed so far (a link's number)

    def compose(self) -> ComposeResult:
        with Vertical(id="links-body") as body:
            body.border_title = f"Links · {len(self.links)}"
            body.border_subtitle = self._subtitle()
            options = []
            for number, (href, title) in enumerate(self.links, 1):
                row = Text(f"{number:>3}. ", style="dim", no_wrap=True, overflow="ellipsis")
                if title is not None:
                    row.append("→ ", style="bold")
                    row.append(one_line(title), style="bold")
                    row.append(f"  {one_line(_as_written(href))}", style="dim")
                else:
                    row.append(one_line(href))
                options.append(Option(row, id=f"link-{number}"))
            yield LinkList(*options, id="links-list")

    def _subtitle(self) -> str:
        keys = hint(
            tuple(c for c in LINK_COMMANDS if c.id in ("links.open", "links.close")), self.keymap
        )
        if self.typed:
            return f"link {self.typed}… (another digit, or enter) · {keys}"
        return f"1-{len(self.links)} pick · {keys}" if len(self.links) > 1 else keys

    def on_key(self, event: events.Key) -> None:
        """A digit picks a link by its number (see the module's text)."""
        digit = event.character
        if digit is None or len(digit) != 1 or not "0" <= digit <= "9":
            if self.typed:
                self.typed = ""
                self.query_one("#links-body").border_subtitle = self._subtitle()
            return
        event.stop()
        event.prevent_default()
        count = len(self.links)
        typed = self.typed + digit
        if not 1 <= int(typed) <= count:
            typed = digit if 1 <= int(digit) <= count else ""  # start again with this digit
        self.typed = typed
        if typed:
            number = int(typed)
            self.query_one("#links-list", LinkList).highlighted = number - 1
            if number * 10 > count:  # no other link's number starts with these digits
                self.dismiss(self.links[number - 1][0])
                return
        else:
            self.app.bell()
        self.query_one("#links-body").border_subtitle = self._subtitle()

    def on_mount(self) -> None:
        self.query_one("#links-list", LinkList).highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.typed = ""
        self.dismiss(self.links[event.option_index][0])

    def action_close(self) -> None:
        self.dismiss(None)
