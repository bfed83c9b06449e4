"""newsterm.simple_yaml: the fast front-matter reader gives what the YAML loader gives, or None."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsterm.archive import _YAML_LOADER
from newsterm.simple_yaml import load_simple


def full(text: str):
    return yaml.load(text, Loader=_YAML_LOADER)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "title: 콘텐츠와 AI의 무게중심 이동: 제작자 계약\n",  # ": " inside: not simple
        "title: Hello\ndate: 2025-08-18 20:00:09 +0900\ncategories: [뉴스, IT]\ntags: []\n",
        "title: 'It''s here'\ndate: 2014-03-12\n",
        'title: "Quoted: with colon"\ncategories:\n  - 뉴스\n  - IT\ntags:\n- a\n- b\n',
        "date: 2015-03-17 14:00:00 -4\n",
        "date: 2024-02-29T10:11:12Z\n",
        "date: 2024-02-29T10:11:12.5+05:30\n",
        "draft: true\nweight: 10\nratio: 1.5\nnothing: ~\nempty:\n",
        "title: 2024\nyes_key: no\n",
        "tags: [2020, 2021, x]\n",
        "# a comment\ntitle: x\n\n# another\n",
        "title:\tTabbed\n",
        "title: x\ntitle: y\n",
        "tags:\n  - a\n  # comment between items\n  - b\n",
    ],
)
def test_simple_matches_yaml_or_declines(text: str):
    simple = load_simple(text)
    if simple is not None:
        expected = full(text) or {}
        assert simple == expected
        assert [type(v) for v in simple.values()] == [type(v) for v in expected.values()]


def test_common_front_matter_is_simple():
    text = (
        'title: "콘텐츠와 AI: 무게중심"\n'
        "date: 2025-08-18 20:00:09 +0900\n"
        "categories: [뉴스, IT]\n"
        "tags:\n  - ai\n  - 넷플릭스\n"
    )
    assert load_simple(text) == {
        "title": "콘텐츠와 AI: 무게중심",
        "date": "2025-08-18 20:00:09 +0900",  # not a YAML timestamp (+0900 has no colon)
        "categories": ["뉴스", "IT"],
        "tags": ["ai", "넷플릭스"],
    }


def test_yaml_timestamps_are_constructed():
    assert load_simple("date: 2014-03-12\n") == {"date": dt.date(2014, 3, 12)}
    value = load_simple("date: 2015-03-17 14:00:00 -4\n")["date"]
    assert value == dt.datetime(2015, 3, 17, 18, 0, tzinfo=dt.UTC)


def test_impossible_dates_stay_strings_in_both_loaders():
    text = "date: 2025-02-30\n"
    assert load_simple(text) == {"date": "2025-02-30"} == full(text)


@pytest.mark.parametrize(
    "text",
    [
        "author:\n  name: x\n",  # nested mapping
        "title: long\n  continued\n",  # multi-line plain scalar
        "summary: |\n  block\n",  # block scalar
        "title: &a x\nother: *a\n",  # anchor and alias
        "title: !!str 1\n",  # tag
        'title: "esc\\u0041"\n',  # escapes
        "title: x # comment\n",
        "tags:\n  - a\n    - b\n",  # items at two indentations
        "tags: [a, [b]]\n",
        "  title: indented\n",
        "yes: 1\n",  # a key that is not a string
        "title: bell\x07\n",  # PyYAML refuses control characters
        "제목: 한국어 키\n",
    ],
)
def test_outside_the_subset_declines(text: str):
    assert load_simple(text) is None


# Building blocks for generated front matter: keys, scalars with tricky starts and contents.
_keys = st.sampled_from(["title", "date", "tags", "categories", "draft", "yes", "on", "x-y", "_k"])
_atoms = st.sampled_from(
    [
        "뉴스",
        "IT",
        "Hello World",
        "a, b",
        "a,b",
        "x: y",
        "x:",
        "it's",
        'say "hi"',
        "# not comment",
        "a #b",
        "- dash",
        "-4",
        "+1",
        "0x1F",
        "1_000",
        "1e3",
        ".5",
        ".inf",
        "~",
        "null",
        "Null",
        "true",
        "yes",
        "No",
        "on",
        "2014-03-12",
        "2025-02-30",
        "2015-03-17 14:00:00 -4",
        "2025-08-18 20:00:09 +0900",
        "2024-02-29T10:11:12Z",
        "'quoted'",
        '"dq"',
        "'it''s'",
        "[a, b]",
        "[]",
        "[a, b",
        "{a: 1}",
        "*alias",
        "&anchor x",
        "!tag x",
        "|",
        ">",
        "%x",
        "@x",
        "`x`",
        "a\tb",
        "\tlead",
        "trail ",
        "",
    ]
)
_value = st.lists(_atoms, min_size=1, max_size=3).map(" ".join)
_item = st.tuples(st.sampled_from(["", "  ", "    "]), _atoms).map(lambda t: f"{t[0]}- {t[1]}")
_line = st.one_of(
    st.tuples(_keys, st.sampled_from([": ", ":\t", ":", ":  "]), _value).map("".join),
    _item,
    st.sampled_from(["", "# comment", "  # indented comment", "  continued"]),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_line, max_size=8).map("\n".join))
def test_generated_front_matter_agrees_with_yaml(text: str):
    simple = load_simple(text)
    if simple is None:
        return
    try:
        expected = full(text)
    except yaml.YAMLError:
        pytest.fail(f"load_simple accepted text YAML rejects: {text!r}")
    assert simple == (expected or {}), text
    expected = expected or {}
    assert [type(v) for v in simple.values()] == [type(v) for v in expected.values()], text
