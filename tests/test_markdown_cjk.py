"""The CJK-friendly emphasis plugin against examples of tats-u/markdown-cjk-friendly's spec."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from newsterm.markdown.cjk import cjk_friendly_plugin, is_cjk

_MD = MarkdownIt("commonmark").use(cjk_friendly_plugin)
_PLAIN = MarkdownIt("commonmark")


def html(src: str) -> str:
    return _MD.render(src).strip()


@pytest.mark.parametrize(
    ("src", "strong"),
    [
        ("**이 용어(This term)**를 강조해 주세요.", "이 용어(This term)"),
        ("**가비지 컬렉터(Garbage Collector)**의", "가비지 컬렉터(Garbage Collector)"),
        ("**스크립트(script)**라고", "스크립트(script)"),
        ("패키지를 발행하려면 **`npm publish`**를 실행하십시오.", "<code>npm publish</code>"),
        ("**안녕(hello)**하세요.", "안녕(hello)"),
        ("ᅡ**(a)**", "(a)"),  # Hangul Jamo (U+1161) before the run
        ("**(k)**ᄏ", "(k)"),  # Hangul Jamo (U+110F) after the run
        ("これは**私のやりたかったこと。**だからするの。", "私のやりたかったこと。"),
        ("**推荐几个框架：**React、Vue等前端框架。", "推荐几个框架："),
        ("Go**「初心者」**を対象とした記事です。", "「初心者」"),
        ("a**〽**a", "〽"),  # a CJK symbol that is not an emoji presentation character
        ("𰻞𰻞**(ビャンビャン)**麺", "(ビャンビャン)"),  # outside the BMP
        ("大塚︀**(U+585A U+FE00)**", "(U+585A U+FE00)"),  # variation selector looked through
        ("__注意__：注意事項", "注意"),
    ],
)
def test_spec_examples_become_strong(src: str, strong: str):
    assert f"<strong>{strong}</strong>" in html(src)


def test_the_korean_examples_fail_in_plain_commonmark():
    # the reason the plugin exists: CommonMark leaves these as literal asterisks
    assert "<strong>" not in _PLAIN.render("**가비지 컬렉터(Garbage Collector)**의")
    assert "<strong>" not in _PLAIN.render("**이 용어(This term)**를 강조해 주세요.")


@pytest.mark.parametrize(
    "src",
    ["a**a«**a", "a**»a**a", "a**a∇**a", "a**∇a**a", "a**𝜵a**a", "a**a𐬻**a"],
)
def test_non_cjk_punctuation_keeps_commonmark_behaviour(src: str):
    assert "<strong>" not in html(src)


def test_commonmark_emphasis_is_unchanged_for_latin_text():
    for src in ("*foo*bar", "foo*bar*", "a * foo bar*", '**foo"**bar', "_foo_bar", "**(**foo)"):
        assert html(src) == _PLAIN.render(src).strip()


def test_cjk_class_covers_hangul_syllables_and_jamo():
    assert all(is_cjk(cp) for cp in (0xAC00, 0xD7A3, 0xB9C8, 0x1100, 0x11FF, 0x3131, 0xA960))
    assert not any(is_cjk(cp) for cp in (ord("a"), ord("("), 0x1F600, 0x2705))
    assert is_cjk(0x1F202) and not is_cjk(0x1F21A)  # 🈂 is CJK, 🈚 is an emoji
