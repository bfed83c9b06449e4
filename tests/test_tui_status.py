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


def test_a_new_status_redraws_its_row_without_laying_out_the_screen(bundled_archive_copy):
    # The status changes with every mark and index state; a layout of the whole screen for
    # each (several ms at every key, in every served session) bought nothing: it is one row.
    import asyncio

    from textual.screen import Screen

    from tui_helpers import make_app, wait_for

    async def scenario() -> tuple[int, str]:
        app = make_app(bundled_archive_copy, restore=False)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.loaded)
            await pilot.pause()
            layouts: list[int] = []
            real = Screen._refresh_layout

            def counting(self, *args, **kwargs):
                layouts.append(1)
                return real(self, *args, **kwargs)

            Screen._refresh_layout = counting  # type: ignore[method-assign]
            try:
                app.main._set_index_state("index building on the server")
                await pilot.pause()
                await pilot.pause()
            finally:
                Screen._refresh_layout = real  # type: ignore[method-assign]
            return len(layouts), str(app.main.query_one("#status").render())

    layouts, shown = asyncio.run(scenario())
    assert "index building on the server" in shown and layouts == 0
