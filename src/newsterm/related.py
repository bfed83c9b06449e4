"""Which posts are related to a post: shared tags and categories, and distinctive words in common.

The search index finds the posts whose distinctive words are most like the post's ("more like
this": a score per post, highest first). Those scores alone rank a long essay that shares a few
rare words above a post on the same subject with the same tags, and every post gets some score.
:func:`rank_related` combines both signals and keeps only the posts above a similarity floor, so
the list can be empty: then nothing is related.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from newsterm.models import Post

TAG_WEIGHT = 0.6  # a shared tag (with a shared category) outranks the best word match alone
CATEGORY_WEIGHT = 0.25  # categories are broader than tags
WORDS_ALONE = 0.6  # without a shared tag, words must be this close to the best match...
WORDS_WITH_CATEGORY = 0.3  # ...or this close when a category is shared too


def _keys(values: Iterable[str]) -> set[str]:
    return {v.casefold().strip() for v in values if v.strip()}


def rank_related(
    me: Post, posts: Iterable[Post], word_scores: Mapping[str, float], limit: int = 20
) -> list[tuple[str, float]]:
    """``(path, similarity)`` of the posts related to ``me``, most related first.

    ``word_scores`` are the index's more-like-this scores by path (any scale: they are divided
    by the best). A post is related when it shares a tag, or when its words are close to the
    best match (closer still without a shared category).
    """
    best = max((s for p, s in word_scores.items() if p != me.path), default=0.0)
    tags, cats = _keys(me.tags), _keys(me.categories)
    ranked: list[tuple[float, str]] = []
    for post in posts:
        if post.path == me.path:
            continue
        words = word_scores.get(post.path, 0.0) / best if best > 0 else 0.0
        shared_tags = len(tags & _keys(post.tags))
        shared_cats = len(cats & _keys(post.categories))
        if not (
            shared_tags or (shared_cats and words >= WORDS_WITH_CATEGORY) or words >= WORDS_ALONE
        ):
            continue
        score = words + TAG_WEIGHT * shared_tags + CATEGORY_WEIGHT * shared_cats
        ranked.append((score, post.path))
    ranked.sort(key=lambda item: (-item[0], item[1]))
    return [(path, score) for score, path in ranked[:limit]]
