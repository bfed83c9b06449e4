"""Facets: pick categories, tags, years and months (with counts) to narrow the list and search."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, SelectionList, Static
from textual.widgets.selection_list import Selection

from newsterm.models import Post

Facet = tuple[str, str]  # (kind, value): ("category", "뉴스"), ("year", "2025"), ...
KINDS = ("category", "tag", "year", "month")
LABELS = {"category": "category", "tag": "tag", "year": "year", "month": "month"}


def facets_of(post: Post) -> set[Facet]:
    found: set[Facet] = {("category", c) for c in post.categories}
    found |= {("tag", t) for t in post.tags}
    if post.date is not None:
        found.add(("year", f"{post.date.year:04d}"))
        found.add(("month", f"{post.date.year:04d}-{post.date.month:02d}"))
    return found


def count_facets(posts: Iterable[Post]) -> Counter[Facet]:
    counts: Counter[Facet] = Counter()
    for post in posts:
        counts.update(facets_of(post))
    return counts


def matches(post: Post, chosen: set[Facet]) -> bool:
    """A post matches when, for every kind chosen, it has at least one chosen value (OR within
    a kind, AND across kinds)."""
    if not chosen:
        return True
    have = facets_of(post)
    for kind in KINDS:
        wanted = {f for f in chosen if f[0] == kind}
        if wanted and not (wanted & have):
            return False
    return True


def _order(item: tuple[Facet, int]) -> tuple:
    """Categories and tags by count, years and months newest first."""
    (kind, value), count = item
    rank = KINDS.index(kind)
    if kind in ("year", "month"):
        return (rank, 0, tuple(-ord(c) for c in value))
    return (rank, -count, value)


def describe(chosen: set[Facet]) -> str:
    return " · ".join(v for _, v in sorted(chosen, key=lambda f: (KINDS.index(f[0]), f[1])))


class FacetScreen(ModalScreen[set[Facet] | None]):
    """Returns the chosen facets (Enter) or None (Esc)."""

    BINDINGS = [
        Binding("enter", "apply", "Apply", priority=True),
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+x", "clear", "Clear all"),
    ]

    def __init__(self, counts: Counter[Facet], chosen: set[Facet]) -> None:
        super().__init__()
        self.counts = counts
        self.chosen = set(chosen)

    def compose(self) -> ComposeResult:
        with Vertical(id="facet-body") as body:
            body.border_title = "Narrow by"
            body.border_subtitle = "space pick · enter apply · ctrl+x clear · esc cancel"
            yield Input(placeholder="filter facets", id="facet-filter")
            yield SelectionList[Facet](id="facet-list")
            yield Static("", id="facet-note")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#facet-list").focus()

    def _fill(self, needle: str) -> None:
        sl = self.query_one("#facet-list", SelectionList)
        sl.clear_options()
        needle = needle.casefold()
        order = sorted(self.counts.items(), key=_order)
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
