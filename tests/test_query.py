"""The query language (parse, Whoosh translation) and match spans for highlighting."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq

from newsterm.errors import QueryError
from newsterm.search.query import (
    MAX_QUERY,
    And,
    DateRange,
    Keyword,
    Not,
    Or,
    Text,
    find_matches,
    is_negative,
    parse,
    to_whoosh,
)


def words(node) -> str:
    assert isinstance(node, Text)
    return node.text


def test_words_are_anded():
    node = parse("넷플릭스 극장")
    assert isinstance(node, And) and [words(x) for x in node.items] == ["넷플릭스", "극장"]
    assert parse("a AND b") == parse("a b")


def test_or_and_not_and_minus():
    node = parse("넷플릭스 OR 극장")
    assert isinstance(node, Or) and len(node.items) == 2
    node = parse("극장 NOT 넷플릭스")
    assert isinstance(node, And) and isinstance(node.items[1], Not)
    assert parse("극장 -넷플릭스") == node
    assert is_negative(parse("-넷플릭스")) and not is_negative(node)


def test_lower_case_or_is_a_word():
    node = parse("this or that")
    assert isinstance(node, And) and len(node.items) == 3


def test_phrases_and_fields():
    node = parse('"인공지능 반도체"')
    assert isinstance(node, Text) and node.text == "인공지능 반도체" and node.field is None
    node = parse('title:"weekly digest"')
    assert isinstance(node, Text) and node.field == "title"
    assert parse("title:경제").field == "title"
    assert parse("section:배경").field == "sections"
    assert parse("category:IT") == Keyword("categories", "it")
    assert parse('tag:"Machine  Learning"') == Keyword("tags", "machine learning")
    assert parse("Tag:AI") == Keyword("tags", "ai")
    assert parse("lang:en-US") == Keyword("lang", "en")
    assert parse("language:Korean") == Keyword("lang", "ko")
    with pytest.raises(QueryError, match="names no language"):
        parse("lang:rust")


def test_unknown_field_and_times_are_plain_text():
    node = parse("10:30")
    assert isinstance(node, Text) and [p.text for p in node.pieces] == ["10", "30"]
    node = parse("https://example.com")
    assert isinstance(node, Text) and node.field is None


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("date:2025", 20250101, 20251231),
        ("date:2025-08", 20250801, 20250831),
        ("date:2024-02", 20240201, 20240229),
        ("date:2025-12", 20251201, 20251231),
        ("date:2025-08-18", 20250818, 20250818),
        ("date:[2025-01-01 to 2025-06-30]", 20250101, 20250630),
        ("date:[2024 TO 2025-03]", 20240101, 20250331),
        ("date:[2024 to *]", 20240101, None),
        ("date:[* to 2020]", None, 20201231),
        ("date:[2024 to]", 20240101, None),
    ],
)
def test_dates(text, low, high):
    assert parse(text) == DateRange(low, high)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date:2025-13", "no such date"),
        ("date:yesterday", "bad date"),
        ("date:[2025 to 2024]", "ends before it starts"),
        ("", "nothing to search for"),
        ("   ", "nothing to search for"),
        ('"" -', "nothing to search for"),
        ("!!! ???", "nothing to search for"),
        ("x" * (MAX_QUERY + 1), "too long"),
        ("(" * 40 + "a", "nests too deeply"),
    ],
)
def test_bad_queries_raise_one_line_query_errors(text, message):
    with pytest.raises(QueryError) as info:
        parse(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_lenient_syntax():
    assert words(parse('"unclosed phrase')) == "unclosed phrase"
    assert words(parse("(grouped")) == "grouped"
    node = parse("stray) word")
    assert isinstance(node, And) and [words(x) for x in node.items] == ["stray", "word"]
    assert words(parse("OR lonely")) == "lonely"
    assert words(parse("lonely NOT")) == "lonely"


def phrase_of(q) -> tuple[str, list[str]]:
    assert isinstance(q, wq.Phrase) and q.slop == 1
    return q.fieldname, list(q.words)


def test_whoosh_translation_of_hangul_words():
    q = to_whoosh(parse("title:넷플릭스"))
    assert phrase_of(q) == ("title", ["넷플", "플릭", "릭스"])
    assert to_whoosh(parse("title:극장")) == wq.Term("title", "극장")
    one = to_whoosh(parse("title:극"))  # every term starting with the syllable, read in bulk
    assert isinstance(one, wq.Prefix) and (one.fieldname, one.text) == ("title", "극")
    assert to_whoosh(parse("title:Running")) == wq.Term("title", "run")


def test_whoosh_translation_of_mixed_and_phrases():
    # inner Hangul runs keep their trailing syllable; the last run may continue in the post
    q = to_whoosh(parse('title:"극장 넷플릭스"'))
    assert phrase_of(q) == ("title", ["극장", "장", "넷플", "플릭", "릭스"])
    q = to_whoosh(parse("title:AI가"))
    assert phrase_of(q) == ("title", ["ai", "가"])


def test_plain_words_search_title_sections_and_body():
    q = to_whoosh(parse("극장"))
    assert isinstance(q, wq.Or)
    assert {sub.fieldname for sub in q.subqueries} == {"title", "sections", "body"}


_QUERY_CHARS = st.text(
    alphabet=st.sampled_from(list('가나극장넷플릭스abAI09 "()-:[]*.~^\\/OR NOTtitle:date:tag:')),
    max_size=80,
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=120), _QUERY_CHARS))
def test_fuzz_parse_gives_a_query_or_a_query_error(text):
    try:
        node = parse(text)
    except QueryError as err:
        assert str(err) and "\n" not in str(err)
        return
    assert to_whoosh(node) is not None


# --------------------------------------------------------------------------- highlighting


def spans_text(text: str, query: str) -> list[str]:
    return [text[s:e] for s, e in find_matches(text, query)]


def test_hangul_word_matches_as_substring():
    text = "넷플릭스가 극장에서 넷플릭스를"
    assert spans_text(text, "넷플릭스") == ["넷플릭스", "넷플릭스"]
    assert spans_text(text, "플릭") == ["플릭", "플릭"]


def test_stray_bigrams_are_not_highlighted():
    text = "넷플 그리고 플릭 그리고 릭스"
    assert find_matches(text, "넷플릭스") == []


def test_latin_words_match_whole_words_by_stem_any_case():
    text = "Searching the SEARCH results; research is different."
    assert spans_text(text, "search") == ["Searching", "SEARCH"]
    assert spans_text(text, "RESEARCH") == ["research"]


def test_phrase_spans_cover_the_whole_phrase():
    text = "올해 인공지능 반도체 경쟁, 인공지능과 반도체"
    assert spans_text(text, '"인공지능 반도체"') == ["인공지능 반도체"]
    assert spans_text(text, "인공지능 반도체") == ["인공지능", "반도체", "인공지능", "반도체"]


def test_phrase_may_start_and_end_inside_hangul_runs():
    text = "그 넷플릭스 보다가"
    assert spans_text(text, '"플릭스 보다"') == ["플릭스 보다"]


def test_negated_words_filters_and_bad_queries_highlight_nothing():
    text = "극장 넷플릭스 2025"
    assert spans_text(text, "극장 -넷플릭스") == ["극장"]
    assert find_matches(text, "date:2025 category:x") == []
    assert find_matches(text, "date:2025-99") == []


def test_overlapping_matches_are_merged_and_sorted():
    assert find_matches("넷플릭스", "넷플 플릭스") == [(0, 4)]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.text(max_size=40))
def test_fuzz_find_matches_never_raises_and_spans_are_in_range(text, query):
    spans = find_matches(text, query)
    last = -1
    for s, e in spans:
        assert 0 <= s < e <= len(text) and s > last
        last = e


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("abcdeyingsİıAB 극장")), max_size=60),
    st.text(alphabet=st.sampled_from(list("abcdeyingsİıAB")), min_size=1, max_size=8),
)
def test_latin_fast_path_matches_every_word_with_the_same_stem(text, word):
    from newsterm.search.analysis import WORDS, stem

    expected = [(m.start(), m.end()) for m in WORDS.finditer(text) if stem(m.group()) == stem(word)]
    assert find_matches(text, word) == expected


_PHRASE_WORDS = [
    "디불",
    "퐌류자사으부터",
    "극장에서",
    "AI의",
    "running",
    "run",
    "—",
    "디불,",
    "(디불)",
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_PHRASE_WORDS),
            st.sampled_from([" ", "  ", "\n", ", ", " — ", "\t", " " * 300, "\n\n— ... —\n"]),
        ),
        max_size=120,
    ),
    st.sampled_from(
        ['"디불 퐌류자사으부터"', '"디불 퐌류자사"', '"디불 running AI"', '"극장 디불"']
    ),
)
def test_a_long_text_finds_a_phrase_around_its_first_word_as_the_whole_text_does(parts, query):
    # A search's snippets split only the stretches around the phrase's first word of long posts
    # (20 posts' whole texts cost ~20 ms of a 120 ms one-shot search): the spans are the same.
    from newsterm.search import query as q

    text = "".join(w + sep for w, sep in parts)
    limits = q.WINDOWED_TEXT, q.MAX_WINDOWS
    try:
        q.WINDOWED_TEXT = len(text) + 1
        whole = find_matches(text, query)
        q.WINDOWED_TEXT, q.MAX_WINDOWS = 0, len(text)
        windowed = find_matches(text, query)
    finally:
        q.WINDOWED_TEXT, q.MAX_WINDOWS = limits
    assert windowed == whole


def test_a_phrase_in_a_long_post_is_found_with_its_last_words_particle():
    filler = "다른 문장이 여기에 있다. " * 200  # longer than WINDOWED_TEXT
    text = filler + "오늘 넷플릭스가 극장에서 개봉했다. " + filler
    at = text.index("넷플릭스가")
    assert find_matches(text, '"넷플릭스가 극장"') == [(at, at + len("넷플릭스가 극장"))]
    assert find_matches(text, '"넷플릭스가 영화관"') == []
