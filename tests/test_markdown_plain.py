"""The one-line text of a post for snippets: the reader's words, no markup."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsterm.markdown.plain import _MARKUP, plain_excerpt, plain_line, plain_text, tokens_text
from newsterm.markdown.preprocess import preprocess
from newsterm.markdown.setup import parse


def test_plain_text_keeps_the_words_and_drops_the_markup():
    body = (
        "## 제목\n\n영화 <기생충>은 `넷플릭스`로, `_posts`와 `__get__()`.\n\n"
        "- [ ] 할 일\n\n<div>상자 <b>굵게</b></div>\n\n{% highlight sh %}\nls\n{% endhighlight %}"
    )
    assert plain_text(body) == (
        "제목 영화 <기생충>은 넷플릭스로, _posts와 __get__(). ☐ 할 일 상자 굵게 ls"
    )


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab 가나.,()'\"%/\n\t09-:=+*_#<>`")), max_size=50))
def test_text_without_markup_skips_the_parser_and_reads_the_same(text):
    # The fast path (no markup character: no parser, no markdown-it import) is exact.
    if not _MARKUP.search(text):
        assert plain_text(text) == tokens_text(parse(preprocess(text)))


def test_a_colon_container_leaves_its_words_and_not_its_colons():
    body = "앞 문단.\n\n:::tldr\n요약하면 **넷플릭스가** 이겼다.\n:::\n\n뒤 문단."
    assert plain_text(body) == "앞 문단. 요약하면 넷플릭스가 이겼다. 뒤 문단."


def test_an_excerpt_never_starts_inside_fenced_code():
    body = "para.\n\n" * 200 + "```\ncode line\n\nmore code 넷플릭스\n```\n\n" + "tail.\n\n" * 200
    at = body.find("넷플릭스")
    text, before, after = plain_excerpt(body, at, at + 4, context=10)
    assert "code line more code 넷플릭스" in text and before and after


#: PLAIN_TEXT_VERSION -> digest of the plain text of SAMPLES (add a line when bumping it).
PLAIN_DIGESTS = {
    1: "f06f64b6f314a94d",
    2: "f06f64b6f314a94d",  # unknown shortcodes leave a placeholder (not in SAMPLES)
    3: "b85fe888e5ad8120",  # colon containers (:::tip … :::) show their text, not their colons
    4: "32cb5153ce1ddb68",  # a heading's attribute list ({#id}) is not shown (in SAMPLES from 4)
}
SAMPLES = (
    "## 제목\n\n**가비지 컬렉터(Garbage Collector)**의 `코드`와 <b>굵게</b><br>다음 줄",
    '{% highlight sh %}\nls\n{% endhighlight %}\n\n{{< figure src="a.png" caption="그림" >}}',
    "Term\n: definition {: .note}\n\n- [x] done\n\n$x^2$ and [^1].\n\n[^1]: A note.",
    "<blockquote>\n<p>인용</p>\n<ul><li>하나</li></ul>\n</blockquote>\n\n"
    "| a | b |\n|---|---|\n| 1 | 2 |",
    ":::tip[알아두기]\n컨테이너 **안의** 글\n:::",
    '## Motivation {#motivation}\n\nText <span id="x"></span>.',
)


def test_the_plain_text_version_moves_with_the_rules():
    # Search keeps each post's plain text beside the index under PLAIN_TEXT_VERSION: a change
    # to what a post renders to must bump it (and record the new digest here).
    import hashlib

    from newsterm.markdown.plain import PLAIN_TEXT_VERSION

    digest = hashlib.sha256("\n".join(plain_text(s) for s in SAMPLES).encode()).hexdigest()[:16]
    assert PLAIN_DIGESTS.get(PLAIN_TEXT_VERSION) == digest, (
        f"the plain text changed: bump PLAIN_TEXT_VERSION and record {digest!r}"
    )


def test_an_end_tag_with_attributes_shows_as_text_as_kramdown_shows_it():
    # `</pre class="prettyprint">` (a real blog's typo for `<pre …>`) is neither a start tag
    # nor an end tag to kramdown: its text is shown, and the code after it runs on as a
    # paragraph; the `</pre>` that closes nothing is dropped. The reader shows what the blog did.
    body = '</pre class="prettyprint">\nimport a;\nimport b;\n\nclass A {\n}\n</pre>\n\n끝.\n'
    assert plain_text(body) == '</pre class="prettyprint"> import a; import b; class A { } 끝.'


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("**굵게** 쓴 `코드`와 [링크](https://example.org)", "굵게 쓴 코드와 링크"),
        ("<p>문단 <i>안의</i> &amp; 기호</p>", "문단 안의 & 기호"),
        ("{% raw %}{{ x }}{% endraw %}와 {{ page.gone }} 태그", "{{ x }}와 태그"),
        ("여러\n줄에   걸친\n\n값", "여러 줄에 걸친 값"),
        # one paragraph: a block's opening at its start is the author's text
        ("2019. 한 해 돌아보기", "2019. 한 해 돌아보기"),
        ("1) 첫째", "1) 첫째"),
        ("- 목록 아님", "- 목록 아님"),
        ("+ 더하기", "+ 더하기"),
        ("## 제목 아님", "## 제목 아님"),
        ("> 인용 아님", "> 인용 아님"),
        ("---", "---"),
        (":::tip 상자 아님", ":::tip 상자 아님"),
        ("[참고]: https://example.org", "[참고]: https://example.org"),
        ("*강조*로 시작", "강조로 시작"),  # emphasis is inline: still emphasis
        ("#해시태그 그대로", "#해시태그 그대로"),
        ("", ""),
    ],
)
def test_plain_line_reads_a_value_as_one_paragraph_of_text(value: str, line: str):
    assert plain_line(value) == line
