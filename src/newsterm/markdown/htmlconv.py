"""HTML inside Markdown turned into ordinary markdown-it tokens, so it is shown as its text.

Two core rules for the shared parser (see :mod:`newsterm.markdown.setup`):

* :func:`html_block_rule` (before inline parsing) reads each ``html_block`` with Python's
  :class:`html.parser.HTMLParser` and replaces it with headings (``<h2>``), paragraphs
  (``<div>``, ``<p>``, ``<figcaption>``), block quotes, lists, tables, code blocks (``<pre>``) and
  rules; ``<details>``'s ``<summary>`` becomes a bold line. Text between the tags keeps its
  inline HTML and Markdown, which the inline parser reads next. ``<script>``/``<style>`` and
  comments go; ``<iframe>``/``<video>`` become a link to what they embed.
* :func:`html_inline_rule` (after inline parsing) turns ``html_inline`` tokens into
  markdown-it's own: ``<br>`` a line break, ``<a href>`` a link, ``<b>``/``<strong>`` bold,
  ``<i>``/``<em>`` italic, ``<del>`` struck, ``<img>`` an image (its alt text), a task list
  check box ``☐``/``☑``; ``<code>``, ``<kbd>``, ``<sup>``, ``<sub>``, ``<mark>``, ``<u>`` become
  ``code_open``/``kbd_open``/… style tokens of ours; an element's ``id`` (``<a name>`` too) an
  ``anchor`` token of ours, where an in-page link leads. Unknown "tags" such as ``List<String>`` or
  ``<T>`` are not HTML: they stay as text. Nothing is shown as a raw tag and no text is lost.
"""

from __future__ import annotations

import re
import textwrap
from html import escape, unescape
from html.parser import HTMLParser
from typing import Literal

from markdown_it.rules_core import StateCore
from markdown_it.token import Token

Nesting = Literal[-1, 0, 1]  # a token opens, holds or closes (markdown-it's Token.nesting)

__all__ = ["HTML_TAGS", "html_block_rule", "html_inline_rule", "parse_tag"]

#: Names of real HTML elements; anything else in angle brackets is text.
HTML_TAGS = frozenset(
    """a abbr acronym address area article aside audio b bdi bdo big blockquote body br
    button canvas caption center cite code col colgroup data datalist dd del details dfn
    dialog dir div dl dt em embed fieldset figcaption figure font footer form h1 h2 h3 h4
    h5 h6 head header hgroup hr html i iframe img input ins kbd label legend li link main
    map mark menu meta meter nav noscript object ol optgroup option output p param picture
    pre progress q rp rt ruby s samp script section select small source span strike strong
    style sub summary sup svg table tbody td template textarea tfoot th thead time title
    tr track tt u ul var video wbr math path g circle rect line polyline polygon text
    nobr""".split()  # noqa: SIM905
)
_BLOCK_PARAGRAPH = frozenset(
    """p div section article header footer main aside nav center figure figcaption address
    form fieldset legend details caption hgroup noscript dialog""".split()  # noqa: SIM905
)
_SKIP_CONTENT = frozenset({"script", "style", "template", "textarea", "svg", "head", "title"})
_INLINE_STYLE = {
    "strong": "strong",
    "b": "strong",
    "em": "em",
    "i": "em",
    "cite": "em",
    "dfn": "em",
    "var": "em",
    "q": "em",
    "del": "s",
    "s": "s",
    "strike": "s",
    "code": "code",
    "tt": "code",
    "samp": "code",
    "kbd": "kbd",
    "sup": "sup",
    "sub": "sub",
    "mark": "mark",
    "u": "u",
    "ins": "u",
}
_BREAKING = frozenset({"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"})
_VOID = frozenset({"br", "img", "hr", "input", "wbr", "source", "track", "embed", "area", "col"})


def _embed_link(attrs: dict[str, str | None]) -> str:
    src = (attrs.get("src") or attrs.get("data-src") or attrs.get("data") or "").strip()
    if not src:
        return ""
    m = re.search(r"youtube(?:-nocookie)?\.com/embed/([\w-]+)", src)
    label = "embedded"
    if m:
        src, label = f"https://www.youtube.com/watch?v={m.group(1)}", "YouTube"
    elif "vimeo.com" in src:
        label = "Vimeo"
    if src.startswith("//"):
        src = "https:" + src
    title = (attrs.get("title") or "").strip()
    text = f"▶ {label}: {title}" if title else f"▶ {label}"
    return f'<a href="{src}">{text}</a>'


class _BlockReader(HTMLParser):
    """Builds block tokens from one HTML block; text runs are kept as inline source."""

    def __init__(self, line_map: list[int] | None, md, env, depth: int = 0) -> None:  # type: ignore[no-untyped-def]
        super().__init__(convert_charrefs=False)
        self.depth = depth
        self.map = line_map
        self.md = md
        self.env = env
        self.tokens: list[Token] = []
        self.buf: list[str] = []
        self.heading = ""  # "h2" while inside a heading
        self.skip = 0  # inside <script>, <style> ...
        self.pre: list[str] | None = None  # text of a <pre> being read
        self.pre_lang = ""
        self.table: list[list[tuple[str, str]]] | None = None  # rows of (th|td, inline source)
        self.cell: list[str] | None = None
        self.cell_tag = "td"
        self.summary = False
        self.stack: list[str] = []  # open containers we emitted (blockquote, ul, ol, li, dl ...)
        self.at: int | None = None  # body line (0-based) of the next token, when known
        self.buf_at: int | None = None  # body line where the buffered text starts
        self.heading_at: int | None = None
        self.eof_comment = False

    def _line(self) -> int | None:
        """The body line (0-based) the parser is on."""
        return self.map[0] + self.getpos()[0] - 1 if self.map else None

    def _text(self, text: str) -> None:
        """Buffer text for the next paragraph, remembering the line it starts on."""
        if self.buf_at is None and text.strip() and self.map:
            line = self._line()
            if line is not None:
                self.buf_at = line + text[: len(text) - len(text.lstrip())].count("\n")
        self.buf.append(text)

    # -- token helpers
    def _tok(self, kind: str, tag: str, nesting: Nesting, **kw: object) -> Token:
        line = self.at if self.at is not None else self._line()
        where = [line, line + 1] if line is not None else None
        tok = Token(kind, tag, nesting, map=where, block=True)
        for k, v in kw.items():
            setattr(tok, k, v)
        self.tokens.append(tok)
        return tok

    def _inline(self, source: str) -> None:
        self._tok("inline", "", 0, content=source, children=[])

    def flush(self) -> None:
        """The text read so far becomes paragraphs (Markdown in it is read too)."""
        text = "".join(self.buf)
        self.buf = []
        start, self.buf_at = self.buf_at, None
        if not _SHOWN.sub("", text).strip():
            return  # only white space and tags that show nothing (a <span> left open ...)
        if self.heading:
            return
        self.at = start
        try:
            self._paragraphs(text, start)
        finally:
            self.at = None

    def _paragraphs(self, text: str, start: int | None) -> None:
        lines = _unindent(textwrap.dedent(text).strip("\n").split("\n"))
        source = "\n".join(lines)
        if self.summary:
            self._tok("paragraph_open", "p", 1)
            self._inline(f"▸ <strong>{source}</strong>")
            self._tok("paragraph_close", "p", -1)
            return
        if "\n" not in source and not re.match(r"\s*(?:[#>|=`~:-]|\d+[.)]\s|[*+]\s)", source):
            self._tok("paragraph_open", "p", 1)
            self._inline(source)
            self._tok("paragraph_close", "p", -1)
            return
        # Several lines (kramdown's markdown="1" and friends): read them as Markdown blocks.
        sub: list[Token] = []
        self.md.block.parse(source, self.md, self.env, sub)
        for tok in sub:
            if start is None:
                tok.map = None
            elif tok.map:
                tok.map = [start + tok.map[0], start + tok.map[1]]
        if any(t.type == "html_block" for t in sub):
            sub = convert_blocks(sub, self.md, self.env, self.depth + 1)
        self.tokens.extend(sub)

    def _open(self, kind: str, tag: str, **kw: object) -> None:
        self.flush()
        self._tok(f"{kind}_open", tag, 1, **kw)
        self.stack.append(kind)

    def _close(self, kind: str, tag: str) -> None:
        if kind not in self.stack:
            return
        self.flush()
        while self.stack:
            top = self.stack.pop()
            self._tok(f"{top}_close", {"bullet_list": "ul", "ordered_list": "ol"}.get(top, tag), -1)
            if top == kind:
                break

    def _keep_id(self, attrs: dict[str, str | None]) -> None:
        """A block's ``id`` goes with the text that follows it, where an in-page link
        (``href="#id"``) finds it."""
        ident = (attrs.get("id") or "").strip()
        if ident:
            self._text(f'<a id="{escape(ident)}"></a>')

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or ""
        if self.skip:
            if tag in _SKIP_CONTENT and tag not in _VOID:
                self.skip += 1
            return
        if self.pre is not None:
            if tag == "code" and not self.pre_lang:
                self.pre_lang = _lang_of(dict(attrs))
            elif tag == "br":
                self.pre.append("\n")
            return
        if tag in _SKIP_CONTENT:
            self.skip = 1
            return
        a = dict(attrs)
        if self.table is not None:
            if tag in ("td", "th"):
                self.cell, self.cell_tag = [], tag
            elif tag == "tr":
                self.table.append([])
            elif self.cell is not None:
                self.cell.append(raw)
            return
        if tag == "pre":
            self.flush()
            self.pre, self.pre_lang = [], _lang_of(a)
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.flush()
            self.heading = tag
            self.heading_at = self._line()
            self._keep_id(a)
        elif tag == "blockquote":
            self._open("blockquote", "blockquote")
        elif tag in ("ul", "ol", "menu", "dir"):
            kind = "ordered_list" if tag == "ol" else "bullet_list"
            self._open(kind, "ol" if tag == "ol" else "ul")
            if tag == "ol":
                self.tokens[-1].attrs = {"start": a.get("start") or "1"}
        elif tag == "li":
            if "list_item" in self.stack and self.stack[-1] == "list_item":
                self._close("list_item", "li")
            if not any(k in self.stack for k in ("bullet_list", "ordered_list")):
                self._open("bullet_list", "ul")
            self._open("list_item", "li")
        elif tag in ("dt", "dd"):
            if "dl" not in self.stack:
                self._open("dl", "dl")
            if self.stack[-1] in ("dt", "dd"):
                self._close(self.stack[-1], self.stack[-1])
            self._open(tag, tag)
        elif tag == "dl":
            self._open("dl", "dl")
        elif tag == "table":
            self.flush()
            self.table = []
        elif tag == "hr":
            self.flush()
            self._tok("hr", "hr", 0, markup="---")
        elif tag == "summary":
            self.flush()
            self.summary = True
        elif tag in ("iframe", "video", "audio", "embed", "object"):
            link = _embed_link(a)
            if link:
                self._text(link)
            if tag == "iframe":
                self.skip = 1 if tag not in _VOID else 0
        elif tag in _BLOCK_PARAGRAPH:
            self.flush()
            self._keep_id(a)
        elif tag == "br":
            pending = "".join(self.buf)
            if not pending.strip() or pending.rstrip(" \t").endswith("\n"):
                self.flush()  # a <br> on a line of its own separates blocks
            else:
                self._text("<br>")
        else:
            self._text(raw)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID or tag not in HTML_TAGS:
            self.handle_starttag(tag, attrs)
        else:
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if tag in _SKIP_CONTENT or tag == "iframe":
                self.skip -= 1
            return
        if self.pre is not None:
            if tag == "pre":
                code = "".join(self.pre).strip("\n") + "\n"
                self.pre = None
                self._tok("fence", "code", 0, content=code, info=self.pre_lang, markup="```")
            return
        if self.table is not None:
            if tag in ("td", "th") and self.cell is not None:
                if not self.table:
                    self.table.append([])
                self.table[-1].append((self.cell_tag, "".join(self.cell)))
                self.cell = None
            elif tag == "table":
                self._emit_table()
            elif self.cell is not None:
                self.cell.append(f"</{tag}>")
            return
        if self.heading and tag == self.heading:
            text = " ".join("".join(self.buf).split())
            self.buf, self.buf_at = [], None
            level = self.heading
            self.heading = ""
            if text:
                self.at = self.heading_at
                self._tok("heading_open", level, 1, markup="#" * int(level[1]))
                self._inline(text)
                self._tok("heading_close", level, -1)
                self.at = None
        elif tag == "blockquote":
            self._close("blockquote", "blockquote")
        elif tag in ("ul", "ol", "menu", "dir"):
            self._close("ordered_list" if tag == "ol" else "bullet_list", tag)
        elif tag in ("li", "dt", "dd", "dl"):
            self._close("list_item" if tag == "li" else tag, tag)
        elif tag == "summary":
            self.flush()
            self.summary = False
        elif tag in _BLOCK_PARAGRAPH:
            self.flush()
        elif tag in ("video", "audio", "object"):
            pass
        elif tag not in _VOID:
            self._text(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.skip or self.eof_comment:
            return
        if data.startswith("<!--"):
            # an unclosed comment, handed over as text at the end: hidden to the end, as a
            # browser hides it
            self.eof_comment = True
            return
        if self.pre is not None:
            self.pre.append(data)
        elif self.table is not None:
            if self.cell is not None:
                self.cell.append(data)
        else:
            self._text(data)

    def handle_entityref(self, name: str) -> None:
        self._ref(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self._ref(f"&#{name};")

    def _ref(self, ref: str) -> None:
        if self.pre is not None:
            self.pre.append(unescape(ref))
        else:
            self.handle_data(ref)

    def handle_comment(self, data: str) -> None:
        return

    def unknown_decl(self, data: str) -> None:  # <![CDATA[...]]>
        if data.startswith("CDATA["):
            self.handle_data(data[6:])

    def _emit_table(self) -> None:
        rows = [r for r in (self.table or []) if r]
        self.table = None
        if not rows:
            return
        width = max(len(r) for r in rows)
        self._tok("table_open", "table", 1)
        head = rows[0] if all(tag == "th" for tag, _ in rows[0]) else None
        if head is not None:
            self._tok("thead_open", "thead", 1)
            self._row(head, width, "th")
            self._tok("thead_close", "thead", -1)
            rows = rows[1:]
        if rows:
            self._tok("tbody_open", "tbody", 1)
            for row in rows:
                self._row(row, width, "td")
            self._tok("tbody_close", "tbody", -1)
        self._tok("table_close", "table", -1)

    def _row(self, row: list[tuple[str, str]], width: int, tag: str) -> None:
        self._tok("tr_open", "tr", 1)
        for i in range(width):
            source = row[i][1] if i < len(row) else ""
            self._tok(f"{tag}_open", tag, 1)
            self._inline(" ".join(source.split()))
            self._tok(f"{tag}_close", tag, -1)
        self._tok("tr_close", "tr", -1)

    def finish(self) -> list[Token]:
        self.close()
        if self.pre is not None:
            self.handle_endtag("pre")
        if self.table is not None:
            self._emit_table()
        if self.heading:
            self.handle_endtag(self.heading)
        self.flush()
        return self.tokens


_SHOWN = re.compile(r"<(?!img|iframe|input|video)[a-zA-Z/][^<>]*>")
_ITEM = re.compile(r"\s*(?:[-*+]|\d+[.)])\s")


def _unindent(lines: list[str]) -> list[str]:
    """Lines of text inside HTML without their indentation (HTML source is indented for
    looks; kept, it would read as Markdown code), except a nested list's."""
    out: list[str] = []
    in_list = False
    for line in lines:
        item = _ITEM.match(line)
        if not line.strip():
            out.append("")
            continue
        if in_list and line[:1] in " \t":
            out.append(line.rstrip())
            continue
        in_list = bool(item)
        out.append(line.strip())
    return out


def _lang_of(attrs: dict[str, str | None]) -> str:
    for cls in (attrs.get("class") or "").split():
        if cls.startswith(("language-", "lang-")):
            return cls.split("-", 1)[1]
    return attrs.get("data-lang") or attrs.get("lang") or ""


def convert_blocks(tokens: list[Token], md, env, depth: int = 0) -> list[Token]:  # type: ignore[no-untyped-def]
    """``tokens`` with every ``html_block`` replaced by the blocks of its text."""
    out: list[Token] = []
    open_quotes: list[int] = []  # blockquotes opened by one HTML block and closed by a later one
    for tok in tokens:
        if tok.type != "html_block":
            out.append(tok)
            continue
        if depth > 2:  # nested too deep to convert again: its text, inline HTML and all
            pieces: tuple[tuple[str, Nesting], ...] = (
                ("paragraph_open", 1),
                ("inline", 0),
                ("paragraph_close", -1),
            )
            for kind, nesting in pieces:
                new_tok = Token(kind, "p" if nesting else "", nesting, map=tok.map, block=True)
                if kind == "inline":
                    new_tok.content = " ".join(tok.content.split())
                    new_tok.children = []
                out.append(new_tok)
            continue
        content = tok.content
        stripped = content.strip()
        if re.fullmatch(r"</blockquote>", stripped, re.I) and open_quotes:
            open_quotes.pop()
            out.append(Token("blockquote_close", "blockquote", -1, map=tok.map, block=True))
            continue
        # An unclosed comment hides the rest, as in a browser (and HTMLParser would look for
        # its end again at every later "<!--": quadratic time).
        last_close = content.rfind("-->")
        cut = content.find("<!--", last_close + 3 if last_close >= 0 else 0)
        if cut >= 0:
            content = content[:cut]
        reader = _BlockReader(tok.map, md, env, depth)
        reader.feed(content)
        new = reader.finish()
        # A <blockquote> left open by this block (its Markdown follows after a blank line)
        # stays open until a later "</blockquote>" block.
        unclosed = [k for k in reader.stack if k == "blockquote"]
        if unclosed and len(unclosed) == len(reader.stack):
            open_quotes.extend(range(len(unclosed)))
        else:
            for kind in reversed(reader.stack):
                tag = {"bullet_list": "ul", "ordered_list": "ol", "list_item": "li"}.get(kind, kind)
                new.append(Token(f"{kind}_close", tag, -1, map=tok.map, block=True))
        out.extend(new)
    for _ in open_quotes:
        out.append(Token("blockquote_close", "blockquote", -1, block=True))
    return out


def html_block_rule(state: StateCore) -> None:
    """Core rule: HTML blocks become Markdown blocks (run before ``inline``)."""
    if any(t.type == "html_block" for t in state.tokens):
        state.tokens = convert_blocks(state.tokens, state.md, state.env)


class _TagReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: tuple[str, dict[str, str | None], bool] | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.found = (tag, dict(attrs), False)

    def handle_startendtag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.found = (tag, dict(attrs), False)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        self.found = (tag, {}, True)


_TAG_SHAPE = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)")


def parse_tag(source: str) -> tuple[str, dict[str, str | None], bool] | None:
    """``(name, attributes, closing)`` of one HTML tag, or None for a comment or non-tag."""
    m = _TAG_SHAPE.match(source)
    if not m:
        return None
    name = m.group(2).lower()
    if m.group(1):
        return name, {}, True
    reader = _TagReader()
    reader.feed(source)
    reader.close()
    return reader.found if reader.found else (name, {}, False)


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)


def _convert_children(children: list[Token]) -> list[Token]:
    out: list[Token] = []
    # Names that are not HTML but used as markup here: a custom element (<my-widget>) or a
    # tag closed in the same paragraph (<super>2</super>), hidden as a browser hides them.
    markup: set[str] = set()
    for c in children:
        m = _TAG_SHAPE.match(c.content) if c.type == "html_inline" else None
        if m and (m.group(1) or "-" in m.group(2)):
            markup.add(m.group(2).lower())
    links: list[bool] = []  # for each open <a>: whether it became a link
    styles: list[str] = []
    for tok in children:
        if tok.type != "html_inline":
            out.append(tok)
            continue
        src = tok.content
        if src.startswith("<!--") or src.startswith("<?") or src.startswith("<!"):
            continue
        parsed = parse_tag(src)
        if parsed is None or (parsed[0] not in HTML_TAGS and parsed[0] not in markup):
            out.append(_text(src))  # List<String>, <T>: not HTML
            continue
        name, attrs, closing = parsed
        ident = (attrs.get("id") or (attrs.get("name") if name == "a" else None) or "").strip()
        if ident and not closing:  # where an in-page link (href="#id") leads
            out.append(Token("anchor", "", 0, attrs={"id": ident}))
        if name == "br":
            out.append(Token("hardbreak", "br", 0))
        elif name == "a":
            if closing:
                if links and links.pop():
                    out.append(Token("link_close", "a", -1))
            elif attrs.get("href"):
                links.append(True)
                out.append(Token("link_open", "a", 1, attrs={"href": attrs["href"] or ""}))
            else:
                links.append(False)
        elif name in _INLINE_STYLE:
            kind = _INLINE_STYLE[name]
            if closing:
                if kind in styles:
                    styles.remove(kind)
                    out.append(Token(f"{kind}_close", name, -1))
            else:
                styles.append(kind)
                out.append(Token(f"{kind}_open", name, 1))
        elif name == "img" and not closing:
            alt = (attrs.get("alt") or attrs.get("title") or "").strip()
            srcurl = (attrs.get("src") or attrs.get("data-src") or "").strip()
            img = Token("image", "img", 0, attrs={"src": srcurl, "alt": alt}, content=alt)
            img.children = [_text(alt)] if alt else []
            out.append(img)
        elif name == "input" and not closing:
            if (attrs.get("type") or "").lower() == "checkbox":
                out.append(_text("☑" if "checked" in attrs else "☐"))
        elif name in ("iframe", "video", "audio", "embed") and not closing:
            link = _embed_link(attrs)
            if link:
                href = re.search(r'href="([^"]*)"', link).group(1)  # type: ignore[union-attr]
                label = re.search(r">(.*)<", link).group(1)  # type: ignore[union-attr]
                out.append(Token("link_open", "a", 1, attrs={"href": href}))
                out.append(_text(label))
                out.append(Token("link_close", "a", -1))
        elif name in _BREAKING and not closing and out and out[-1].type != "hardbreak":
            out.append(Token("hardbreak", "br", 0))
        # any other tag (span, font, small, abbr ...) goes; its text stays
    for kind in reversed(styles):
        out.append(Token(f"{kind}_close", "", -1))
    for made in reversed(links):
        if made:
            out.append(Token("link_close", "a", -1))
    return out


def html_inline_rule(state: StateCore) -> None:
    """Core rule: inline HTML becomes markdown-it's own tokens (run after ``inline``)."""
    for tok in state.tokens:
        children = tok.children
        if tok.type == "inline" and children and any(c.type == "html_inline" for c in children):
            tok.children = _convert_children(children)
