"""The laid-out text of posts full of blog constructs: nothing raw, nothing lost."""

from __future__ import annotations

import re

from rich.style import Style

from newsterm.markdown import Palette, Renderer, parse, render_text

RAW = re.compile(r"\{%|%\}|\{\{|\}\}|\{:|<[a-z/!][^>\n]*>|\[\^\d+\]:|\*\*")

POST = """\
## 소개

**가비지 컬렉터(Garbage Collector)**의 동작을 봅니다. 각주[^1]와 $E=mc^2$ 수식.

<h2>설치 단계</h2>
<blockquote>인용된 <b>중요한</b> 문장</blockquote>

<div class="caption">사진 설명 <a href="https://example.com">원문</a><br>다음 줄</div>

단축키 <kbd>Ctrl</kbd>+<kbd>C</kbd>, x<sup>2</sup>, List<String>, <기생충>은.

<details>
<summary>펼쳐 보기</summary>

숨은 **내용**

</details>

- [ ] 할 일
- [x] 끝난 일
  - 중첩 항목

{% highlight sh %}
ls -al
cd /tmp
{% endhighlight %}

{% raw %}
{{ page.title }}
{% endraw %}

Term
: 정의 설명입니다.

* TOC
{:toc}

링크 [새 창](https://example.org){:target="_blank"}
{: .alert .alert-warning}

{{< figure src="/img/a.jpg" caption="그림 설명" >}}

{{% notice tip %}}
팁 내용
{{% /notice %}}

<figure><img src="/b.png" alt="대체 텍스트"><figcaption>캡션</figcaption></figure>

<table><tr><th>이름</th><th>값</th></tr><tr><td>가</td><td><i>1</i></td></tr></table>

$$
\\int_0^1 x\\,dx
$$

[^1]: 각주 내용.
"""


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def test_a_post_full_of_constructs_shows_no_raw_markup_and_loses_no_text():
    out = render_text(POST, width=80)
    # what {% raw %} protects, List<String> and <기생충> are the post's own text
    shown = out.replace("{{ page.title }}", "").replace("List<String>", "").replace("<기생충>", "")
    assert not RAW.search(shown), out
    got = lines(out)
    for words in (
        "가비지 컬렉터(Garbage Collector)의 동작을 봅니다. 각주[1]와 E=mc^2 수식.",
        "설치 단계",
        "사진 설명 원문",
        "다음 줄",
        "단축키 Ctrl+C, x2, List<String>, <기생충>은.",
        "▸ 펼쳐 보기",
        "숨은 내용",
        "ls -al",
        "cd /tmp",
        "{{ page.title }}",
        "Term",
        "정의 설명입니다.",
        "링크 새 창",
        "[image: 그림 설명]",
        "[image: 대체 텍스트]",
        "캡션",
        "\\int_0^1 x\\,dx",
        "[1] 각주 내용.",
    ):
        assert words in got, (words, out)
    assert "▌ 인용된 중요한 문장" in got
    assert "• ☐ 할 일" in got and "• ☑ 끝난 일" in got and "• 중첩 항목" in got
    assert "TOC" not in out
    assert any("이름" in line and "값" in line for line in got)  # the table's header row


def test_html_headings_are_headings_and_keep_their_line():
    doc = Renderer(60, Palette()).render("Intro.\n\n<h2>Step <em>one</em></h2>\n\nText.")
    heads = [b for b in doc.blocks if b.heading]
    assert [(b.heading, b.source_line) for b in heads] == [(2, 3)]
    assert doc.lines[heads[0].y].plain == "Step one"


def test_liquid_code_renders_as_a_code_block_not_one_run_on_line():
    out = render_text("{% highlight sh %}\nls -al\ncd /tmp\n{% endhighlight %}", width=60)
    assert lines(out) == ["ls -al", "cd /tmp"]


def test_footnotes_are_numbered_notes_at_the_end():
    out = render_text("First[^a] and second[^b].\n\n[^a]: One.\n[^b]: Two.", width=60)
    assert lines(out) == [
        "First[1] and second[2].",
        "",
        "────────────────────",
        "[1] One.",
        "[2] Two.",
    ]


def test_dollar_math_is_code_styled_and_money_is_not_math():
    doc = Renderer(60, Palette()).render("Price $5 and $10. Math $a+b$.")
    line = doc.lines[0]
    assert line.plain == "Price $5 and $10. Math a+b."
    styled = [line.plain[s.start : s.end] for s in line.spans if s.style == Palette().code]
    assert styled == ["a+b"]


def test_unknown_angle_brackets_are_text_and_html_comments_go():
    out = render_text("Use Vec<T> here <!-- note --> and <b>bold</b>.", width=60)
    assert out == "Use Vec<T> here  and bold."


def test_html_block_with_markdown_lines_is_read_as_markdown():
    out = render_text('<div markdown="1">\n### Inner\n- one\n- two\n</div>', width=60)
    assert lines(out) == ["Inner", "", "• one", "• two"]


def test_links_are_collected_and_clickable():
    doc = Renderer(60, Palette()).render('[a](https://a.example) <a href="https://b.example">b</a>')
    assert doc.links == ["https://a.example", "https://b.example"]


def test_images_link_to_their_source():
    doc = Renderer(60, Palette()).render("![고양이](https://img.example/cat.png)")
    assert doc.lines[0].plain == "[image: 고양이]"
    assert doc.links == ["https://img.example/cat.png"]


def test_tables_and_lists_fit_the_width():
    body = "| a | b |\n|---|---|\n| " + "긴 " * 40 + "| x |\n\n- " + "word " * 40
    doc = Renderer(40, Palette()).render(body)
    assert all(line.cell_len <= 40 for line in doc.lines)


def test_progressive_rendering_reports_chunks_and_keeps_source_lines():
    body = "\n\n".join(f"## Part {i}\n\nParagraph {i} text." for i in range(300))
    seen: list[int] = []
    doc = Renderer(60, Palette()).render(body, on_chunk=lambda d: seen.append(len(d.lines)))
    assert doc.complete and len(seen) >= 2
    heads = [b.source_line for b in doc.blocks if b.heading]
    assert heads[:3] == [1, 5, 9]


def test_the_parser_turns_every_html_block_into_blocks():
    kinds = {t.type for t in parse("<div>\n<p>a</p>\n</div>\n\n<table><tr><td>x</td></tr></table>")}
    assert "html_block" not in kinds and "paragraph_open" in kinds and "table_open" in kinds


def test_a_fence_with_blank_info_and_nested_html_blocks_render():
    assert render_text("```   \ncode\n```", width=40).strip() == "code"
    nested = "<div>\n" * 50 + "deep text\n" + "</div>\n" * 50
    assert "deep text" in render_text(nested, width=40)


def test_custom_and_paired_unknown_tags_are_hidden_like_a_browser_does():
    out = render_text("CO<super>2</super>, <my-note>hi</my-note>, Vec<T> and <eop> stay", width=80)
    assert out == "CO2, hi, Vec<T> and <eop> stay"


def test_table_columns_keep_their_alignment():
    out = render_text("a | b\n:-- | --:\nleft | r", width=40)
    row = next(line for line in out.splitlines() if "left" in line)
    assert row.endswith("│    r │") or row.rstrip().endswith("r │")
    assert "│ left │" in row


def test_markdown_after_a_lone_br_line_is_still_markdown():
    # "<br>" alone on a line starts an HTML block that runs to the next blank line
    out = render_text("<br>\n# 제목\n### ***1. 정의***\n* 항목 **굵게**\n  * 중첩", width=60)
    assert lines(out) == ["제목", "────", "", "1. 정의", "", "• 항목 굵게", "• 중첩"]
    assert "  • 중첩" in out.splitlines()


def test_no_stray_blank_starts_a_line_after_a_break():
    assert lines(render_text("다음 <br> 문단\n\ntext<br>\nmore", width=60)) == [
        "다음",
        "문단",
        "",
        "text",
        "more",
    ]


def test_headings_inside_one_html_block_keep_their_own_body_lines():
    from newsterm.outline import extract_outline, flatten

    body = "Intro.\n\n<div>\n<h2>Alpha</h2>\n<p>one</p>\n<h2>Beta</h2>\n<p>two</p>\n</div>\n"
    doc = Renderer(60, Palette()).render(body)
    heads = {doc.lines[b.y].plain: b.source_line for b in doc.blocks if b.heading}
    assert heads == {"Alpha": 4, "Beta": 6}
    outline = {s.title: s.line for s in flatten(extract_outline(body))}
    assert outline == heads  # so the outline scrolls to each heading, not to its block
    assert doc.lines[doc.y_of_line(6)].plain == "Beta"


def test_crafted_posts_render_in_linear_time():
    # Each of these took from 20 s to a minute before the tags got a length bound, code spans
    # a bisect, shortcode bodies a depth bound and an unclosed comment its cut. Each is
    # rendered at two sizes, n / 8 and n, in CPU time: linear code takes about 8 times as long
    # for the bigger one (5-9 seen), a quadratic one 64 times. A pair over the bound is
    # measured again (up to three): a pause of the process inflates one run, not three.
    import time

    def cost(body: str) -> float:
        started = time.process_time()
        render_text(body, width=80)
        return time.process_time() - started

    def bodies(k: int) -> tuple[str, ...]:
        return (
            "{{ " * (30 * k),
            "`a` {{ b }} " * (20 * k),
            "{{< notice >}}\n" * (3 * k) + "x\n" + "{{< /notice >}}\n" * (3 * k),
            "<!--\n" * (20 * k),
        )

    for small, big in zip(bodies(125), bodies(1000), strict=True):
        runs: list[tuple[float, float]] = []
        while len(runs) < 3 and (not runs or runs[-1][1] >= 20 * runs[-1][0]):
            runs.append((max(cost(small), 1e-3), cost(big)))
        assert min(b / s for s, b in runs) < 20, (big[:20], runs)


def test_an_unknown_shortcode_shows_as_a_dim_placeholder_not_a_link():
    body = 'Before.\n\n{{< plotly json="/data/chart.json" >}}\n\nAfter {{< widget >}} the end.'
    renderer = Renderer(60, Palette())
    doc = renderer.render(body)
    assert doc.plain() == "Before.\n\n[plotly: chart.json]\n\nAfter [widget] the end."
    line = doc.lines[2]
    styles = [
        span.style
        for span in line.spans
        if line.plain[span.start : span.end] == "[plotly: chart.json]"
    ]
    assert styles and all(Style.parse(str(s)).dim for s in styles)
    assert not any("shortcode:" in link for link in doc.links)
    # the reader's pictures: a placeholder standing alone in its paragraph is never asked for
    asked: list[str] = []
    pictures = Renderer(60, Palette(), image_rows=lambda src: asked.append(src) or 3)
    doc = pictures.render(body)
    assert asked == [] and doc.images == [] and "[plotly: chart.json]" in doc.plain()


def test_an_html_quote_holding_a_markdown_quote_and_list_shows_every_word():
    # (Zola blogs quote comments this way: <blockquote>, then "> - item" lines and a paragraph)
    body = (
        '<a href="https://x.org/1">Comment by @someone:</a><br>\n\n<blockquote>\n\n'
        "<!-- keeps the parser in Markdown -->\n\n"
        "> - Invite more guests (to be discussed).\n> - Fund the travel too.\n\n"
        "I asked everyone for suggestions.\n\n<!-- again -->\n\n</blockquote>\n"
    )
    text = render_text(body, width=80)
    assert "• Invite more guests (to be discussed)." in text
    assert "• Fund the travel too." in text and "I asked everyone for suggestions." in text
    assert not RAW.search(text)


def test_rows_are_left_below_paragraphs_of_images_only():
    from newsterm.markdown.layout import ImageSlot, Renderer

    asked: list[str] = []

    def rows(src: str) -> int:
        asked.append(src)
        return 0 if "remote" in src else 3

    body = (
        "Hello\n\n![cat](/a/cat.png)\n![dog](dog.jpg)\n\n"
        "Text ![inline](b.png) in a line\n\n![remote](remote.png)\n\n## End\n\nBye\n"
    )
    doc = Renderer(60, image_rows=rows).render(body)
    plain = [line.plain for line in doc.lines]
    assert plain[2] == "[image: cat] [image: dog]"
    assert doc.images == [ImageSlot(3, 3, "/a/cat.png", "cat"), ImageSlot(6, 3, "dog.jpg", "dog")]
    assert plain[3:9] == [""] * 6
    assert "b.png" not in asked  # an image inside running text keeps its placeholder only
    assert plain[10] == "Text [image: inline] in a line"
    assert plain[12] == "[image: remote]" and plain[13] == ""  # 0 rows: nothing left
    # the blocks know the rows (the outline and hits find their places as before)
    assert doc.blocks[1].y == 2 and doc.blocks[1].height == 7
    assert doc.y_of_line(doc.blocks[-1].source_line) == plain.index("Bye")
    # without the hook (newsterm show, a reader that cannot draw) nothing changes
    plain_doc = Renderer(60).render(body)
    assert plain_doc.images == [] and len(plain_doc.lines) == len(doc.lines) - 6


def test_colon_containers_are_labelled_boxes_with_no_colons_left():
    body = (
        "앞 문단.\n\n:::tldr\n요약: **넷플릭스가** 이겼다.\n:::\n\n"
        ":::warning[조심하세요]\n- 하나\n- 둘\n:::\n\n"
        "::: {.note}\n판독\n:::\n\n:::tip\n:::\n\n뒤 문단."
    )
    lines = render_text(body, width=60).split("\n")
    assert not any(":::" in ln for ln in lines), lines
    at = lines.index("▌ TL;DR")
    assert lines[at + 1] == "▌ 요약: 넷플릭스가 이겼다."
    at = lines.index("▌ 조심하세요")
    assert lines[at + 1 : at + 3] == ["▌ • 하나", "▌ • 둘"]
    assert lines[lines.index("▌ Note") + 1] == "▌ 판독"
    assert "▌ Tip" in lines  # an empty box still says what it is
    assert lines[0] == "앞 문단." and lines[-1] == "뒤 문단."


# --------------------------------------------------------------------------- in-page links

ANCHORS = """\
- [배경](#배경)
- [Cargo features](#cargo-features)

## 배경

첫 문단입니다.[^1] 출처<a href="#source-1">[1]</a>.

## Cargo features {#features}

## Example

x

## Example

<h3 id="html-heading">HTML heading</h3>

<div id="boxed">A box with an id.</div>

[1] <span id="source-1"></span> [회사 · 발표](https://example.com/a)

<a name="old-style"></a>Old-style anchor.

[^1]: 첫 각주.
"""


def _line(doc, fragment: str) -> str | None:
    y = doc.anchor_y(fragment)
    return None if y is None else doc.lines[y].plain.strip()


def test_in_page_links_lead_to_headings_ids_and_footnotes():
    doc = Renderer(60, highlight=False).render(ANCHORS)
    assert [h for h in doc.links if h.startswith("#")] == [
        "#%EB%B0%B0%EA%B2%BD",
        "#cargo-features",
        "#source-1",
    ]
    assert _line(doc, "#%EB%B0%B0%EA%B2%BD") == "배경"  # percent-encoded, as parsed
    assert _line(doc, "#배경") == "배경"
    assert _line(doc, "#cargo-features") == "Cargo features"
    assert _line(doc, "#features") == "Cargo features"  # its own {#id}
    # a repeated heading is also its name + N (GitHub's example-1)
    assert doc.anchor_y("#example") < doc.anchor_y("#example-1")
    assert _line(doc, "#html-heading") == "HTML heading"
    assert _line(doc, "#boxed") == "A box with an id."
    assert _line(doc, "#source-1").startswith("[1]")
    assert _line(doc, "#old-style") == "Old-style anchor."
    assert _line(doc, "#fn1").startswith("[1] 첫 각주")
    assert _line(doc, "#fnref1").startswith("첫 문단입니다.[1]")
    assert doc.anchor_y("#nowhere") is None


def test_a_headings_attribute_list_is_not_shown():
    text = render_text("## Cargo features {#features}\n\n### Sub {.unnumbered}\n\ntext\n", width=60)
    assert "{" not in text and "Cargo features" in text and "Sub" in text
    assert "Sets {x}" in render_text("## Sets {x}\n\ntext\n", width=60)
