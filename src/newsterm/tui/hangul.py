"""Title matching that understands Hangul initial consonants (초성): ㄴㅍㄹㅅ finds 넷플릭스.

A query character that is a compatibility jamo consonant matches any syllable starting with that
consonant; every other character matches itself (case-insensitively). Matching is a substring
match over the title's characters, so ``ㄴㅍ`` and ``넷플`` and ``플릭`` all find ``넷플릭스``.
"""

from __future__ import annotations

import re
from bisect import bisect_right

# Choseong in syllable order, as compatibility jamo (what keyboards type).
CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_CHOSEONG_SET = frozenset(CHOSEONG)
_FIRST, _LAST = 0xAC00, 0xD7A3


def choseong_of(ch: str) -> str:
    """The initial consonant of a Hangul syllable, or the character itself."""
    code = ord(ch)
    if _FIRST <= code <= _LAST:
        return CHOSEONG[(code - _FIRST) // 588]
    return ch


def initials(text: str) -> str:
    """``text`` with every Hangul syllable replaced by its initial consonant (same length)."""
    return "".join(choseong_of(ch) for ch in text)


class TitleMatcher:
    """Pre-computes folded titles so filtering 20,000 titles per keystroke stays fast."""

    __slots__ = ("_folded", "_initials")

    def __init__(self, title: str) -> None:
        self._folded = title.casefold()
        self._initials = initials(self._folded)

    def matches(self, query: FoldedQuery) -> bool:
        if not query.has_jamo:
            return all(word in self._folded for word in query.words)
        return all(_match_mixed(self._folded, self._initials, w) for w in query.words)


class FoldedQuery:
    """A title filter, split into words that must all match (in any order)."""

    __slots__ = ("has_jamo", "words")

    def __init__(self, text: str) -> None:
        self.words = [w for w in text.casefold().split() if w]
        self.has_jamo = any(ch in _CHOSEONG_SET for w in self.words for ch in w)


def _match_mixed(folded: str, inits: str, word: str) -> bool:
    if all(ch in _CHOSEONG_SET for ch in word):
        return word in inits
    n = len(word)
    for start in range(len(folded) - n + 1):
        for i, qc in enumerate(word):
            tc = folded[start + i]
            if qc == tc or (qc in _CHOSEONG_SET and inits[start + i] == qc):
                continue
            break
        else:
            return True
    return False


def title_matches(title: str, query: str) -> bool:
    """One-off form of :class:`TitleMatcher` (tests and small lists)."""
    return TitleMatcher(title).matches(FoldedQuery(query))


def _word_pattern(word: str) -> re.Pattern[str]:
    """A regular expression for one folded query word: a compatibility jamo consonant matches
    itself or any syllable that starts with it (588 syllables in a row: one range)."""
    parts = []
    for ch in word:
        if ch in _CHOSEONG_SET:
            first = _FIRST + CHOSEONG.index(ch) * 588
            parts.append(f"[{re.escape(ch)}{chr(first)}-{chr(first + 587)}]")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts))


class TitleIndex:
    """Every title of a list, folded into one string, so that filtering 100,000 titles is a few
    scans of the regular-expression engine instead of a Python test per title.

    :meth:`rows` gives the positions (in the list given) of the titles matching a query, with
    the same rules as :class:`TitleMatcher`: every word somewhere in the title, a jamo consonant
    standing for any syllable it starts.
    """

    __slots__ = ("_starts", "_text")

    def __init__(self, titles: list[str]) -> None:
        folded = [t.casefold().replace("\n", " ") for t in titles]
        self._text = "\n".join(folded)
        starts = [0]
        pos = 0
        for title in folded:
            pos += len(title) + 1
            starts.append(pos)
        self._starts = starts

    def rows(self, query: FoldedQuery) -> set[int]:
        found: set[int] | None = None
        for word in query.words:
            rows = self._rows_with(word)
            found = rows if found is None else found & rows
            if not found:
                return set()
        return found if found is not None else set(range(len(self._starts) - 1))

    def _rows_with(self, word: str) -> set[int]:
        pattern = _word_pattern(word)
        text, starts = self._text, self._starts
        rows: set[int] = set()
        pos = 0
        while True:
            m = pattern.search(text, pos)
            if m is None:
                return rows
            row = bisect_right(starts, m.start()) - 1
            rows.add(row)
            pos = starts[row + 1]  # the next title: one match is enough
