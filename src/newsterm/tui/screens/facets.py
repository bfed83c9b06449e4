"""Facets: pick categories, tags, years and months (with counts) to narrow the list and search."""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, SelectionList, Static
from textual.widgets.selection_list import Selection

from newsterm.tui.facets import LABELS, Facet, display_order
from newsterm.tui.keys import DIALOG_COMMANDS, FACET_COMMANDS, SCREEN_COMMANDS, bindings, hint
from newsterm.tui.widgets.text_box import TextBox

_LIST_KEYS = {"facets.pick", "facets.down", "facets.up", "facets.filter"}
_SCREEN_KEYS = tuple(c for c in FACET_COMMANDS if c.id not in _LIST_KEYS)


class FacetList(SelectionList[Facet], inherit_bindings=False):
    """The facets with their counts; keys from the registry (space picks)."""

    BINDINGS = bindings(tuple(c for c in FACET_COMMANDS if c.id in _LIST_KEYS))

    def action_filter(self) -> None:
        self.screen.query_one("#facet-filter", Input).focus()


class FacetScreen(ModalScreen[set[Facet] | None], inherit_bindings=False):
    """Returns the chosen facets (Enter) or None (Esc). It opens on the list, not the filter box,
    so its keys (space to pick) act on the facets; ``/`` goes to the filter box.

    ``scope`` names what the counts count ("12 search results", "all 15 posts").
    """

    BINDINGS = bindings(_SCREEN_KEYS + SCREEN_COMMANDS + DIALOG_COMMANDS)
    AUTO_FOCUS = "#facet-list"

    def __init__(
        self,
        counts: Counter[Facet],
        chosen: set[Facet],
        keymap: dict[str, str] | None = None,
        scope: str = "",
    ) -> None:
        super().__init__()
        self.counts = counts
        self.chosen = set(chosen)
        self.keymap = keymap or {}
        self.scope = scope

    def compose(self) -> ComposeResult:
        with Vertical(id="facet-body") as body:
            body.border_title = f"Narrow by · counts in {self.scope}" if self.scope else "Narrow by"
            shown = [c for c in FACET_COMMANDS if c.id in ("facets.pick", "facets.filter")]
            body.border_subtitle = hint(tuple(shown) + _SCREEN_KEYS, self.keymap)
            yield TextBox(placeholder="filter facets (/)", id="facet-filter")
            yield FacetList(id="facet-list")
            yield Static("", id="facet-note")

    def on_mount(self) -> None:
        self._fill("")
        facet_list = self.query_one("#facet-list", FacetList)
        if facet_list.option_count:
            facet_list.highlighted = 0
        facet_list.focus()

    def _fill(self, needle: str) -> None:
        sl = self.query_one("#facet-list", SelectionList)
        sl.clear_options()
        needle = needle.casefold()
        order = sorted(self.counts.items(), key=display_order)
        selections = []
        for facet, count in order:
            kind, value = facet
            if needle and needle not in value.casefold() and needle not in kind:
                continue
            label = Text.assemble((f"{LABELS[kind]:>8} ", "dim"), value, (f"  {count:,}", "dim"))
            selections.append(Selection(label, facet, facet in self.chosen))
        sl.add_options(selections)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._sync_chosen()
        self._fill(event.value)

    def _sync_chosen(self) -> None:
        sl = self.query_one("#facet-list", SelectionList)
        visible = {sl.get_option_at_index(i).value for i in range(sl.option_count)}
        self.chosen = (self.chosen - visible) | set(sl.selected)

    def action_apply(self) -> None:
        self._sync_chosen()
        self.dismiss(self.chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_clear(self) -> None:
        self.chosen = set()
        self.query_one("#facet-list", SelectionList).deselect_all()
