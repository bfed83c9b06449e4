"""newsterm.archive: finding posts and parsing each one, with fixtures written per test."""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ARCHIVE, SEED
from newsterm.archive import Archive, PostError, parse_post, post_sort_key, slug_of
from newsterm.errors import ArchiveError
from newsterm.models import Post

UTC = dt.UTC


def tz(hours: float) -> dt.timezone:
    return dt.timezone(dt.timedelta(hours=hours))


def write(root: Path, rel: str, content: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def parse(text: str | bytes, rel: str = "post.md") -> Post:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_post(rel, data)


# --------------------------------------------------------------------------- front matter


def test_yaml_front_matter_fields():
    post = parse(
        "---\n"
        "title: 첫 글\n"
        "date: 2025-08-18 20:00:09 +0900\n"
        "categories: [뉴스, IT]\n"
        "tags:\n  - ai\n  - 넷플릭스\n"
        "---\n"
        "본문 첫 줄입니다.\n"
    )
    assert post.title == "첫 글"
    assert post.date == dt.datetime(2025, 8, 18, 20, 0, 9, tzinfo=tz(9))
    assert post.categories == ("뉴스", "IT")
    assert post.tags == ("ai", "넷플릭스")
    assert post.body == "본문 첫 줄입니다.\n"
    assert post.body_line == 9
    assert post.word_count == 3


def test_toml_front_matter_fields():
    post = parse(
        "+++\n"
        'title = "Hugo post"\n'
        "date = 2024-01-05T09:30:00+09:00\n"
        'categories = ["문화", "책"]\n'
        'tags = ["reading"]\n'
        "+++\n"
        "Body text here.\n"
    )
    assert post.title == "Hugo post"
    assert post.date == dt.datetime(2024, 1, 5, 9, 30, tzinfo=tz(9))
    assert post.categories == ("문화", "책")
    assert post.tags == ("reading",)
    assert post.body.strip() == "Body text here."


def test_bom_crlf_trailing_spaces_and_blank_lines_inside():
    text = (
        "\ufeff---  \r\ntitle: CRLF post\r\n\r\ndate: 2014-03-12\r\n\r\n"
        "tags: a b\r\n--- \t\r\nLine one\r\nLine two\r\n"
    )
    post = parse(text)
    assert post.title == "CRLF post"
    assert post.date == dt.datetime(2014, 3, 12, tzinfo=UTC)
    assert post.tags == ("a", "b")
    assert "\r" not in post.body
    assert post.body == "Line one\nLine two\n"
    assert post.encoding == "utf-8-sig"


def test_tab_after_key_is_accepted():
    post = parse(
        "---\ntitle:\tTabbed title\ndate:\t2015-03-17 14:00:00 -4\ntags:\t[x, y]\n---\nbody\n"
    )
    assert post.title == "Tabbed title"
    assert post.date == dt.datetime(2015, 3, 17, 14, tzinfo=tz(-4))
    assert post.tags == ("x", "y")


def test_tab_after_key_without_libyaml(monkeypatch: pytest.MonkeyPatch):
    import yaml

    from newsterm import archive

    monkeypatch.setattr(archive, "_YAML_LOADER", yaml.SafeLoader)
    post = parse("---\ntitle:\tTabbed title\ncategories:\t뉴스 IT\n---\nbody\n")
    assert post.title == "Tabbed title"
    assert post.categories == ("뉴스", "IT")


def test_title_with_colon_is_repaired():
    post = parse("---\ntitle: Part 1: the start\n---\nbody\n")
    assert post.title == "Part 1: the start"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("[뉴스, IT]", ("뉴스", "IT")),
        ("\n  - 뉴스\n  - IT", ("뉴스", "IT")),
        ("뉴스 IT", ("뉴스", "IT")),
        ("뉴스, IT 산업", ("뉴스", "IT 산업")),
        ('"single"', ("single",)),
        ("[a, a, b]", ("a", "b")),
    ],
)
def test_categories_and_tags_shapes(value: str, expected: tuple[str, ...]):
    post = parse(f"---\ncategories: {value}\ntags: {value}\n---\nbody\n")
    assert post.categories == expected
    assert post.tags == expected


def test_singular_category_and_tag_keys():
    post = parse("---\ncategory: 경제\ntag: 금리\n---\nbody\n")
    assert post.categories == ("경제",)
    assert post.tags == ("금리",)


@pytest.mark.parametrize(
    ("text", "rel", "draft"),
    [
        ("---\ndraft: true\n---\nbody\n", "post.md", True),  # Hugo, Zola, Astro, Eleventy
        ('---\ndraft: "true"\n---\nbody\n', "post.md", True),
        ("---\nDraft: yes\n---\nbody\n", "post.md", True),
        ("---\ndraft: 'Yes'\n---\nbody\n", "post.md", True),
        ("+++\ndraft = true\n+++\nbody\n", "post.md", True),  # TOML
        ('{\n  "draft": true\n}\n\nbody\n', "post.md", True),  # JSON
        ("---\npublished: false\n---\nbody\n", "post.md", True),  # Jekyll
        ("---\npublished: 'false'\n---\nbody\n", "post.md", True),
        ("---\ntitle: Later\n---\nbody\n", "_drafts/later.md", True),  # Jekyll's folder
        ("---\ntitle: Later\n---\nbody\n", "blog/_drafts/later.md", True),
        ("---\ndraft: false\n---\nbody\n", "post.md", False),
        ("---\ndraft: 'no'\n---\nbody\n", "post.md", False),
        ("---\ndraft:\n---\nbody\n", "post.md", False),
        ("---\ndraft: [true]\n---\nbody\n", "post.md", False),
        ("---\npublished: true\n---\nbody\n", "post.md", False),
        ("---\npublished: 2020-01-02\n---\nbody\n", "post.md", False),  # a date, no switch
        ("---\ntitle: Out\n---\nbody\n", "posts/out.md", False),
        ("---\ntitle: Out\n---\nbody\n", "_drafts.md", False),  # a file, not the folder
        ("---\ntitle: Out\n---\nbody\n", "my_drafts/out.md", False),
        ("No front matter.\n", "post.md", False),
    ],
)
def test_drafts_are_known_from_front_matter_or_the_drafts_folder(text: str, rel: str, draft: bool):
    assert parse(text, rel=rel).draft is draft


def test_a_published_date_is_still_the_date_and_a_published_switch_is_not():
    dated = parse("---\npublished: 2020-01-02\n---\nbody\n")
    assert dated.date == dt.datetime(2020, 1, 2, tzinfo=UTC) and not dated.draft
    switch = parse("---\npublished: false\n---\nbody\n", rel="2021-03-04-x.md")
    assert switch.date == dt.datetime(2021, 3, 4, tzinfo=UTC) and switch.draft


def test_drafts_in_an_archive_are_listed_like_any_post(tmp_path: Path):
    write(tmp_path, "_posts/2020-01-01-out.md", "---\ntitle: Out\n---\nbody\n")
    write(tmp_path, "_drafts/later.md", "---\ntitle: Later\n---\nbody\n")
    write(tmp_path, "content/wip.md", "+++\ntitle = 'WIP'\ndraft = true\n+++\nbody\n")
    posts, problems = Archive(tmp_path).load_all()
    assert not problems
    assert {p.path: p.draft for p in posts} == {
        "_posts/2020-01-01-out.md": False,
        "_drafts/later.md": True,
        "content/wip.md": True,
    }


# --------------------------------------------------------------------------- the lede


@pytest.mark.parametrize(
    ("front", "lede"),
    [
        ("description: 작은 정원을 가꾸는 법", "작은 정원을 가꾸는 법"),
        ("summary: Hugo's own summary", "Hugo's own summary"),
        ("subtitle: 부제목 한 줄", "부제목 한 줄"),
        ("excerpt: Cut from the post", "Cut from the post"),
        ("tldr: Short version", "Short version"),
        ("Description: Keys in any case", "Keys in any case"),
        # the first of description, summary, subtitle, excerpt, tldr that is a text
        ("subtitle: second\ndescription: first", "first"),
        ("description: [a, list]\nsummary: the summary", "the summary"),
        ("description: {a: b}\nexcerpt: the excerpt", "the excerpt"),
        ("description: ''\ntldr: the tldr", "the tldr"),
        ("description: 2020", ""),  # a number is not a lede
        ("description:", ""),
        ("tags: [only, tags]", ""),
        # markup is reduced to the words a reader sees, on one line
        ("description: 'A **bold** `code` [link](https://example.org) <b>tag</b> &amp; more'",
         "A bold code link tag & more"),
        ("description: '{% raw %}{{ kept }}{% endraw %} and {{ site.gone }} Liquid'",
         "{{ kept }} and Liquid"),
        ("description: |\n  Two lines\n  of   text\n\n  and a second paragraph",
         "Two lines of text and a second paragraph"),
        # a value is one paragraph: what would open a block at its start is its own text
        ("description: '2019. A year in review'", "2019. A year in review"),
        ("description: '- not a list'", "- not a list"),
        ("description: '# not a heading'", "# not a heading"),
        ("description: '> not a quote'", "> not a quote"),
        ("description: '*emphasis* stays emphasis'", "emphasis stays emphasis"),
        ("description: \"bell \\a and escape \\e gone\"", "bell and escape gone"),
    ],
)  # fmt: skip
def test_the_lede_is_the_first_front_matter_summary_as_plain_text(front: str, lede: str):
    post = parse(f"---\ntitle: 제목\n{front}\n---\n본문의 첫 문단은 다른 이야기를 한다.\n")
    assert post.lede == lede


def test_a_toml_summary_is_a_lede_too():
    post = parse('+++\ntitle = "T"\nsummary = "요약 한 줄"\n+++\n본문.\n')
    assert post.lede == "요약 한 줄"


def test_a_lede_that_only_says_the_title_again_is_not_kept():
    assert (
        parse("---\ntitle: Lang team update\ndescription: Lang team update.\n---\nBody.\n").lede
        == ""
    )
    same = (
        "---\ntitle: '[리뷰] 작은 책'\ndescription: 리뷰 — 작은 책\nsubtitle: 다른 말\n---\n본문.\n"
    )
    assert parse(same).lede == "다른 말"  # the next key says something


@pytest.mark.parametrize(
    "body",
    [
        "The opening paragraph says it all, and goes on.\n\nMore.\n",
        # an engine's excerpt: the opening cut short, with its dots
        "The opening paragraph says it all, and goes on a good while longer.\n",
        "The *opening* paragraph [says](https://example.org) it <b>all</b>, and goes on.\n",
        "# The title\n\nThe opening paragraph says it all, and goes on.\n",  # a title heading
        "![a picture](a.png)\n\nThe opening paragraph says it all, and goes on.\n",
        "## Introduction\n\nThe opening paragraph says it all, and goes on.\n",
    ],
)
def test_a_lede_that_repeats_the_opening_of_the_body_is_not_kept(body: str):
    text = f"---\ntitle: The title\nexcerpt: The opening paragraph says it all, and...\n---\n{body}"
    assert parse(text).lede == ""


def test_a_lede_that_the_body_says_only_later_or_in_other_words_is_kept():
    far = "Other words first. " * 30 + "\n\nThe opening paragraph says it all.\n"
    text = "---\ntitle: T\ndescription: The opening paragraph says it all.\n---\n"
    assert parse(text + far).lede == "The opening paragraph says it all."
    assert parse(text + "The opening paragraph says more than that.\n").lede != ""
    short = "---\ntitle: T\ndescription: Rust\n---\nA post about Rust.\n"
    assert parse(short).lede == "Rust"  # a short lede only repeats the very start


def test_a_long_lede_is_cut_at_a_word():
    words = " ".join(f"낱말{i}" for i in range(200))
    lede = parse(f"---\ntitle: T\ndescription: {words}\n---\n본문.\n").lede
    assert lede.endswith("…") and 250 < len(lede) <= 301
    assert lede[:-1] == words[: len(lede) - 1] and words[len(lede) - 1] == " "


def test_a_lede_is_compared_with_the_opening_of_a_huge_body_without_blank_lines():
    body = ("line " * 20 + "\n") * 50_000  # 5 MB in one paragraph: only its opening is read
    post = parse(f"---\ntitle: T\ndescription: line line line line line line line\n---\n{body}")
    assert post.lede == ""


def test_empty_front_matter_is_fine():
    post = parse("---\n---\n# Heading title\n\ntext\n", rel="2020-01-02-x.md")
    assert post.title == "Heading title"
    assert post.date == dt.datetime(2020, 1, 2, tzinfo=UTC)


def test_no_front_matter_whole_text_is_body():
    post = parse("Just text.\n")
    assert post.body == "Just text.\n"
    assert post.body_line == 1


# --------------------------------------------------------------------------- titles


def test_title_from_front_matter_wins_over_heading():
    assert parse("---\ntitle: FM\n---\n# Heading\n").title == "FM"


def test_title_from_first_h1_not_in_code():
    text = "```\n# not this\n```\n\n## Not an h1\n\n# The *real* title #\n"
    assert parse(text).title == "The *real* title"


def test_title_from_first_h1_without_its_attribute_list():
    assert parse("# Motivation {#motivation}\n\ntext\n").title == "Motivation"


def test_title_from_file_name():
    assert parse("no headings\n", rel="2021/2021-4-9-spring-notes.md").title == "spring notes"
    assert parse("x\n", rel="posts/my-trip/index.md").title == "my trip"


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-08-18 20:00:09 +0900", dt.datetime(2025, 8, 18, 20, 0, 9, tzinfo=tz(9))),
        ("2015-03-17 14:00:00 -4", dt.datetime(2015, 3, 17, 14, tzinfo=tz(-4))),
        ("2015-03-17 14:00:00 -04:00", dt.datetime(2015, 3, 17, 14, tzinfo=tz(-4))),
        ("2014-03-12", dt.datetime(2014, 3, 12, tzinfo=UTC)),
        ("2024-02-29T10:11:12Z", dt.datetime(2024, 2, 29, 10, 11, 12, tzinfo=UTC)),
        ("2024-02-29T10:11:12+05:30", dt.datetime(2024, 2, 29, 10, 11, 12, tzinfo=tz(5.5))),
        ("2024-02-29T10:11:12.250Z", dt.datetime(2024, 2, 29, 10, 11, 12, 250000, tzinfo=UTC)),
        ("'2025-08-18 20:00:09 +0900'", dt.datetime(2025, 8, 18, 20, 0, 9, tzinfo=tz(9))),
        ('"2014-03-12"', dt.datetime(2014, 3, 12, tzinfo=UTC)),
        ('"2019-07-01 08:05"', dt.datetime(2019, 7, 1, 8, 5, tzinfo=UTC)),
        ("2019-7-1", dt.datetime(2019, 7, 1, tzinfo=UTC)),
        ("Mon, 18 Aug 2025 20:00:09 +0900", dt.datetime(2025, 8, 18, 20, 0, 9, tzinfo=tz(9))),
    ],
)
def test_front_matter_date_shapes(value: str, expected: dt.datetime):
    post = parse(f"---\ndate: {value}\n---\nbody\n", rel="undated-name.md")
    assert post.date == expected
    assert post.date.tzinfo is not None
    assert post.date.utcoffset() == expected.utcoffset()


def test_toml_dates():
    assert parse('+++\ndate = "2014-03-12"\n+++\nx\n').date == dt.datetime(2014, 3, 12, tzinfo=UTC)
    assert parse("+++\ndate = 2014-03-12\n+++\nx\n").date == dt.datetime(2014, 3, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("2025-08-18-slug.md", dt.datetime(2025, 8, 18, tzinfo=UTC)),
        ("_posts/2021-4-9-spring.md", dt.datetime(2021, 4, 9, tzinfo=UTC)),
        ("2022-01-05-bundle/index.md", dt.datetime(2022, 1, 5, tzinfo=UTC)),
        ("blog/2019/03/07/hello.md", dt.datetime(2019, 3, 7, tzinfo=UTC)),
        ("blog/2019/3/7/hello.markdown", dt.datetime(2019, 3, 7, tzinfo=UTC)),
        ("notes/hello.md", None),
        ("2025-13-45-bad-date.md", None),
    ],
)
def test_date_from_path(rel: str, expected: dt.datetime | None):
    assert parse("body\n", rel=rel).date == expected


def test_front_matter_date_beats_file_name():
    post = parse("---\ndate: 2014-03-12\n---\nx\n", rel="2020-01-01-name.md")
    assert post.date == dt.datetime(2014, 3, 12, tzinfo=UTC)


def test_unparseable_front_matter_date_falls_back_to_file_name():
    post = parse("---\ndate: someday soon\n---\nx\n", rel="2020-01-01-name.md")
    assert post.date == dt.datetime(2020, 1, 1, tzinfo=UTC)


def test_undated_posts_sort_last_newest_first(tmp_path: Path):
    write(tmp_path, "undated.md", "no date\n")
    write(tmp_path, "2014-03-12-old.md", "old\n")
    write(tmp_path, "x.md", "---\ndate: 2025-08-18 20:00:09 +0900\n---\nnew\n")
    write(tmp_path, "y.md", "---\ndate: 2025-08-18 12:00:00 +0000\n---\nnewer (UTC noon)\n")
    posts, problems = Archive(tmp_path).load_all()
    assert problems == []
    assert [p.path for p in posts] == ["y.md", "x.md", "2014-03-12-old.md", "undated.md"]
    assert post_sort_key(posts[-1])[0] == 1


# --------------------------------------------------------------------------- encodings


def test_cp949_post_is_decoded():
    text = "---\ntitle: 한글 제목\ncategories: 뉴스\n---\n옛 인코딩으로 저장한 글입니다.\n"
    post = parse(text.encode("cp949"))
    assert post.title == "한글 제목"
    assert post.categories == ("뉴스",)
    assert "옛 인코딩" in post.body
    assert post.encoding == "cp949"


def test_euc_kr_post_is_decoded():
    post = parse("# 서울의 봄\n\n날씨가 좋다.\n".encode("euc-kr"))
    assert post.title == "서울의 봄"


def test_cp1252_post_is_decoded():
    post = parse("---\ntitle: Café “quotes” — déjà vu\n---\nNaïve text.\n".encode("cp1252"))
    assert post.title == "Café “quotes” — déjà vu"
    assert post.encoding == "cp1252"


def test_nfd_text_is_normalised_to_nfc():
    nfd = unicodedata.normalize("NFD", "---\ntitle: 한글 café\ntags: [뉴스]\n---\n본문\n")
    assert nfd != unicodedata.normalize("NFC", nfd)
    post = parse(nfd)
    assert post.title == "한글 café"
    assert unicodedata.is_normalized("NFC", post.title)
    assert post.tags == ("뉴스",)
    assert post.body == "본문\n"


def test_nfd_file_name_gives_nfc_title_and_can_be_found(tmp_path: Path):
    name = unicodedata.normalize("NFD", "2020-01-01-한글-제목.md")
    write(tmp_path, name, "본문\n")
    archive = Archive(tmp_path)
    posts, _ = archive.load_all()
    assert posts[0].title == "한글 제목"
    assert unicodedata.is_normalized("NFC", posts[0].title)
    assert archive.find("한글-제목").path == name  # the path stays as it is on disk
    assert archive.find("2020-01-01-한글-제목.md").path == name


def test_utf8_with_a_stray_byte_stays_utf8():
    data = ("# 제목\n\n" + "한국어 문장입니다. " * 20).encode() + b"\xff\n"
    post = parse(data)
    assert post.title == "제목"
    assert "한국어" in post.body


# --------------------------------------------------------------------------- problems


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\n\t\n", "blank"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"---\ntitle: never closed\n\nbody\n", "never closed"),
        (b"---\ntitle: [unclosed\n---\nbody\n", "not valid YAML"),
        (b"---\n- a\n- b\n---\nbody\n", "not a mapping"),
        (b'+++\ntitle = "x\n+++\nbody\n', "not valid TOML"),
    ],
)
def test_unreadable_posts_raise_one_line_reason(data: bytes, reason: str):
    with pytest.raises(PostError) as info:
        parse_post("bad.md", data)
    message = str(info.value)
    assert reason in message
    assert "\n" not in message


def test_deeply_nested_front_matter_is_a_problem_not_a_crash():
    deep = "[" * 5000 + "]" * 5000
    for text in (f"---\nt: {deep}\n---\nx\n", f"+++\nt = {deep}\n+++\nx\n"):
        with pytest.raises(PostError):
            parse(text)


def test_impossible_front_matter_date_falls_back_to_file_name():
    for value in ("2025-02-30", "2025-13-01 10:00:00", "'2025-02-30'"):
        post = parse(f"---\ndate: {value}\n---\nx\n", rel="2020-01-01-name.md")
        assert post.date == dt.datetime(2020, 1, 1, tzinfo=UTC)


def test_word_count_skips_punctuation_tokens():
    post = parse("## 제목\n\n한국어 문장 three words - and | more\n\n---\n")
    assert post.word_count == 7
    assert parse("---\ntitle: t\n---\n").word_count == 0


def test_read_gets_the_whole_file(tmp_path: Path):
    text = "---\ntitle: Big\n---\n" + "단어 " * 200_000 + "끝\n"
    write(tmp_path, "big.md", text)
    post = Archive(tmp_path).read("big.md")
    assert post.body.endswith("끝\n")
    assert post.word_count == 200_001
    assert post.size == len(text.encode())


def test_too_large_file_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from newsterm import archive as archive_module

    monkeypatch.setattr(archive_module, "MAX_POST_BYTES", 1024 * 1024)
    write(tmp_path, "huge.md", b"x" * (1024 * 1024 + 1))
    write(tmp_path, "ok.md", b"x")
    posts, problems = Archive(tmp_path).load_all()
    assert [p.path for p in posts] == ["ok.md"]
    assert problems[0].path == "huge.md" and "too large" in problems[0].reason


def test_problems_are_reported_and_the_rest_still_load(tmp_path: Path):
    write(tmp_path, "2020-01-01-good.md", "---\ntitle: Good\n---\nfine\n")
    write(tmp_path, "empty.md", b"")
    write(tmp_path, "sub/binary.md", b"\x00\x01\x02\x03garbage")
    write(tmp_path, "broken.md", "---\ntitle: [oops\n---\nbody\n")
    write(tmp_path, "2020-01-02-also-good.markdown", "# Also good\n")
    posts, problems = Archive(tmp_path).load_all()
    assert [p.title for p in posts] == ["Also good", "Good"]
    by_path = {p.path: p.reason for p in problems}
    assert set(by_path) == {"empty.md", "sub/binary.md", "broken.md"}
    assert "empty" in by_path["empty.md"]
    assert "binary" in by_path["sub/binary.md"]
    assert "YAML" in by_path["broken.md"] and "(line " in by_path["broken.md"]


def test_broken_symlink_is_a_problem(tmp_path: Path):
    write(tmp_path, "ok.md", "ok\n")
    (tmp_path / "gone.md").symlink_to(tmp_path / "nowhere.md")
    posts, problems = Archive(tmp_path).load_all()
    assert [p.path for p in posts] == ["ok.md"]
    assert [(p.path, p.reason) for p in problems] == [("gone.md", "broken symbolic link")]


# --------------------------------------------------------------------------- discovery


def test_recursive_discovery_suffixes_bundles_and_skips(tmp_path: Path):
    write(tmp_path, "a.md", "a\n")
    write(tmp_path, "B.MARKDOWN", "b\n")
    write(tmp_path, "deep/er/c.markdown", "c\n")
    write(tmp_path, "bundle/index.md", "# Bundle\n")
    write(tmp_path, "bundle/cover.jpg", b"\xff\xd8\xff\xe0")
    write(tmp_path, "notes.txt", "not a post\n")
    write(tmp_path, "image.png", b"\x89PNG")
    write(tmp_path, ".hidden/secret.md", "hidden\n")
    write(tmp_path, "deep/.git/x.md", "hidden\n")
    write(tmp_path, ".dotfile.md", "hidden\n")
    (tmp_path / "folder.md").mkdir()  # a folder named like a post is still a folder
    write(tmp_path, "folder.md/inner.md", "inner\n")
    paths = list(Archive(tmp_path).iter_paths())
    assert paths == sorted(
        ["a.md", "B.MARKDOWN", "deep/er/c.markdown", "bundle/index.md", "folder.md/inner.md"]
    )
    posts, problems = Archive(tmp_path).load_all()
    assert problems == []
    assert {p.slug for p in posts} >= {"bundle", "a", "c"}


def test_unreadable_subfolder_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    write(tmp_path, "ok.md", "ok\n")
    write(tmp_path, "locked/secret.md", "x\n")
    real_open = os.open

    def open_(path, flags, *args, **kwargs):  # the walk opens each folder, then lists it
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    posts, problems = Archive(tmp_path).load_all()
    assert [p.path for p in posts] == ["ok.md"]
    assert [(p.path, p.reason) for p in problems] == [
        ("locked", "cannot open folder: Permission denied")
    ]


def test_symlink_loop_is_safe(tmp_path: Path):
    write(tmp_path, "posts/one.md", "one\n")
    (tmp_path / "posts" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "self").symlink_to(tmp_path / "self2")
    (tmp_path / "self2").symlink_to(tmp_path / "self")
    paths = list(Archive(tmp_path).iter_paths())
    assert paths == ["posts/one.md"]


def test_symlinked_folder_inside_is_followed_once(tmp_path: Path):
    root = tmp_path / "root"
    write(root, "real/x.md", "x\n")
    (root / "link1").symlink_to(root / "real", target_is_directory=True)
    (root / "link2").symlink_to(root / "real", target_is_directory=True)
    paths = list(Archive(root).iter_paths())
    assert len(paths) == 1 and paths[0].endswith("/x.md")


def test_symlinks_leading_outside_are_not_followed(tmp_path: Path):
    # A served archive must not expose the server's files through a link.
    outside = tmp_path / "outside"
    write(outside, "secret.md", "---\ntitle: SECRET\n---\nsecret\n")
    root = tmp_path / "root"
    write(root, "ok.md", "ok\n")
    (root / "folder").symlink_to(outside, target_is_directory=True)
    (root / "post.md").symlink_to(outside / "secret.md")
    archive = Archive(root)
    posts, problems = archive.load_all()
    assert [p.path for p in posts] == ["ok.md"]
    assert {p.path for p in problems} == {"folder", "post.md"}
    assert all("outside the archive" in p.reason for p in problems)
    with pytest.raises(PostError, match="outside the archive"):
        archive.read("post.md")
    with pytest.raises(ArchiveError):
        archive.find("post")


def test_archive_must_be_a_folder(tmp_path: Path):
    with pytest.raises(ArchiveError):
        Archive(tmp_path / "missing")
    write(tmp_path, "file.md", "x")
    with pytest.raises(ArchiveError):
        Archive(tmp_path / "file.md")


def _listing(root: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            st = p.lstat()
            out[str(p.relative_to(root))] = (st.st_mtime_ns, st.st_size)
    st = root.stat()
    out["."] = (st.st_mtime_ns, 0)
    return out


def test_archive_is_never_written(tmp_path: Path):
    write(tmp_path, "2020-01-01-a.md", "---\ntitle: A\n---\n# A\n\ntext\n")
    write(tmp_path, "bad.md", b"\x00binary")
    write(tmp_path, "b/index.md", "# B\n")
    os.chmod(tmp_path / "b", 0o555)  # a read-only folder: any write attempt would fail loudly
    try:
        before = _listing(tmp_path)
        archive = Archive(tmp_path)
        archive.load_all()
        archive.find("a")
        list(archive.iter_paths())
        assert _listing(tmp_path) == before
    finally:
        os.chmod(tmp_path / "b", 0o755)


# --------------------------------------------------------------------------- find and slugs


def test_slug_of():
    assert slug_of("2025-08-18-content-ai-weekly-digest.md") == "content-ai-weekly-digest"
    assert slug_of("2023/2021-4-9-spring-notes.markdown") == "spring-notes"
    assert slug_of("2024/winter-reading-list/index.md") == "winter-reading-list"
    assert slug_of("2025-08-18.md") == "2025-08-18"


def test_find_by_path_slug_and_errors(tmp_path: Path):
    write(tmp_path, "2020-01-01-alpha.md", "# Alpha\n")
    write(tmp_path, "x/2021-01-01-beta.md", "# Beta one\n")
    write(tmp_path, "y/2022-01-01-beta.md", "# Beta two\n")
    archive = Archive(tmp_path)
    assert archive.find("2020-01-01-alpha.md").title == "Alpha"
    assert archive.find("./2020-01-01-alpha.md").title == "Alpha"
    assert archive.find("alpha").title == "Alpha"
    assert archive.find(str(tmp_path / "x/2021-01-01-beta.md")).title == "Beta one"
    assert archive.find("x/2021-01-01-beta.md").title == "Beta one"
    write(tmp_path, "trips/jeju/index.md", "# Jeju\n")
    assert archive.find("trips/jeju").title == "Jeju"
    assert archive.find("trips/jeju/").title == "Jeju"
    assert archive.find("jeju").title == "Jeju"
    with pytest.raises(ArchiveError, match="matches 2 posts"):
        archive.find("beta")
    with pytest.raises(ArchiveError, match="no post named"):
        archive.find("gamma")
    with pytest.raises(ArchiveError):
        archive.find("../outside.md")


# --------------------------------------------------------------------------- the bundled archive


def test_bundled_archive_reads_cleanly():
    posts, problems = Archive(ARCHIVE).load_all()
    assert problems == []
    assert len(posts) >= 11
    years = {p.date.year for p in posts if p.date}
    assert len(years) >= 4
    seed = next(p for p in posts if p.path == SEED.name)
    assert seed.date == dt.datetime(2025, 8, 18, 20, 0, 9, tzinfo=tz(9))
    assert seed.word_count > 500
    assert any(p.path.endswith("/index.md") for p in posts)


def test_seed_is_the_users_post_byte_for_byte():
    shared = ARCHIVE.parents[1] / "shared" / "seed" / "000_0e7274fe97abfc5a.txt"
    if not shared.exists():
        pytest.skip("the shared seed is not next to this checkout")
    assert SEED.read_bytes() == shared.read_bytes()


# --------------------------------------------------------------------------- never crashes


_pieces = st.sampled_from(
    [
        "---\n",
        "+++\n",
        "...\n",
        "title: ",
        "date: ",
        "tags: [",
        "]",
        "\n",
        "\r\n",
        "\t",
        "  - ",
        "2025-02-30",
        "2015-03-17 14:00:00 -4",
        '"',
        "'",
        "[",
        "{",
        ":",
        "# ",
        "제목",
        "\ufeff",
        "\x00",
        "\xff",
        "= ",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=200), st.lists(_pieces, max_size=30).map("".join)))
def test_parse_post_only_ever_raises_post_error(data: bytes | str):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    try:
        post = parse_post("2020-01-01-x.md", data)
    except PostError as err:
        assert "\n" not in str(err)
    else:
        assert post.title
        assert post.date is None or post.date.tzinfo is not None
        assert post.word_count >= 0


def _reference_split(text: str):
    """A plain line-by-line front matter splitter, for checking the fast one."""
    lines = text.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start == len(lines) or lines[start].rstrip() not in ("---", "+++"):
        return None, "", 0, 1, text
    kind = "yaml" if lines[start].rstrip() == "---" else "toml"
    closers = ("---", "...") if kind == "yaml" else ("+++",)
    for i in range(start + 1, len(lines)):
        if lines[i].rstrip() in closers:
            body = "\n".join(lines[i + 1 :])
            return kind, "\n".join(lines[start + 1 : i]), start + 2, i + 2, body
    return "error"


_fm_lines = st.sampled_from(["---", "--- ", "+++", "...", "title: x", "", "  ", "body", "\t"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_fm_lines, max_size=12), st.booleans())
def test_front_matter_split_matches_a_line_by_line_reference(lines: list[str], newline: bool):
    from newsterm.archive import _split_front_matter

    text = "\n".join(lines) + ("\n" if newline else "")
    expected = _reference_split(text)
    if expected == "error":
        with pytest.raises(PostError, match="never closed"):
            _split_front_matter(text)
    else:
        assert _split_front_matter(text) == expected


# --------------------------------------------------------------------------- dates and pages
# (issue 10 item 8: Zola/Hugo dates in paths, section pages, the site's time zone)


def zola_post(path_line: str) -> str:
    return f'+++\ntitle = "Scheduling the trains"\n{path_line}\n+++\n\nThe plan for 1.0.\n'


@pytest.mark.parametrize(
    "line",
    [
        'path = "2014/12/12/trains"',
        'path = "inside-team/2014/12/12/trains"',
        'url = "/2014/12/12/trains.html"',
        'slug = "2014-12-12-trains"',
    ],
)
def test_a_zola_date_only_in_path_url_or_slug(line: str):
    post = parse(zola_post(line), rel="content/trains.md")
    assert post.date == dt.datetime(2014, 12, 12, tzinfo=UTC)
    assert post.date_kind == "date"


def test_a_bundle_folder_gives_the_date():
    post = parse("+++\ntitle = 'Trip'\n+++\nbody\n", rel="content/2020-01-02-trip/index.md")
    assert (post.date, post.date_kind) == (dt.datetime(2020, 1, 2, tzinfo=UTC), "date")


def test_front_matter_date_wins_over_the_path():
    post = parse(zola_post('path = "2014/12/12/trains"\ndate = 2015-01-09T10:00:00+01:00'))
    assert post.date == dt.datetime(2015, 1, 9, 10, tzinfo=tz(1))
    assert post.date_kind == "offset"


def test_section_pages_are_not_posts(tmp_path: Path):
    write(tmp_path, "content/_index.md", "+++\ntitle = 'Blog'\nsort_by = 'date'\n+++\n")
    write(tmp_path, "content/news/_index.markdown", "+++\ntitle = 'News'\n+++\n")
    write(tmp_path, "content/news/first.md", zola_post('path = "2014/12/12/first"'))
    posts, problems = Archive(tmp_path).load_all()
    assert [p.path for p in posts] == ["content/news/first.md"]
    assert problems == []
    assert list(Archive(tmp_path).iter_paths()) == ["content/news/first.md"]


NAIVE = "---\ntitle: Late\ndate: 2019-08-14 22:39:53\n---\nbody\n"
DAY = "---\ntitle: A day\ndate: 2019-08-14\n---\nbody\n"


def test_a_naive_date_without_a_site_zone_has_no_offset(tmp_path: Path):
    from newsterm.archive import date_iso, date_time_text

    write(tmp_path, "_posts/late.md", NAIVE)
    post = Archive(tmp_path).read("_posts/late.md")
    assert post.date_kind == "naive"
    assert date_iso(post) == "2019-08-14T22:39:53"
    assert date_time_text(post) == "2019-08-14 22:39"  # never a made-up "+0000"


@pytest.mark.parametrize(
    ("config", "text", "offset"),
    [
        ("_config.yml", "title: Blog\ntimezone: Asia/Seoul\n", 9),
        ("hugo.toml", 'title = "Blog"\ntimeZone = "America/New_York"\n', -4),
        ("config.toml", 'baseURL = "/"\ntimezone = "Europe/Berlin"\n', 2),
        ("zola.toml", 'base_url = "/"\n[extra]\ntimezone = "+05:30"\n', 5.5),
        ("config/_default/hugo.yaml", "title: Blog\ntimeZone: Asia/Seoul\n", 9),
    ],
)
def test_a_naive_date_takes_the_sites_time_zone(
    tmp_path: Path, config: str, text: str, offset: float
):
    from newsterm.archive import date_iso

    write(tmp_path, config, text)
    write(tmp_path, "content/posts/late.md", NAIVE)
    post = Archive(tmp_path).read("content/posts/late.md")
    assert post.date_kind == "offset"
    assert post.date == dt.datetime(2019, 8, 14, 22, 39, 53, tzinfo=tz(offset))
    assert date_iso(post) == post.date.isoformat()


def test_the_site_config_may_be_above_the_archive_folder(tmp_path: Path):
    write(tmp_path, "site/_config.yml", "timezone: Asia/Seoul\n")
    write(tmp_path, "site/_posts/late.md", NAIVE)
    post = Archive(tmp_path / "site" / "_posts").read("late.md")
    assert post.date == dt.datetime(2019, 8, 14, 22, 39, 53, tzinfo=tz(9))


def test_the_nearest_site_config_decides_even_without_a_zone(tmp_path: Path):
    write(tmp_path, "hugo.toml", 'timeZone = "Asia/Seoul"\n')
    write(tmp_path, "blog/_config.yml", "title: Another site, no zone\n")
    write(tmp_path, "blog/_posts/late.md", NAIVE)
    post = Archive(tmp_path).read("blog/_posts/late.md")
    assert post.date_kind == "naive"


def test_an_explicit_offset_beats_the_site_zone(tmp_path: Path):
    write(tmp_path, "_config.yml", "timezone: Asia/Seoul\n")
    write(tmp_path, "_posts/a.md", "---\ndate: 2019-08-14 22:39:53 -0400\n---\nbody\n")
    post = Archive(tmp_path).read("_posts/a.md")
    assert post.date == dt.datetime(2019, 8, 14, 22, 39, 53, tzinfo=tz(-4))


def test_an_unknown_zone_name_is_ignored(tmp_path: Path):
    write(tmp_path, "_config.yml", "timezone: Mars/Olympus_Mons\n")
    write(tmp_path, "_posts/late.md", NAIVE)
    assert Archive(tmp_path).read("_posts/late.md").date_kind == "naive"


def test_date_only_posts_are_days(tmp_path: Path):
    from newsterm.archive import date_iso, date_time_text

    write(tmp_path, "_config.yml", "timezone: Asia/Seoul\n")
    write(tmp_path, "_posts/day.md", DAY)
    write(tmp_path, "_posts/2019-08-15-named.md", "---\ntitle: Named\n---\nbody\n")
    archive = Archive(tmp_path)
    for rel, day in (("_posts/day.md", 14), ("_posts/2019-08-15-named.md", 15)):
        post = archive.read(rel)
        assert post.date_kind == "date"
        assert post.date == dt.datetime(2019, 8, day, tzinfo=tz(9))  # that day in Seoul
        assert date_iso(post) == f"2019-08-{day}"
        assert date_time_text(post) == f"2019-08-{day}"


def test_a_link_to_itself_is_a_problem_line(tmp_path: Path):
    root = tmp_path / "a"
    root.mkdir()
    (root / "ok.md").write_text("---\ntitle: ok\n---\nx\n", "utf-8")
    os.symlink("self.md", root / "self.md")
    os.symlink("ring-b", root / "ring-a")
    os.symlink("ring-a", root / "ring-b")
    posts, problems = Archive(root).load_all()
    assert [p.path for p in posts] == ["ok.md"]
    assert {p.path: p.reason for p in problems} == {
        name: "symbolic link loops back on itself; nothing to read"
        for name in ("ring-a", "ring-b", "self.md")
    }


@pytest.mark.parametrize(
    ("value", "shown", "iso"),
    [
        ("2019-01-01T00:00:00Z", "2019-01-01", "2019-01-01T00:00:00+00:00"),
        ("2019-01-01T00:00:00+09:00", "2019-01-01", "2019-01-01T00:00:00+09:00"),
        ('"2019-01-01 00:00:00"', "2019-01-01", "2019-01-01T00:00:00"),
        ("2019-01-01T00:00:01Z", "2019-01-01 00:00 +0000", "2019-01-01T00:00:01+00:00"),
        ("2019-01-01T12:00:00Z", "2019-01-01 12:00 +0000", "2019-01-01T12:00:00+00:00"),
    ],
)
def test_a_midnight_timestamp_is_shown_as_its_day_and_json_keeps_it(
    tmp_path: Path, value: str, shown: str, iso: str
):
    from newsterm.archive import date_iso, date_time_text

    write(tmp_path, "content/post/a.md", f"---\ntitle: A\ndate: {value}\n---\nbody\n")
    post = Archive(tmp_path).read("content/post/a.md")
    assert date_time_text(post) == shown
    assert date_iso(post) == iso  # list --json: the instant as written


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # front matter says the title, and the body opens with it again: blanked
        ("---\ntitle: 넷플릭스 소식\n---\n\n# 넷플릭스 소식\n\n본문.\n", "\n\n\n본문.\n"),
        ("---\ntitle: Big News\n---\n## **Big**  news ##\n본문.\n", "\n본문.\n"),
        # no front matter: the title is the heading itself
        ("# compile babel\n\n## install\n", "\n\n## install\n"),
        # another heading, a deeper one, or the title not on the first line: kept
        ("---\ntitle: A\n---\n# B\n\n본문.\n", "# B\n\n본문.\n"),
        ("---\ntitle: A\n---\n### A\n\n본문.\n", "### A\n\n본문.\n"),
        ("---\ntitle: A\n---\n본문.\n\n# A\n", "본문.\n\n# A\n"),
        ("---\ntitle: A\n---\n    # A\n", "    # A\n"),  # indented code, not a heading
    ],
)
def test_a_first_heading_that_repeats_the_title_is_not_shown_twice(text: str, shown: str):
    post = parse_post("p.md", text.encode())
    assert post.body == shown
    # the body keeps its lines: body line n is still file line body_line + n - 1
    lines = text.split("\n")
    for n, line in enumerate(post.body.split("\n"), 1):
        if line:
            assert lines[post.body_line + n - 2] == line
