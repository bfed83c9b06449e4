"""newsterm.front_matter: python-frontmatter's handlers with newsterm's readers plugged in."""

from __future__ import annotations

import datetime as dt

import frontmatter
import pytest
from frontmatter.default_handlers import BaseHandler

from newsterm import front_matter as fm
from newsterm.archive import parse_post


def test_the_handlers_are_python_frontmatter_handlers_in_order():
    assert [type(h) for h in fm.HANDLERS] == [fm.FlatYAMLHandler, fm.TomlHandler, fm.JsonHandler]
    assert all(isinstance(h, BaseHandler) for h in fm.HANDLERS)
    yaml_text = "\n\n---  \ntitle: x\n---\nbody\n"
    assert isinstance(frontmatter.detect_format(yaml_text, fm.HANDLERS), fm.FlatYAMLHandler)
    assert isinstance(frontmatter.detect_format("+++\na = 1\n+++\n", fm.HANDLERS), fm.TomlHandler)
    assert isinstance(frontmatter.detect_format('{\n"a": 1\n}\n', fm.HANDLERS), fm.JsonHandler)
    assert frontmatter.detect_format("# Just a heading\n", fm.HANDLERS) is None


def test_python_frontmatter_can_drive_the_handlers_itself():
    meta, body = frontmatter.parse(
        "---\ntitle: 제목\ntags: [a, b]\n---\n본문\n", handler=fm.HANDLERS[0]
    )
    assert meta == {"title": "제목", "tags": ["a", "b"]}
    assert body.strip() == "본문"


def test_flat_yaml_goes_through_the_fast_reader(monkeypatch: pytest.MonkeyPatch):
    seen: list[str] = []

    def spy(text: str):
        seen.append(text)
        return {"title": "fast"}

    monkeypatch.setattr(fm, "load_simple", spy)
    meta, body_line, body = fm.read_front_matter("---\ntitle: x\n---\nbody\n")
    assert (meta, body_line, body) == ({"title": "fast"}, 4, "body\n")
    assert seen == ["title: x"]


def test_yaml_the_fast_reader_declines_goes_to_libyaml():
    text = "---\ntitle: x\nauthor:\n  name: Kim\n  site: https://example.org\n---\nbody\n"
    meta, body_line, _body = fm.read_front_matter(text)
    assert meta["author"] == {"name": "Kim", "site": "https://example.org"}
    assert body_line == 7


def test_json_front_matter_hugo_style():
    post = parse_post(
        "content/post.md",
        b'{\n  "title": "JSON post",\n  "date": "2020-05-01T10:00:00+02:00",\n'
        b'  "tags": ["hugo", "json"]\n}\n\nThe body.\n',
    )
    assert post.title == "JSON post"
    assert post.date == dt.datetime(2020, 5, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert post.tags == ("hugo", "json")
    assert post.body == "\nThe body.\n"
    assert post.body_line == 6


def test_a_first_line_brace_that_is_not_json_is_body_text():
    text = "{\nnot json at all\n}\nrest\n"
    assert fm.read_front_matter(text) == ({}, 1, text)


def test_toml_front_matter_and_its_errors():
    meta, body_line, body = fm.read_front_matter('+++\ntitle = "T"\n+++\nbody\n')
    assert (meta, body_line, body) == ({"title": "T"}, 4, "body\n")
    with pytest.raises(fm.PostError, match=r"not valid TOML.*\(line 3\)"):
        fm.read_front_matter('+++\ntitle = "T"\nbroken = = 1\nok = 2\n+++\nbody\n')


def test_unclosed_front_matter_is_a_post_error():
    with pytest.raises(fm.PostError, match="never closed"):
        fm.read_front_matter("---\ntitle: x\nbody without end\n")


def test_a_quoted_part_followed_by_more_text_is_repaired():
    text = "---\ntitle: '~/.app/config.json : permission denied' 오류 발생시\ntag: [App]\n---\nx\n"
    meta, _line, _body = fm.read_front_matter(text)
    assert meta["title"] == "'~/.app/config.json : permission denied' 오류 발생시"
    assert meta["tag"] == ["App"]


def test_a_bracketed_part_followed_by_more_text_is_repaired_but_lists_stay_lists():
    text = "---\ntitle: [Fedora] gcc: error: no such file 오류\ntags: [a, b]\n---\nx\n"
    meta, _line, _body = fm.read_front_matter(text)
    assert meta["title"] == "[Fedora] gcc: error: no such file 오류"
    assert meta["tags"] == ["a", "b"]
