"""Which posts the reader's list shows: the view (all, bookmarks, related), the facets and the
title filter, and how the list and the facet counts name what they show. No screen here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from newsterm.models import Post
from newsterm.tui.facets import Facet, describe
from newsterm.tui.facets import matches as facet_matches
from newsterm.tui.hangul import FoldedQuery, TitleIndex


def fmt(n: int) -> str:
    """A count as the reader shows it (thousands separated)."""
    return f"{n:,}"


@dataclass
class ListView:
    """What the post list is narrowed to."""

    view: str = "all"  # all | bookmarks | related
    label: str = ""  # the view's name ("★ Bookmarks", "Related to …")
    paths: list[str] = field(default_factory=list)  # the view's posts (not for "all")
    facets: set[Facet] = field(default_factory=set)
    title_query: str = ""

    @property
    def plain(self) -> bool:
        """Every post, nothing filtered."""
        return self.view == "all" and not self.facets and not self.title_query

    def posts(
        self, posts: list[Post], by_path: dict[str, Post], titles: TitleIndex | None = None
    ) -> list[Post]:
        """The posts of the view after facets and the title filter, in list order.

        ``titles`` indexes the titles of ``posts`` (built when missing): the title filter
        answers a keystroke at 100,000 posts with a few regex scans. With nothing to narrow,
        ``posts`` itself (not a copy: a copy touches every post; never change it).
        """
        if self.view == "all":
            shown: Iterable[Post] = posts
        else:
            shown = [by_path[p] for p in self.paths if p in by_path]
        if self.facets:
            shown = [p for p in shown if facet_matches(p, self.facets)]
        if self.title_query.strip():
            index = titles if titles is not None else TitleIndex([p.title for p in posts])
            ok = {id(posts[i]) for i in index.rows(FoldedQuery(self.title_query))}
            shown = [p for p in shown if id(p) in ok]
        if shown is posts:
            return posts
        return list(shown)

    def title(self, count: int) -> str:
        """The line above a narrowed list ("" when nothing is narrowed); archive text in it is
        meant to be shown as text, never as markup."""
        bits = []
        if self.view != "all":
            bits.append(self.label)
        if self.facets:
            bits.append(describe(self.facets))
        if not bits:
            return ""
        return f" {' · '.join(bits)}  ({fmt(count)})  esc: all posts"


def results_scope(hits: Sequence[Post], total: int) -> str:
    """How the facet counts name the search results they count."""
    if total > len(hits):
        return f"the {len(hits)} results shown (of {fmt(total)})"
    return f"{fmt(len(hits))} search result{'s' if len(hits) != 1 else ''}"


def view_scope(
    view: ListView, posts: list[Post], by_path: dict[str, Post]
) -> tuple[list[Post], str]:
    """The posts of the current view the facet counts count, and how to name them."""
    if view.view == "all":
        return posts, f"all {fmt(len(posts))} posts"
    shown = [by_path[p] for p in view.paths if p in by_path]
    return shown, f"{fmt(len(shown))} posts of this list"
