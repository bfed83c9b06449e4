"""What the reader's list shows: views, facets, the title filter, and the names it gives them."""

from __future__ import annotations

from datetime import UTC, datetime

from newsterm.models import Post
from newsterm.tui.hangul import TitleIndex
from newsterm.tui.listing import ListView, results_scope, view_scope


def _post(path: str, title: str, year: int, categories: tuple[str, ...] = ()) -> Post:
    return Post(path, title, datetime(year, 3, 1, tzinfo=UTC), categories, (), "body")


POSTS = [
    _post("a.md", "넷플릭스의 딜레마", 2025, ("뉴스",)),
    _post("b.md", "극장의 미래", 2024, ("뉴스",)),
    _post("c.md", "Streaming wars", 2025, ("IT",)),
]
BY_PATH = {p.path: p for p in POSTS}


def _paths(posts: list[Post]) -> list[str]:
    return [p.path for p in posts]


def test_all_posts_in_list_order_when_nothing_narrows_the_list():
    view = ListView()
    assert view.plain
    assert _paths(view.posts(POSTS, BY_PATH)) == ["a.md", "b.md", "c.md"]
    assert view.title(3) == ""


def test_facets_and_the_title_filter_narrow_together():
    view = ListView(facets={("year", "2025")})
    assert not view.plain
    assert _paths(view.posts(POSTS, BY_PATH)) == ["a.md", "c.md"]
    view.title_query = "ㄴㅍㄹㅅ"  # initials match the Hangul title
    titles = TitleIndex([p.title for p in POSTS])
    assert _paths(view.posts(POSTS, BY_PATH, titles)) == ["a.md"]
    assert _paths(view.posts(POSTS, BY_PATH)) == ["a.md"]  # the index is made when not given
    assert view.title(1) == " 2025  (1)  esc: all posts"  # the facet, not the typed filter


def test_a_view_keeps_its_own_order_and_skips_posts_gone_from_the_archive():
    view = ListView(view="bookmarks", label="★ Bookmarks", paths=["c.md", "gone.md", "a.md"])
    assert _paths(view.posts(POSTS, BY_PATH)) == ["c.md", "a.md"]
    assert view.title(2) == " ★ Bookmarks  (2)  esc: all posts"
    assert view_scope(view, POSTS, BY_PATH) == ([POSTS[2], POSTS[0]], "2 posts of this list")


def test_facet_counts_name_what_they_count():
    assert view_scope(ListView(), POSTS, BY_PATH) == (POSTS, "all 3 posts")
    assert results_scope(POSTS[:1], 1) == "1 search result"
    assert results_scope(POSTS[:2], 2) == "2 search results"
    assert results_scope(POSTS, 1234) == "the 3 results shown (of 1,234)"


def test_the_unnarrowed_list_is_the_screens_own_not_a_copy():
    # A copy touches every post: a served reader would copy the pages it shares with its zygote.
    assert ListView().posts(POSTS, BY_PATH) is POSTS
    narrowed = ListView(title_query="극장").posts(POSTS, BY_PATH)
    assert narrowed is not POSTS and _paths(narrowed) == ["b.md"]


def test_rows_stand_for_every_post_then_every_problem():
    import pytest

    from newsterm.models import Problem
    from newsterm.tui.widgets.post_list import Entry, Rows

    problems = [Problem("bad.md", "no front matter")]
    rows = Rows(POSTS, problems)
    expected = [Entry(post=p) for p in POSTS] + [Entry(problem=p) for p in problems]
    assert len(rows) == 4 and list(rows) == expected
    assert [rows[i] for i in range(4)] == expected and rows[-1] == expected[-1]
    assert rows[1:3] == expected[1:3]
    with pytest.raises(IndexError):
        rows[4]
    assert [rows.index_of(p) for p in ("a.md", "c.md", "bad.md", "gone.md")] == [0, 2, 3, None]
    assert not Rows([], []) and rows  # (the list widget tests "no rows" so)
