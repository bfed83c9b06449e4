"""The reader's status line."""

from __future__ import annotations

from newsterm.tui.status import Status


def test_loading_then_counts_with_unreadable_files_and_served():
    assert Status("blog").markup() == "[b]newsterm[/b]  blog  ·  loading…  ·  waiting"
    line = Status(
        "blog", posts=20000, problems=2, unread=19990, listed=True, index="up to date", served=True
    ).markup()
    assert line == (
        "[b]newsterm[/b]  blog  ·  20,000 posts  ·  [$warning]2 unreadable[/]"
        "  ·  19,990 unread  ·  up to date  ·  served"
    )


def test_a_partial_read_says_so_and_archive_text_is_never_markup():
    line = Status("[red]x", posts=120, partial="reading 120/20,000…", index="[b]err").markup()
    assert "120 posts so far (reading 120/20,000…)" in line
    assert "unread" not in line
    assert "\\[red]x" in line and "\\[b]err" in line
