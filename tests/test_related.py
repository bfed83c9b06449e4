"""Issue 11 bug 6: related posts ranked by shared tags/categories and words, with a floor."""

from __future__ import annotations

from newsterm.models import Post
from newsterm.related import rank_related


def _post(path: str, cats: tuple[str, ...] = (), tags: tuple[str, ...] = ()) -> Post:
    return Post(path=path, title=path, date=None, categories=cats, tags=tags, body="x")


ME = _post("me.md", ("IT",), ("반도체", "AI"))
TWIN = _post("twin.md", ("IT",), ("반도체",))  # same category and tag, few shared words
ESSAY = _post("essay.md", ("에세이",), ())  # many shared rare words, nothing else
COUSIN = _post("cousin.md", ("IT",), ())  # same category, some words
STRANGER = _post("stranger.md", ("여행",), ("바다",))  # a faint word match only
NOTHING = _post("nothing.md", ("요리",), ())  # not in the index's matches at all
POSTS = [ME, TWIN, ESSAY, COUSIN, STRANGER, NOTHING]


def test_shared_tags_and_categories_rank_above_word_matches_alone():
    scores = {"essay.md": 10.0, "cousin.md": 5.0, "stranger.md": 1.0, "twin.md": 2.0}
    ranked = [path for path, _ in rank_related(ME, POSTS, scores)]
    assert ranked[0] == "twin.md"
    assert ranked == ["twin.md", "essay.md", "cousin.md"]  # the stranger is below the floor


def test_a_tag_alone_is_enough_and_a_faint_category_match_is_not():
    ranked = dict(rank_related(ME, POSTS, {"essay.md": 10.0, "cousin.md": 2.0}))
    assert "twin.md" in ranked  # shares a tag, no word score at all
    assert "cousin.md" not in ranked  # a category and 20% of the best words: below the floor
    assert "nothing.md" not in ranked


def test_nothing_related_gives_an_empty_list():
    loner = _post("loner.md", ("일기",), ("혼자",))
    assert rank_related(loner, [loner, NOTHING], {}) == []
    assert rank_related(loner, [loner, STRANGER], {"stranger.md": 0.0}) == []
