"""Facets of posts (categories, tags, drafts, years, months): what a post has, counts over a list
of posts, and the rule a chosen set applies. The facet picker is ``screens/facets.py``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from newsterm.models import Post

Facet = tuple[str, str]  # (kind, value): ("category", "뉴스"), ("year", "2025"), ...
KINDS = ("status", "category", "tag", "year", "month")  # status first: two values, not 500
LABELS = {
    "category": "category",
    "tag": "tag",
    "status": "status",
    "year": "year",
    "month": "month",
}
DRAFT: Facet = ("status", "draft")
PUBLISHED: Facet = ("status", "published")  # offered only when some post is a draft


def facets_of(post: Post) -> set[Facet]:
    found: set[Facet] = {("category", c) for c in post.categories}
    found |= {("tag", t) for t in post.tags}
    found.add(DRAFT if post.draft else PUBLISHED)
    if post.date is not None:
        found.add(("year", f"{post.date.year:04d}"))
        found.add(("month", f"{post.date.year:04d}-{post.date.month:02d}"))
    return found


def count_facets(posts: Iterable[Post]) -> Counter[Facet]:
    counts: Counter[Facet] = Counter()
    for post in posts:
        counts.update(facets_of(post))
    if not counts[DRAFT]:  # no drafts: "published" would only say "every post"
        counts.pop(PUBLISHED, None)
    return counts


def matches(post: Post, chosen: set[Facet]) -> bool:
    """A post matches when, for every kind chosen, it has at least one chosen value (OR within
    a kind, AND across kinds)."""
    if not chosen:
        return True
    have = facets_of(post)
    for kind in KINDS:
        wanted = {f for f in chosen if f[0] == kind}
        if wanted and not (wanted & have):
            return False
    return True


def display_order(item: tuple[Facet, int]) -> tuple:
    """Categories and tags by count, years and months newest first."""
    (kind, value), count = item
    rank = KINDS.index(kind)
    if kind in ("year", "month"):
        return (rank, 0, tuple(-ord(c) for c in value))
    return (rank, -count, value)


def describe(chosen: set[Facet]) -> str:
    return " · ".join(v for _, v in sorted(chosen, key=lambda f: (KINDS.index(f[0]), f[1])))
