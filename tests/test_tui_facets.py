"""Facet rules: what a post has, counts, OR within a kind and AND across kinds, display order."""

from __future__ import annotations

from datetime import UTC, datetime

from newsterm.models import Post
from newsterm.tui.facets import count_facets, describe, display_order, facets_of, matches

A = Post("a.md", "A", datetime(2025, 3, 1, tzinfo=UTC), ("뉴스", "IT"), ("ai",), "")
B = Post("b.md", "B", datetime(2024, 12, 9, tzinfo=UTC), ("뉴스",), (), "")
C = Post("c.md", "C", None, ("IT",), ("ai",), "")


def test_a_post_has_its_categories_tags_year_and_month():
    assert facets_of(A) == {
        ("category", "뉴스"),
        ("category", "IT"),
        ("tag", "ai"),
        ("status", "published"),
        ("language", "en"),  # (its title)
        ("year", "2025"),
        ("month", "2025-03"),
    }
    # undated: no year or month
    assert facets_of(C) == {
        ("category", "IT"),
        ("tag", "ai"),
        ("status", "published"),
        ("language", "en"),
    }


def test_or_within_a_kind_and_across_kinds():
    chosen = {("category", "뉴스"), ("category", "IT")}
    assert [p.path for p in (A, B, C) if matches(p, chosen)] == ["a.md", "b.md", "c.md"]
    chosen.add(("year", "2025"))
    assert [p.path for p in (A, B, C) if matches(p, chosen)] == ["a.md"]
    assert matches(C, set())


def test_counts_and_the_picker_order():
    counts = count_facets([A, B, C])
    assert counts[("category", "뉴스")] == 2 and counts[("tag", "ai")] == 2
    ordered = [f for f, _n in sorted(counts.items(), key=display_order)]
    assert ordered[:2] == [("category", "IT"), ("category", "뉴스")]  # by count, then name
    years = [f for f in ordered if f[0] == "year"]
    assert years == [("year", "2025"), ("year", "2024")]  # newest first
    assert describe({("year", "2025"), ("category", "뉴스")}) == "뉴스 · 2025"


def test_drafts_and_published_posts_are_a_facet_only_where_there_are_drafts():
    from dataclasses import replace

    d = replace(B, path="d.md", draft=True)
    assert ("status", "draft") in facets_of(d) and ("status", "published") not in facets_of(d)
    counts = count_facets([A, B, C, d])
    assert counts[("status", "draft")] == 1 and counts[("status", "published")] == 3
    assert [p.path for p in (A, B, C, d) if matches(p, {("status", "published")})] == [
        "a.md",
        "b.md",
        "c.md",
    ]
    assert [p.path for p in (A, B, C, d) if matches(p, {("status", "draft")})] == ["d.md"]
    # an archive without drafts is not offered "published": it would be every post
    assert not any(kind == "status" for kind, _v in count_facets([A, B, C]))


def test_languages_are_a_facet_only_where_there_is_more_than_one():
    from dataclasses import replace

    ko = replace(A, path="ko.md", body="오늘은 비가 와서 집에서 책을 읽었다.")
    en = replace(B, path="en.md", body="It rained all day, so I read at home.")
    ja = replace(C, path="ja.md", body="Its front matter says so.", lang="ja")
    assert ("language", "ko") in facets_of(ko) and ("language", "ja") in facets_of(ja)
    none = replace(A, path="none.md", title="2024")
    assert not any(kind == "language" for kind, _v in facets_of(none))  # no letters: not known
    counts = count_facets([ko, en, ja, none])
    assert [(f, n) for f, n in counts.items() if f[0] == "language"] == [
        (("language", "ko"), 1),
        (("language", "en"), 1),
        (("language", "ja"), 1),
    ]
    posts = (ko, en, ja, none)
    assert [p.path for p in posts if matches(p, {("language", "en")})] == ["en.md"]
    either = {("language", "en"), ("language", "ja")}
    assert [p.path for p in posts if matches(p, either)] == ["en.md", "ja.md"]
    both = either | {("year", "2024")}  # (en is B's date)
    assert [p.path for p in posts if matches(p, both)] == ["en.md"]
    assert describe(either | {("category", "IT")}) == "language en · language ja · IT"
    # after status, before the categories in the picker
    kinds = [f[0] for f, _n in sorted(counts.items(), key=display_order)]
    assert kinds.index("language") < kinds.index("category")
    # one language (and posts of none known): nothing to narrow
    assert not any(
        kind == "language" for kind, _v in count_facets([ko, replace(ko, path="k2"), none])
    )
