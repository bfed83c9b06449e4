"""The search pane: a query box and ranked results, each with its highlighted snippet."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from newsterm.tui.widgets.post_list import fit

MAX_QUERY = 200


def hit_prompt(hit: Any, width: int) -> Group:
    """Two or three lines for one result: date and title, then the snippet."""
    date = hit.date.strftime("%Y-%m-%d") if getattr(hit, "date", None) else "—"
    head = Text()
    head.append(date, style="dim")
    head.append("  ")
    head.append(fit(hit.title or hit.path, max(8, width - 12)).rstrip(), style="bold")
    snippet = Text((hit.snippet or "").replace("\n", " "), style="dim")
    for start, end in getattr(hit, "spans", ()) or ():
        snippet.stylize("bold not dim reverse", start, end)
    snippet.truncate(max(10, (width - 4) * 2), overflow="ellipsis")
    snippet.pad_left(2)
    return Group(head, snippet)


class SearchResults(OptionList):
    """The ranked hits (Enter opens, Esc goes back to the query)."""

    BINDINGS = [
        ("j", "cursor_down", "Down"),
        ("k", "cursor_up", "Up"),
        ("g", "first", "First"),
        ("G", "last", "Last"),
    ]


class SearchPanel(Vertical):
    """Query box + status + results. The app runs the searches; this only shows them."""

    class QueryChanged(Message):
        def __init__(self, query: str) -> None:
            super().__init__()
            self.query = query

    class Opened(Message):
        def __init__(self, hit: Any, query: str) -> None:
            super().__init__()
            self.hit = hit
            self.query = query

    class Closed(Message):
        """Esc in the query box: back to the list as it was."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.hits: list[Any] = []
        self.query_text = ""

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder='Search: words, "phrases", title:…, tag:…, -word',
            max_length=MAX_QUERY,
            id="search-input",
        )
        yield Static("", id="search-status")
        yield SearchResults(id="search-results")

    @property
    def input(self) -> Input:
        return self.query_one("#search-input", Input)

    @property
    def results(self) -> SearchResults:
        return self.query_one("#search-results", SearchResults)

    def set_status(self, text: str | Text, error: bool = False) -> None:
        status = self.query_one("#search-status", Static)
        status.set_class(error, "-error")
        status.update(text)

    def show_results(
        self, query: str, hits: list[Any], total: int, elapsed_ms: float | None
    ) -> None:
        self.hits = hits
        self.query_text = query
        width = max(20, self.results.scrollable_content_region.width or self.size.width or 40)
        results = self.results
        results.clear_options()
        results.add_options(
            [Option(hit_prompt(hit, width), id=f"hit-{i}") for i, hit in enumerate(hits)]
        )
        if hits:
            results.highlighted = 0
        if not query.strip():
            self.set_status("")
        elif total:
            shown = f"{len(hits)} of {total:,}" if total > len(hits) else f"{total:,}"
            timing = f" · {elapsed_ms:.0f} ms" if elapsed_ms is not None else ""
            self.set_status(f"{shown} results{timing}")
        else:
            self.set_status("no results")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.QueryChanged(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.hits:
            index = self.results.highlighted or 0
            self.post_message(self.Opened(self.hits[index], self.input.value))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = event.option_index
        if 0 <= index < len(self.hits):
            self.post_message(self.Opened(self.hits[index], self.input.value))

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.stop()
            if self.results.has_focus:
                self.input.focus()
            else:
                self.post_message(self.Closed())
        elif event.key == "down" and self.input.has_focus and self.hits:
            event.stop()
            self.results.focus()
