"""A sorted list as a shared base plus a few changes: the same list a fresh sort would give."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

import pytest

from newsterm.catalog import info_sort_key
from newsterm.models import PostInfo
from newsterm.overlay import Overlay, OverlayByPath

UTC = dt.UTC
KST = dt.timezone(dt.timedelta(hours=9))


def _p(path: str, day: int | None, title: str = "", zone: dt.tzinfo = UTC) -> PostInfo:
    date = None if day is None else dt.datetime(2020, 1, 1, tzinfo=zone) + dt.timedelta(days=day)
    return PostInfo(path, title or path, date, ("c",), ())


class Counted(list[PostInfo]):
    """A base list that counts how often it is looked into and refuses to be walked."""

    def __init__(self, posts: list[PostInfo]) -> None:
        super().__init__(posts)
        self.looks = 0

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        self.looks += 1
        return super().__getitem__(index)

    def __iter__(self) -> Iterator[PostInfo]:
        raise AssertionError("the base list was walked")


def _overlay(base: list[PostInfo], changes: dict[str, PostInfo | None]) -> Overlay[PostInfo]:
    return Overlay(base, {p.path: p for p in base}, changes, info_sort_key)


def _fresh(base: list[PostInfo], changes: dict[str, PostInfo | None]) -> list[PostInfo]:
    merged = {p.path: p for p in base}
    for path, post in changes.items():
        if post is None:
            merged.pop(path, None)
        else:
            merged[path] = post
    return sorted(merged.values(), key=info_sort_key)


def _check(overlay: Overlay[PostInfo], expected: list[PostInfo]) -> None:
    """Every way the reader looks at a list gives ``expected``, the same objects."""
    assert len(overlay) == len(expected)
    assert all(overlay[i] is post for i, post in enumerate(expected))
    assert all(overlay[i - len(expected)] is post for i, post in enumerate(expected))
    assert [id(p) for p in overlay] == [id(p) for p in expected]
    assert [id(p) for p in overlay[3:-2]] == [id(p) for p in expected[3:-2]]
    assert all(overlay.index_of(post.path) == i for i, post in enumerate(expected))
    by_path = OverlayByPath(overlay)
    assert list(by_path) == [p.path for p in expected]  # a fresh dict's order: the list's
    assert len(by_path) == len(expected)
    assert all(by_path[p.path] is p and p.path in by_path for p in expected)
    with pytest.raises(IndexError):
        overlay[len(expected)]


BASE = [
    _p("a.md", 30),
    _p("b.md", 20),
    _p("c1.md", 10),
    _p("c2.md", 10),  # same date: by path
    _p("d.md", 0, zone=KST),
    _p("e.md", -5),
    _p("u1.md", None),  # undated last, by path
    _p("u2.md", None),
]


def test_added_posts_take_their_place_newest_first_undated_last_ties_by_path() -> None:
    base = sorted(BASE, key=info_sort_key)
    changes: dict[str, PostInfo | None] = {
        "new-top.md": _p("new-top.md", 99),
        "c15.md": _p("c15.md", 10),  # between c1 and c2 (same date)
        "c0.md": _p("c0.md", 10),  # before c1
        "zz.md": _p("zz.md", -100),  # after the oldest dated
        "u0.md": _p("u0.md", None),  # first of the undated
        "u9.md": _p("u9.md", None),  # last of all
    }
    overlay = _overlay(base, changes)
    expected = _fresh(base, changes)
    assert [p.path for p in overlay] == [
        "new-top.md", "a.md", "b.md", "c0.md", "c1.md", "c15.md", "c2.md", "d.md", "e.md",
        "zz.md", "u0.md", "u1.md", "u2.md", "u9.md",
    ]  # fmt: skip
    _check(overlay, expected)


def test_a_replaced_post_stays_in_place_and_a_removed_one_goes() -> None:
    base = sorted(BASE, key=info_sort_key)
    edited = _p("c2.md", 10, title="새 제목")
    overlay = _overlay(base, {"c2.md": edited, "a.md": None, "u2.md": None, "nowhere.md": None})
    _check(overlay, _fresh(base, {"c2.md": edited, "a.md": None, "u2.md": None}))
    assert [p.path for p in overlay] == ["b.md", "c1.md", "c2.md", "d.md", "e.md", "u1.md"]
    assert overlay[1 + 1] is edited and OverlayByPath(overlay)["c2.md"].title == "새 제목"
    by_path = OverlayByPath(overlay)
    assert "a.md" not in by_path and by_path.get("a.md") is None
    assert overlay.index_of("a.md") is None
    with pytest.raises(KeyError):
        by_path["a.md"]


def test_a_post_whose_date_changed_moves() -> None:
    base = sorted(BASE, key=info_sort_key)
    to_top, to_undated, to_bottom = _p("e.md", 50), _p("a.md", None), _p("b.md", -50)
    changes: dict[str, PostInfo | None] = {"e.md": to_top, "a.md": to_undated, "b.md": to_bottom}
    overlay = _overlay(base, changes)
    assert [p.path for p in overlay] == [
        "e.md",
        "c1.md",
        "c2.md",
        "d.md",
        "b.md",
        "a.md",
        "u1.md",
        "u2.md",
    ]
    _check(overlay, _fresh(base, changes))


def test_an_empty_overlay_is_the_base() -> None:
    base = sorted(BASE, key=info_sort_key)
    _check(_overlay(base, {}), base)
    _check(_overlay([], {"x.md": None}), [])
    only = _p("x.md", 1)
    _check(_overlay([], {"x.md": only}), [only])


def test_building_and_reading_an_overlay_touches_few_base_posts() -> None:
    # The base is shared with the zygote: each post touched is a page copied into the reader.
    posts = sorted((_p(f"p{i:05}.md", i % 3000) for i in range(20_000)), key=info_sort_key)
    base = Counted(posts)
    by_path = {p.path: p for p in posts}
    changes: dict[str, PostInfo | None] = {
        posts[5].path: None,
        posts[7000].path: _p(posts[7000].path, 5000),
        "fresh.md": _p("fresh.md", 1234),
    }
    overlay = Overlay(base, by_path, changes, info_sort_key)
    shown = [overlay[i] for i in range(60)]  # a screenful
    overlay.index_of(posts[15000].path)
    assert base.looks < 300  # bisections, not a walk of 20,000
    assert shown == _fresh(posts, changes)[:60]


def test_randomized_changes_give_exactly_a_fresh_sort() -> None:
    rng = random.Random(12)
    for _round in range(40):
        n = rng.randrange(0, 60)
        base = sorted(
            (_p(f"{rng.randrange(1000):03}.md", rng.choice([None, *range(20)])) for _ in range(n)),
            key=info_sort_key,
        )
        base = sorted({p.path: p for p in base}.values(), key=info_sort_key)  # unique paths
        changes: dict[str, PostInfo | None] = {}
        for _ in range(rng.randrange(0, 15)):
            path = (
                rng.choice([p.path for p in base] or ["x.md"])
                if rng.random() < 0.6
                else (f"{rng.randrange(1000, 1100)}.md")
            )
            changes[path] = (
                None
                if rng.random() < 0.3
                else _p(path, rng.choice([None, *range(20)]), title=f"t{rng.random()}")
            )
        _check(_overlay(base, changes), _fresh(base, changes))


def test_a_base_out_of_order_is_refused() -> None:
    base = sorted(BASE, key=info_sort_key)[::-1]
    with pytest.raises(ValueError, match="order"):
        _overlay(base, {"b.md": None})
