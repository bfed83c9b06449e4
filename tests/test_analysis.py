"""The index analyzer: Hangul bigrams with positions, stemmed Latin words, NFC."""

from __future__ import annotations

import subprocess
import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from newsterm.search.analysis import (
    ANALYZER_VERSION,
    MAX_TOKEN,
    analyzer,
    is_cjk,
    piece_terms,
    pieces,
    stem,
    term_positions,
)


def tokens(text: str) -> list[tuple[str, int]]:
    return [(t.text, t.pos) for t in analyzer()(text, positions=True)]


def texts(text: str) -> list[str]:
    return [t for t, _ in tokens(text)]


def test_hangul_run_becomes_consecutive_bigrams_then_its_last_syllable():
    assert tokens("넷플릭스가") == [("넷플", 0), ("플릭", 1), ("릭스", 2), ("스가", 3), ("가", 4)]


def test_lone_syllable_is_itself_and_positions_run_on_across_runs():
    assert tokens("책 한 권") == [("책", 0), ("한", 1), ("권", 2)]
    assert tokens("극장 AI") == [("극장", 0), ("장", 1), ("ai", 2)]


def test_latin_words_are_lowercased_and_stemmed_numbers_kept():
    assert texts("Running SEARCHES searched") == ["run", "search", "search"]
    assert texts("2025년 GPT-5") == ["2025", "년", "gpt", "5"]


def test_punctuation_and_underscores_split_words():
    assert texts("snake_case, (괄호)!") == ["snake", "case", "괄호", "호"]


def test_nfd_hangul_is_normalised_to_nfc():
    nfd = unicodedata.normalize("NFD", "극장에서")
    assert nfd != "극장에서"
    assert texts(nfd) == texts("극장에서") == ["극장", "장에", "에서", "서"]


def test_other_cjk_scripts_are_bigrams_too():
    assert texts("東京タワー") == ["東京", "京タ", "タワ", "ワー", "ー"]
    assert is_cjk("東京") and is_cjk("한국") and not is_cjk("k팝") and not is_cjk("")


def test_very_long_words_are_cut_the_same_on_both_sides():
    word = "x" * 500
    assert texts(word) == [stem(word)]
    assert len(stem(word)) <= MAX_TOKEN


def test_char_offsets_point_at_the_source_text():
    text = "The 극장에서 news"
    for t in analyzer()(text, chars=True):
        piece = text[t.startchar : t.endchar]
        assert piece.lower().startswith(t.text[:1].lower())


def test_version_is_a_positive_int():
    assert isinstance(ANALYZER_VERSION, int) and ANALYZER_VERSION >= 1


_TEXT = st.text(
    alphabet=st.sampled_from(list("가나다라마바사극장넷플릭스abcXYZ019 _-.,!\n")), max_size=60
)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_query_pieces_give_exactly_the_index_terms(text):
    """The query side (pieces + piece_terms) and the index side produce the same terms."""
    expected = texts(text)
    got = [term for p in pieces(unicodedata.normalize("NFC", text)) for term in piece_terms(p)]
    assert got == expected


def test_piece_terms_without_trailing_syllable():
    (p,) = pieces("넷플릭스")
    assert piece_terms(p, trailing=False) == ["넷플", "플릭", "릭스"]
    (one,) = pieces("가")
    assert piece_terms(one, trailing=False) == ["가"]


def _in_a_fresh_python(code: str) -> None:
    """Run ``code`` in a new interpreter (what is imported at start-up is the point); it must
    succeed."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_import_leaves_urllib_request_usable():
    code = (
        "import sys, newsterm.search.analysis, whoosh.compat\n"
        "assert 'urllib.request' not in sys.modules, 'stub left behind'\n"
        "import urllib.request\n"
        "assert hasattr(urllib.request, 'Request')\n"
        "assert 'html' not in sys.modules, 'html stub left behind'\n"
        "assert whoosh.compat.htmlescape('<a>') == '&lt;a&gt;'\n"
        "import html\n"
        "assert html.unescape('&amp;') == '&'\n"
    )
    _in_a_fresh_python(code)


def test_import_skips_whoosh_english_stemmers_and_leaves_them_usable():
    code = (
        "import sys, newsterm.search.analysis\n"
        "assert 'whoosh.analysis' in sys.modules\n"
        "for name in ('whoosh.lang.porter', 'whoosh.lang.dmetaphone'):\n"
        "    assert name not in sys.modules, name + ' stub left behind or loaded'\n"
        "from whoosh.analysis import StemFilter, StemmingAnalyzer, DoubleMetaphoneFilter\n"
        "assert StemFilter().stemfn('connection') == 'connect'\n"
        "assert [t.text for t in StemmingAnalyzer()('Connected dogs')] == ['connect', 'dog']\n"
        "assert [t.text for t in (StemmingAnalyzer() | DoubleMetaphoneFilter())('smith')]\n"
        "import whoosh.lang.porter as real\n"
        "assert real.stem('connection') == 'connect'\n"
    )
    _in_a_fresh_python(code)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_term_positions_fast_path_agrees_with_the_analyzer(text):
    grouped: dict[str, list[int]] = {}
    for term, pos in tokens(text):
        grouped.setdefault(term, []).append(pos)
    assert term_positions(text) == grouped


def test_import_whoosh_query_skips_morph_en_and_leaves_it_usable():
    code = (
        "import sys, newsterm.search.index\n"
        "assert 'whoosh.query' in sys.modules\n"
        "assert 'whoosh.lang.morph_en' not in sys.modules, 'stub left behind or loaded'\n"
        "from whoosh.query.terms import variations\n"
        "assert 'run' in set(variations('running'))\n"
        "import whoosh.lang.morph_en as real\n"
        "assert hasattr(real, 'variations') and real.variations('running')\n"
    )
    _in_a_fresh_python(code)


# Characters on both sides of every edge the run finder draws: each CJK range's first and last
# code point and their neighbours, CJK characters that are not letters (Katakana middle dot,
# ideographic iteration marks), combining marks, other scripts' letters and digits, underscore.
def _edge_chars() -> list[str]:
    from newsterm.search.analysis import _CJK_HIGH, _CJK_LOW

    chars = []
    for lo, hi in zip(_CJK_LOW, _CJK_HIGH, strict=True):
        chars += [chr(c) for c in (lo - 1, lo, lo + 1, hi - 1, hi, hi + 1)]
    return chars + list("가힣ㄱㅏ・ー々〆あア漢字é̈ßΩЖ٣①²abcZ09_ -.,'\t\n\u200b")


_RUN_TEXT = st.text(alphabet=st.sampled_from(_edge_chars()), max_size=40) | st.text(max_size=40)


@settings(max_examples=1500, deadline=None)
@given(_RUN_TEXT)
def test_short_text_runs_are_the_regex_runs(text):
    """Queries are cut into runs by a loop (no regex to compile); it must find exactly the runs
    the indexing regex finds."""
    from newsterm.search.analysis import _runs, _short_runs

    expected = [(m.start(), m.end(), m.group(1) is not None) for m in _runs().finditer(text)]
    assert _short_runs(text) == expected


def test_a_query_needs_no_big_regex():
    code = (
        "import newsterm.search.analysis as a\n"
        "a.pieces('넷플릭스가 극장에서 AI가')\n"
        "assert a._runs.cache_info().currsize == 0, 'compiled'\n"
        "long = [p.text for p in a.pieces('넷플릭스가 AI가 x' * 40)]\n"
        "assert long[:3] == ['넷플릭스가', 'AI', '가'], long[:3]\n"
        "assert a._runs.cache_info().currsize == 1, 'a long text uses the regex'\n"
    )
    _in_a_fresh_python(code)


def _stem_spans_by_the_word_pattern(text: str, key: str) -> list[tuple[int, int]]:
    from newsterm.search.analysis import _words, stem

    return [m.span() for m in _words().finditer(text) if stem(m.group()) == key]


_WORDY = st.text(
    alphabet=st.sampled_from(list("aAbcCdeiIsSnNgy0129_ -'.éèçßΩЖ가힣漢あ\u0301\u200b")),
    max_size=60,
)


@settings(max_examples=1500, deadline=None)
@given(_WORDY, st.data())
def test_stem_spans_finds_exactly_the_words_the_word_pattern_finds(text, data):
    """Highlighting an English word looks among ASCII runs (no big pattern to compile); it
    must find exactly the words, and only whole words, that the index's word pattern finds."""
    from newsterm.search.analysis import _words, stem, stem_spans

    words = [m.group() for m in _words().finditer(text)]
    choices = [stem(w) for w in words] + ["a", "abc", "sing", "é", "ab"]
    key = data.draw(st.sampled_from(choices))
    assert stem_spans(text, key) == _stem_spans_by_the_word_pattern(text, key)


def test_stem_spans_examples():
    from newsterm.search.analysis import stem_spans

    # whole words only (not "rerun", not "caf" of "café"), next to Hangul too, "_" splits
    text = "Running runs; café cafe AI가 run_away 가run rerun RUN"
    found = [text[s:e] for s, e in stem_spans(text, "run")]
    assert found == ["Running", "runs", "run", "run", "RUN"]
    assert [text[s:e] for s, e in stem_spans(text, "cafe")] == ["cafe"]
    assert [text[s:e] for s, e in stem_spans(text, "ai")] == ["AI"]
