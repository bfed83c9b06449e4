"""Blog template dialects turned into plain Markdown, before any Markdown parser sees the body.

Static site generators let posts use template tags that their own build expands; shown raw they
are noise (``{% highlight sh %}``) or hide content (a figure's caption). :func:`preprocess`
rewrites them into the Markdown a reader would have seen on the blog:

Jekyll Liquid
    ``{% highlight LANG %}…{% endhighlight %}`` (and Octopress ``{% codeblock %}``) become a
    fenced code block with its language; ``{% raw %}``/``{% endraw %}`` vanish and leave their
    content untouched; ``{% comment %}…{% endcomment %}`` goes; ``{% capture x %}…{% endcapture %}``
    keeps its content in place when ``{{ x }}`` is used later (else it goes); ``{% assign %}``,
    ``{% if %}`` and other logic tags and ``{{ var }}`` go (a quoted URL such as
    ``{{ "/img/a.png" | relative_url }}`` keeps its string); ``{% post_url NAME %}`` and
    ``{% link PATH %}`` become a link target to that post in the archive; an ``{% include %}``,
    ``{% image %}``, ``{% img %}`` … with an image file becomes ``![caption](file)`` and one
    with a video id becomes a link to the video.
Hugo shortcodes
    ``{{< figure src=… caption=… >}}`` an image, ``{{< highlight go >}}…{{< /highlight >}}`` a
    fenced code block, ``{{% notice warning %}}…{{% /notice %}}`` (and alert, admonition, hint,
    callout …) a block quote headed by its kind, ``{{< youtube ID >}}`` a link, ``ref``/``relref``
    a post link; other shortcodes with a body go, their content stays; other shortcodes
    without one become a dim placeholder naming them (``[plotly: a.json]``).
Zola shortcodes
    ``{{ youtube(id="…") }}``, ``{{ image(src="…") }}`` as above; ``{% note() %}…{% end %}``
    bodies are kept as a block quote.
kramdown
    Attribute lists (``{: .class}``, ``{:target="_blank"}``, ``{:toc}``) vanish, and with
    ``{:toc}`` the ``* TOC`` list item it replaces; ``{::comment}…{:/comment}`` goes;
    ``{::nomarkdown}`` markers vanish; ``*[ABBR]: …`` abbreviation definitions go.

Fenced code blocks are never changed, except that ``{% raw %}``/``{% endraw %}`` (which Jekyll
removes there too) vanish and Hugo's escaped ``{{</* x */>}}`` shows as ``{{< x >}}``. Inline code
spans keep their text too. The line count is kept (a removed block leaves blank lines) so that
body line numbers (the outline's) still point at the same place; only a code tag sharing its
line with other text adds a line break.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable

__all__ = ["POST_LINK_SCHEME", "SHORTCODE_SCHEME", "default_post_link", "preprocess"]

#: Links to another post of the archive (``{% post_url %}``, ``{% link %}``, Hugo ``ref``) are
#: written ``post:NAME`` unless the caller resolves them (see :func:`preprocess`).
POST_LINK_SCHEME = "post:"

PostLink = Callable[[str], str]


#: A shortcode newsterm cannot show (a chart, a widget: ``{{< plotly json="a.json" >}}``) becomes
#: an image whose target has this scheme: the reader shows a dim ``[plotly: a.json]`` where the
#: blog shows the widget, so nothing vanishes without a trace.
SHORTCODE_SCHEME = "shortcode:"

#: Shortcodes that only lay out the page (a table of contents, a line break): they go.
_LAYOUT_ONLY = frozenset(
    "toc tableofcontents br newline clear hr more pagebreak spacer separator vspace".split()  # noqa: SIM905
)


def _placeholder(st: _State, name: str, args: _Args) -> str:
    """``![name: what](shortcode:name)`` for an unknown shortcode (see SHORTCODE_SCHEME); in
    Markdown for export (``newsterm show`` piped), ``*\\[name: what\\]*``: the words in
    italics, in brackets, which every Markdown tool (pandoc to HTML, PDF, plain text...) shows
    as they are, where an image of a made-up URL would be a broken image, and an HTML comment
    would vanish from every output but HTML."""
    if name.lower() in _LAYOUT_ONLY:
        return ""
    what = args.get("title", "caption", "alt", "name", "src", "file", "json", "data", "url", "id")
    what = what or next(iter(args.positional), "")
    what = what.rstrip("/").rsplit("/", 1)[-1]
    what = what if len(what) <= 40 else what[:39] + "…"
    label = f"{name}: {what}" if what else name
    if st.export:
        words = _MD_SPECIAL.sub(r"\\\g<0>", " ".join(label.split()))
        return "*\\[" + words + "\\]*"
    return f"![{_md_text(label)}]({SHORTCODE_SCHEME}{_md_url(name)})"


_MD_SPECIAL = re.compile(r"[\\`*_\[\]<>!&|$~^]")


def default_post_link(name: str) -> str:
    return POST_LINK_SCHEME + name.strip()


_IMAGE_EXT = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|avif|bmp|tiff?|heic)(?:[?#]\S*)?$", re.I)
# A tag is at most about _BOUND characters long (see _Scanner).
_TAG = re.compile(
    r"\{\{<\s*/?\*.{0,300}?\*/\s*>\}\}"  # Hugo escaped shortcode (shown literally)
    r"|\{\{([<%])-?\s*(/?)\s*([\w.-]+)(.{0,500}?)-?\s*[>%]\}\}"  # Hugo {{< x >}} / {{% x %}}
    r"|\{%-?\s*([\w-]+)(.{0,500}?)-?%\}"  # Liquid / Zola tag
    r"|\{\{-?(.{0,300}?)-?\}\}"  # Liquid output / Zola inline shortcode
    r"|\{::(\w+)([^{}\n]*?)/?\}"  # kramdown extension {::comment} {::options .../}
    r"|\{:/(\w*)\}"  # kramdown extension end
    r"|\{:(?!:)[^{}]{0,400}?\}",  # kramdown IAL / ALD (may wrap onto the next line)
    re.S,
)
_ABBR = re.compile(r"^[ \t]*\*\[[^\]\n]+\]:.*$", re.M)  # kramdown abbreviation definition
_BOUND = 520


class _Scanner:
    """The tags of one chunk of text, in order, in linear time.

    A tag is tried only at a "{" whose closer ("}}", "%}", "}") comes within _BOUND characters;
    where each closer next occurs is remembered, so a line of 30,000 unclosed "{{" costs one
    look for "}}", not 30,000 scans of up to _BOUND characters.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.closers: dict[str, int] = {}
        self.abbr: re.Match[str] | None = None
        self.abbr_from = -1 if "*[" in text else len(text)  # no abbreviation: never look

    def _close(self, closer: str, at: int) -> int:
        found = self.closers.get(closer, -1)
        if found < at:
            found = self.text.find(closer, at)
            found = found if found >= 0 else len(self.text) + _BOUND + 1
            self.closers[closer] = found
        return found

    def next(self, pos: int) -> re.Match[str] | None:
        text = self.text
        if self.abbr_from < 0 or (self.abbr and self.abbr.start() < pos):
            self.abbr, self.abbr_from = _ABBR.search(text, pos), pos
        limit = self.abbr.start() if self.abbr else len(text)
        i = text.find("{", pos, limit)
        while i >= 0:
            head = text[i : i + 2]
            closer = {"{{": "}}", "{%": "%}", "{:": "}"}.get(head)
            if closer and self._close(closer, i) - i <= _BOUND:
                m = _TAG.match(text, i)
                if m:
                    return m
            i = text.find("{", i + 1, limit)
        return self.abbr


_OPENERS = ("{{", "{%", "{:")
_FENCE = re.compile(r"^(\s*(?:>\s*)*(?:[-*+]\s+|\d+[.)]\s+)?)(`{3,}|~{3,})(.*)$")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.{1,2000}?)(?<!`)\1(?!`)")
_ARG = re.compile(
    r"""([\w-]+)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*'|`[^`]*`|[^\s,)]+)"""
    r"""|("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,()=]+)"""
)
_PRE_OPEN = re.compile(r"[ ]{0,3}<pre(?:\s[^>]*)?>", re.I)
_PRE_CLOSE = re.compile(r"</pre\s*>", re.I)
_RAW_TAG = re.compile(r"\{%-?\s*(?:end)?raw\s*-?%\}")
_HUGO_ESCAPE = re.compile(r"\{\{([<%])/\*(.*?)\*/([>%])\}\}", re.S)
_TOC_ITEM = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+\S.*$")
_LIST_ITEM = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)")
_CAPTURE_USE = re.compile(r"\{\{-?\s*([\w-]+)")
_PAIRED_HUGO = re.compile(r"\{\{[<%]\s*/\s*([\w.-]+)")
_URL_STRING = re.compile(r"""^\s*(["'])(.*?)\1\s*(?:\|.*)?$""", re.S)

_CALLOUTS = {
    "notice",
    "alert",
    "admonition",
    "hint",
    "callout",
    "note",
    "tip",
    "tips",
    "info",
    "warning",
    "warn",
    "danger",
    "caution",
    "important",
    "error",
    "success",
    "attention",
    "box",
    "message",
    "aside",
    "quote",
    "blockquote",
}
_VIDEO = {
    "youtube": "https://www.youtube.com/watch?v={}",
    "youtube_nocookie": "https://www.youtube.com/watch?v={}",
    "vimeo": "https://vimeo.com/{}",
    "bilibili": "https://www.bilibili.com/video/{}",
}
_EMBEDS = {"tweet", "twitter", "x", "gist", "instagram", "codepen", "embed", "iframe", "video"}
_LIQUID_CODE = {"highlight": "endhighlight", "codeblock": "endcodeblock", "code": "endcode"}
_IMAGE_TAGS = {
    "image",
    "img",
    "asset_img",
    "picture",
    "figure",
    "imgproc",
    "imgcap",
    "responsive_image",
    "photo",
    "resize",
    "lightbox",
    "gallery",
    "fig",
    "cloudinary",
}
_LINK_TAGS = {"post_url", "link", "ref", "relref"}


class _Args:
    """A tag's arguments: positional values and ``key=value`` pairs (keys lower-cased)."""

    __slots__ = ("named", "positional")

    def __init__(
        self, positional: list[str] | None = None, named: dict[str, str] | None = None
    ) -> None:
        self.positional = positional if positional is not None else []
        self.named = named if named is not None else {}

    def get(self, *names: str) -> str:
        for n in names:
            if self.named.get(n):
                return self.named[n]
        return ""


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'`":
        value = value[1:-1]
    return value.replace('\\"', '"')


def _parse_args(text: str) -> _Args:
    args = _Args()
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    for m in _ARG.finditer(text):
        if m.group(1):
            args.named[m.group(1).lower()] = _unquote(m.group(2))
        elif m.group(3) and m.group(3) not in ("|",):
            args.positional.append(_unquote(m.group(3)))
    return args


def _md_text(text: str) -> str:
    """Text safe inside ``[...]``: brackets and newlines would break the link."""
    text = " ".join(text.split())
    return text.replace("[", "(").replace("]", ")")


def _md_url(url: str) -> str:
    url = url.strip()
    if not url or re.search(r"[\s()<>]", url):
        return f"<{url.replace('<', '%3C').replace('>', '%3E')}>"
    return url


def _image(args: _Args) -> str | None:
    """``![caption](file)`` for a tag whose arguments name an image file, else None."""
    src = args.get("src", "image", "img", "url", "file", "path", "link", "source", "name")
    if not src or not _IMAGE_EXT.search(src):
        # any argument naming an image file: image_path=, img_url=, a positional file ...
        named = [v for k, v in args.named.items() if _IMAGE_EXT.search(v) and "thumb" not in k]
        src = next(iter(named), "") or next(
            (p for p in args.positional if _IMAGE_EXT.search(p)), ""
        )
    if not src:
        return None
    caption = args.get("caption", "alt", "title", "description", "desc", "text", "label")
    if not caption:
        # Octopress style: {% img /a.png 300 200 'title' 'alt' %}; Hexo: {% asset_img a.png Cap %}
        words = [p for p in args.positional if p != src and not p.isdigit()]
        words = [w for w in words if not w.startswith(("left", "right", "center", "class"))]
        caption = words[-1] if words else ""
    if not caption:
        caption = src.rsplit("/", 1)[-1]
    return f"![{_md_text(caption)}]({_md_url(src)})"


def _video(name: str, args: _Args) -> str | None:
    ident = args.get("id", "src", "url", "video", "link") or (
        args.positional[0] if args.positional else ""
    )
    provider = args.get("provider").lower() or name.lower()
    if not ident:
        return None
    title = args.get("title", "caption", "alt")
    if ident.startswith(("http://", "https://")):
        url = ident
    elif provider in _VIDEO:
        url = _VIDEO[provider].format(ident)
    elif name == "gist":
        url = f"https://gist.github.com/{'/'.join(args.positional[:2]) or ident}"
    elif name in ("tweet", "twitter", "x"):
        user = args.get("user")
        url = f"https://twitter.com/{user or 'i'}/status/{args.get('id') or ident}"
    else:
        return None
    kind = {"youtube": "YouTube", "vimeo": "Vimeo", "gist": "Gist"}.get(provider, provider.title())
    label = f"{kind}: {title}" if title else f"{kind} {ident}"
    return f"[▶ {_md_text(label)}]({_md_url(url)})"


def _media(name: str, args: _Args) -> str | None:
    lname = name.lower()
    if lname in ("include", "include_relative", "include_cached"):
        name_arg = args.positional[0].lower() if args.positional else ""
        args = _Args(args.positional[1:], args.named)
        stem = re.sub(r"\.html?$", "", name_arg.rsplit("/", 1)[-1])
        if stem in _VIDEO or stem in _EMBEDS or args.get("provider"):
            return _video(stem if stem in _VIDEO else args.get("provider") or stem, args)
        return _image(args)
    if lname in _VIDEO or lname in _EMBEDS:
        return _video(lname, args) or _image(args)
    if lname in _IMAGE_TAGS:
        return _image(args)
    return _image(args) if any(k in args.named for k in ("src", "image")) else None


class _State:
    def __init__(self, body: str, post_link: PostLink, export: bool = False) -> None:
        self.post_link = post_link
        self.export = export
        self.lines: list[str] = []  # finished output lines
        self.cur: list[str] = []  # pieces of the output line being built
        self.mode = ""  # "", "raw", "comment", "kcomment", "code"
        self.code_end = ""  # the tag name that closes a Liquid/Hugo code block
        self.code_fence = ""
        self.code_indent = ""
        self.fence_line = False  # the opening fence is the line being built
        self.pending = 0  # line breaks of multi-line tags, emitted at the end of the chunk
        self.captures: list[tuple[str, int]] = []  # (name, index into lines)
        self.bodies: list[tuple[str, int, str]] = []  # open callouts: (closer, line index, kind)
        self.used = {m.group(1) for m in _CAPTURE_USE.finditer(body)}
        self.paired = {m.group(1).lower() for m in _PAIRED_HUGO.finditer(body)}
        self.body = body

    # -- output
    def emit(self, text: str) -> None:
        if "\n" in text:
            parts = text.split("\n")
            self.cur.append(parts[0])
            for part in parts[1:]:
                self.end_line()
                self.cur.append(part)
        else:
            self.cur.append(text)

    def end_line(self) -> None:
        self.lines.append("".join(self.cur))
        self.cur = []
        self.fence_line = False

    def line_so_far(self) -> str:
        return "".join(self.cur)

    def break_line_if_text(self) -> None:
        if self.line_so_far().strip():
            self.end_line()
        else:
            self.cur = [self.line_so_far()]


def _fence_for(body: str, start: int, closer: str) -> str:
    """A backtick fence longer than any backtick run in the code that follows ``start``."""
    end = body.find(closer, start)
    code = body[start : end if end >= 0 else start + 20000]
    longest = max((len(m) for m in re.findall(r"`{3,}", code)), default=0)
    return "`" * max(3, longest + 1)


def _open_code(st: _State, lang: str, closer: str, pos_in_body: int) -> None:
    lead = re.match(r"[ \t>]*", st.line_so_far())
    indent = lead.group(0) if lead else ""
    if st.line_so_far().strip():
        st.end_line()
        indent = ""
    else:
        st.cur = []
    fence = _fence_for(st.body, pos_in_body, closer)
    st.emit(f"{indent}{fence}{lang}")
    st.mode, st.code_end, st.code_fence, st.code_indent = "code", closer, fence, indent
    st.fence_line = True


def _close_code(st: _State) -> None:
    if st.line_so_far().strip():
        st.end_line()
    else:
        st.cur = []
    st.emit(st.code_indent + st.code_fence)
    st.mode = ""


def _in_spans(spans: list[tuple[int, int]], at: int) -> bool:
    """Whether ``at`` is inside one of ``spans`` (sorted, not overlapping)."""
    i = bisect_right(spans, (at, 1 << 62)) - 1
    return i >= 0 and spans[i][0] <= at < spans[i][1]


#: Shortcode bodies nest at most this deep; deeper ones keep their content without a frame.
_MAX_BODIES = 16


def _open_body(st: _State, closer: str, kind: str, title: str) -> None:
    if len(st.bodies) >= _MAX_BODIES:
        return
    label = kind.title() if kind else ""
    if title:
        label = f"{label}: {title}" if label and title.lower() != kind.lower() else title
    st.break_line_if_text()
    st.bodies.append((closer, len(st.lines), label))


def _close_body(st: _State, closer: str) -> None:
    for i in range(len(st.bodies) - 1, -1, -1):
        if st.bodies[i][0] == closer:
            _, start, label = st.bodies.pop(i)
            break
    else:
        return
    if start < 0:
        return
    if st.line_so_far().strip():
        st.end_line()
    pending = st.line_so_far()
    st.cur = []
    quoted = st.lines[start:]
    content = [i for i, s in enumerate(quoted) if s.strip()]
    if not content:
        return
    first = content[0]
    for i in range(first, len(quoted)):
        quoted[i] = ("> " + quoted[i]) if quoted[i].strip() else ">"
    if label and quoted[first].startswith("> ") and quoted[first][2:].strip():
        # the opening tag's line if it is free, else the first content line carries the label
        if first > 0 and not quoted[first - 1].strip():
            quoted[first - 1] = f"> **{_md_text(label)}**  "
        else:
            quoted[first] = f"> **{_md_text(label)}** " + quoted[first][2:]
    st.lines[start:] = quoted
    st.cur = [pending]


def _liquid_tag(st: _State, name: str, rest: str, pos: int) -> str:
    lname = name.lower()
    if lname in ("raw", "endraw"):
        st.mode = "raw" if lname == "raw" else st.mode
        return ""
    if lname == "comment":
        st.mode = "comment"
        return ""
    if lname in _LIQUID_CODE:
        args = _parse_args(rest)
        lang = args.get("lang") or next(
            (p for p in args.positional if re.fullmatch(r"[\w+#.-]+", p) and ":" not in p), ""
        )
        if lname == "codeblock":
            lang = next((p[5:] for p in args.positional if p.startswith("lang:")), "")
        _open_code(st, lang, _LIQUID_CODE[lname], pos)
        return ""
    if lname == "capture":
        var = rest.strip().split()[0] if rest.strip() else ""
        st.break_line_if_text()
        st.captures.append((var, len(st.lines)))
        return ""
    if lname == "endcapture":
        if st.captures:
            var, start = st.captures.pop()
            if var not in st.used:
                pending = st.line_so_far()
                n = len(st.lines) - start
                st.lines[start:] = [""] * n
                st.cur = [""] if pending.strip() else [pending]
        return ""
    if lname == "end":  # Zola body shortcode end
        _close_body(st, "end")
        return ""
    if rest.lstrip().startswith("("):  # Zola body shortcode {% note(...) %}
        args = _parse_args(rest)
        kind = lname if lname in _CALLOUTS else args.get("type", "kind", "class")
        _open_body(st, "end", kind, args.get("title", "header", "summary"))
        return ""
    if lname in _LINK_TAGS:
        target = _unquote(rest.strip().split()[0]) if rest.strip() else ""
        return st.post_link(target) if target else ""
    media = _media(lname, _parse_args(rest))
    return media or ""


def _hugo_tag(st: _State, closing: bool, name: str, rest: str, pos: int) -> str:
    lname = name.lower()
    if closing:
        if st.mode == "code" and lname == st.code_end:
            _close_code(st)
        else:
            _close_body(st, "/" + lname)
        return ""
    args = _parse_args(rest.rstrip("/ "))
    if lname in ("highlight", "code") and lname in st.paired:
        lang = args.positional[0] if args.positional else args.get("lang", "language")
        _open_code(st, lang, lname, pos)
        return ""
    if lname in _LINK_TAGS:
        target = args.positional[0] if args.positional else args.get("path", "page")
        return st.post_link(target) if target else ""
    if lname in st.paired:
        kind = lname if lname in _CALLOUTS else ""
        kind = args.get("type", "kind", "style", "theme") or kind
        if kind in ("notice", "admonition", "alert", "callout", "hint") and args.positional:
            kind = args.positional[0]
        title = args.get("title", "header", "summary", "name")
        if lname in _CALLOUTS:
            _open_body(st, "/" + lname, kind or lname, title)
        else:
            if len(st.bodies) < _MAX_BODIES:
                st.bodies.append(("/" + lname, -1, ""))  # content kept as is
            if title:
                return f"**{_md_text(title)}**"
        return ""
    return _media(lname, args) or _placeholder(st, name, args)


def _output_tag(st: _State, inner: str) -> str:
    inner = inner.strip()
    zola = re.fullmatch(r"([\w-]+)\s*(\(.*\))", inner, re.S)
    if zola:
        args = _parse_args(zola.group(2))
        return _media(zola.group(1), args) or _placeholder(st, zola.group(1), args)
    m = _URL_STRING.match(inner)
    if m and ("/" in m.group(2) or "." in m.group(2)):
        return m.group(2)
    return ""


_IAL = re.compile(r"\{:(?!:)[^{}\n]*\}|\{::\w+[^{}\n]*?/\}")


def _without_ials(text: str) -> str:
    if "{:" not in text:
        return text
    spans = [(m.start(), m.end()) for m in _CODE_SPAN.finditer(text)] if "`" in text else []
    return _IAL.sub(lambda m: m.group(0) if _in_spans(spans, m.start()) else "", text)


_PROMPT = re.compile(r"\.prompt-(tip|info|warning|danger|note|important|caution)\b")


def _label_prompt(st: _State, ial: str) -> None:
    """Chirpy's ``{: .prompt-tip }`` under a block quote shows it as a tip box: the quote's
    first line gets the kind as a bold label."""
    m = _PROMPT.search(ial)
    if not m or st.line_so_far().strip() or not st.lines or not st.lines[-1].startswith(">"):
        return
    first = len(st.lines) - 1
    while first > 0 and st.lines[first - 1].startswith(">"):
        first -= 1
    line = st.lines[first]
    body = line[1:].lstrip()
    kind = m.group(1).title()
    if body and not body.lstrip("*_ ").lower().startswith(kind.lower()):
        st.lines[first] = f"> **{kind}:** {body}"


def _process_chunk(st: _State, text: str, offset: int) -> None:
    """Emit ``text`` (one or more joined lines) with its tags replaced."""
    st.pending = 0
    _replace_tags(st, text, offset)
    if st.pending:
        st.emit("\n" * st.pending)


def _replace_tags(st: _State, text: str, offset: int) -> None:
    spans = [(m.start(), m.end()) for m in _CODE_SPAN.finditer(text)] if "`" in text else []
    scanner = _Scanner(text)
    pos = 0
    n = len(text)
    while pos < n:
        if st.mode == "raw":
            # Liquid leaves this text alone, but kramdown still reads its attribute lists.
            m = re.compile(r"\{%-?\s*endraw\s*-?%\}").search(text, pos)
            st.emit(_without_ials(text[pos : m.start() if m else n]))
            if not m:
                return
            st.mode = ""
            pos = m.end()
            continue
        if st.mode in ("comment", "kcomment"):
            end = r"\{%-?\s*endcomment\s*-?%\}" if st.mode == "comment" else r"\{:/(?:comment)?\}"
            m = re.compile(end).search(text, pos)
            st.emit("\n" * text.count("\n", pos, m.start() if m else n))
            if not m:
                return
            st.mode = ""
            pos = m.end()
            continue
        if st.mode == "code":
            if st.code_end in _LIQUID_CODE.values():
                pat = r"\{%-?\s*" + re.escape(st.code_end) + r"\s*-?%\}"
            else:
                pat = r"\{\{[<%]\s*/\s*" + re.escape(st.code_end) + r"\s*[>%]\}\}"
            m = re.compile(pat).search(text, pos)
            code = _RAW_TAG.sub("", text[pos : m.start() if m else n])
            if st.fence_line:
                # code written on the tag's own line starts a line of its own
                st.fence_line = False
                head, nl, tail = code.partition("\n")
                if head.strip():
                    st.end_line()
                    st.emit(head.lstrip() + nl + tail)
                else:
                    st.emit(nl + tail)
            else:
                st.emit(code)
            if not m:
                return
            _close_code(st)
            pos = m.end()
            if text[pos:].split("\n", 1)[0].strip():
                st.end_line()
            continue
        m = scanner.next(pos)
        while m and _in_spans(spans, m.start()):
            if _RAW_TAG.fullmatch(m.group(0)):
                break  # Jekyll removes raw tags inside code spans as well
            m = scanner.next(m.end())
        if not m:
            st.emit(text[pos:])
            return
        st.emit(text[pos : m.start()])
        whole = m.group(0)
        newlines = whole.count("\n")
        if m.re is _ABBR:
            out = ""
        elif whole.startswith("{{<") and "/*" in whole[:6]:
            out = _HUGO_ESCAPE.sub(r"{{\1\2\3}}", whole)
        elif m.group(1):
            out = _hugo_tag(st, m.group(2) == "/", m.group(3), m.group(4), offset + m.end())
        elif m.group(5):
            out = _liquid_tag(st, m.group(5), m.group(6), offset + m.end())
        elif m.group(7) is not None and whole.startswith("{{"):
            out = _output_tag(st, m.group(7))
        elif m.group(8):
            ext = m.group(8).lower()
            if ext == "comment":
                st.mode = "kcomment"
            out = ""
        else:
            out = ""  # kramdown IAL/ALD, extension end, abbreviation definition
            _label_prompt(st, whole)
        st.emit(out)
        # a tag that spanned lines leaves its line breaks at the end of the chunk, so that
        # what followed it on its last line stays joined ("[![a](b){:\n.x}][ref]" still links)
        st.pending += max(0, newlines - out.count("\n"))
        pos = m.end()


def _complete(text: str) -> bool:
    """False when ``text`` ends inside a tag that continues on the next line."""
    for opener in _OPENERS:
        i = text.rfind(opener)
        if i < 0:
            continue
        tail = text[i:]
        closer = {"{{": "}}", "{%": "%}", "{:": "}"}[opener]
        if closer not in tail:
            return False
    return True


def preprocess(body: str, *, post_link: PostLink | None = None, export: bool = False) -> str:
    """``body`` with Liquid, Hugo/Zola shortcodes and kramdown extensions turned into plain
    Markdown (see the module's docstring). ``post_link(name)`` gives the link target of another
    post (``{% post_url NAME %}``); by default ``post:NAME``. ``export``: Markdown for other
    tools (``newsterm show`` piped), where an unknown shortcode is italic words, not an image
    of the reader's own ``shortcode:`` scheme (see :func:`_placeholder`)."""
    if not any(o in body for o in _OPENERS) and "*[" not in body:
        return body
    st = _State(body, post_link or default_post_link, export)
    lines = body.split("\n")
    offsets = []
    total = 0
    for line in lines:
        offsets.append(total)
        total += len(line) + 1
    fence: tuple[str, int] | None = None
    comment = False  # inside an HTML comment: no fences there (the HTML converter drops it)
    pre = False  # inside an HTML <pre> block: code, kept as written like a fence's
    i = 0
    while i < len(lines):
        line = lines[i]
        pre_tag = None if pre or fence or st.mode or comment else _PRE_OPEN.match(line)
        if pre or pre_tag:
            # A Vue or Jinja template shown in <pre> ("{{ greeting() }}") is code, as in a
            # fence: not a shortcode placeholder, and "{{ name }}" is not dropped.
            start = pre_tag.end() if pre_tag else 0
            st.emit(_HUGO_ESCAPE.sub(r"{{\1\2\3}}", _RAW_TAG.sub("", line)))
            st.end_line()
            pre = _PRE_CLOSE.search(line, start) is None
            i += 1
            continue
        if comment or (fence is None and st.mode == "" and "<!--" in line):
            opened = line.rfind("<!--")
            closed = line.rfind("-->")
            if comment or closed < opened:
                comment = not (closed >= 0 and (comment or closed > opened))
                st.emit(line)
                st.end_line()
                i += 1
                continue
        if fence is not None and st.mode != "code":
            st.emit(_HUGO_ESCAPE.sub(r"{{\1\2\3}}", _RAW_TAG.sub("", line)))
            st.end_line()
            m = _FENCE.match(line)
            closes = m is not None and m.group(2)[0] == fence[0] and len(m.group(2)) >= fence[1]
            if m is not None and closes and not m.group(3).strip():
                fence = None
            i += 1
            continue
        if st.mode not in ("code", "comment", "kcomment"):
            m = _FENCE.match(line)
            if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
                fence = (m.group(2)[0], len(m.group(2)))
                if st.mode == "raw":
                    _process_chunk(st, line, offsets[i])
                else:
                    st.emit(_RAW_TAG.sub("", line))
                st.end_line()
                i += 1
                continue
        if line.strip() in ("{:toc}", "{: toc}", "{:toc }") and st.lines and st.mode in ("", "raw"):
            prev = st.lines[-1] if not st.line_so_far() else ""
            if _TOC_ITEM.match(prev):
                st.lines[-1] = ""
        chunk = line
        j = i
        while (
            not _complete(chunk)
            and j + 1 < len(lines)
            and j - i < 12
            and len(chunk) < 600  # no tag is longer (see _TAG)
            and st.mode != "code"
        ):
            j += 1
            chunk += "\n" + lines[j]
        if not _complete(chunk):
            chunk, j = line, i
        _process_chunk(st, chunk, offsets[i])
        st.end_line()
        i = j + 1
    while st.bodies:
        _close_body(st, st.bodies[-1][0])
    if st.mode == "code":
        st.lines.append(st.code_indent + st.code_fence)
    if st.cur:
        st.end_line()
    out = st.lines
    if len(out) > len(lines) and not any(out[len(lines) :]):
        out = out[: len(lines)]
    return "\n".join(out)
