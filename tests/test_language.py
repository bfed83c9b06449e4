"""A post's language: its front matter's when it names one, else a guess from its text."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsterm.archive import Archive, parse_post
from newsterm.language import (
    DECLARED_KEYS,
    KOREAN_SHARE,
    SAMPLE_CHARS,
    guess,
    language_of,
    normalise,
)

KO = "오늘은 비가 와서 집에서 책을 읽었다. 오래 미뤄 둔 소설을 끝까지 읽고 나니 마음이 가볍다."
EN = "It rained all day, so I stayed in and finally finished the novel I had put off for months."


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("ko", "ko"),
        ("ko-KR", "ko"),
        ("ko_KR", "ko"),
        ("KO", "ko"),
        (" ko ", "ko"),
        ("ko_KR.UTF-8", "ko"),
        ("Korean", "ko"),
        ("한국어", "ko"),
        ("kor", "ko"),
        ("en-US", "en"),
        ("en_GB", "en"),
        ("English", "en"),
        ("eng", "en"),
        ("zh-TW", "zh"),
        ("zh-Hant-TW", "zh"),
        ("ja", "ja"),
        ("日本語", "ja"),
        ("fr-CA", "fr"),
        ("sr@latin", "sr"),
    ],
)
def test_a_written_language_is_its_iso_639_1_code(written: str, code: str):
    assert normalise(written) == code


@pytest.mark.parametrize(
    "written", ["rust", "c", "js", "python", "", "  ", "und", "x" * 50, 5, None]
)
def test_a_value_that_names_no_language_is_none(written: object):
    # (real posts put the programming language there: `language: rust`)
    assert normalise(written) is None


def test_korean_english_japanese_chinese_text():
    assert guess("비 오는 날", KO) == "ko"
    assert guess("A rainy day", EN) == "en"
    assert guess("雨の日", "今日は一日中雨だったので、家でずっと本を読んでいました。") == "ja"
    assert guess("下雨天", "今天下了一整天的雨，所以我待在家里把那本小说读完了。") == "zh"


def test_text_without_letters_or_in_another_script_is_unknown():
    assert guess("", "") == ""
    assert guess("2024", "1, 2, 3 --- !!! 12:30") == ""
    assert guess("Дождь", "Весь день шёл дождь, и я дочитал роман, который давно откладывал.") == ""
    assert guess("Pluie", "Il a plu toute la journée, alors j'ai lu un roman à la maison.") == "en"


def test_code_blocks_do_not_make_a_korean_post_english():
    code = (
        "```python\n" + "def handler(request):\n    return response(request.body)\n" * 40 + "```\n"
    )
    body = f"요청을 받아 그대로 돌려주는 함수다.\n\n{code}\n끝."
    assert guess("핸들러 예제", body) == "ko"
    # the same code in <pre> and a Jekyll highlight block, and a fence the sample cuts open
    assert guess("예제", f"짧은 설명이다.\n<pre>{code}</pre>\n") == "ko"
    assert (
        guess("예제", f"짧은 설명이다.\n{{% highlight py %}}\n{code}{{% endhighlight %}}\n") == "ko"
    )
    lines = "def handler(request):\n    return response(request.body)\n"
    assert guess("예제", f"짧은 설명이다.\n```\n{lines * 200}") == "ko"


def test_a_few_korean_words_do_not_make_an_english_post_korean():
    body = f"{EN} The sign said 출구 (exit). {EN} {EN}"
    assert guess("Notes from Seoul", body) == "en"


def test_the_korean_share_decides_between_korean_and_english():
    def text(hangul: int, latin: int) -> str:
        return "가" * hangul + " " + "a" * latin

    latin = 1000
    at = round(latin * KOREAN_SHARE / (1 - KOREAN_SHARE)) + 1  # just at or over the share
    assert guess("", text(at, latin)) == "ko"
    assert guess("", text(at - 10, latin)) == "en"


def test_only_the_start_of_a_long_post_is_read():
    assert guess("", KO * 50 + " " + "word " * SAMPLE_CHARS * 10) == "ko"
    assert guess("", "word " * SAMPLE_CHARS + KO * 50) == "en"  # after the sample: not read


def test_the_front_matter_wins_over_the_text_when_it_names_a_language():
    assert language_of("en", "비 오는 날", KO) == "en"
    assert language_of("ko_KR", "A rainy day", EN) == "ko"
    assert language_of("rust", "비 오는 날", KO) == "ko"  # not a language: the text decides
    assert language_of("", "A rainy day", EN) == "en"


def test_a_post_has_the_language_of_its_front_matter_keys_in_order(tmp_path: Path):
    def post(front: str, body: str = KO) -> str:
        return parse_post("p.md", f"---\ntitle: t\n{front}---\n{body}\n".encode()).language

    assert post("lang: en\n") == "en"
    assert post("language: English\n") == "en"
    assert post("locale: en_US\n") == "en"
    assert post("lang: ja\nlanguage: en\n") == "ja"  # lang first
    assert post("language: rust\n") == "ko"  # the text
    assert post("", EN) == "en"
    assert parse_post("p.md", b"---\nlang: en-US\n---\nx\n").lang == "en-US"  # as written
    # the keys archive.py reads are the rule's keys
    (tmp_path / "a.md").write_text("---\nLOCALE: ko-KR\n---\nHello there.\n", encoding="utf-8")
    assert Archive(tmp_path).read("a.md").language == "ko"
    for key in DECLARED_KEYS:
        assert post(f"{key}: en\n") == "en"


def test_every_post_of_a_language_shares_one_string():
    a = language_of("ko-KR", "", "")
    b = language_of("", "", KO)
    c = normalise("Korean")
    assert a == b == c == "ko" and a is b is c
