"""The reader's back/forward history of opened posts."""

from __future__ import annotations

from newsterm.tui.history import History


def test_back_and_forward_walk_the_opened_posts():
    h = History()
    assert h.back() is None and h.forward() is None and h.current is None
    for path in ("a.md", "b.md", "c.md"):
        h.record(path)
    assert h.back() == "b.md"
    assert h.back() == "a.md"
    assert h.back() is None
    assert h.forward() == "b.md"
    assert h.current == "b.md"


def test_opening_after_going_back_drops_the_posts_ahead():
    h = History()
    for path in ("a.md", "b.md", "c.md"):
        h.record(path)
    h.back()
    h.back()
    h.record("d.md")
    assert h.items == ("a.md", "d.md")
    assert not h.can_go_forward()
    assert h.back() == "a.md"


def test_opening_the_current_post_again_records_nothing():
    h = History()
    h.record("a.md")
    h.record("a.md")
    assert len(h) == 1


def test_the_oldest_entries_go_beyond_the_limit():
    h = History(limit=3)
    for path in ("a.md", "b.md", "c.md", "d.md"):
        h.record(path)
    assert h.items == ("b.md", "c.md", "d.md")
    assert h.back() == "c.md" and h.back() == "b.md" and h.back() is None
