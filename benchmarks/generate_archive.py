"""Generate a synthetic Jekyll archive for benchmarks: realistic vocabulary, deterministic.

Usage::

    python benchmarks/generate_archive.py [OUT_DIR] --posts 20000 [--seed 1]

Why not re-mix a few real sentences? Then every word is in every post and a search benchmark
measures nothing. Here the vocabulary behaves like real text:

* Korean stems (1-4 syllables, built from a weighted syllable inventory, so bigrams are shared
  between words the way they are in real Korean) drawn from a Zipf distribution (rank ``r`` has
  weight ``1/r``) over a large vocabulary; most tokens carry a particle or ending chosen by the
  stem's final consonant (``가``/``이``, ``는``/``은``, ``를``/``을``, ``와``/``과``,
  ``로``/``으로``, ``에서``, ``의``, ``도``, ``만`` ...), so ``넷플릭스가``-style eojeol are
  the norm;
* per-post proper nouns (names that appear in one post only, a few times) give the long tail;
* English words: a Zipf mix of real function words and synthetic content words, sprinkled into
  Korean posts (sometimes with a particle: ``GPU가``) and forming whole English posts;
* fixed collocations (two-word phrases) recur in a share of posts.

Posts use Chirpy-style YAML front matter (title, ``date`` with ``+0900``, ``categories`` list,
``tags``), ``##`` sections and the seed's implicit sub-headings (a short line directly above its
paragraph), mostly 2-8 KB with a long tail, spread over years; some live in ``YYYY/`` or
``YYYY/MM/`` folders. Everything is drawn from ``random.Random`` seeded per post, so the same
``--seed`` always gives the same bytes.

Beside the posts the generator writes ``.bench.json`` (a hidden file: newsterm and ripgrep skip
it) with the archive's size and query words of known document frequency (rare, common, a
two-word query, a phrase, a category) plus words for a recall/precision check.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import multiprocessing
import os
import random
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

SIDECAR = ".bench.json"
N_ROOTS = 3000
SYLLABLE_ZIPF = 1.25
GENERATOR_VERSION = 2
DEFAULT_DATA = Path(__file__).resolve().parent / "data"

# ----------------------------------------------------------------------------- Hangul

_INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_FINALS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"
_RIEUL = _FINALS.index("ㄹ")

# Weights roughly follow how often each jamo starts/ends real Korean syllables.
_INITIAL_W = {"ㅇ": 20, "ㄱ": 12, "ㅈ": 10, "ㅅ": 10, "ㄷ": 8, "ㅂ": 7, "ㅎ": 8, "ㄴ": 6,
              "ㅁ": 6, "ㄹ": 5, "ㅊ": 4, "ㅌ": 3, "ㅍ": 3, "ㅋ": 2, "ㄲ": 1, "ㄸ": 1, "ㅆ": 1,
              "ㅃ": 0.5, "ㅉ": 0.5}  # fmt: skip
_VOWEL_W = {"ㅏ": 20, "ㅣ": 14, "ㅓ": 12, "ㅗ": 12, "ㅜ": 10, "ㅡ": 8, "ㅐ": 6, "ㅔ": 4,
            "ㅕ": 6, "ㅛ": 2, "ㅠ": 2, "ㅑ": 1, "ㅘ": 3, "ㅝ": 2, "ㅚ": 2, "ㅟ": 1, "ㅢ": 2,
            "ㅙ": 0.3, "ㅞ": 0.2, "ㅒ": 0.2, "ㅖ": 0.5}  # fmt: skip
_FINAL_W = {" ": 45, "ㄴ": 14, "ㅇ": 12, "ㄹ": 9, "ㄱ": 8, "ㅁ": 5, "ㅂ": 3, "ㅅ": 2,
            "ㄷ": 0.5, "ㅌ": 0.3, "ㅊ": 0.3, "ㅍ": 0.2, "ㅆ": 0.5}  # fmt: skip


def hangul(initial: str, vowel: str, final: str = " ") -> str:
    """Compose one precomposed (NFC) Hangul syllable from its jamo."""
    code = 0xAC00 + (_INITIALS.index(initial) * 21 + _VOWELS.index(vowel)) * 28
    return chr(code + _FINALS.index(final))


def final_of(syllable: str) -> int:
    """Index of the final consonant of a Hangul syllable (0: none); -1 for non-Hangul."""
    code = ord(syllable) - 0xAC00
    return code % 28 if 0 <= code < 11172 else -1


# Particles and endings: (after a vowel, after a consonant, after ㄹ). Weight last.
_SUFFIXES: list[tuple[str, str, str, float]] = [
    ("", "", "", 26),
    ("가", "이", "이", 8), ("는", "은", "은", 8), ("를", "을", "을", 9),
    ("의", "의", "의", 8), ("에", "에", "에", 6), ("에서", "에서", "에서", 4),
    ("와", "과", "과", 3), ("로", "으로", "로", 4), ("도", "도", "도", 3),
    ("에게", "에게", "에게", 1), ("만", "만", "만", 1), ("까지", "까지", "까지", 1),
    ("부터", "부터", "부터", 0.7), ("처럼", "처럼", "처럼", 0.5), ("보다", "보다", "보다", 0.5),
    ("하는", "하는", "하는", 2), ("하고", "하고", "하고", 1), ("하며", "하며", "하며", 0.7),
    ("된", "된", "된", 1), ("적", "적", "적", 0.8), ("들", "들", "들", 1.2),
    ("들이", "들이", "들이", 0.5), ("라는", "이라는", "이라는", 0.6),
]  # fmt: skip
_ENDINGS = [("했다.", 5), ("한다.", 4), ("된다.", 2), ("이다.", 3), ("했다고 밝혔다.", 1),
            ("에 있다.", 1), ("를 보였다.", 1), ("가 필요하다.", 1), ("할 전망이다.", 1),
            ("로 이어졌다.", 0.5), ("이 늘었다.", 0.5)]  # fmt: skip
_CATEGORIES = [("뉴스", 12), ("IT", 8), ("경제", 6), ("문화", 4), ("과학", 3), ("사회", 3),
               ("정치", 2), ("스포츠", 2), ("여행", 1.5), ("리뷰", 1), ("Tech", 2),
               ("Life", 1), ("기획", 1), ("칼럼", 1)]  # fmt: skip


def _words(text: str) -> list[str]:
    return text.split()


_EN_HEAD = _words(
    "the of and to in a is that for it as was with be by on not he this are or his from at "
    "which but have an they you were her she there been one all we their has would when if "
    "so no will more can said who about up out them into some could than then its also two "
    "after first new over only time years most people other what market data model company "
    "system world government research report industry platform network users content city "
    "policy energy software service growth price value chip memory cloud stream search game "
    "studio music film design network security privacy health climate science school team"
)
_EN_ONSETS = _words("b br c ch cl d dr f fl g gr h j k kl l m n p pl pr r s sh sk st t tr v w z")
_EN_NUCLEI = _words("a e i o u ai ea ou io ee oo y")
_EN_CODAS = ["", "", "n", "r", "l", "s", "t", "m", "x", "nd", "rk", "st", "ng"]
_LATIN_IN_KO = ["AI", "GPU", "IT", "OTT", "API", "CEO", "IP", "HBM", "SNS", "EU", "LLM", "TV"]


def _weighted(items: dict[str, float] | list[tuple], rng: random.Random, k: int) -> list:
    if isinstance(items, dict):
        pop, w = list(items), list(items.values())
    else:
        pop, w = [i[0] for i in items], [i[-1] for i in items]
    return rng.choices(pop, weights=w, k=k)


def zipf_cum(n: int, s: float = 1.0, q: float = 0.0) -> list[float]:
    """Cumulative Zipf(-Mandelbrot) weights for ranks 1..n (rank r has weight (r + q)**-s)."""
    return list(itertools.accumulate((r + q) ** -s for r in range(1, n + 1)))


@dataclass
class Vocabulary:
    """Korean stems and English words, each list ordered by Zipf rank (index 0 = most common)."""

    ko: list[str]
    ko_final: list[int]  # 0: vowel end, 1: consonant end, 2: ends in ㄹ
    ko_cum: list[float]
    en: list[str]
    en_cum: list[float]
    syllables: list[str]
    syll_cum: list[float]
    collocations: list[tuple[int, int, int]] = field(default_factory=list)


def _final_class(word: str) -> int:
    f = final_of(word[-1])
    return 0 if f <= 0 else (2 if f == _RIEUL else 1)


def build_vocabulary(seed: int, n_ko: int = 150_000, n_en: int = 30_000) -> Vocabulary:
    """The archive's vocabulary; depends only on ``seed`` (not on the number of posts)."""
    rng = random.Random(f"vocab-{seed}")
    # Every syllable the weighted jamo can make, weighted by how common its parts are, so
    # 가/이/사/나 are common and 뤡 is rare; the 1500 likeliest form the inventory.
    weighted = sorted(
        (
            (-(wi * wv * wf), hangul(i, v, f))
            for i, wi in _INITIAL_W.items()
            for v, wv in _VOWEL_W.items()
            for f, wf in _FINAL_W.items()
        ),
    )[:1500]
    syll = [s for _, s in weighted]
    # Zipf over that order: like real Korean text, ~100 syllables make up most of it.
    syll_cum = zipf_cum(len(syll), SYLLABLE_ZIPF, 3.0)
    total = syll_cum[-1]

    def syllable() -> str:
        return syll[bisect.bisect(syll_cum, rng.random() * total)]

    # Words are built from morphemes (mostly two-syllable roots, as Sino-Korean vocabulary is),
    # alone or compounded, so that words share their bigrams the way real words do.
    roots: list[str] = []
    root_seen: set[str] = set()
    for length in _weighted({1: 20, 2: 72, 3: 8}, rng, N_ROOTS * 3):
        root = "".join(syllable() for _ in range(length))
        if root not in root_seen:
            root_seen.add(root)
            roots.append(root)
            if len(roots) == N_ROOTS:
                break
    root_cum = zipf_cum(len(roots), 0.9, 5.0)
    root_total = root_cum[-1]

    def root() -> str:
        return roots[bisect.bisect(root_cum, rng.random() * root_total)]

    # The most common words are the roots themselves (short words first, as in real text);
    # compounds of two or three morphemes make the long tail.
    ko: list[str] = sorted(roots[:300], key=lambda w: (len(w), rng.random())) + roots[300:]
    seen: set[str] = set(ko)
    for shape in _weighted({"rr": 75, "rrr": 5, "rs": 20}, rng, n_ko * 3):
        word = "".join(root() if ch == "r" else syllable() for ch in shape)
        if word not in seen and len(word) <= 6:
            seen.add(word)
            ko.append(word)
            if len(ko) == n_ko:
                break

    en_seen = set(_EN_HEAD)
    en = list(_EN_HEAD)
    while len(en) < n_en:
        n_syll = rng.choice((1, 2, 2, 2, 3, 3))
        word = "".join(
            rng.choice(_EN_ONSETS) + rng.choice(_EN_NUCLEI) + rng.choice(_EN_CODAS)
            for _ in range(n_syll)
        )
        if len(word) > 2 and word not in en_seen:
            en_seen.add(word)
            en.append(word)
    vocab = Vocabulary(
        ko=ko,
        ko_final=[_final_class(w) for w in ko],
        ko_cum=zipf_cum(len(ko), 1.0, 8.0),
        en=en,
        en_cum=zipf_cum(len(en), 1.0, 2.0),
        syllables=syll,
        syll_cum=syll_cum,
    )
    # Collocations: a stem followed by another stem with a particle, e.g. "인공지능 반도체를".
    for _ in range(60):
        a, b = rng.randrange(30, 4000), rng.randrange(30, 4000)
        vocab.collocations.append((a, b, rng.randrange(len(_SUFFIXES))))
    return vocab


# ----------------------------------------------------------------------------- posts

_SUF_W = list(itertools.accumulate(s[3] for s in _SUFFIXES))
_SUF_TOTAL = _SUF_W[-1]
_END_W = list(itertools.accumulate(e[1] for e in _ENDINGS))
_CAT_W = list(itertools.accumulate(c[1] for c in _CATEGORIES))
_COLLOC_W = zipf_cum(60, 1.0)
_HEADING_RANKS = 30_000  # headings and titles use the more common words


def ko_form(vocab: Vocabulary, idx: int, suffix: int) -> str:
    """Stem ``idx`` with particle/ending number ``suffix`` in its right allomorph."""
    return vocab.ko[idx] + _SUFFIXES[suffix][vocab.ko_final[idx]]


def _collocation_text(vocab: Vocabulary, c: int) -> str:
    a, b, suf = vocab.collocations[c]
    return f"{vocab.ko[a]} {ko_form(vocab, b, suf)}"


class _PostWriter:
    """Builds one post's text; records which stems/words it used for the sidecar."""

    def __init__(self, vocab: Vocabulary, rng: random.Random, english: bool) -> None:
        self.v = vocab
        self.rng = rng
        self.english = english
        self.ko_used: set[int] = set()
        self.en_used: set[int] = set()
        self.collocs: set[int] = set()
        n_names = rng.choice((0, 1, 1, 2, 2, 3))
        self.names = [self._name() for _ in range(n_names)]

    def _name(self) -> str:
        v, rng = self.v, self.rng
        total = v.syll_cum[-1]
        return "".join(
            v.syllables[bisect.bisect(v.syll_cum, rng.random() * total)]
            for _ in range(rng.choice((2, 3, 3, 4)))
        )

    def ko_sentence(self) -> str:
        v, rng = self.v, self.rng
        n = rng.randint(5, 14)
        rnd, cum, total = rng.random, v.ko_cum, v.ko_cum[-1]
        idx = [bisect.bisect(cum, rnd() * total) for _ in range(n)]
        ko, fin, sufs = v.ko, v.ko_final, _SUFFIXES
        words = [ko[i] + sufs[bisect.bisect(_SUF_W, rnd() * _SUF_TOTAL)][fin[i]] for i in idx]
        r = rng.random()
        pos = rng.randrange(n - 1)  # never the last word: it carries the ending
        if r < 0.12:  # an English word or acronym, sometimes with a particle
            idx[pos] = -1
            if rng.random() < 0.5:
                word = rng.choice(_LATIN_IN_KO)
            else:
                e = bisect.bisect(v.en_cum, rng.random() * v.en_cum[-1])
                self.en_used.add(e)
                word = v.en[e].capitalize()
            words[pos] = word + rng.choice(("", "", "의", "가", "를", "는"))
        elif r < 0.2 and self.names:
            idx[pos] = -1
            name = rng.choice(self.names)
            words[pos] = name + _SUFFIXES[rng.randrange(len(_SUFFIXES))][_final_class(name)]
        if rng.random() < 0.08:
            c = bisect.bisect(_COLLOC_W, rng.random() * _COLLOC_W[-1])
            self.collocs.add(c)
            a, b, _ = v.collocations[c]
            self.ko_used.update((a, b))
            words.insert(rng.randrange(n), _collocation_text(v, c))
        if n > 8 and rng.random() < 0.3:
            words[rng.randrange(1, n - 1)] += ","
        end = _ENDINGS[bisect.bisect(_END_W, rng.random() * _END_W[-1])][0]
        last = idx[-1]
        words[-1] = ko[last] + _fix_particle(end, fin[last])
        self.ko_used.update(i for i in idx if i >= 0)
        return " ".join(words)

    def en_sentence(self) -> str:
        v, rng = self.v, self.rng
        n = rng.randint(7, 20)
        idx = rng.choices(range(len(v.en)), cum_weights=v.en_cum, k=n)
        words = [v.en[i] for i in idx]
        if rng.random() < 0.1 and self.names:
            pos = rng.randrange(n)
            idx[pos] = -1
            words[pos] = rng.choice(self.names)  # a Korean name in English text
        self.en_used.update(i for i in idx if i >= 0)
        if n > 10 and rng.random() < 0.4:
            words[rng.randrange(1, n - 1)] += ","
        words[0] = words[0].capitalize()
        return " ".join(words) + rng.choice((".", ".", ".", ".", "?", "!"))

    def paragraph(self) -> str:
        make = self.en_sentence if self.english else self.ko_sentence
        return " ".join(make() for _ in range(self.rng.randint(2, 7)))

    def heading(self, lo: int = 2, hi: int = 4) -> str:
        v, rng = self.v, self.rng
        n = rng.randint(lo, hi)
        if self.english:
            idx = rng.choices(range(len(v.en)), cum_weights=v.en_cum, k=n)
            self.en_used.update(idx)
            return " ".join(v.en[i] for i in idx).capitalize()
        head = v.ko_cum[_HEADING_RANKS - 1]
        idx = [bisect.bisect(v.ko_cum, rng.random() * head) for _ in range(n)]
        self.ko_used.update(idx)
        words = [v.ko[i] for i in idx]
        if n > 1 and rng.random() < 0.5:
            j = rng.randrange(n - 1)
            words[j] = ko_form(v, idx[j], rng.choice((4, 7)))  # 의 / 와·과
        return " ".join(words)

    def title(self) -> str:
        head = self.heading(2, 5)
        if self.rng.random() < 0.4:
            head += ": " + self.heading(2, 4)
        if self.names and self.rng.random() < 0.3:
            head = f"{self.names[0]} {head}"
        return head


def _fix_particle(end: str, fin: int) -> str:
    """An ending that starts with a particle, in the allomorph for the stem's final sound."""
    if fin == 0:  # the stem ends in a vowel
        swaps = {"을 ": "를 ", "이 ": "가 ", "으로 ": "로 "}
    elif fin == 1:
        swaps = {"를 ": "을 ", "가 ": "이 ", "로 ": "으로 "}
    else:  # ends in ㄹ: 로, not 으로
        swaps = {"를 ": "을 ", "가 ": "이 ", "으로 ": "로 "}
    for old, new in swaps.items():
        if end.startswith(old):
            return new + end[len(old) :]
    return end


def _target_size(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.92:
        return rng.randint(1_500, 7_500)
    if r < 0.98:
        return rng.randint(7_500, 20_000)
    return rng.randint(20_000, 70_000)


@dataclass
class GeneratedPost:
    rel: str
    text: str
    ko_used: set[int]
    en_used: set[int]
    collocs: set[int]
    categories: list[str]
    names: list[str]


def make_post(vocab: Vocabulary, seed: int, i: int) -> GeneratedPost:
    """Post number ``i`` (deterministic from ``seed`` and ``i`` only)."""
    rng = random.Random(seed * 1_000_003 + i)
    english = rng.random() < 0.12
    w = _PostWriter(vocab, rng, english)
    target = _target_size(rng)

    # Date between 2012 and mid-2026, Korean time.
    day = rng.randrange(0, 14 * 365 + 180)
    y, m, d = _add_days(2012, day)
    hh, mm, ss = rng.randrange(24), rng.randrange(60), rng.randrange(60)
    date = f"{y:04d}-{m:02d}-{d:02d} {hh:02d}:{mm:02d}:{ss:02d} +0900"

    n_cat = rng.choice((1, 2, 2))
    cats: list[str] = []
    while len(cats) < n_cat:
        c = _CATEGORIES[bisect.bisect(_CAT_W, rng.random() * _CAT_W[-1])][0]
        if c not in cats:
            cats.append(c)

    title = w.title()
    parts: list[str] = []
    size = 0

    def add(block: str) -> None:
        nonlocal size
        parts.append(block)
        size += len(block.encode("utf-8")) + 2

    add(w.paragraph())
    while size < target:
        style = rng.random()
        add("## " + w.heading(3, 8))
        add(w.paragraph())
        for _ in range(rng.randint(1, 7)):
            if size >= target:
                break
            if style < 0.65:  # the seed's implicit sub-heading: short line over its paragraph
                add(w.heading() + "\n" + w.paragraph())
            elif style < 0.85:
                add("### " + w.heading())
                add(w.paragraph())
            else:
                add(w.paragraph())
        if rng.random() < 0.06:
            add("\n".join("- " + w.heading(2, 6) for _ in range(rng.randint(2, 5))))

    # Tags are words of the post itself (as a blogger would tag it).
    pool = sorted(i for i in (w.en_used if english else w.ko_used) if i < 3000)
    tags = rng.sample(pool, min(len(pool), rng.choice((0, 1, 2, 3, 3, 4, 5))))
    tag_words = [(vocab.en if english else vocab.ko)[t] for t in tags]

    slug_words = "-".join(rng.choice(_EN_HEAD[40:]) for _ in range(rng.randint(1, 3)))
    name = f"{y:04d}-{m:02d}-{d:02d}-post-{i:06d}-{slug_words}.md"
    r = rng.random()
    rel = name if r < 0.7 else (f"{y:04d}/{name}" if r < 0.9 else f"{y:04d}/{m:02d}/{name}")

    front = [
        "---",
        "title: " + json.dumps(title, ensure_ascii=False),
        f"date: {date}",
        "categories: [" + ", ".join(cats) + "]",
        "tags: [" + ", ".join(tag_words) + "]",
    ]
    if rng.random() < 0.1:
        front.append("pin: false")
    front.append("---")
    text = "\n".join(front) + "\n\n" + "\n\n".join(parts) + "\n"
    return GeneratedPost(rel, text, w.ko_used, w.en_used, w.collocs, cats, w.names)


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _add_days(year: int, days: int) -> tuple[int, int, int]:
    while True:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        in_year = 366 if leap else 365
        if days < in_year:
            break
        days -= in_year
        year += 1
    for month, n in enumerate(_MONTH_DAYS, start=1):
        n += 1 if (month == 2 and leap) else 0
        if days < n:
            return year, month, days + 1
        days -= n
    raise AssertionError("unreachable")


# ----------------------------------------------------------------------------- archive


_WORKER_VOCAB: Vocabulary | None = None


def _write_post(job: tuple[str, int, int]) -> tuple:
    out, seed, i = job
    assert _WORKER_VOCAB is not None
    p = make_post(_WORKER_VOCAB, seed, i)
    path = os.path.join(out, p.rel)
    if "/" in p.rel:
        os.makedirs(os.path.dirname(path), exist_ok=True)
    data = p.text.encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)
    return len(data), p.ko_used, p.en_used, p.collocs, p.categories, p.names


def generate(out: Path, posts: int, seed: int = 1, quiet: bool = False, jobs: int = 0) -> dict:
    """Write ``posts`` posts into ``out`` (created; must be empty or a previous output).

    ``jobs`` worker processes (0: one per CPU, at most 4) share the work; the output does not
    depend on it. Returns the sidecar's contents.
    """
    global _WORKER_VOCAB
    out = Path(out)
    if out.exists():
        if (out / SIDECAR).exists():
            shutil.rmtree(out)
        elif any(out.iterdir()):
            raise SystemExit(f"generate_archive: {out} is not empty and not a generated archive")
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    vocab = _WORKER_VOCAB = build_vocabulary(seed)
    ko_df: Counter[int] = Counter()
    en_df: Counter[int] = Counter()
    colloc_df: Counter[int] = Counter()
    cat_df: Counter[str] = Counter()
    name_df: Counter[str] = Counter()
    pair = (120, 450)  # two mid-frequency stems for the two-word query
    pair_df = 0
    total_bytes = 0
    jobs = jobs or min(4, os.cpu_count() or 1)
    work = ((os.fspath(out), seed, i) for i in range(posts))
    pool = None
    if jobs > 1 and posts >= 200 and "fork" in multiprocessing.get_all_start_methods():
        pool = multiprocessing.get_context("fork").Pool(jobs)
        results = pool.imap(_write_post, work, chunksize=64)
    else:
        results = map(_write_post, work)
    try:
        for n, (size, ko_used, en_used, collocs, cats, names) in enumerate(results, start=1):
            ko_df.update(ko_used)
            en_df.update(en_used)
            colloc_df.update(collocs)
            cat_df.update(cats)
            name_df.update(set(names))
            pair_df += pair[0] in ko_used and pair[1] in ko_used
            total_bytes += size
            if not quiet and n % 5000 == 0:
                print(f"  {n}/{posts} posts", file=sys.stderr)
    finally:
        if pool is not None:
            pool.close()
            pool.join()

    meta = _sidecar(vocab, seed, posts, total_bytes, ko_df, en_df, colloc_df, cat_df, name_df)
    meta["queries"]["two_word"] = {
        "query": f"{vocab.ko[pair[0]]} {vocab.ko[pair[1]]}",
        "df_stems": pair_df,
    }
    meta["generate_seconds"] = round(time.perf_counter() - t0, 2)
    (out / SIDECAR).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return meta


def _rarest(words: list[str], df: Counter[int], min_len: int) -> list[tuple[int, int]]:
    """``(index, posts)`` of the words of at least ``min_len`` characters that are in 1-5 posts,
    highest index first; in a big archive where every such word is in more posts, the ones in
    the fewest (a 100,000-post archive had none in 1-5)."""
    counts = [n for i, n in df.items() if n >= 1 and len(words[i]) >= min_len]
    limit = max(5, min(counts, default=5))
    return [
        (i, n)
        for i, n in sorted(df.items(), key=lambda kv: -kv[0])
        if 1 <= n <= limit and len(words[i]) >= min_len
    ]


def _sidecar(
    vocab: Vocabulary,
    seed: int,
    posts: int,
    total_bytes: int,
    ko_df: Counter[int],
    en_df: Counter[int],
    colloc_df: Counter[int],
    cat_df: Counter[str],
    name_df: Counter[str],
) -> dict:
    rng = random.Random(f"queries-{seed}-{posts}")
    ko = vocab.ko

    def unique_sub(word: str, scan: int = 40_000) -> bool:
        # Not inside another common stem (a substring search would find that too).
        return not any(word in other and other != word for other in ko[:scan])

    rare_ko = [{"word": ko[i], "df_stems": df} for i, df in _rarest(ko, ko_df, 3)]
    rng.shuffle(rare_ko)
    rare_ko = [r for r in rare_ko[:40] if unique_sub(r["word"])][:3]
    common_ko = [
        {"word": ko[i], "df_stems": ko_df[i]}
        for i in range(200)
        if len(ko[i]) >= 2 and 0.2 * posts <= ko_df[i] <= 0.6 * posts
    ][:3]
    rare_en = [{"word": vocab.en[i], "df_stems": df} for i, df in _rarest(vocab.en, en_df, 6)][:3]
    common_en = [
        {"word": vocab.en[i], "df_stems": en_df[i]}
        for i in range(len(_EN_HEAD), len(_EN_HEAD) + 300)
        if 0.03 * posts <= en_df[i]
    ][:3]
    # A phrase of middling frequency (in roughly 1-5 % of the posts if there is one).
    by_df = sorted(colloc_df.items(), key=lambda kv: abs(kv[1] - 0.02 * posts))
    c, c_df = by_df[0] if by_df else (0, 0)
    cat, cat_n = sorted(cat_df.items(), key=lambda kv: abs(kv[1] - 0.15 * posts))[0]

    return {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "posts": posts,
        "bytes": total_bytes,
        "vocabulary": {"korean_stems": len(ko), "english_words": len(vocab.en)},
        "distinct_korean_stems_used": len(ko_df),
        "distinct_english_words_used": len(en_df),
        "queries": {
            "rare": rare_ko,
            "common": common_ko,
            "rare_en": rare_en,
            "common_en": common_en,
            "phrase": {"query": _collocation_text(vocab, c), "df_stems": c_df},
            "category": {"name": cat, "df": cat_n},
        },
        "recall_words": _recall_words(vocab, rng, ko_df, name_df),
    }


def _recall_words(
    vocab: Vocabulary, rng: random.Random, ko_df: Counter[int], name_df: Counter[str]
) -> list[dict]:
    """Korean query strings of every kind for a recall/precision check (about 220)."""
    ko = vocab.ko
    used = sorted(ko_df)
    words: list[dict] = []

    def log_rank() -> int:
        # Log-uniform over the ranks that occur: as many rare as common words.
        while True:
            r = int(10 ** rng.uniform(0, 5.2)) - 1
            if r in ko_df:
                return r

    for _ in range(60):
        words.append({"kind": "stem", "word": ko[log_rank()]})
    for _ in range(60):
        i = log_rank()
        words.append({"kind": "stem+particle", "word": ko_form(vocab, i, rng.randrange(1, 16))})
    for _ in range(20):
        words.append({"kind": "one syllable", "word": rng.choice(vocab.syllables[:400])})
    ones = [ko[i] for i in used if len(ko[i]) == 1]
    for w in rng.sample(ones, min(10, len(ones))):
        words.append({"kind": "one-syllable stem", "word": w})
    long_ones = [i for i in used if len(ko[i]) >= 3]
    for _ in range(30):
        w = ko[rng.choice(long_ones)]
        start = rng.randrange(len(w) - 1)
        words.append({"kind": "inside a word", "word": w[start : start + 2]})
    names = sorted(n for n in name_df if len(n) >= 2)
    for w in rng.sample(names, min(20, len(names))):
        words.append({"kind": "name", "word": w})
    for _ in range(20):  # strings that mostly do not exist: checks precision
        a, b, c = (rng.choice(vocab.syllables) for _ in range(3))
        words.append({"kind": "random 3 syllables", "word": a + b + c})
    seen: set[str] = set()
    unique = []
    for w in words:
        if w["word"] not in seen:
            seen.add(w["word"])
            unique.append(w)
    return unique


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", nargs="?", type=Path, help="output folder (default: benchmarks/data/…)")
    ap.add_argument("--posts", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=0, help="worker processes (0: one per CPU)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    out = args.out or DEFAULT_DATA / f"archive-{args.posts}-s{args.seed}"
    meta = generate(out, args.posts, args.seed, quiet=args.quiet, jobs=args.jobs)
    if not args.quiet:
        mb = meta["bytes"] / 1e6
        print(f"wrote {args.posts} posts ({mb:.1f} MB) to {out} in {meta['generate_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
