"""Facets of posts (drafts, languages, categories, tags, years, months): what a post has, counts
over a list of posts, and the rule a chosen set applies. The facet picker is
``screens/facets.py``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from newsterm.models import Post

Facet = tuple[str, str]  # (kind, value): ("category", "뉴스"), ("year", "2025"), ...
# status and language first: a few values, not 500
KINDS = ("status", "language", "category", "tag", "year", "month")
LABELS = {
    "category": "category",
    "tag": "tag",
    "status": "status",
    "language": "language",
    "year": "year",
    "month": "month",
}
DRAFT: Facet = ("status", "draft")
PUBLISHED: Facet = ("status", "published")  # offered only when some post is a draft


def facets_of(post: Post) -> set[Facet]:
    found: set[Facet] = {("category", c) for c in post.categories}
    found |= {("tag", t) for t in post.tags}
    found.add(DRAFT if post.draft else PUBLISHED)
    if post.language:  # ("": not known, no facet)
        found.add(("language", post.language))
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
    languages = [f for f in counts if f[0] == "language"]
    if len(languages) < 2:  # one language: it would only say "every post" (or nearly)
        for facet in languages:
            del counts[facet]
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
    """The chosen facets as the line above the list says them: their values (a language's code
    with its kind: "language en", not a bare "en")."""
    ordered = sorted(chosen, key=lambda f: (KINDS.index(f[0]), f[1]))
    return " · ".join(f"language {v}" if k == "language" else v for k, v in ordered)
