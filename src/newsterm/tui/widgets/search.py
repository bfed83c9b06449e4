"""The search pane: a query box and ranked results, each with its highlighted snippet."""

from __future__ import annotations

import io
import re
from typing import Any

from rich.cells import cell_len
from rich.console import Console, Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from newsterm.markdown.linebreak import wrap
from newsterm.tui import messages
from newsterm.tui.keys import RESULTS_COMMANDS, SEARCH_BOX_COMMANDS, bindings
from newsterm.tui.widgets.post_list import DRAFT_MARK, fit
from newsterm.tui.widgets.text_box import TextBox

MAX_QUERY = 200


SNIPPET_LINES = 2
_MEASURE = Console(width=200, file=io.StringIO(), color_system=None, legacy_windows=False)


# Markdown that reads as noise in a one-line snippet: table rules and pipes, emphasis marks,
# heading marks; and runs of spaces.
_NOISE = re.compile(r"\|?(?:\s*:?-{2,}:?\s*\|)+\s*:?-*:?|\*\*|__|(?:^|(?<=\s))#{1,6}(?=\s)|`")
_PIPE = re.compile(r"\s*\|\s*")
_SPACES = re.compile(r"\s{2,}")
_DOTS = re.compile(r"·(?:\s*·)+")


def tidy_snippet(snippet: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """``snippet`` without Markdown noise, and ``spans`` moved to match (hits are kept whole)."""
    text = snippet.replace("\n", " ")
    spans = [(s, e) for s, e in spans if 0 <= s < e <= len(text)]
    for pattern, repl in ((_NOISE, " "), (_PIPE, " · "), (_DOTS, "·"), (_SPACES, " ")):
        out: list[str] = []
        moved = [[s, e] for s, e in spans]
        pos = 0
        for m in pattern.finditer(text):
            a, b = m.span()
            if any(s < b and a < e for s, e in spans):
                continue  # never touch a highlighted hit
            out.append(text[pos:a])
            out.append(repl)
            delta = len(repl) - (b - a)
            for span in moved:
                if span[0] >= b:
                    span[0] += delta
                    span[1] += delta
            pos = b
        out.append(text[pos:])
        text = "".join(out)
        spans = [(s, e) for s, e in moved]
    for lead in ("… · ", " · ", "· "):
        if text.startswith(lead) and all(s >= len(lead) for s, _ in spans):
            keep = "… " if lead.startswith("…") else ""
            shift = len(lead) - len(keep)
            text = keep + text[len(lead) :]
            spans = [(s - shift, e - shift) for s, e in spans]
            break
    return text, sorted(spans)


def snippet_lines(snippet: str, spans: list[tuple[int, int]], width: int) -> list[Text]:
    """At most ``SNIPPET_LINES`` lines of ``width`` cells, the first hit always among them.

    Text before the first hit is cut (to an ellipsis) when it would push the hit out of view.
    """
    plain, spans = tidy_snippet(snippet, spans)
    if spans:
        first = spans[0][0]
        keep = max(4, width // 3)  # cells of context kept before the first hit
        if cell_len(plain[:first]) > keep:
            cut = first
            while cut > 0 and cell_len(plain[cut - 1 : first]) <= keep:
                cut -= 1
            while cut < first and not plain[cut - 1].isspace() and plain[cut].isalnum():
                cut += 1  # start on a word
            while cut < first and plain[cut].isspace():
                cut += 1
            plain = "… " + plain[cut:]
            shift = 2 - cut
            spans = [(s + shift, e + shift) for s, e in spans if s + shift >= 2]
    text = Text(plain, style="dim")
    for start, end in spans:
        text.stylize("bold not dim reverse", start, end)
    lines = list(wrap(text, _MEASURE, width))  # (folds a word longer than the width)
    if len(lines) > SNIPPET_LINES:
        lines = lines[:SNIPPET_LINES]
        last = lines[-1]
        last.rstrip()
        if last.cell_len >= width:
            last.truncate(width - 1)
        last.append("…", style="dim")
    return lines


def hit_prompt(hit: Any, width: int, draft: bool = False) -> Group:
    """Up to three lines for one result: date and title (and the list's ✎ for a draft), then
    the snippet (indented)."""
    date = hit.date.strftime("%Y-%m-%d") if getattr(hit, "date", None) else "—"
    head = Text()
    head.append(date, style="dim")
    head.append("  ")
    mark = DRAFT_MARK if draft else ""
    head.append(fit(hit.title or hit.path, max(8, width - 12 - len(mark))).rstrip(), style="bold")
    if mark:
        head.append(mark, style="dim italic")
    lines = snippet_lines(hit.snippet or "", list(getattr(hit, "spans", ()) or ()), width - 2)
    for line in lines:
        line.pad_left(2)
    # Laid out for ``width``; should the list draw them narrower (a scrollbar that came after
    # the layout), each line is cut with "…" by display width, never wrapped onto another.
    for line in (head, *lines):
        line.no_wrap = True
        line.overflow = "ellipsis"
    return Group(head, *lines)


class SearchInput(TextBox):
    """The query box: Esc closes the search, Down goes into the results."""

    BINDINGS = bindings(SEARCH_BOX_COMMANDS)

    def action_close(self) -> None:
        self.post_message(messages.SearchClosed())

    def action_to_results(self) -> None:
        panel = self.parent
        if isinstance(panel, SearchPanel) and panel.hits:
            panel.results.focus()


class SearchResults(OptionList, inherit_bindings=False):
    """The ranked hits (Enter opens, Esc goes back to the query)."""

    BINDINGS = bindings(RESULTS_COMMANDS)

    def action_to_query(self) -> None:
        panel = self.parent
        if isinstance(panel, SearchPanel):
            panel.input.focus()

    def on_resize(self) -> None:
        panel = self.parent
        if isinstance(panel, SearchPanel):
            panel.relayout()


class SearchPanel(Vertical):
    """Query box + status + results. The app runs the searches; this only shows them."""

    QueryChanged = messages.QueryChanged
    Opened = messages.HitOpened
    Closed = messages.SearchClosed

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.hits: list[Any] = []
        self.total = 0
        self.query_text = ""
        self._shown: tuple[str, list[Any], int, float | None, frozenset[str]] | None = None
        self._laid_width = 0

    def compose(self) -> ComposeResult:
        yield SearchInput(
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
        # Errors quote the query: show them as text, never as markup.
        status.update(Text(text) if isinstance(text, str) else text)

    def show_results(
        self,
        query: str,
        hits: list[Any],
        total: int,
        elapsed_ms: float | None,
        drafts: frozenset[str] = frozenset(),
    ) -> None:
        """Lay out ``hits`` (``drafts``: the paths among them that are drafts)."""
        self.hits = hits
        self.total = total
        self.query_text = query
        self._shown = (query, hits, total, elapsed_ms, drafts)
        width = self._text_width()
        self._laid_width = width
        results = self.results
        results.clear_options()
        results.add_options(
            [
                Option(hit_prompt(hit, width, hit.path in drafts), id=f"hit-{i}")
                for i, hit in enumerate(hits)
            ]
        )
        if hits:
            results.highlighted = 0
        if not query.strip():
            self.set_status("")
        elif total:
            shown = f"{len(hits)} of {total:,}" if total > len(hits) else f"{total:,}"
            timing = f" · {elapsed_ms:.0f} ms" if elapsed_ms is not None else ""
            noun = "result" if total == 1 else "results"
            self.set_status(f"{shown} {noun}{timing}")
        else:
            self.set_status("no results")

    def _text_width(self) -> int:
        """The text width of an option: the list's content width less its padding (0 1).

        A list that was hidden has no width yet: then the pane it sits in decides.
        """
        results = self.results
        width = results.scrollable_content_region.width
        if not width:
            pane = self.parent
            gutter = results.styles.scrollbar_size_vertical  # kept free (scrollbar-gutter)
            width = (pane.size.width if isinstance(pane, Widget) else 40) - gutter
        return max(20, (width or 40) - 2)

    def relayout(self) -> None:
        """Results are laid out for a width: lay them out again if it changed."""
        if self.hits and self._shown is not None and self._text_width() != self._laid_width:
            keep = self.results.highlighted
            self.show_results(*self._shown)
            if keep is not None and keep < len(self.hits):
                self.results.highlighted = keep

    def on_resize(self) -> None:
        self.relayout()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.QueryChanged(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.hits and self.query_text == self.input.value:
            index = self.results.highlighted or 0
            self.post_message(self.Opened(self.hits[index], self.input.value))
        else:
            self.post_message(self.QueryChanged(self.input.value, now=True))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = event.option_index
        if 0 <= index < len(self.hits):
            self.post_message(self.Opened(self.hits[index], self.input.value))
