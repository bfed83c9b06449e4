"""newsterm.outline: sections from ATX, setext, HTML and implicit headings, and promotion."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SEED
from newsterm.archive import parse_post
from newsterm.outline import (
    extract_outline,
    flatten,
    heading_lines,
    implicit_title,
    promote_headings,
    section_at,
    section_titles,
)

SEED_ARTICLES = [
    "더 큰 스크린을 향한 욕구, 그리고 넷플릭스의 딜레마: 더퍼 형제의 이적과 극장 배급 논쟁",
    "모델 복지라는 이름의 안전장치: 앤트로픽의 대화 종료 기능과 그 함의",
    "제품에서 플랫폼으로: 오픈AI의 내일을 예비하는 전략과 GPT-5의 평가",
]
SEED_SUBSECTIONS = [
    [
        "배경 설명",
        "구체적 쟁점과 의미",
        "넷플릭스 측의 난관",
        "창작 노동의 협상력과 산업 구조",
        "소비자 경험과 문화적 파급",
        "미래 전망",
        "결론",
    ],
    [
        "배경 설명",
        "구체적 조치와 범위",
        "기술적 관찰과 윤리적 질문",
        "법적·운영적 함의",
        "사회적 의미와 담론의 확장",
        "비판적 고려 사항",
        "정책과 규제의 연결고리",
        "결론",
    ],
    [
        "최근 모델의 출시와 반응",
        "제품과 서비스의 확장",
        "뇌-컴퓨터 인터페이스와 투자 전략",
        "사용자 관계와 책임 문제",
        "비즈니스 확장과 자본 필요성",
        "기술과 보안, 윤리의 균형",
        "미디어와 관계 관리",
        "사회적 영향과 경쟁 구도",
        "결론",
    ],
]


def titles(sections) -> list[str]:
    return [s.title for s in sections]


def levels(body: str) -> list[tuple[int, str]]:
    return [(s.level, s.title) for s in flatten(extract_outline(body))]


# --------------------------------------------------------------------------- the seed


@pytest.fixture(scope="module")
def seed_body() -> str:
    return parse_post(SEED.name, SEED.read_bytes()).body


def test_seed_outline_is_exactly_three_articles_with_7_8_9_sections(seed_body: str):
    top = extract_outline(seed_body)
    assert titles(top) == SEED_ARTICLES
    assert [len(s.children) for s in top] == [7, 8, 9]
    for article, expected in zip(top, SEED_SUBSECTIONS, strict=True):
        assert article.level == 2 and not article.implicit
        assert titles(article.children) == expected
        for child in article.children:
            assert child.level == 3
            assert child.implicit
            assert child.children == []


def test_seed_outline_lines_point_at_the_heading_lines(seed_body: str):
    lines = seed_body.split("\n")
    for sec in flatten(extract_outline(seed_body)):
        text = lines[sec.line - 1]
        assert sec.title in text
        assert text.strip().lstrip("#").strip() == sec.title


def test_seed_no_sentence_is_taken_for_a_heading(seed_body: str):
    heading_rows = {s.line for s in flatten(extract_outline(seed_body))}
    for number, line in enumerate(seed_body.split("\n"), start=1):
        if number in heading_rows:
            continue
        # Every other non-blank line of the seed is a paragraph of prose.
        if line.strip():
            assert len(line) > 60, (number, line)
    assert len(heading_rows) == 3 + 7 + 8 + 9


# --------------------------------------------------------------------------- explicit headings


def test_atx_headings_levels_closing_hashes_and_inline_markup():
    body = (
        "# Top\n\n## Second ##\n\ntext\n\n### **Bold** and `code` [link](http://x)\n\n"
        "#### Four\n\n####### not a heading\n\n#hashtag is not a heading\n"
    )
    assert levels(body) == [(1, "Top"), (2, "Second"), (3, "Bold and code link"), (4, "Four")]


def test_setext_headings():
    body = "Big Title\n=========\n\nSub title\n---\n\nparagraph\n"
    top = extract_outline(body)
    assert [(s.level, s.title, s.line) for s in flatten(top)] == [
        (1, "Big Title", 1),
        (2, "Sub title", 4),
    ]


def test_a_headings_attribute_list_is_not_in_its_title():
    body = "# Primer {#preliminary}\n\n## What is it? {#intro .x}\n\nSub {#sub}\n---\n\nx\n"
    assert levels(body) == [(1, "Primer"), (2, "What is it?"), (2, "Sub")]


def test_thematic_break_after_blank_is_not_setext():
    body = "Some paragraph text that is long enough.\n\n---\n\nMore text.\n"
    assert extract_outline(body) == []


def test_html_headings():
    body = (
        "<h2>HTML <em>section</em> &amp; more</h2>\n\n"
        "text\n\n"
        '<div>\n<h3 class="x">Inner</h3>\n</div>\n'
    )
    assert levels(body) == [(2, "HTML section & more"), (3, "Inner")]
    assert [s.line for s in flatten(extract_outline(body))] == [1, 6]


def test_heading_tree_nests_by_level_and_skips():
    body = "# A\n\n### A.1\n\n## A.2\n\n#### A.2.1\n\n# B\n"
    top = extract_outline(body)
    assert titles(top) == ["A", "B"]
    assert titles(top[0].children) == ["A.1", "A.2"]
    assert titles(top[0].children[1].children) == ["A.2.1"]


# --------------------------------------------------------------------------- implicit headings

PROSE = "이 문단은 제목 아래에 오는 충분히 긴 본문으로, 여러 단어와 문장 부호를 담고 있습니다."


def test_plain_line_heading_gets_level_below_last_explicit():
    body = f"## Article\n\n배경 설명\n{PROSE}\n\nBackground\n{PROSE}\n"
    assert levels(body) == [(2, "Article"), (3, "배경 설명"), (3, "Background")]
    top = extract_outline(body)
    assert [c.implicit for c in top[0].children] == [True, True]


def test_implicit_heading_before_any_explicit_is_level_two():
    assert levels(f"결론\n{PROSE}\n") == [(2, "결론")]


def test_bold_line_is_an_implicit_heading():
    body = f"**What is this?**\n\n{PROSE}\n\n__Another one__\n{PROSE}\n"
    assert levels(body) == [(2, "What is this?"), (2, "Another one")]


@pytest.mark.parametrize(
    "line",
    [
        "짧은 문장입니다.",  # ends with a period
        "정말 그랬다",  # Korean predicate ending
        "Is it true?",  # question mark
        "Note:",  # colon
        "First, second,",  # continuation mark
        "hello there friend",  # lowercase start
        "Hello everyone",  # greeting
        "**a** and **b**",  # two bold spans, not one bold line
        "*Just italic*",  # italic line
        "https://example.com/page",  # URL
        "![image](pic.png)",  # image
        ":::tldr",  # a colon container's opening line (Docusaurus, Astro)
        ":::tip[알아두기]",
        "An Overly Long Candidate Line That Goes Past The Forty Character Limit",
    ],
)
def test_lines_that_are_not_implicit_headings(line: str):
    assert implicit_title(line, True, PROSE) is None
    assert extract_outline(f"{line}\n{PROSE}\n") == []


def test_a_line_closed_by_a_colon_container_line_is_not_a_heading():
    body = f":::tip\n배경 설명\n:::\n\n짧은 줄\n:::\n\n{PROSE}\n"
    assert extract_outline(body) == []


def test_short_line_needs_a_blank_before_and_prose_after():
    assert implicit_title("배경 설명", True, PROSE) == "배경 설명"
    assert implicit_title("배경 설명", False, PROSE) is None
    assert implicit_title("배경 설명", True, None) is None
    assert implicit_title("배경 설명", True, "") is None
    assert implicit_title("배경 설명", True, "짧다") is None
    # A short label directly over a list heads it ("Help wanted", "들어가기 전"); a lead-in
    # that the list completes does not.
    assert implicit_title("배경 설명", True, "- a list item follows") == "배경 설명"
    assert implicit_title("The agenda included", True, "1. Discuss the RFC") is None


# Lines seen on real archives (issue 10) that start a wrapped sentence or are not text at all;
# each is written here as a short post of our own that reproduces the construct.
@pytest.mark.parametrize(
    ("line", "next_line"),
    [
        ("자세한 변경 사항은", "[릴리스 노트](https://example.org/notes)를 참고하세요."),  # 은
        (
            "이 릴리스를 포함한 유지보수는",
            "협의회 결정에 따라 내년까지 이어집니다.",
        ),  # 는
        ("새 버전으로 프로그래밍 해보고", "[의견을 보내 주세요](https://example.org)."),  # 고
        ("설정 파일을 바꾸려면", "아래의 두 줄을 추가하고 서버를 다시 시작하면 됩니다."),  # 려면
        ("AI는 여러 작업을 함께 하는 능력이 떨어짐", "여러 일을 한꺼번에 시키면 품질이 내려감"),
        ("[새 기능 소개", "페이지](https://example.org/new)에서 자세한 내용을 볼 수 있습니다."),
        ("Here is everything that is new in", "Gadget 2.0, the release we have been waiting for."),
        ("The word “volt”", "refers to the measure of electric potential in a circuit here."),
        ("At Tesla’s", "Battery Day event, they announced many changes to their cells."),
        ("2.0 버전", ": 새 문법과 빠른 실행기를 포함한 큰 릴리스로 작년에 나왔습니다."),
        ("{% highlight sh %}", "gem install widget --version 2.0 && widget --help | less -R"),
        ("{% raw %}", "The workflow reads `${{ github.token }}` and passes it on to the step."),
        ("{: .prompt-info }", "설정을 바꾼 다음에는 서비스를 꼭 다시 시작해야 적용됩니다."),
        ("// 분할", "int mid = (left + right) / 2; 그리고 나머지 반도 같은 방법으로 나눕니다."),
        ("$$x = y + 1$$", "In other words, the distance between the two lines is one unit."),
        ("Therefore", "$$x_s[n] = x[n] \\otimes \\sum_l \\delta[n - l]$$ holds for all n here."),
        ("% xterm -e ruby -e", "'puts 1' 명령으로 터미널을 하나 더 열어 확인할 수 있습니다."),
        (
            "도움이 되었듯이, <br>",
            "내년에도 좋은 자극이 되는 모임이면 좋겠다.",
        ),
        (
            "과대평가했다는 생각이 든다.<br>",
            "빠른 구현도 깊은 이해도 중요했다.",
        ),
        (
            "**그림 1. 오토리그레시브 모델**",
            "위 그림은 다음 단어를 맞히는 구조입니다.",
        ),
        ("**[표2] 품사 태깅**", "표에서 보듯 모델마다 정확도가 다릅니다."),
        (
            "**Thanks to everyone who helped!**",
            "We could not have done it without you.",
        ),
        (
            '**"무한히 쪼개면 어떻게 될까?"**',
            "이 질문에서 자연상수 이야기가 시작됩니다.",
        ),
        (
            "**이 차이는 우연일까? 아니면 이유가 있을까? ㅡ질문(☆)**",
            "답하려면 분산을 나누어 봐야 합니다.",
        ),
        (
            "**Co-Speaker: Alex Example**",
            "A talk about sandboxes and what comes next.",
        ),
        (
            "**TL;DR: version 1.0 ships in May**",
            "Here is the plan for the next two cycles.",
        ),
    ],
)
def test_real_archive_lines_that_are_not_headings(line: str, next_line: str):
    assert implicit_title(line, True, next_line) is None
    body = f"## 제목\n\n{line}\n{next_line}\n"
    assert [s.implicit for s in flatten(extract_outline(body))] == [False]


@pytest.mark.parametrize(
    ("line", "next_line", "title"),
    [
        ("Help wanted", "- writing the end-user API", "Help wanted"),
        ("들어가기 전", "* 오름차순을 기준으로 정렬한다.", "들어가기 전"),
        ("A. LVM 방식", "- 디스크 파티션 생성", "A. LVM 방식"),
        ("<mark>참고</mark>", "* 구조(Structural) 패턴", "참고"),
        ("<br><mark>참고</mark> 설정 위치", "* 빈 설정 파일", "참고 설정 위치"),
        ("<mark>그래프와 트리의 차이</mark>", "![](graph-vs-tree.png)", "그래프와 트리의 차이"),
        ("<mark>참고</mark> 응답 코드", "> * 1xx : 정보", "참고 응답 코드"),
        ("The agenda included", "1. Discuss the RFC", None),
        ("Other Cargo work includes", "- deciding against a field", None),
        ("However, `cargo fix`", "- can be slow", None),
        ("So going back to our criteria", "- any build script", None),
        ("Notes:", "- This works with .NET Core", None),
        ("예를 들어", "- 첫째 항목", None),
        ("다음과 같이", "- 첫째 항목", None),
        ("설정 파일을 바꾸려면", "- 첫째 항목", None),
        ("캐시, 쿠키, 세션의 차이", "- 캐시", None),  # a comma: a lead-in more often than not
    ],
)
def test_a_label_over_a_list_quote_or_picture(line: str, next_line: str, title: str | None):
    assert implicit_title(line, True, next_line) == title


def test_a_definition_list_term_is_not_a_heading():
    body = (
        "용어 정리\n\n2.0 버전\n: 새 문법과 빠른 실행기를 포함한 큰 릴리스로 작년에 나왔습니다.\n"
    )
    assert extract_outline(body) == []


@pytest.mark.parametrize(
    ("line", "next_line", "title"),
    [
        ("**Key features:**", "- exports every action in use, with its version", "Key features:"),
        ("**What has happened?**", "", "What has happened?"),
        ("**How did you start with Rust? Was it at school?**", "", None),
        (
            "**In the past two years you were a mentor. What was that like for you?**",
            "It was great, and I learned a lot from the students I worked with.",
            "In the past two years you were a mentor. What was that like for you?",
        ),
        ("**'-네'와 '-군'**", "", "'-네'와 '-군'"),
        ("**1. Aligning Growth Aspirations**", "", "1. Aligning Growth Aspirations"),
        ("**static 멤버의 생성과 공유**", "```java", "static 멤버의 생성과 공유"),
        ("<mark>알고리즘 이론 정리</mark>", PROSE, "알고리즘 이론 정리"),
        (
            "④ 근 사이의 관계(Relation between solutions)",
            PROSE,
            "④ 근 사이의 관계(Relation between solutions)",
        ),
        ("결과", PROSE, "결과"),  # a noun, not the particle 과
        ("마을 이야기", PROSE, "마을 이야기"),
    ],
)
def test_real_archive_lines_that_are_headings(line: str, next_line: str, title: str | None):
    if title is None:  # two questions in one bold line are still one heading
        title = line.strip("*")
    assert implicit_title(line, True, next_line or None) == title


def test_list_items_are_not_headings():
    body = (
        "- 배경 설명\n"
        f"  {PROSE}\n\n"
        "1. **Bold item**\n\n"
        "   More text in the item that goes on for quite a while here.\n\n"
        "* # heading in a list item\n"
    )
    assert extract_outline(body) == []


def test_block_quote_and_table_are_not_headings():
    body = f"> 인용 제목\n> {PROSE}\n\n| 항목 | 값 |\n|---|---|\n| 배경 | 설명 |\n"
    assert extract_outline(body) == []


def test_nothing_inside_fenced_or_indented_code():
    body = (
        "```bash\n# comment in code\nSetup step\n" + PROSE + "\n```\n\n"
        "~~~\n## also code\n~~~\n\n"
        "    # indented code\n\n"
        "## Real\n"
    )
    assert levels(body) == [(2, "Real")]


def test_unclosed_fence_hides_the_rest():
    assert extract_outline("```\n# inside\n\n## still inside\n") == []


def test_html_comment_hides_headings():
    body = "<!--\n## hidden\n-->\n\n<!-- <h2>hidden too</h2> -->\n\n## Shown\n"
    assert titles(extract_outline(body)) == ["Shown"]


def test_front_matter_is_not_part_of_the_outline():
    data = b"---\ntitle: T\n# comment: in yaml\n---\n\n## Body heading\n"
    post = parse_post("x.md", data)
    assert titles(extract_outline(post.body)) == ["Body heading"]


def test_crlf_body_is_handled():
    body = f"## A\r\n\r\n배경 설명\r\n{PROSE}\r\n"
    assert levels(body) == [(2, "A"), (3, "배경 설명")]


# --------------------------------------------------------------------------- helpers


def test_section_titles_heading_lines_and_section_at():
    body = f"## A\n\n배경 설명\n{PROSE}\n\n## B\n\ntext\n"
    assert section_titles(body) == ["A", "배경 설명", "B"]
    assert sorted(heading_lines(body)) == [1, 3, 6]
    top = extract_outline(body)
    assert section_at(top, 0) is None
    assert section_at(top, 4).title == "배경 설명"
    assert section_at(top, 8).title == "B"


def test_to_dict_is_nested():
    body = f"## A\n\n배경 설명\n{PROSE}\n"
    assert [s.to_dict() for s in extract_outline(body)] == [
        {
            "level": 2,
            "title": "A",
            "line": 1,
            "children": [{"level": 3, "title": "배경 설명", "line": 3, "children": []}],
        }
    ]


# --------------------------------------------------------------------------- promotion


def test_promote_headings_rewrites_only_implicit_lines(seed_body: str):
    promoted = promote_headings(seed_body)
    before = seed_body.split("\n")
    after = promoted.split("\n")
    assert len(after) == len(before)
    implicit = {s.line: s for s in flatten(extract_outline(seed_body)) if s.implicit}
    assert len(implicit) == 24
    for number, (old, new) in enumerate(zip(before, after, strict=True), start=1):
        if number in implicit:
            assert new == "### " + old.strip()
        else:
            assert new == old


def test_promoted_outline_keeps_titles_and_lines(seed_body: str):
    original = [(s.level, s.title, s.line) for s in flatten(extract_outline(seed_body))]
    promoted = promote_headings(seed_body)
    again = flatten(extract_outline(promoted))
    assert [(s.level, s.title, s.line) for s in again] == original
    assert not any(s.implicit for s in again)


def test_promote_bold_line_drops_markers_and_keeps_trailing_hash():
    body = f"## A\n\n**Why?**\n{PROSE}\n\nC #\n{PROSE}\n"
    lines = promote_headings(body).split("\n")
    assert lines[2] == "### Why?"
    assert lines[5] == "### C \\#"


def test_promote_without_implicit_headings_is_identity():
    body = "## Only explicit\n\ntext.\n"
    assert promote_headings(body) == body


def test_promoted_seed_renders_sections_as_headings(seed_body: str):
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(width=100, record=True, color_system=None)
    console.print(Markdown(promote_headings(seed_body)))
    rendered = console.export_text().split("\n")
    # Each implicit heading is a line of its own, not glued onto its paragraph.
    assert "배경 설명" in [line.strip() for line in rendered]
    assert not any(line.strip().startswith("배경 설명 ") for line in rendered)


_md = st.sampled_from(
    [
        "# A\n",
        "## B ##\n",
        "배경 설명\n",
        PROSE + "\n",
        "\n",
        "**Bold line**\n",
        "```\n",
        "~~~\n",
        "    code\n",
        "- item\n",
        "  nested\n",
        "1. one\n",
        "> quote\n",
        "<h2>x</h2>\n",
        "<div>\n",
        "<!--\n",
        "-->\n",
        "===\n",
        "---\n",
        "| a | b |\n",
        "|---|---|\n",
        "[x]: http://y\n",
        "\t\n",
        "결론\r\n",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_md, max_size=40).map("".join))
def test_outline_and_promotion_hold_for_any_markdown(body: str):
    top = extract_outline(body)
    flat = flatten(top)
    n_lines = body.count("\n") + 1
    assert all(1 <= s.line <= n_lines and s.title and 1 <= s.level <= 6 for s in flat)
    assert [s.line for s in flat] == sorted(s.line for s in flat)
    promoted = promote_headings(body)
    assert promoted.count("\n") == body.count("\n")
    changed = {
        i + 1
        for i, (a, b) in enumerate(zip(body.split("\n"), promoted.split("\n"), strict=True))
        if a != b
    }
    assert changed == {s.line for s in flat if s.implicit}
