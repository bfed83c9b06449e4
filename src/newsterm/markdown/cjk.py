"""CJK-friendly emphasis for markdown-it-py: ``**가비지 컬렉터(Garbage Collector)**의`` is bold.

CommonMark's flanking rule lets ``**`` close only when it is not preceded by punctuation or is
followed by whitespace or punctuation, so bold text that ends in ``)`` or ``」`` and is followed
directly by a Korean particle or Japanese/Chinese text stays literal asterisks. This plugin
implements the CommonMark amendment of tats-u/markdown-cjk-friendly (``specification.md``,
adopted by comrak, markdig and GitLab): a delimiter run next to a CJK character (Hangul
syllables and Jamo, Han, Kana, fullwidth forms …, see :data:`CJK_RANGES`) may open or close
emphasis even where punctuation sits on its other side, and non-emoji variation selectors after
a CJK character or punctuation are looked through.

The PyPI plugin ``mdit-py-cjk-friendly`` 0.3.0 leaves out Hangul syllables (U+AC00-U+D7A3), which
is why newsterm has its own. The ranges are the specification's (``ranges.md``, Unicode 17).
"""

from __future__ import annotations

import types
from bisect import bisect_right

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline.state_inline import Scanned, StateInline

__all__ = ["CJK_RANGES", "cjk_friendly_plugin", "is_cjk"]

#: "CJK character" of the specification: East Asian Width W/F/H and not an emoji presentation
#: character, or Hangul script. (start, end) inclusive, sorted.
CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x1100, 0x11FF),
    (0x20A9, 0x20A9),
    (0x2329, 0x232A),
    (0x2630, 0x2637),
    (0x268A, 0x268F),
    (0x2E80, 0x2E99),
    (0x2E9B, 0x2EF3),
    (0x2F00, 0x2FD5),
    (0x2FF0, 0x303E),
    (0x3041, 0x3096),
    (0x3099, 0x30FF),
    (0x3105, 0x312F),
    (0x3131, 0x318E),
    (0x3190, 0x31E5),
    (0x31EF, 0x321E),
    (0x3220, 0x3247),
    (0x3250, 0xA48C),
    (0xA490, 0xA4C6),
    (0xA960, 0xA97C),
    (0xAC00, 0xD7A3),
    (0xD7B0, 0xD7C6),
    (0xD7CB, 0xD7FB),
    (0xF900, 0xFAFF),
    (0xFE10, 0xFE19),
    (0xFE30, 0xFE52),
    (0xFE54, 0xFE66),
    (0xFE68, 0xFE6B),
    (0xFF01, 0xFFBE),
    (0xFFC2, 0xFFC7),
    (0xFFCA, 0xFFCF),
    (0xFFD2, 0xFFD7),
    (0xFFDA, 0xFFDC),
    (0xFFE0, 0xFFE6),
    (0xFFE8, 0xFFEE),
    (0x16FE0, 0x16FE4),
    (0x16FF0, 0x16FF6),
    (0x17000, 0x18CD5),
    (0x18CFF, 0x18D1E),
    (0x18D80, 0x18DF2),
    (0x1AFF0, 0x1AFF3),
    (0x1AFF5, 0x1AFFB),
    (0x1AFFD, 0x1AFFE),
    (0x1B000, 0x1B122),
    (0x1B132, 0x1B132),
    (0x1B150, 0x1B152),
    (0x1B155, 0x1B155),
    (0x1B164, 0x1B167),
    (0x1B170, 0x1B2FB),
    (0x1D300, 0x1D356),
    (0x1D360, 0x1D376),
    (0x1F200, 0x1F200),
    (0x1F202, 0x1F202),
    (0x1F210, 0x1F219),
    (0x1F21B, 0x1F22E),
    (0x1F230, 0x1F231),
    (0x1F237, 0x1F237),
    (0x1F23B, 0x1F23B),
    (0x1F240, 0x1F248),
    (0x1F260, 0x1F265),
    (0x20000, 0x3FFFD),
)
_STARTS = [a for a, _ in CJK_RANGES]
_QUOTES = {0x2018, 0x2019, 0x201C, 0x201D}  # CJK ambiguous punctuation when followed by U+FE01


def is_cjk(cp: int) -> bool:
    """Whether code point ``cp`` is a CJK character in the specification's sense."""
    if cp < 0x1100:
        return False
    i = bisect_right(_STARTS, cp) - 1
    return i >= 0 and cp <= CJK_RANGES[i][1]


def _is_svs(cp: int) -> bool:
    """Non-emoji general-use variation selector (U+FE00-U+FE0E)."""
    return 0xFE00 <= cp <= 0xFE0E


def _is_ivs(cp: int) -> bool:
    return 0xE0100 <= cp <= 0xE01EF


def _is_punct(ch: str) -> bool:
    return isMdAsciiPunct(ord(ch)) or isPunctChar(ch)


class CjkFriendlyStateInline(StateInline):
    """Inline state whose delimiter scan follows the CJK-friendly flanking rules."""

    def scanDelims(self, start: int, canSplitWord: bool) -> Scanned:
        src = self.src
        maximum = self.posMax
        marker = src[start]
        last = src[start - 1] if start > 0 else " "
        last_main = last
        two_prev = ""
        if _is_svs(ord(last)):
            two_prev = src[start - 2] if start > 1 else " "
            if not two_prev.isspace():
                last_main = two_prev
        pos = start
        while pos < maximum and src[pos] == marker:
            pos += 1
        count = pos - start
        nxt = src[pos] if pos < maximum else " "

        last_ws = isWhiteSpace(ord(last_main))
        next_ws = isWhiteSpace(ord(nxt))
        if last_ws or next_ws:
            # next to whitespace, CJK or not makes no difference (as in CommonMark)
            return Scanned(not next_ws, not last_ws, count)

        last_punct = _is_punct(last_main)
        next_punct = _is_punct(nxt)
        if two_prev:
            before_cjk = is_cjk(ord(two_prev)) or (ord(last) == 0xFE01 and ord(two_prev) in _QUOTES)
        else:
            before_cjk = is_cjk(ord(last_main))
        before_ivs = _is_ivs(ord(last_main))
        after_cjk = is_cjk(ord(nxt))
        # Spec 6.2 with both neighbours non-whitespace (see implementers-tips.md):
        left = not next_punct or last_punct or after_cjk or before_cjk or before_ivs
        right = not last_punct or next_punct or before_cjk or after_cjk
        if canSplitWord:
            return Scanned(left, right, count)
        can_open = left and (not right or last_punct)
        can_close = right and (not left or next_punct)
        return Scanned(can_open, can_close, count)


def _parse(self, src, md, env, tokens):  # type: ignore[no-untyped-def]
    state = CjkFriendlyStateInline(src, md, env, tokens)
    self.tokenize(state)
    for rule in self.ruler2.getRules(""):
        rule(state)
    return state.tokens


def cjk_friendly_plugin(md: MarkdownIt) -> None:
    """Use the CJK-friendly delimiter rules for ``*``, ``_`` and ``~~`` in ``md``."""
    md.inline.parse = types.MethodType(_parse, md.inline)  # type: ignore[method-assign]
