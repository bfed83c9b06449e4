"""Chinese and Japanese lines break between characters (with the basic kinsoku rules); Korean
and Latin text wraps as before, between words."""

from __future__ import annotations

import itertools

import pytest
from rich.console import Console
from rich.text import Text

from newsterm.markdown.layout import render_text
from newsterm.markdown.linebreak import wrap

CONSOLE = Console(width=200)
ZH = (
    "Web3 提供了一种通过区块链技术保护和管理个人数据的方法。随着技术的成熟，"
    "通过区块链提供的服务范围正在扩大，越来越多的人开始关注这一领域的发展。"
)
JA = (
    "これは日本語の文章です。Pythonで書かれたプログラムは「読みやすく」、"
    "保守しやすいと言われています。"
)


def _lines(text: str, width: int) -> list[str]:
    return [line.plain for line in wrap(Text(text), CONSOLE, width)]


@pytest.mark.parametrize("width", [12, 17, 30, 41])
@pytest.mark.parametrize("text", [ZH, JA])
def test_cjk_lines_fill_the_width_and_keep_every_character(text: str, width: int):
    lines = _lines(text, width)
    assert all(Text(line).cell_len <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    # full: each line but the last leaves less room than its next line's first character
    for line, nxt in itertools.pairwise(lines):
        assert Text(line).cell_len + Text(nxt[:2]).cell_len > width, (line, nxt)
    # kinsoku: no line starts with closing punctuation, none ends with an opening one
    assert not any(line[:1] in "。、，」』）" for line in lines[1:])
    assert not any(line.rstrip()[-1:] in "「『（" for line in lines)


def test_a_latin_word_before_chinese_is_not_left_alone_on_its_line():
    first = render_text(ZH, width=40).split("\n")[0]
    assert first.startswith("Web3 提供")
    assert Text(first).cell_len >= 38


@pytest.mark.parametrize(
    "text",
    [
        "한자 漢字가 섞인 한국어 문장입니다. 漢字語는 어절 단위로만 나뉘어야 합니다. 긴 문장.",
        "넷플릭스가 보유한 가장 성공적인 오리지널 중 하나인 작품의 핵심 창작진이 움직였다.",
        "Plain English text wraps between words exactly as it always did, nothing else.",
    ],
)
@pytest.mark.parametrize("width", [10, 23, 37])
def test_korean_and_latin_break_between_words_as_before(text: str, width: int):
    assert _lines(text, width) == [line.plain for line in Text(text).wrap(CONSOLE, width)]
