"""Title matching that understands Hangul initial consonants (초성): ㄴㅍㄹㅅ finds 넷플릭스.

A query character that is a compatibility jamo consonant matches any syllable starting with that
consonant; every other character matches itself (case-insensitively). Matching is a substring
match over the title's characters, so ``ㄴㅍ`` and ``넷플`` and ``플릭`` all find ``넷플릭스``.
"""

from __future__ import annotations

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
