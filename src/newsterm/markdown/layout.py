"""A post's body laid out as wrapped lines of rich ``Text``: what the reader and ``show`` print.

:class:`Renderer` takes the raw body, runs the one preparation path (:func:`prepare`: template
dialects to Markdown, implicit headings promoted) and the one parser
(:mod:`newsterm.markdown.setup`), and lays out every block itself: headings, paragraphs, lists
(nested, task check boxes), block quotes, code (highlighted), math, tables, definition lists,
footnotes and rules. Every top-level block remembers the body line it starts on, so the outline
can scroll to a section and the article can tell which section is on screen. Links are collected
(``doc.links``) and their text carries an ``@click`` meta for the reader; the places an in-page
link can lead to (headings, ids, footnotes) are in ``doc.anchors`` (:meth:`RenderedDoc.anchor_y`).

Nothing here knows about Textual; rendering can run in a thread, and big posts are rendered
block by block (``on_chunk``). :func:`render_text` is the plain text of the same lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from markdown_it.token import Token
from rich.console import Console
from rich.style import Style
from rich.text import Text

from newsterm.anchors import anchor_key
from newsterm.markdown.linebreak import wrap
from newsterm.markdown.preprocess import SHORTCODE_SCHEME, PostLink, preprocess
from newsterm.markdown.setup import directive_label, parse

__all__ = [
    "Block",
    "HitPos",
    "ImageRows",
    "ImageSlot",
    "Palette",
    "RenderedDoc",
    "Renderer",
    "find_hits",
    "prepare",
    "render_text",
    "top_level_blocks",
]

_DEFINITION = re.compile(r"^ {0,3}:[ \t]")

Span = tuple[int, int]
Matcher = Callable[[str], list[Span]]
ImageRows = Callable[[str], int]
"""How many rows to leave below an image's placeholder to draw it in (0: none), given its src."""


@dataclass
class Palette:
    """Rich styles for the parts of an article (the reader takes them from its theme)."""

    text: Style = field(default_factory=Style)
    h1: Style = field(default_factory=lambda: Style(bold=True, color="magenta"))
    h2: Style = field(default_factory=lambda: Style(bold=True, color="cyan"))
    h3: Style = field(default_factory=lambda: Style(bold=True))
    rule: Style = field(default_factory=lambda: Style(dim=True))
    link: Style = field(default_factory=lambda: Style(underline=True, color="blue"))
    code: Style = field(default_factory=lambda: Style(bold=True))
    hit: Style = field(default_factory=lambda: Style(reverse=True))
    hit_current: Style = field(default_factory=lambda: Style(reverse=True, bold=True))
    quote: Style = field(default_factory=lambda: Style(italic=True))
    marker: Style = field(default_factory=lambda: Style(bold=True, color="cyan"))
    placeholder: Style = field(default_factory=lambda: Style(dim=True, italic=True))
    dark: bool = True


@dataclass
class Block:
    """One top-level block: where it starts in the body and on screen."""

    source_line: int  # 1-based body line
    y: int  # first rendered line
    height: int
    heading: int = 0  # heading level, 0 for other blocks


@dataclass(frozen=True)
class ImageSlot:
    """Blank rows left below an image's ``[image: alt]`` line, for a reader that can draw it."""

    y: int  # the first of the rows
    height: int
    src: str  # as written in the post
    alt: str


@dataclass
class RenderedDoc:
    """The article as lines, plus what the view needs to navigate it."""

    width: int
    lines: list[Text] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    images: list[ImageSlot] = field(default_factory=list)
    anchors: dict[str, int] = field(default_factory=dict)  # anchor_key -> rendered line
    complete: bool = False
    _headings_seen: dict[str, int] = field(default_factory=dict, repr=False)

    def anchor_y(self, fragment: str) -> int | None:
        """The rendered line an in-page link's ``#fragment`` leads to (the block holding a
        heading of that name, an element with that id, a footnote), or None."""
        return self.anchors.get(anchor_key(fragment))

    def add_anchors(self, group: list[Token], y: int) -> None:
        """Note the anchors of a top-level block (its tokens) that starts at line ``y``: its
        headings' names (a repeat of a name also as name + N, ``example-1``), ids, footnotes."""
        names: list[str] = []
        for i, tok in enumerate(group):
            if tok.type == "footnote_open":  # the footnote's own row, as footnotes() noted it
                meta = tok.meta or {}
                self.anchors.setdefault(f"fn{meta.get('id', 0) + 1}", y + meta.get("row", 0))
            if tok.type != "inline":
                continue
            children = tok.children or []
            if i and group[i - 1].type == "heading_open":
                shown = (c.content for c in children if c.type in ("text", "code_inline"))
                base = anchor_key("".join(shown))
                if base:
                    seen = self._headings_seen.get(base, 0)
                    self._headings_seen[base] = seen + 1
                    names.append(f"{base}{seen}" if seen else base)
            for c in children:
                if c.type == "anchor":
                    names.append(anchor_key(str(c.attrs.get("id", ""))))
                elif c.type == "footnote_ref":
                    names.append(f"fnref{(c.meta or {}).get('id', 0) + 1}")
        for name in names:
            if name:
                self.anchors.setdefault(name, y)

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

    def plain(self) -> str:
        """The rendered text, one line per line."""
        return "\n".join(line.plain.rstrip() for line in self.lines)


def prepare(body: str, *, post_link: PostLink | None = None) -> str:
    """The Markdown that is parsed for ``body``: blog template dialects turned into plain
    Markdown (:func:`~newsterm.markdown.preprocess.preprocess`), then implicit headings
    promoted to ATX headings (:func:`newsterm.outline.promote_headings`). Same line count."""
    from newsterm.outline import promote_headings

    text = preprocess(body, post_link=post_link)
    promoted = promote_headings(text)
    if promoted is text or "\n:" not in text:
        return promoted
    # A definition list's term (a line followed by ": definition") is never a heading.
    old, new = text.split("\n"), promoted.split("\n")
    for i in range(len(new) - 1):
        if new[i] != old[i] and _DEFINITION.match(old[i + 1]):
            new[i] = old[i]
    return "\n".join(new)


def top_level_blocks(tokens: list[Token]) -> Iterator[tuple[list[Token], int]]:
    """``(tokens, start)`` for each top-level block (``start``: 0-based first body line)."""
    i = 0
    last = 0
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
        start = next((t.map[0] for t in group if t.map), last)
        last = start
        yield group, start
        i = j + 1


def _children(tokens: list[Token], start: int) -> tuple[list[Token], int]:
    """The tokens inside the container opened at ``start`` and the index of its close."""
    depth = 0
    for j in range(start, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return tokens[start + 1 : j], j
    return tokens[start + 1 :], len(tokens)


_STYLE_OPEN = {
    "strong_open": Style(bold=True),
    "em_open": Style(italic=True),
    "s_open": Style(strike=True),
    "u_open": Style(underline=True),
    "mark_open": Style(reverse=True),
    "sup_open": Style(dim=True),
    "sub_open": Style(dim=True),
}
_STYLE_CLOSE = {
    "strong_close",
    "em_close",
    "s_close",
    "u_close",
    "mark_close",
    "sup_close",
    "sub_close",
    "link_close",
    "code_close",
    "kbd_close",
}


def inline_text(children: list[Token], base: Style, palette: Palette, links: list[str]) -> Text:
    """Rich text for a run of inline tokens."""
    text = Text(style=base)
    stack: list[Style] = []

    def current() -> Style:
        style = Style()
        for s in stack:
            style += s
        return style

    line_start = False  # right after a line break: leading blanks are not shown (as in HTML)
    for tok in children:
        kind = tok.type
        if line_start and kind in ("text", "softbreak"):
            if kind == "softbreak" or not tok.content.strip():
                continue
            text.append(tok.content.lstrip(), current())
            line_start = False
            continue
        line_start = False
        if kind == "text":
            text.append(tok.content, current())
        elif kind == "softbreak":
            text.append(" ")
        elif kind == "hardbreak":
            text.append("\n")
            line_start = True
        elif kind in ("code_inline", "math_inline", "math_inline_double"):
            text.append(tok.content, current() + palette.code)
        elif kind in _STYLE_OPEN:
            stack.append(_STYLE_OPEN[kind])
        elif kind in ("code_open", "kbd_open"):
            stack.append(palette.code)
        elif kind == "link_open":
            href = str(tok.attrs.get("href", ""))
            links.append(href)
            stack.append(palette.link + Style(meta={"@click": f"open_link({len(links) - 1})"}))
        elif kind in _STYLE_CLOSE:
            if stack:
                stack.pop()
        elif kind == "image" and str(tok.attrs.get("src", "")).startswith(SHORTCODE_SCHEME):
            label = " ".join((tok.content or "").split())  # a shortcode newsterm cannot show
            text.append(f"[{label}]", current() + palette.placeholder)
        elif kind == "image":
            src = str(tok.attrs.get("src", ""))
            alt = " ".join((tok.content or "").split())
            if not alt:  # no alt text: the file's name says more than nothing
                alt = src.split("?")[0].rstrip("/").rsplit("/", 1)[-1][:60]
            label = f"[image: {alt}]" if alt else "[image]"
            style = current() + palette.placeholder
            if src and not stack:
                links.append(src)
                style += Style(meta={"@click": f"open_link({len(links) - 1})"})
            text.append(label, style)
        elif kind == "footnote_ref":
            number = (tok.meta or {}).get("id", 0) + 1
            text.append(f"[{number}]", current() + palette.link)
        elif kind == "footnote_anchor":
            continue
        else:
            text.append(tok.content, current())
    return text


def _prefixed(lines: list[Text], first: Text, rest: Text) -> list[Text]:
    out = []
    for i, line in enumerate(lines):
        head = (first if i == 0 else rest).copy()
        head.append_text(line)
        out.append(head)
    return out or [first.copy()]


class Renderer:
    """Renders bodies at one width with one palette (create one per render job)."""

    def __init__(
        self,
        width: int,
        palette: Palette | None = None,
        *,
        post_link: PostLink | None = None,
        highlight: bool = True,
        image_rows: ImageRows | None = None,
    ) -> None:
        self.width = max(10, width)
        self.palette = palette or Palette()
        self.post_link = post_link
        self.highlight = highlight
        self.image_rows = image_rows
        self.console = Console(
            width=self.width,
            color_system="truecolor",
            force_terminal=True,
            legacy_windows=False,
            no_color=False,
            highlight=False,
            emoji=False,
            markup=False,
        )

    # -- blocks
    def _wrap(self, text: Text, width: int) -> list[Text]:
        if not text.plain.strip():
            return []
        return list(wrap(text, self.console, max(4, width)))

    def blocks(self, tokens: list[Token], width: int, links: list[str]) -> list[Text]:
        """Lines of a run of sibling blocks, a blank line between blocks (not in tight lists)."""
        out: list[Text] = []
        i = 0
        tight = False  # the block before was a tight list item's paragraph
        while i < len(tokens):
            tok = tokens[i]
            if tok.nesting == 1:
                inner, end = _children(tokens, i)
                lines = self.container(tok, inner, width, links)
            else:
                end = i
                lines = self.leaf(tok, width)
            if lines:
                hidden = tok.type == "paragraph_open" and tok.hidden
                if out and not (hidden or tight):
                    out.append(Text(""))
                out.extend(lines)
                tight = hidden
            i = end + 1
        return out

    def container(self, tok: Token, inner: list[Token], width: int, links: list[str]) -> list[Text]:
        palette = self.palette
        kind = tok.type
        if kind == "heading_open":
            level = int(tok.tag[1:]) if tok.tag[1:].isdigit() else 3
            style = {1: palette.h1, 2: palette.h2}.get(level, palette.h3)
            children = inner[0].children if inner and inner[0].children else []
            lines = self._wrap(inline_text(children, style, palette, links), width)
            if lines and level <= 2:
                rule = "─" * min(width, max(t.cell_len for t in lines))
                lines.append(Text(rule, palette.rule))
            return lines
        if kind == "paragraph_open":
            children = inner[0].children if inner and inner[0].children else []
            return self._wrap(inline_text(children, palette.text, palette, links), width)
        if kind in ("bullet_list_open", "ordered_list_open"):
            return self.list_block(tok, inner, width, links)
        if kind == "blockquote_open":
            body = self.blocks(inner, width - 2, links)
            bar = Text("▌ ", palette.rule)
            return [self._styled(line, palette.quote) for line in _prefixed(body, bar, bar)]
        if kind == "container_directive_open":  # ":::tip" … ":::": a labelled box
            body = self.blocks(inner, width - 2, links)
            bar = Text()
            bar.append("▌ ", palette.marker)  # a span: the box's own text keeps its styles
            label = Text(directive_label(tok.info), palette.marker)
            return _prefixed([label, *body], bar, bar)
        if kind == "table_open":
            return self.table(inner, width, links)
        if kind == "dl_open":
            return self.deflist(inner, width, links)
        if kind == "footnote_block_open":
            return self.footnotes(inner, width, links)
        # any other container (dd, list item out of a list ...): its content
        return self.blocks(inner, width, links)

    @staticmethod
    def _styled(line: Text, style: Style) -> Text:
        line.stylize(style, 2)
        return line

    def leaf(self, tok: Token, width: int) -> list[Text]:
        palette = self.palette
        if tok.type == "hr":
            return [Text("─" * width, palette.rule)]
        if tok.type in ("fence", "code_block"):
            info = (tok.info or "").split()
            return self.code(tok.content, info[0] if info else "", width)
        if tok.type in ("math_block", "math_block_label"):
            lines = tok.content.strip("\n").split("\n")
            return [Text("  " + ln, palette.code) for ln in lines if ln.strip()] or []
        if tok.type == "html_block":  # too deeply nested to convert: its text
            import re
            from html import unescape

            text = unescape(re.sub(r"<[^>]*>", " ", tok.content))
            return self._wrap(Text(" ".join(text.split())), width)
        if tok.type == "inline":
            return self._wrap(inline_text(tok.children or [], palette.text, palette, []), width)
        return []

    def code(self, code: str, lang: str, width: int) -> list[Text]:
        code = code.rstrip("\n").expandtabs(4)
        if not code.strip():
            return []
        lines: list[Text] = []
        if self.highlight and lang:
            from rich.syntax import Syntax

            try:
                from pygments.lexers import get_lexer_by_name

                get_lexer_by_name(lang)
            except Exception:
                lang = ""
            if lang:
                syntax = Syntax(
                    code,
                    lang,
                    theme="monokai" if self.palette.dark else "default",
                    background_color="default",
                    word_wrap=True,
                )
                options = self.console.options.update(width=max(4, width - 2), height=None)
                for segs in self.console.render_lines(syntax, options, pad=False):
                    line = Text("  ")
                    for seg in segs:
                        if not seg.control:
                            line.append(seg.text, seg.style)
                    line.rstrip()
                    lines.append(line)
                return lines
        for raw in code.split("\n"):
            text = Text(raw, self.palette.code)
            wrapped = list(text.wrap(self.console, max(4, width - 2))) if raw else [Text("")]
            lines.extend(Text("  ") + w for w in wrapped)
        return lines

    def list_block(
        self, tok: Token, inner: list[Token], width: int, links: list[str]
    ) -> list[Text]:
        ordered = tok.type == "ordered_list_open"
        number = int(tok.attrs.get("start", 1) or 1) if ordered else 0
        items: list[list[Token]] = []
        i = 0
        while i < len(inner):
            if inner[i].type == "list_item_open":
                body, end = _children(inner, i)
                items.append(body)
                i = end + 1
            else:
                i += 1
        width_marker = len(f"{number + len(items) - 1}. ") if ordered else 2
        out: list[Text] = []
        loose = any(not t.hidden for t in inner if t.type == "paragraph_open")
        for k, body in enumerate(items):
            marker = f"{number + k}. ".rjust(width_marker) if ordered else "• "
            lines = self.blocks(body, width - width_marker, links)
            if loose and out:
                out.append(Text(""))
            out.extend(
                _prefixed(lines, Text(marker, self.palette.marker), Text(" " * width_marker))
            )
        return out

    def deflist(self, inner: list[Token], width: int, links: list[str]) -> list[Text]:
        out: list[Text] = []
        i = 0
        while i < len(inner):
            tok = inner[i]
            if tok.nesting != 1:
                i += 1
                continue
            body, end = _children(inner, i)
            if tok.type == "dt_open":
                children = body[0].children if body and body[0].children else []
                text = inline_text(children, Style(bold=True), self.palette, links)
                if out:
                    out.append(Text(""))
                out.extend(self._wrap(text, width))
            else:
                lines = self.blocks(body, width - 4, links)
                out.extend(_prefixed(lines, Text("    "), Text("    ")))
            i = end + 1
        return out

    def footnotes(self, inner: list[Token], width: int, links: list[str]) -> list[Text]:
        out: list[Text] = [Text("─" * min(width, 20), self.palette.rule)]
        i = 0
        while i < len(inner):
            tok = inner[i]
            if tok.type != "footnote_open":
                i += 1
                continue
            body, end = _children(inner, i)
            number = (tok.meta or {}).get("id", 0) + 1
            marker = f"[{number}] "
            tok.meta = {**(tok.meta or {}), "row": len(out)}  # where #fnN leads (add_anchors)
            lines = self.blocks(body, width - len(marker), links)
            out.extend(_prefixed(lines, Text(marker, self.palette.link), Text(" " * len(marker))))
            i = end + 1
        return out

    def table(self, inner: list[Token], width: int, links: list[str]) -> list[Text]:
        from rich import box
        from rich.table import Table

        rows: list[tuple[bool, list[Text]]] = []
        align: dict[int, str] = {}
        head = False
        for tok in inner:
            if tok.type in ("th_open", "td_open") and rows:
                style = str(tok.attrs.get("style", ""))
                if "text-align:" in style and len(rows[-1][1]) not in align:
                    align[len(rows[-1][1])] = style.split("text-align:")[1].strip("; ")
            elif tok.type == "thead_open":
                head = True
            elif tok.type == "thead_close":
                head = False
            elif tok.type == "tr_open":
                rows.append((head, []))
            elif tok.type == "inline" and rows:
                rows[-1][1].append(inline_text(tok.children or [], Style(), self.palette, links))
        if not rows:
            return []
        ncols = max(len(cells) for _, cells in rows)
        table = Table(box=box.SQUARE, show_header=rows[0][0], expand=False)
        header = rows[0][1] if rows[0][0] else []
        for c in range(ncols):
            justify = {"right": "right", "center": "center"}.get(align.get(c, ""), "left")
            table.add_column(header[c] if c < len(header) else "", overflow="fold", justify=justify)  # type: ignore[arg-type]
        for is_head, cells in rows:
            if is_head:
                continue
            table.add_row(*(cells + [Text("")] * (ncols - len(cells))))
        options = self.console.options.update(width=width, height=None)
        lines = []
        for segs in self.console.render_lines(table, options, pad=False):
            line = Text()
            for seg in segs:
                if not seg.control:
                    line.append(seg.text, seg.style)
            lines.append(line)
        return lines

    # -- the document
    def render(
        self,
        body: str,
        on_chunk: Callable[[RenderedDoc], None] | None = None,
        chunk_lines: int = 400,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> RenderedDoc:
        """Render ``body`` (raw, as in the post); ``on_chunk`` sees the partial doc every
        ``chunk_lines`` lines."""
        doc = RenderedDoc(self.width)
        tokens = parse(prepare(body, post_link=self.post_link))
        emitted = 0
        for group, start in top_level_blocks(tokens):
            if cancelled():
                return doc
            if group[0].nesting == 1:
                lines = self.container(group[0], group[1:-1], self.width, doc.links)
            else:
                lines = self.leaf(group[0], self.width)
            if not lines:
                continue
            if doc.lines:
                doc.lines.append(Text(""))
            heading = int(group[0].tag[1:]) if group[0].type == "heading_open" else 0
            y = len(doc.lines)
            doc.add_anchors(group, y)
            lines = lines + self._image_rows(group, y + len(lines), doc)
            doc.blocks.append(Block(start + 1, y, len(lines), heading))
            doc.lines.extend(lines)
            if on_chunk is not None and len(doc.lines) - emitted >= chunk_lines:
                emitted = len(doc.lines)
                on_chunk(doc)
        doc.complete = True
        return doc

    def _image_rows(self, group: list[Token], y: int, doc: RenderedDoc) -> list[Text]:
        """Rows left below a paragraph that holds nothing but images (one after the other),
        as many as ``image_rows`` asks for each; their slots go into ``doc.images``. Images
        inside running text stay ``[image: alt]`` placeholders."""
        if self.image_rows is None or group[0].type != "paragraph_open" or len(group) < 2:
            return []
        children = group[1].children or []
        images = [t for t in children if t.type == "image"]
        others = (t for t in children if t.type != "image")
        if not images or any(
            t.type not in ("softbreak", "hardbreak", "text") or t.content.strip() for t in others
        ):
            return []
        rows: list[Text] = []
        for tok in images:
            src = str(tok.attrs.get("src", ""))
            if src.startswith(SHORTCODE_SCHEME):
                continue  # a shortcode's placeholder is no picture
            height = self.image_rows(src) if src else 0
            if height > 0:
                alt = " ".join((tok.content or "").split())
                doc.images.append(ImageSlot(y + len(rows), height, src, alt))
                rows.extend(Text("") for _ in range(height))
        return rows


def render_text(
    body: str, *, width: int = 100, post_link: PostLink | None = None, highlight: bool = False
) -> str:
    """The text the reader and ``newsterm show`` display for a post ``body`` at ``width``
    columns: every block laid out, no markup left; lines joined with newlines.

    ``highlight`` only changes colours (code highlighted with Pygments), never the text, so
    it is off by default: faster. ``post_link(name)`` gives the target of a post link."""
    return Renderer(width, Palette(), post_link=post_link, highlight=highlight).render(body).plain()


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
