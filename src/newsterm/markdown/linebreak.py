"""Where lines of Chinese and Japanese text may break: between any two of their characters.

Rich wraps at spaces. Chinese and Japanese write sentences without them, so a paragraph such as
``Web3 提供了一种…`` was one long "word": Rich put it on a line of its own (leaving ``Web3`` alone
above it) and folded it at the width. Here a line may also break before or after a Han or kana
character or CJK punctuation, as browsers do, except before closing punctuation (``。``, ``、``,
``」``) and after opening punctuation (``「``, ``（``) — the basic kinsoku rules. Korean keeps
breaking between words only: never next to a Hangul syllable, so ``漢字가`` stays whole.

:func:`wrap` is Rich's ``Text.wrap`` with these break opportunities; text without Han or kana
goes through Rich's own wrapping unchanged.
"""

from __future__ import annotations

import re

from rich.cells import get_character_cell_size
from rich.console import Console
from rich.text import Lines, Text

__all__ = ["break_offsets", "wrap"]

_CJK = re.compile(
    r"[\u3000-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)
# Kinsoku: never at the start of a line / never at the end of a line.
_NO_START = frozenset(
    "、。，．・：；？！）」』】〉》〕｝］”’ー々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ,.:;?!)]}"
)
_WORD = re.compile(r"\S+")
_NO_END = frozenset("（「『【〈《〔｛［“‘([{")


def _cjk(ch: str) -> bool:
    return _CJK.match(ch) is not None or "\U00020000" <= ch <= "\U0003134f"


def _hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f"


def _may_break(prev: str, cur: str) -> bool:
    """May a line break between ``prev`` and ``cur``?"""
    if cur.isspace():
        return False  # blanks hang at the end of the line
    if prev.isspace():
        return True
    if cur in _NO_START or prev in _NO_END:
        return False
    return _cjk(prev) or _cjk(cur)


def break_offsets(text: str, width: int) -> list[int]:
    """Where the lines of ``text`` (one line, no newline) start after the first, to fit
    ``width`` cells: at the last break opportunity that fits, else folded at the width."""
    offsets: list[int] = []
    start = col = 0
    last = -1  # the last break opportunity on this line
    last_col = 0  # the width of the line before it
    # A Korean word keeps its Hanja (漢字가): no break inside a word that has Hangul.
    whole = bytearray(len(text) + 1)
    for m in _WORD.finditer(text):
        if any(_hangul(ch) for ch in m.group()):
            whole[m.start() + 1 : m.end()] = b"\1" * (m.end() - m.start() - 1)
    for i, ch in enumerate(text):
        if i > start and not whole[i] and _may_break(text[i - 1], ch):
            last, last_col = i, col
        w = get_character_cell_size(ch)
        if col + w > width and not ch.isspace() and i > start:
            if last > start:
                offsets.append(last)
                start, col = last, col - last_col
            else:
                offsets.append(i)
                start, col = i, 0
            last = -1
        col += w
    return offsets


def wrap(text: Text, console: Console, width: int) -> Lines:
    """``text`` wrapped to ``width`` cells, breaking Chinese and Japanese between characters."""
    if _CJK.search(text.plain) is None:
        return text.wrap(console, width)
    lines = Lines()
    for line in text.split(allow_blank=True):
        if "\t" in line:
            line.expand_tabs(8)
        parts = line.divide(break_offsets(line.plain, width))
        for part in parts:
            part.rstrip_end(width)
            part.truncate(width, overflow="fold")
        lines.extend(parts)
    return lines
