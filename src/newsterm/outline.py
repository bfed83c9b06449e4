"""A post's outline: the tree of its sections, found in the Markdown body by one linear scan.

Headings come from four sources:

* ATX headings (``#`` .. ``######``, optional closing ``#``s, up to 3 leading spaces);
* setext headings (a paragraph underlined with ``===`` for level 1 or ``---`` for level 2; a
  ``---`` that does not directly follow a plain paragraph is a thematic break);
* HTML ``<h1>`` .. ``<h6>`` in HTML blocks (inner tags stripped, entities decoded);
* *implicit* headings, which many posts use instead of Markdown headings (see
  :func:`implicit_title` for the exact rules):

  a. a short standalone line (at most 40 characters and 8 words) without sentence-ending
     punctuation, after a blank line, directly followed by a longer line of prose (the paragraph
     it heads), e.g. ``배경 설명`` or ``Background``;
  b. a line that is entirely bold (``**What is this?**`` or ``__...__``) starting a paragraph.

Nothing inside fenced code (backticks or tildes), indented code, HTML comments or
``<pre>``/``<script>``/``<style>``/``<textarea>`` blocks counts. Headings inside list items and
block quotes are not sections of the post and are left out.

Levels: explicit headings keep their Markdown/HTML level. An implicit heading gets the level of
the most recent explicit heading above it plus one (capped at 6); before any explicit heading it
gets level 2, since the post's own title plays the part of the level-1 heading.

Tree: a heading becomes a child of the nearest preceding heading with a lower level, so level
skips (``#`` then ``###``) nest directly.

Titles are plain text: emphasis markers, code backticks, link targets, inline HTML tags and
backslash escapes are removed. ``Section.line`` is 1-based within the body.

:func:`promote_headings` rewrites implicit headings as ATX headings in place (same number of
lines, same line positions) so that a CommonMark renderer shows them as headings.
"""

from __future__ import annotations

import html
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from newsterm.anchors import heading_id
from newsterm.models import Section

__all__ = [
    "MAX_IMPLICIT_CHARS",
    "MAX_IMPLICIT_WORDS",
    "extract_outline",
    "flatten",
    "heading_lines",
    "implicit_title",
    "is_implicit_heading",
    "promote_headings",
    "section_at",
    "section_titles",
]

#: An implicit heading (plain-line kind) has at most this many characters (``len``) ...
MAX_IMPLICIT_CHARS = 40
#: ... and at most this many whitespace-separated words.
MAX_IMPLICIT_WORDS = 8
#: A bold-line heading has at most this many characters / words (inside the ``**``).
MAX_BOLD_CHARS = 80
MAX_BOLD_WORDS = 12
#: ... or this many when it is a question (interviews and FAQs ask long ones).
MAX_BOLD_QUESTION_CHARS = 120
MAX_BOLD_QUESTION_WORDS = 22
#: A label line directly above a list (``Help wanted``) has at most this many characters / words.
MAX_LIST_LABEL_CHARS = 32
MAX_LIST_LABEL_WORDS = 6
#: A line of prose under a plain-line heading that does not end a sentence must be this long.
PROSE_MIN_CHARS = 60

# --- block-level patterns (applied to a line with its indentation, unless said otherwise) ---
# Greedy to the end of the line; trailing blanks and the closing #s are cut by _atx_text. (A lazy
# ``(.*?)[ \t]*$`` took quadratic time: 50,000 blanks inside a heading cost 36 s.)
_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_HR = re.compile(r" {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})(.*)$")
#: A colon container's opening or closing line (``:::tip``, ``:::``; see markdown.setup).
_COLONS = re.compile(r" {0,3}:{3,}")
_LIST = re.compile(r" {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
_LIST_ITEM = re.compile(r"([ \t]*)([-+*]|\d{1,9}[.)])(?=[ \t]|$)([ \t]*)(.*)$")
_QUOTE = re.compile(r" {0,3}>")
_TABLE_DELIM = re.compile(r" {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$")
_LINK_DEF = re.compile(
    r" {0,3}\[[^\]]+\]:(?:[ \t]*$|[ \t]*\S+(?:[ \t]+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?[ \t]*$)"
)
# HTML blocks, CommonMark kinds 1-7 (start condition; the end condition is chosen from the kind).
_HTML_RAW = re.compile(r" {0,3}<(?:pre|script|style|textarea)(?:[\s>]|$)", re.I)
_HTML_RAW_END = re.compile(r"</(?:pre|script|style|textarea)>", re.I)
_HTML_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|"
    "details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|"
    "h1|h2|h3|h4|h5|h6|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|"
    "noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|"
    "thead|title|tr|track|ul"
)
_HTML_BLOCK = re.compile(rf" {{0,3}}</?(?:{_HTML_BLOCK_TAGS})(?:[\s/>]|$)", re.I)
_HTML_OTHER = re.compile(
    r" {0,3}(?:<[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][\w.:-]*"
    r"(?:\s*=\s*(?:[^\s\"'=<>`]+|'[^']*'|\"[^\"]*\"))?)*\s*/?>|</[A-Za-z][A-Za-z0-9-]*\s*>)\s*$"
)
_HTML_SPECIAL = (  # (start, end) for comments, processing instructions, CDATA, declarations
    (re.compile(r" {0,3}<!--"), re.compile(r"-->")),
    (re.compile(r" {0,3}<\?"), re.compile(r"\?>")),
    (re.compile(r" {0,3}<!\[CDATA\["), re.compile(r"\]\]>")),
    (re.compile(r" {0,3}<![A-Za-z]"), re.compile(r">")),
)
_HTML_HEADING = re.compile(r"<h([1-6])(?:\s[^>]{0,500})?>(.{0,2000}?)</h\1\s*>", re.I | re.S)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")

# --- inline clean-up for titles ---
_TICKS = re.compile(r"`+")
# No bracket inside brackets, no parenthesis inside the target: each match attempt stops at
# the next opener, so a heading of 50,000 "![" costs linear time, not quadratic.
_IMAGE = re.compile(r"!\[([^\[\]]*)\]\([^()]*\)")
_LINK = re.compile(r"\[([^\[\]]+)\](?:\([^()]*\)|\[[^\[\]]*\])")
_EMPH_OPEN = re.compile(r"(?<![\w*_\\])(\*+|_+)(?=[^\s*_])")
_EMPH_CLOSE = re.compile(r"(?<=[^\s*_\\])(\*+|_+)(?![\w*_])")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_SPACES = re.compile(r"\s+")

# --- implicit headings ---
_BOLD_LINE = re.compile(r" {0,3}(\*\*|__)(?![\s*_])(.+?)(?<!\s)\1[ \t]*$")
_ITALIC_LINE = re.compile(r" {0,3}([*_])(?!\s)[^*_]+(?<!\s)\1[ \t]*$")
# Two sentences in one line: "이 차이는 음식의 영향일까? 아니면 ...".
_SENTENCE_INSIDE = re.compile(r"(?<![\d\s])[.?!。？！](?=\s+\S)")
# "Co-Speaker: Alex Mohr", "TL;DR: it ships in May", "Note: ...": a one-word label and its value.
_LABEL_VALUE = re.compile(r"[^\s:]+\s*[:：]\s+\S")
_REMARK_LABELS = frozenset(
    [
        "tl;dr",
        "tldr",
        "update",
        "updated",
        "edit",
        "ps",
        "p.s.",
        "nb",
        "n.b.",
        "co-speaker",
        "co-speakers",
        "speaker",
        "speakers",
        "author",
        "authors",
        "credit",
        "credits",
        "source",
        "via",
        "photo",
        "thanks",
    ]
)
_QUOTES = ('""', "''", "“”", "‘’", "「」", "『』", "«»")
_URL = re.compile(r"(?:https?|ftp)://|www\.", re.I)
# Sentence-final punctuation (checked after closing quotes/brackets are peeled off).
_SENTENCE_END = frozenset(".!?。！？．:：;；…")
_BOLD_SENTENCE_END = frozenset(".。．;；,，、!！")
# A title never ends with a word that continues on the next line.
_CONTINUATION_END = frozenset(",，、-–—/&+=(")
_CLOSERS = "\"'”’»)]}」』】〉》"
_GREETINGS = frozenset({"hello", "hi", "hey", "dear", "안녕", "안녕하세요"})
# Template and attribute syntax that is never a title: Liquid and Hugo/Zola tags, kramdown
# attribute lists, display math, code comments.
_NOT_TEXT_START = ("{%", "{{", "{:", "$$", "\\[", "\\begin", "//", "/*", "% ", "$ ")
_TEMPLATE_TAG = re.compile(r"\{%|%\}|\{\{|\}\}")
_LEADING_BREAK = re.compile(r"^(?:<br\s*/?>\s*)+", re.I)
_TRAILING_BREAK = re.compile(r"(?:<br\s*/?>|\\)\s*$", re.I)
_PAIRS = (("[", "]"), ("(", ")"), ("{", "}"), ("「", "」"), ("『", "』"), ("<", ">"))
# A caption under a figure, table, formula or listing: "그림 1.", "[표2]", "Figure 3:".
_CAPTION = re.compile(
    r"\[?(?:그림|표|수식|코드|사진|도표|Fig(?:ure)?\.?|Table|Listing|Equation|Eq\.)\s*\d+",
    re.I,
)
# A line that ends with one of these English words goes on in the next line.
_EN_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "with",
        "by",
        "as",
        "and",
        "or",
        "but",
        "nor",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "that",
        "which",
        "who",
        "whom",
        "whose",
        "this",
        "these",
        "those",
        "its",
        "their",
        "our",
        "my",
        "your",
        "his",
        "her",
        "into",
        "onto",
        "upon",
        "than",
        "then",
        "so",
        "if",
        "when",
        "while",
        "because",
        "about",
        "like",
        "via",
        "per",
        "not",
        "can",
        "will",
        "would",
        "should",
        "could",
        "may",
        "might",
        "must",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "we",
        "you",
        "they",
        "it",
        "i",
        "he",
        "she",
        "also",
        "such",
        "see",
        "please",
        "where",
        "whether",
        "there",
        "here",
        "how",
        "what",
        "very",
        "more",
        "most",
    ]
)
# A line above a list that the list completes: "The agenda included", "So going back to ...".
_EN_LEAD_IN_START = frozenset(
    ("so", "however", "and", "but", "then", "also", "or", "thus", "therefore", "here", "there")
)
_EN_LEAD_IN_END = frozenset(
    [
        "include",
        "includes",
        "included",
        "including",
        "remain",
        "remains",
        "follow",
        "follows",
        "following",
        "below",
        "are",
        "is",
        "were",
        "was",
        "has",
        "have",
        "contains",
        "contain",
        "lists",
        "list",
        "means",
    ]
)
_KO_LEAD_IN_END = ("들어", "같이", "위해", "대해", "통해", "따라", "보면", "다음", "아래")
# Korean endings of a word that a sentence continues after: particles and connectives
# ("자세한 변경 사항은", "이 릴리스를 포함한 루비 2.2의 유지보수는", "해보고", "...하려면").
_KO_CONTINUATION = (
    "으로",
    "에서",
    "에게",
    "부터",
    "까지",
    "처럼",
    "보다",
    "라는",
    "하는",
    "되는",
    "있는",
    "없는",
    "하고",
    "되고",
    "있고",
    "없고",
    "했고",
    "보고는",
    "해보고",
    "하며",
    "되며",
    "이며",
    "으며",
    "면서",
    "하면",
    "되면",
    "이면",
    "으면",
    "다면",
    "라면",
    "려면",
    "지만",
    "는데",
    "은데",
    "니까",
    "도록",
    "려고",
    "거나",
    "어서",
    "아서",
    "해서",
    "여서",
    "듯이",
)
_KO_PARTICLES = frozenset("은는을를에로")
# Nouns that end like a particle ("마을", "경로").
_KO_PARTICLE_NOUNS = frozenset(
    [
        "마을",
        "가을",
        "노을",
        "경로",
        "도로",
        "진로",
        "통로",
        "미로",
        "기로",
        "항로",
        "활로",
        "선로",
        "회로",
        "과로",
        "포로",
    ]
)
# Korean memo-style sentence endings (nominalised predicates): "능력이 떨어짐", "설치 필요함".
_KO_MEMO_ENDINGS = ("함", "됨", "있음", "없음", "않음", "했음", "였음", "었음", "았음", "짐")
# Korean polite / plain sentence endings written without a final period.
_KO_ENDINGS = (
    "니다",
    "세요",
    "어요",
    "아요",
    "에요",
    "예요",
    "해요",
    "네요",
    "군요",
    "지요",
    "까요",
    "나요",
    "래요",
    "대요",
    "죠",
)
_KO_PREDICATE_BEFORE_DA = frozenset("이니는하되같않많좋크없있었았였했됐겠")


@dataclass(slots=True)
class _Found:
    """A heading as found by the scan: ``source`` is the raw inline text (for promotion)."""

    level: int
    title: str
    line: int
    implicit: bool
    source: str = ""


# --------------------------------------------------------------------------------------------
# small helpers


def _indent(line: str) -> int:
    """Columns of leading whitespace (tabs advance to the next multiple of 4)."""
    col = 0
    for ch in line:
        if ch == " ":
            col += 1
        elif ch == "\t":
            col += 4 - col % 4
        else:
            break
    return col


def _atx_text(raw: str) -> str:
    """An ATX heading's text without trailing blanks, its optional closing ``#`` run and its
    attribute list (``{#intro}``)."""
    text = raw.rstrip(" \t")
    bare = text.rstrip("#")
    if len(bare) < len(text) and (not bare or bare[-1] in " \t"):
        text = bare.rstrip(" \t")
    return heading_id(text)[0]


def _code_spans(text: str) -> list[tuple[int, int, int, int]]:
    """Code spans as ``(start, end, content_start, content_end)``, in one pass.

    As in CommonMark, a run of backticks opens a span that the next run of the same length
    closes. (A regular expression with a back reference took cubic time: a heading of 2,000
    backticks held up an index build for half a minute, 10,000 for most of an hour.)
    """
    runs = [(m.start(), m.end()) for m in _TICKS.finditer(text)]
    if len(runs) < 2:
        return []
    waiting: dict[int, deque[int]] = {}  # run length -> indexes of runs of that length
    for i, (start, end) in enumerate(runs):
        waiting.setdefault(end - start, deque()).append(i)
    spans = []
    i = 0
    while i < len(runs):
        start, end = runs[i]
        same = waiting[end - start]
        while same and same[0] <= i:
            same.popleft()
        if not same:
            i += 1
            continue
        j = same.popleft()
        spans.append((start, runs[j][1], end, runs[j][0]))
        i = j + 1
    return spans


def _clean_inline(text: str) -> str:
    """Inline Markdown to plain text: code spans, images, links, emphasis, tags, escapes."""
    parts: list[str] = []
    pos = 0
    for start, end, inner_start, inner_end in _code_spans(text):
        code = text[inner_start:inner_end]
        parts.append(_clean_plain(text[pos:start]))
        parts.append(code.strip() if code.strip() else code)
        pos = end
    parts.append(_clean_plain(text[pos:]))
    return _SPACES.sub(" ", "".join(parts)).strip()


def _clean_plain(text: str) -> str:
    if not text:
        return text
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = _EMPH_OPEN.sub("", text)
    text = _EMPH_CLOSE.sub("", text)
    text = _ESCAPE.sub(r"\1", text)
    return html.unescape(text)


def _clean_html(inner: str) -> str:
    return _SPACES.sub(" ", html.unescape(_TAG.sub("", inner))).strip()


def _peel(text: str) -> str:
    """``text`` without trailing closing quotes and brackets (``Done.")`` -> ``Done.``)."""
    return text.rstrip(_CLOSERS + " \t")


def _ends_sentence(text: str) -> bool:
    """True if ``text`` ends like a sentence (punctuation, or a Korean predicate ending)."""
    t = _peel(text)
    if not t:
        return False
    if t[-1] in _SENTENCE_END:
        return True
    return _korean_predicate_end(t)


def _korean_predicate_end(t: str) -> bool:
    if t.endswith(_KO_ENDINGS):
        return True
    if t.endswith("다") and len(t) >= 2:
        prev = t[-2]
        if prev in _KO_PREDICATE_BEFORE_DA:
            return True
        code = ord(prev) - 0xAC00
        if 0 <= code < 11172 and code % 28 in (4, 18, 20):  # final ㄴ, ㅄ, ㅆ: 한다/없다/했다
            return True
        return " " in t  # "그 결과는 놀라웠다": a multi-word line ending in 다 is a sentence
    return False


def _remark_label(title: str) -> bool:
    """True for a remark or credit written as ``Label: value`` (``TL;DR: ...``,
    ``Co-Speaker: ...``, ``Update: ...``): not a heading, unlike ``예시: 로그 설정``."""
    m = _LABEL_VALUE.match(title)
    return bool(m) and title.split(":", 1)[0].split("：", 1)[0].strip().lower() in _REMARK_LABELS


def _quoted(text: str) -> bool:
    """True if ``text`` is one quotation from end to end (``"무한히 쪼개면?"``)."""
    for pair in _QUOTES:
        a, b = pair[0], pair[1]
        if text[0] == a and text[-1] == b:
            inner = text[1:-1]
            return a not in inner and b not in inner
    return False


def _unclosed(text: str) -> bool:
    """True if ``text`` opens a bracket it does not close (``[새 기능 소개``)."""
    return any(text.count(a) > text.count(b) for a, b in _PAIRS)


def _continues(text: str) -> bool:
    """True if ``text`` ends with a word that the sentence goes on after: a Korean particle or
    connective ending, an English function word, or a Korean memo-style predicate."""
    words = text.split()
    if not words:
        return False
    last = words[-1].rstrip(_CLOSERS)
    if last.lower() in _EN_FUNCTION_WORDS or last.endswith(("'s", "’s")):
        return True
    if not last or not ("\uac00" <= last[-1] <= "\ud7a3"):
        return False
    if last.endswith(_KO_CONTINUATION) or (len(words) > 1 and last.endswith(_KO_MEMO_ENDINGS)):
        return True
    hangul = [ch for ch in last if "\uac00" <= ch <= "\ud7a3"]
    return (
        len(hangul) >= 2
        and last[-1] in _KO_PARTICLES
        and "".join(hangul[-2:]) not in _KO_PARTICLE_NOUNS
    )


def _continued_by(nxt: str) -> bool:
    """True if the next line carries on the sentence (``refers to ...``, ``[link](...)를``) or is
    a kramdown definition (``: text``) or display math."""
    if nxt.startswith((": ", ":\t", "$$")):
        return True
    first = nxt[:1]
    return (first.isascii() and first.islower()) or first in "[("


def _item_col(m: re.Match[str], ind: int) -> int:
    """The content column of the list item matched by ``_LIST_ITEM`` at indentation ``ind``."""
    marker_end = ind + len(m.group(2))
    spaces = len(m.group(3).expandtabs(4))
    if not m.group(4).strip() or spaces > 4:
        return marker_end + 1
    return marker_end + spaces


def _item_has_text(m: re.Match[str]) -> bool:
    """True if the list item's first line opens a paragraph (not empty, not another block)."""
    content = m.group(4)
    return bool(content.strip()) and not _is_block_start(content)


def _item_may_interrupt(m: re.Match[str]) -> bool:
    """CommonMark: a list may interrupt a paragraph only with a non-empty bullet or ``1.``."""
    marker = m.group(2)
    return bool(m.group(4).strip()) and (marker[0] in "-+*" or int(marker[:-1]) == 1)


def _cells(row: str) -> int:
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return len(re.split(r"(?<!\\)\|", row))


def _is_table_start(line: str, nxt: str) -> bool:
    """A GFM table: a header row, then a delimiter row with as many cells."""
    return bool(_TABLE_DELIM.match(nxt)) and _cells(line) == _cells(nxt)


def _is_table_row(s: str) -> bool:
    return s.startswith("|") or bool(_TABLE_DELIM.match(s))


def _html_start(line: str, in_para: bool) -> re.Pattern[str] | Literal[False] | None:
    """How an HTML block starting at ``line`` ends: a pattern, ``None`` (at a blank line) or
    ``False`` when ``line`` does not start an HTML block."""
    if _HTML_RAW.match(line):
        return _HTML_RAW_END
    for start, end in _HTML_SPECIAL:
        if start.match(line):
            return end
    if _HTML_BLOCK.match(line):
        return None
    if not in_para and _HTML_OTHER.match(line):
        return None
    return False


def _is_block_start(line: str) -> bool:
    """True if ``line`` (non-blank, indentation <= 3) is not plain paragraph text."""
    return bool(
        _ATX.match(line)
        or _FENCE.match(line)
        or _COLONS.match(line)
        or _HR.match(line)
        or _LIST.match(line)
        or _QUOTE.match(line)
        or _SETEXT.match(line)
        or _LINK_DEF.match(line)
        or _is_table_row(line.strip())
        or _html_start(line, in_para=False) is not False
    )


def _is_paragraph_text(line: str | None) -> bool:
    if line is None or not line.strip() or _indent(line) > 3:
        return False
    return not _is_block_start(line)


# --------------------------------------------------------------------------------------------
# implicit headings


def implicit_title(line: str, prev_blank: bool, next_line: str | None) -> str | None:
    """The title if ``line`` is an implicit heading, else ``None``.

    ``prev_blank`` says whether the line before is blank (or ``line`` is the body's first line);
    ``next_line`` is the line after (``None`` at the end of the body). Context this function cannot
    see (code blocks, HTML blocks, list items) is the caller's job; :func:`extract_outline` does it.

    Rules, all required:

    * ``prev_blank``; the line is indented at most 3 columns and is not a list item, block quote,
      table row, heading, setext underline, thematic break, HTML, code fence, colon container
      line (``:::tip``) or link definition.
    * Either (b) the whole line is bold (``**...**`` / ``__...__``), at most 80 characters and
      12 words inside, not ending in ``.``/``;``/``,``; the next line is blank, absent or paragraph
      text. The title is the text inside the markers.
    * Or (a) the line is at most 40 characters (``len``) and 8 words; it has a letter; it does not
      end with sentence punctuation (``. ! ? 。 : ： ; …``, also behind closing quotes) nor with a
      Korean predicate ending (``...다``, ``...니다``, ``...세요``, ``...요`` forms, ``...죠``), nor
      with a continuation mark (``, - – — / & + = (``); it is not a whole-line italic, an image,
      a link or a URL; it does not start with a lowercase ASCII word (``iPhone`` is fine) or a
      greeting (``Hello``, ``Hi``, ``Hey``, ``Dear``, ``안녕``); and the next line is paragraph text
      that is longer than the line and reads as prose: it ends a sentence or is at least
      60 characters long.
    """
    if not prev_blank or not line.strip() or _indent(line) > 3:
        return None
    if _is_block_start(line):
        return None
    s = line.strip()

    m = _BOLD_LINE.match(_TRAILING_BREAK.sub("", line))
    if m:
        inner = m.group(2)
        if m.group(1) in inner:
            return None  # "**a** and **b**": not one bold span
        title = _clean_inline(inner)
        question = title.endswith(("?", "？"))
        if (
            not title
            or len(title) > (MAX_BOLD_QUESTION_CHARS if question else MAX_BOLD_CHARS)
            or len(title.split()) > (MAX_BOLD_QUESTION_WORDS if question else MAX_BOLD_WORDS)
            or _peel(title)[-1:] in _BOLD_SENTENCE_END
            or _quoted(title)  # a quoted remark
            or "!" in title
            or _CAPTION.match(title)
            or (not question and _SENTENCE_INSIDE.search(title))
            or (not question and _remark_label(title))
        ):
            return None
        if next_line is None or not next_line.strip():
            return title
        nxt = next_line.strip()
        if nxt.startswith((": ", ":\t")) or _ATX.match(next_line) or _SETEXT.match(next_line):
            return None
        return title

    if next_line is not None and (
        _LIST.match(next_line) or _QUOTE.match(next_line) or next_line.lstrip().startswith("![")
    ):
        return _list_label(s)  # a label over a list, a quote or a picture
    if not _is_paragraph_text(next_line):
        return None
    assert next_line is not None
    if s.startswith(_NOT_TEXT_START) or _TEMPLATE_TAG.search(s):
        return None
    s = _TRAILING_BREAK.sub("", s).rstrip()
    if not s or len(s) > MAX_IMPLICIT_CHARS:
        return None
    words = s.split()
    if len(words) > MAX_IMPLICIT_WORDS:
        return None
    if not any(ch.isalpha() for ch in s):
        return None
    if _ends_sentence(s) or s[-1] in _CONTINUATION_END:
        return None
    if _unclosed(s) or _continues(_clean_inline(s)) or _continued_by(next_line.strip()):
        return None
    if _ITALIC_LINE.match(line) or s.startswith("![") or _URL.search(s):
        return None
    if s.startswith("[") and _LINK.fullmatch(s):
        return None
    first = words[0]
    if first[0].isascii() and first[0].islower() and not (len(first) > 1 and first[1].isupper()):
        return None
    if first.rstrip(",!").lower() in _GREETINGS:
        return None
    nxt = next_line.strip()
    if len(nxt) <= len(s):
        return None
    if not (_ends_sentence(nxt) or len(nxt) >= PROSE_MIN_CHARS):
        return None
    title = _clean_inline(s)
    return title or None


def _list_label(s: str) -> str | None:
    """The title of a short label line directly above a list (``Help wanted``, ``들어가기 전``,
    ``A. LVM 방식``), or None for a lead-in that the list completes (``The agenda included``,
    ``However, we``, ``Notes:``)."""
    s = _LEADING_BREAK.sub("", _TRAILING_BREAK.sub("", s)).strip()
    words = _clean_inline(s).split()
    if (
        not s
        or not words
        or len(" ".join(words)) > MAX_LIST_LABEL_CHARS
        or len(words) > MAX_LIST_LABEL_WORDS
        or s.startswith(_NOT_TEXT_START)
        or _TEMPLATE_TAG.search(s)
        or not any(ch.isalpha() for ch in s)
        or "," in s
        or "，" in s
        or _ends_sentence(s)
        or s[-1] in _CONTINUATION_END
        or _unclosed(s)
        or _BOLD_LINE.match(s)
        or _ITALIC_LINE.match(s)
        or _URL.search(s)
        or s.startswith(("![", "["))
    ):
        return None
    first, last = words[0], words[-1].lower()
    if first[0].isascii() and first[0].islower():
        return None
    if first.lower() in _EN_LEAD_IN_START or last in _EN_LEAD_IN_END:
        return None
    title = _clean_inline(s)
    if not title or _continues(title) or title.endswith(_KO_LEAD_IN_END):
        return None
    return title


def is_implicit_heading(line: str, prev_blank: bool, next_line: str | None) -> bool:
    """True if ``line`` is an implicit heading; see :func:`implicit_title` for the rules."""
    return implicit_title(line, prev_blank, next_line) is not None


def _implicit_source(line: str) -> str:
    """The inline text a promoted implicit heading keeps (bold markers dropped)."""
    m = _BOLD_LINE.match(line)
    if m and m.group(1) not in m.group(2):
        return m.group(2).strip()
    return line.strip()


# --------------------------------------------------------------------------------------------
# the scan


def _scan(body: str) -> list[_Found]:
    """All headings of ``body`` in document order (flat)."""
    lines = body.split("\n")
    n = len(lines)
    found: list[_Found] = []
    last_explicit: int | None = None

    fence_char = ""  # inside fenced code when set
    fence_len = 0
    fence_close_max = 3  # deepest indentation of a closing fence
    fence_item_col = -1  # content column of the list item holding the fence, or -1
    html_end: re.Pattern[str] | Literal[False] | None = False  # False: not in an HTML block
    html_buf: list[str] = []
    html_first = 0
    in_code = False  # indented code block
    in_para = False  # a paragraph (or table, quote, list item text) is open
    para_plain = False  # ... and it is a top-level plain paragraph (setext-capable)
    para_first = 0
    para_lines: list[str] = []
    list_cols: list[int] = []  # content columns of the open list items, outermost first
    prev_blank = True

    def add(level: int, title: str, line_no: int, implicit: bool = False, src: str = "") -> None:
        nonlocal last_explicit
        if not title:
            return
        if not implicit:
            last_explicit = level
        found.append(_Found(level, title, line_no, implicit, src))

    def flush_html() -> None:
        text = "\n".join(html_buf)
        text = _HTML_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
        for m in _HTML_HEADING.finditer(text):
            line_no = html_first + text.count("\n", 0, m.start())
            add(int(m.group(1)), _clean_html(m.group(2)), line_no)
        html_buf.clear()

    for i in range(n):
        line = lines[i]
        if line.endswith("\r"):
            line = line[:-1]
        line_no = i + 1
        blank = not line.strip()
        ind = _indent(line)

        if fence_char:  # inside fenced code: only the closing fence matters
            if fence_item_col >= 0 and not blank and ind < fence_item_col:
                fence_char = ""  # the list item holding the fence ends here, and the fence too
                while list_cols and list_cols[-1] > ind:
                    list_cols.pop()
                prev_blank = False
            else:
                m = _FENCE.match(line)
                if (
                    m
                    and ind <= fence_close_max
                    and m.group(1)[0] == fence_char
                    and len(m.group(1)) >= fence_len
                    and not m.group(2).strip()
                ):
                    fence_char = ""
                prev_blank = False
                continue

        if html_end is not False:  # inside an HTML block
            if html_end is None:
                if blank:
                    flush_html()
                    html_end = False
                    prev_blank = True
                else:
                    html_buf.append(line)
                continue
            if html_end.search(line):
                html_end = False
            prev_blank = False
            continue

        if blank:
            in_para = False
            prev_blank = True
            continue

        was_blank = prev_blank
        prev_blank = False
        item = _LIST_ITEM.match(line)

        if in_code:
            if ind >= 4:
                continue
            in_code = False
        # Left of every open list item: the list ends, unless this is lazy paragraph text.
        if (
            list_cols
            and ind < list_cols[0]
            and not (item and ind <= 3)
            and (was_blank or not in_para)
        ):
            list_cols.clear()
        nested = bool(list_cols) and ind >= list_cols[0]  # inside a list item: never a section
        if ind >= 4 and not in_para and not nested:
            in_code = True
            continue

        m = _FENCE.match(line)
        if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
            item_col = max((c for c in list_cols if c <= ind), default=0) if nested else 0
            if ind - item_col <= 3:
                fence_char, fence_len = m.group(1)[0], len(m.group(1))
                fence_item_col = item_col if nested else -1
                fence_close_max = item_col + 3
                in_para = False
                continue

        if nested:
            if item:
                while list_cols and list_cols[-1] > ind:
                    list_cols.pop()
                list_cols.append(_item_col(item, ind))
                in_para = _item_has_text(item)
            else:
                in_para = not _is_block_start(line.lstrip()) and (
                    in_para or not _LINK_DEF.match(line)
                )
            para_plain = False
            continue

        if ind > 3:  # an indented paragraph continuation line
            para_lines.append(line)
            continue

        m = _ATX.match(line)
        if m:
            in_para = False
            list_cols.clear()
            text = _atx_text(m.group(2) or "")
            add(len(m.group(1)), _clean_inline(text), line_no)
            continue

        m = _SETEXT.match(line)
        if m and in_para and para_plain:
            if found and found[-1].line == para_first and found[-1].implicit:
                found.pop()  # the paragraph's first line is part of a setext heading instead
            level = 1 if m.group(1)[0] == "=" else 2
            title = _clean_inline(heading_id(" ".join(p.strip() for p in para_lines))[0])
            add(level, title, para_first)
            in_para = False
            continue

        if _HR.match(line):
            in_para = False
            list_cols.clear()
            continue

        end = _html_start(line, in_para)
        if end is not False:
            in_para = False
            list_cols.clear()
            if end is None:
                html_end = None
                html_first = line_no
                html_buf.append(line)
            elif not end.search(line, ind + 2):
                html_end = end
            continue

        if item and not (in_para and para_plain and not _item_may_interrupt(item)):
            while list_cols and list_cols[-1] > ind:
                list_cols.pop()
            list_cols.append(_item_col(item, ind))
            in_para, para_plain = _item_has_text(item), False
            continue
        if _QUOTE.match(line):
            list_cols.clear()
            content = line.lstrip()[1:]
            in_para = bool(content.strip()) and not _is_block_start(content.lstrip(" >"))
            para_plain = False
            continue

        # paragraph text
        nxt = lines[i + 1] if i + 1 < n else None
        if nxt is not None and nxt.endswith("\r"):
            nxt = nxt[:-1]
        if "|" in line and nxt is not None and _is_table_start(line, nxt):
            in_para, para_plain = True, False  # a table (it may interrupt a paragraph)
            continue
        if in_para:
            para_lines.append(line)
            continue
        if _LINK_DEF.match(line):
            continue  # a link reference definition is not a paragraph
        in_para = True
        para_first = line_no
        para_lines = [line]
        para_plain = True
        implicit = implicit_title(line, was_blank, nxt)
        if implicit:
            level = min(6, (last_explicit or 1) + 1)
            add(level, implicit, line_no, implicit=True, src=_implicit_source(line))

    if html_end is None:
        flush_html()
    return found


def _build_tree(found: Iterable[_Found]) -> list[Section]:
    roots: list[Section] = []
    stack: list[Section] = []
    for f in found:
        sec = Section(level=f.level, title=f.title, line=f.line, implicit=f.implicit)
        while stack and stack[-1].level >= sec.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(sec)
        stack.append(sec)
    return roots


# --------------------------------------------------------------------------------------------
# public API


def extract_outline(body: str) -> list[Section]:
    """The top-level sections of ``body`` (a tree; see the module docstring for the rules)."""
    return _build_tree(_scan(body))


def flatten(sections: Iterable[Section]) -> list[Section]:
    """Every section of the tree ``sections``, in document order."""
    out: list[Section] = []
    for sec in sections:
        out.extend(sec.walk())
    return out


def heading_lines(body: str) -> dict[int, Section]:
    """Body line (1-based) -> the section whose heading is on that line."""
    return {sec.line: sec for sec in flatten(extract_outline(body))}


def section_titles(body: str) -> list[str]:
    """The titles of all sections of ``body`` in document order (for the search index)."""
    return [f.title for f in _scan(body)]


def section_at(sections: Iterable[Section], line: int) -> Section | None:
    """The innermost section that body ``line`` belongs to (the last heading at or above it),
    or ``None`` for lines before the first heading."""
    best: Section | None = None
    for sec in flatten(sections):
        if sec.line > line:
            break
        best = sec
    return best


def promote_headings(body: str) -> str:
    """``body`` with each implicit heading line rewritten as an ATX heading of its level.

    Only those lines change (``배경 설명`` -> ``### 배경 설명``, ``**Q?**`` -> ``### Q?``);
    the number of lines and every line's position stay the same. CommonMark lets an ATX
    heading interrupt a paragraph and be followed directly by one, so no blank line is needed.
    """
    found = [f for f in _scan(body) if f.implicit]
    if not found:
        return body
    lines = body.split("\n")
    for f in found:
        old = lines[f.line - 1]
        cr = "\r" if old.endswith("\r") else ""
        text = re.sub(r"(^|[ \t])(#+)$", r"\1\\\2", f.source)  # keep a trailing "#" literal
        lines[f.line - 1] = "#" * f.level + " " + text + cr
    return "\n".join(lines)
