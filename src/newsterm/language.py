"""A post's language: what its front matter says, else a guess from its text.

:func:`language_of` is the rule, used wherever a post's language is shown or filtered on (the
reader's ``language`` facet, ``newsterm list --lang`` and ``--json``):

* the front matter's ``lang``, ``language`` or ``locale`` (the first one given) when it names a
  language: ``ko``, ``ko-KR``, ``ko_KR``, ``kor``, ``Korean``, ``한국어`` are ``ko``; ``en-US``
  is ``en``; ``zh-TW`` is ``zh`` (:func:`normalise`). A value that names no language (``rust``,
  ``c``: some posts give the programming language there) is not one, and the text decides;
* else a guess from the title and the first :data:`SAMPLE_CHARS` characters of the body, code
  blocks left out (:func:`guess`): Hangul syllables make at least :data:`KOREAN_SHARE` of its
  letters: ``ko``; else kana at least :data:`KANA_SHARE`: ``ja``; else Han characters at least
  :data:`HAN_SHARE`: ``zh``; else Latin letters at least half: ``en``; else ``""`` (unknown: no
  letters, or another script).

The catalog keeps each post's language (:mod:`newsterm.catalog`): a change to these rules must
bump :data:`newsterm.catalog.CATALOG_VERSION`, so that languages found by the old rules are
found again. Nothing here is imported by a search: :attr:`newsterm.models.Post.language` asks
for it when a post's language is wanted.
"""

from __future__ import annotations

import re
import sys

__all__ = [
    "DECLARED_KEYS",
    "HAN_SHARE",
    "KANA_SHARE",
    "KOREAN_SHARE",
    "SAMPLE_CHARS",
    "guess",
    "language_of",
    "normalise",
]

DECLARED_KEYS = ("lang", "language", "locale")
"""Front-matter keys that say a post's language (the first one given counts)."""

SAMPLE_CHARS = 4096
"""Characters of the body the guess reads (after the title)."""

KOREAN_SHARE = 0.05
"""Hangul syllables among the letters of the sample from which a post is Korean. Korean
technical posts are mostly English words and code. Measured on the 12,306 posts of the real
corpus (the truth: their front matter, else their blog's language), code blocks left out:
English posts have at most 2.2 % (translations that keep Korean labels), and 455 Korean posts
with some Hangul are under 5 % (274 under 3 %, 1,860 under 20 %); 965 posts of Korean blogs
have no Hangul at all in their sample (code notes) and are English by this rule."""

KANA_SHARE = 0.05
"""Kana among the letters from which a post is Japanese (Japanese writes kana in every
sentence; Chinese and Korean never do)."""

HAN_SHARE = 0.2
"""Han characters among the letters from which a post without Hangul or kana is Chinese."""

# ISO 639-1 codes (and the 639-2/3 codes that have one): a front-matter value is a language
# only when its first part is one of these ("rust" and "c" are not).
# (Each code maps to itself, interned as the guess's "ko" and "en" are: one shared string for
# every post in a language.)
_ISO_639_1 = {
    code: sys.intern(code)
    for line in (
        "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv",
        "cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr",
        "ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw",
        "ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv",
        "ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr",
        "ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi",
        "yo za zh zu",
    )
    for code in line.split()
}
_NAMES = {
    # 639-2/3 codes of the languages such archives are written in
    "kor": "ko",
    "eng": "en",
    "jpn": "ja",
    "zho": "zh",
    "chi": "zh",
    "cmn": "zh",
    "yue": "zh",
    "fra": "fr",
    "fre": "fr",
    "deu": "de",
    "ger": "de",
    "spa": "es",
    "rus": "ru",
    "vie": "vi",
    # names
    "korean": "ko",
    "한국어": "ko",
    "한글": "ko",
    "english": "en",
    "영어": "en",
    "japanese": "ja",
    "日本語": "ja",
    "일본어": "ja",
    "chinese": "zh",
    "中文": "zh",
    "汉语": "zh",
    "漢語": "zh",
    "중국어": "zh",
    "french": "fr",
    "français": "fr",
    "german": "de",
    "deutsch": "de",
    "spanish": "es",
    "español": "es",
    "russian": "ru",
}
_TAG = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*")


def normalise(value: object) -> str | None:
    """The ISO 639-1 code of a language as front matter or a user writes it (``ko_KR``,
    ``en-US``, ``Korean``, ``kor``), or None when it names none."""
    if not isinstance(value, str):
        return None
    text = value.strip().casefold()
    if not text or len(text) > 40:
        return None
    if text in _NAMES:
        return _NAMES[text]
    m = _TAG.fullmatch(text.replace("@", "-").split(".", 1)[0])  # (ko_KR.UTF-8, sr@latin)
    if m is None:
        return None
    code = m.group(1)
    if code in _ISO_639_1:
        return _ISO_639_1[code]
    return _NAMES.get(code) if len(code) == 3 else None


# Code is mostly Latin letters whatever the post's language: fenced blocks, <pre> blocks and
# Jekyll highlight blocks (one left open by the sample's end runs to it) are left out. Written
# to go over a block a line (or a run of text) at a time, not with a lazy ``.*?`` that tries the
# block's end at every character (benchmarks/README.md has the costs).
_CODE = re.compile(
    r"\n {0,3}(`{3,}|~{3,})[^\n]*(?:\n(?! {0,3}\1)[^\n]*)*(?:\n[^\n]*)?"
    r"|<[pP][rR][eE]\b[^<]*(?:<(?!/[pP][rR][eE]>)[^<]*)*(?:</[pP][rR][eE]>)?"
    r"|\{%-?\s*highlight\b[^{]*(?:\{(?!%-?\s*endhighlight)[^{]*)*(?:\{%-?\s*endhighlight\s*-?%\})?"
)
_CODE_MARKS = ("```", "~~~", "<pre", "<PRE", "highlight")

# The letters are counted on the UTF-8 bytes, one table lookup a byte (not a regex a script):
# every character has one lead byte, and the lead byte says the script.
#   l: ASCII letters, and lead bytes C3-C9 (Latin-1 letters, Latin Extended A and B, IPA)
#   h: lead bytes EA-ED (U+A000-U+DFFF: the Hangul syllables U+AC00-U+D7A3, and a few rare
#      scripts beside them)
#   c: lead bytes E4-E9 (U+4000-U+9FFF: the CJK unified ideographs)
#   o: lead bytes CE-DF (Greek, Cyrillic, Armenian, Hebrew, Arabic ...) and E0 (Indic, Thai)
# Kana (U+3040-U+30FF) are the three-byte sequences that start E3 81, E3 82 or E3 83.
_CLASSES = bytearray(b" " * 256)
for _byte in (*range(0x41, 0x5B), *range(0x61, 0x7B), *range(0xC3, 0xCA)):
    _CLASSES[_byte] = ord("l")
for _byte in range(0xEA, 0xEE):
    _CLASSES[_byte] = ord("h")
for _byte in range(0xE4, 0xEA):
    _CLASSES[_byte] = ord("c")
for _byte in (*range(0xCE, 0xE0), 0xE0):
    _CLASSES[_byte] = ord("o")
_TABLE = bytes(_CLASSES)
_NOT_LETTERS = bytes(b for b in range(256) if _TABLE[b] == 0x20)  # (left out before counting)
_NOT_HANGUL = bytes(b for b in range(256) if _TABLE[b] != ord("h"))
_QUICK_CHARS = 1024
"""A sample's start that says "Korean" alone when it holds enough Hangul (see :func:`guess`)."""
del _CLASSES, _byte


def _letters(text: str) -> tuple[int, int, int, int, int]:
    """``(latin, hangul, kana, han, other)`` letters of ``text``."""
    data = text.encode("utf-8", "replace")
    classes = data.translate(_TABLE, _NOT_LETTERS)
    kana = data.count(b"\xe3\x81") + data.count(b"\xe3\x82") + data.count(b"\xe3\x83")
    return (
        classes.count(b"l"),
        classes.count(b"h"),
        kana,
        classes.count(b"c"),
        classes.count(b"o"),
    )


def _korean(hangul: int, letters: int) -> bool:
    return letters > 0 and hangul >= KOREAN_SHARE * letters


def guess(title: str, body: str) -> str:
    """The language a post's text is written in: ``ko``, ``ja``, ``zh``, ``en`` or ``""``
    (see the module's rules)."""
    sample = f"{title}\n{body[:SAMPLE_CHARS]}"
    if sample.isascii():
        return "en" if any(c.isalpha() for c in sample) else ""
    # Most posts of a Korean archive are told by their start alone (a quarter of the sample): a
    # start with so much Hangul that the whole sample (at most one letter a character) cannot
    # fall under the share is Korean whatever follows.
    start = sample[:_QUICK_CHARS].encode("utf-8", "replace")
    if len(start.translate(None, _NOT_HANGUL)) >= KOREAN_SHARE * len(sample):
        return "ko"
    latin, hangul, kana, han, other = counts = _letters(sample)
    # Code only lowers the share of the other scripts: left out only where it may matter (most
    # Korean posts are told without it; an ASCII post has nothing to tell).
    if (
        not _korean(hangul, sum(counts))
        and (hangul or kana or han or other)
        and any(mark in sample for mark in _CODE_MARKS)
    ):
        latin, hangul, kana, han, other = counts = _letters(_CODE.sub("\n", f"\n{sample}"))
    letters = sum(counts)
    if not letters:
        return ""
    if _korean(hangul, letters):
        return "ko"
    if kana >= KANA_SHARE * letters:
        return "ja"
    if han >= HAN_SHARE * letters:
        return "zh"
    if latin * 2 >= letters:
        return "en"
    return ""


def language_of(declared: str, title: str, body: str) -> str:
    """A post's language: ``declared`` (its front matter's ``lang``/``language``/``locale``
    value as written, ``""`` for none) when it names one, else :func:`guess`."""
    return normalise(declared) or guess(title, body)
