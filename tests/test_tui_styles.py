"""The reader's stylesheet parsed once in the SSH server's zygote (newsterm.tui.styles)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.css.stylesheet import Stylesheet

from newsterm.state import ReadingState
from newsterm.tui import styles
from newsterm.tui.app import NewstermApp
from tui_helpers import make_app, wait_for

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _screen(root: Path, theme: str | None = None) -> str:
    """The reader's first screen, colours and all (an SVG of it), after ``theme`` is chosen."""
    app = make_app(root, served=True, state=ReadingState.in_memory(root), restore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        if theme is not None:
            app.theme = theme
        await pilot.pause()
        return app.export_screenshot()


async def test_a_warmed_reader_parses_nothing_and_looks_the_same(
    bundled_archive_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(styles, "_PARSED", {})
    cold = await _screen(bundled_archive_copy)
    assert styles.warm(NewstermApp) > 20  # the reader's file and the widgets' DEFAULT_CSS
    parsed: list[str] = []
    real = Stylesheet._parse_rules

    def counting(self, css, read_from, *args, **kwargs):
        parsed.append(str(read_from))
        return real(self, css, read_from, *args, **kwargs)

    monkeypatch.setattr(Stylesheet, "_parse_rules", counting)
    warm = await _screen(bundled_archive_copy)
    assert parsed == []  # every source came from the table the zygote made
    assert warm == cold


async def test_another_theme_is_parsed_with_its_own_colours(
    bundled_archive_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The table holds the rules of the theme a reader starts with; a reader that switches
    # theme (config.toml, T) parses for the new colours, never reuses the old ones.
    root = bundled_archive_copy
    monkeypatch.setattr(styles, "_PARSED", {})
    cold = await _screen(root, "textual-light")
    styles.warm(NewstermApp)
    assert await _screen(root, "textual-light") == cold
    assert await _screen(root) != cold


async def test_the_screen_is_not_restyled_whole_at_start_but_is_on_a_later_resume(
    bundled_archive_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At start every widget was styled as it was mounted: Textual's restyling of the whole
    # screen on its first resume changed nothing (~7 ms of every served reader's start).
    from textual import events

    from newsterm.tui.screens.main import MainScreen

    restyled: list[int] = []
    real = MainScreen.update_node_styles

    def counting(self, *args, **kwargs):
        restyled.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(MainScreen, "update_node_styles", counting)
    root = bundled_archive_copy
    app = make_app(root, served=True, state=ReadingState.in_memory(root), restore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.pause()
        assert restyled == []
        # A later resume that asks for it (as Textual's own screen switches may) restyles.
        app.main.post_message(events.ScreenResume())
        await wait_for(pilot, lambda: restyled == [1])
