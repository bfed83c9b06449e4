"""Turn a post's Markdown body into wrapped lines of rich ``Text`` for the line-based article view.

Headings and paragraphs (nearly all of a news post) are rendered here from markdown-it tokens,
which is fast and lets the reader style links and search hits; other blocks (lists, quotes, code,
tables) go through rich's own Markdown renderer. Every block remembers the body line it starts
on, so the outline can scroll to a section and the article can tell which section is on screen.
Rendering needs no Textual and can run in a thread; big posts are rendered block by block.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token
from rich.console import Console
from rich.markdown import Markdown
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from rich.theme import Theme

Span = tuple[int, int]
Matcher = Callable[[str], list[Span]]


@dataclass
class Palette:
    """Rich styles for the parts of an article (taken from the app's theme)."""

    text: Style = field(default_factory=Style)
    h1: Style = field(default_factory=lambda: Style(bold=True, color="magenta"))
    h2: Style = field(default_factory=lambda: Style(bold=True, color="cyan"))
    h3: Style = field(default_factory=lambda: Style(bold=True))
    rule: Style = field(default_factory=lambda: Style(dim=True))
    link: Style = field(default_factory=lambda: Style(underline=True, color="blue"))
    code: Style = field(default_factory=lambda: Style(bold=True))
    hit: Style = field(default_factory=lambda: Style(reverse=True))
    hit_current: Style = field(default_factory=lambda: Style(reverse=True, bold=True))
    dark: bool = True


@dataclass
class Block:
    """One top-level block: where it starts in the body and on screen."""

    source_line: int  # 1-based body line
    y: int  # first rendered line
    height: int
    heading: int = 0  # heading level, 0 for other blocks


@dataclass
class RenderedDoc:
    """The article as lines, plus what the view needs to navigate it."""

    width: int
    lines: list[Text] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    complete: bool = False

    def y_of_line(self, source_line: int) -> int:
        """The rendered line of the block holding body line ``source_line``."""
        best = 0
        for block in self.blocks:
            if block.source_line <= source_line:
                best = block.y
            else:
                break
        return best

    def line_of_y(self, y: int) -> int:
        """The body line of the block shown at rendered line ``y``."""
        best = 1
        for block in self.blocks:
            if block.y <= y:
                best = block.source_line
            else:
                break
        return best

    def heading_ys(self) -> list[int]:
        return [b.y for b in self.blocks if b.heading]


_PARSER = MarkdownIt("commonmark", {"html": False}).enable("strikethrough").enable("table")
_FAST_BLOCKS = {"paragraph_open", "heading_open"}


def top_level_blocks(body: str) -> Iterator[tuple[list[Token], int, int]]:
    """Yield ``(tokens, start, end)`` for each top-level block (0-based, end exclusive lines)."""
    tokens = _PARSER.parse(body)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        j = i
        if tok.nesting == 1:
            depth = 0
            while j < len(tokens):
                depth += tokens[j].nesting
                if depth == 0:
                    break
                j += 1
        group = tokens[i : j + 1]
        start, end = tok.map if tok.map else (0, 0)
        yield group, start, end
        i = j + 1


def inline_text(children: list[Token], base: Style, palette: Palette, links: list[str]) -> Text:
    """Rich text for a run of inline tokens."""
    text = Text(style=base)
    stack: list[Style] = []

    def current() -> Style:
        style = Style()
        for s in stack:
            style += s
        return style

    for tok in children:
        kind = tok.type
        if kind == "text":
            text.append(tok.content, current())
        elif kind == "softbreak":
            text.append(" ")
        elif kind == "hardbreak":
            text.append("\n")
        elif kind == "code_inline":
            text.append(tok.content, current() + palette.code)
        elif kind == "strong_open":
            stack.append(Style(bold=True))
        elif kind == "em_open":
            stack.append(Style(italic=True))
        elif kind == "s_open":
            stack.append(Style(strike=True))
        elif kind == "link_open":
            href = str(tok.attrs.get("href", ""))
            links.append(href)
            stack.append(palette.link + Style(meta={"@click": f"open_link({len(links) - 1})"}))
        elif kind in ("strong_close", "em_close", "s_close", "link_close"):
            if stack:
                stack.pop()
        elif kind == "image":
            alt = tok.content or "image"
            text.append(f"[{alt}]", current() + Style(italic=True))
        elif kind in ("html_inline",):
            text.append(tok.content, current())
        else:
            text.append(tok.content, current())
    return text


def _segments_to_texts(segment_lines: list[list[Segment]]) -> list[Text]:
    out = []
    for line in segment_lines:
        t = Text()
        for seg in line:
            if not seg.control:
                t.append(seg.text, seg.style)
        out.append(t)
    return out


def _markdown_theme(palette: Palette) -> Theme:
    code = "bold" if not palette.dark else "bold bright_cyan"
    return Theme(
        {
            "markdown.code": code,
            "markdown.block_quote": "italic",
            "markdown.link": str(palette.link),
            "markdown.link_url": str(palette.link),
            "markdown.item.bullet": str(palette.h2),
            "markdown.item.number": str(palette.h2),
            "markdown.hr": str(palette.rule),
            "markdown.h1": str(palette.h1),
            "markdown.h2": str(palette.h2),
            "markdown.h3": str(palette.h3),
        }
    )


class Renderer:
    """Renders bodies at one width with one palette (create one per render job)."""

    def __init__(self, width: int, palette: Palette) -> None:
        self.width = max(10, width)
        self.palette = palette
        self.console = Console(
            width=self.width,
            color_system="truecolor",
            force_terminal=True,
            legacy_windows=False,
            theme=_markdown_theme(palette),
            no_color=False,
            highlight=False,
            emoji=False,
        )
        self.options = self.console.options.update(width=self.width, height=None)

    def render_block(
        self, tokens: list[Token], source: str, links: list[str]
    ) -> tuple[list[Text], int]:
        """Lines of one block and its heading level (0 if not a heading)."""
        palette = self.palette
        first = tokens[0]
        if first.type == "heading_open":
            level = int(first.tag[1:])
            style = {1: palette.h1, 2: palette.h2}.get(level, palette.h3)
            text = inline_text(tokens[1].children or [], style, palette, links)
            lines = list(text.wrap(self.console, self.width))
            if level <= 2:
                lines.append(
                    Text("─" * min(self.width, max(t.cell_len for t in lines)), palette.rule)
                )
            return lines, level
        if first.type == "paragraph_open" and len(tokens) == 3:
            text = inline_text(tokens[1].children or [], palette.text, palette, links)
            return list(text.wrap(self.console, self.width)), 0
        if first.type == "hr":
            return [Text("─" * self.width, palette.rule)], 0
        code_theme = "monokai" if palette.dark else "default"
        md = Markdown(source, code_theme=code_theme, hyperlinks=False)
        lines = self.console.render_lines(md, self.options, pad=False)
        return _segments_to_texts(lines), 0

    def render(
        self,
        body: str,
        on_chunk: Callable[[RenderedDoc], None] | None = None,
        chunk_lines: int = 400,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> RenderedDoc:
        """Render ``body``; ``on_chunk`` sees the partial doc every ``chunk_lines`` lines."""
        doc = RenderedDoc(self.width)
        body_lines = body.split("\n")
        emitted = 0
        for tokens, start, end in top_level_blocks(body):
            if cancelled():
                return doc
            source = "\n".join(body_lines[start:end])
            lines, heading = self.render_block(tokens, source, doc.links)
            if not lines:
                continue
            if doc.lines:
                doc.lines.append(Text(""))
            doc.blocks.append(Block(start + 1, len(doc.lines), len(lines), heading))
            doc.lines.extend(lines)
            if on_chunk is not None and len(doc.lines) - emitted >= chunk_lines:
                emitted = len(doc.lines)
                on_chunk(doc)
        doc.complete = True
        return doc


@dataclass(frozen=True, slots=True)
class HitPos:
    """A search hit on screen: rendered line and cell-independent character range."""

    y: int
    start: int
    end: int


def find_hits(doc: RenderedDoc, matcher: Matcher) -> list[HitPos]:
    """Where ``matcher`` finds the query in each block's rendered text (in reading order)."""
    hits: list[HitPos] = []
    block_ranges = [(b.y, b.y + b.height) for b in doc.blocks] or [(0, len(doc.lines))]
    for y0, y1 in block_ranges:
        lines = doc.lines[y0:y1]
        plain = "\n".join(t.plain for t in lines)
        if not plain.strip():
            continue
        spans = matcher(plain)
        if not spans:
            continue
        starts = []
        offset = 0
        for t in lines:
            starts.append(offset)
            offset += len(t.plain) + 1
        for s, e in sorted(spans):
            # Split a span that crosses wrapped lines into one hit per line.
            for idx, line_start in enumerate(starts):
                line_end = line_start + len(lines[idx].plain)
                lo, hi = max(s, line_start), min(e, line_end)
                if lo < hi:
                    hits.append(HitPos(y0 + idx, lo - line_start, hi - line_start))
    return hits


_WORD = re.compile(r"\w+", re.UNICODE)


def simple_matcher(query: str) -> Matcher:
    """A plain case-insensitive term matcher (fallback when the query module cannot parse)."""
    terms = [w.casefold() for w in _WORD.findall(query) if w.casefold() not in {"and", "or", "not"}]

    def match(text: str) -> list[Span]:
        folded = text.casefold()
        spans = []
        for term in terms:
            start = folded.find(term)
            while start >= 0:
                spans.append((start, start + len(term)))
                start = folded.find(term, start + len(term))
        return sorted(spans)

    return match


def reading_minutes(body: str) -> int:
    """Estimated reading time: ~500 Hangul syllables or ~230 other words a minute."""
    hangul = sum(1 for ch in body if "\uac00" <= ch <= "\ud7a3")
    other_words = len(re.findall(r"[A-Za-z0-9]+", body))
    return max(1, round(hangul / 500 + other_words / 230))
