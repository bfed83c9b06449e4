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
        ("year", "2025"),
        ("month", "2025-03"),
    }
    assert facets_of(C) == {("category", "IT"), ("tag", "ai")}  # undated: no year or month


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
