"""One keymap: every binding of the reader's screens and widgets has an id in the registry, the
config can remap any of them (widget keys too), and help, palette and footer follow it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from newsterm.tui.keys import ALL_COMMANDS, KNOWN_IDS, load_config
from tui_helpers import SEED, FakeIndex, make_app, open_seed, wait_for

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO / "archive"
SIZE = (120, 40)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _config(tmp_path: Path, text: str):
    cfg = tmp_path / "config.toml"
    cfg.write_text(text, "utf-8")
    config = load_config(cfg)
    assert config.problems == []
    return config


def test_every_binding_of_our_widgets_and_screens_has_a_registry_id():
    from newsterm.tui.app import NewstermApp
    from newsterm.tui.screens.facets import FacetList, FacetScreen
    from newsterm.tui.screens.help import HelpScreen
    from newsterm.tui.screens.links import LinkList, LinksScreen
    from newsterm.tui.screens.main import MainScreen
    from newsterm.tui.screens.prompt import PromptScreen
    from newsterm.tui.widgets.article import ArticleView
    from newsterm.tui.widgets.filter import FilterInput
    from newsterm.tui.widgets.outline import Outline
    from newsterm.tui.widgets.search import SearchInput, SearchResults

    for cls in (ArticleView, Outline, SearchResults, FacetList, LinkList):
        merged = cls._merge_bindings()
        for key, found in merged.key_to_bindings.items():
            for binding in found:
                assert binding.id in KNOWN_IDS, (cls.__name__, key, binding.action)
    # The app, screens and text boxes: their own bindings (Textual's quit/palette/copy/tab keys
    # and text editing aside).
    for cls in (
        NewstermApp,
        MainScreen,
        FacetScreen,
        HelpScreen,
        LinksScreen,
        PromptScreen,
        SearchInput,
        FilterInput,
    ):
        for binding in cls.BINDINGS:
            assert binding.id in KNOWN_IDS, (cls.__name__, binding)


def test_ids_are_unique():
    ids = [c.binding_id for c in ALL_COMMANDS]
    assert len(ids) == len(set(ids))


async def test_a_remapped_outline_key_is_followed_by_the_outline(tmp_path: Path):
    config = _config(tmp_path, '[keymap]\n"outline.leave" = "x"\n"outline.down" = "ctrl+n"\n')
    app = make_app(ARCHIVE, config=config, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_seed(app, pilot)
        app.outline.focus()
        first = app.outline.cursor_line
        await pilot.press("ctrl+n")
        assert app.outline.cursor_line == first + 1
        await pilot.press("escape")  # no longer bound in the outline
        await pilot.pause()
        assert app.focused is app.outline
        await pilot.press("x")
        await pilot.pause()
        assert app.focused is app.article


async def test_remapped_search_result_and_facet_keys(tmp_path: Path):
    config = _config(
        tmp_path, '[keymap]\n"results.down" = "ctrl+n"\n"facets.pick" = "p"\n"facets" = "ctrl+f"\n'
    )
    app = make_app(ARCHIVE, config=config, restore=False, sync_index=True, index=FakeIndex())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded and app.index_ready)
        await pilot.press("slash", *"the")
        await wait_for(
            pilot, lambda: app.search_panel.query_text == "the" and app.search_panel.hits
        )
        await pilot.press("down")
        assert app.focused is app.search_panel.results
        assert app.search_panel.results.highlighted == 0
        await pilot.press("ctrl+n")
        assert app.search_panel.results.highlighted == 1
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert type(app.screen).__name__ == "FacetScreen"
        facet_list = app.screen.query_one("#facet-list")
        assert app.focused is facet_list
        await pilot.press("space")  # no longer picks
        assert facet_list.selected == []
        await pilot.press("p")
        assert len(facet_list.selected) == 1
        assert "p pick" in str(app.screen.query_one("#facet-body").border_subtitle)


async def test_help_lists_every_binding_id_with_its_keys_and_the_config_path(tmp_path: Path):
    config = _config(tmp_path, '[keymap]\n"help.close" = "z"\n"outline.fold" = "ctrl+h"\n')
    app = make_app(ARCHIVE, config=config, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("question_mark")
        await pilot.pause()
        console = Console(width=140, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#help-table").content)
        text = console.export_text()
        for command in ALL_COMMANDS:
            assert command.id in text, command.id
        fold = next(line for line in text.splitlines() if "outline.fold" in line)
        assert "ctrl+h" in fold
        assert "config.toml" in str(app.screen.query_one("#help-body").border_subtitle)
        await pilot.press("escape")  # remapped away
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("z")
        await pilot.pause()
        assert type(app.screen).__name__ != "HelpScreen"


async def test_served_help_has_no_config_hint():
    from newsterm.state import ReadingState

    app = make_app(ARCHIVE, served=True, state=ReadingState.in_memory(ARCHIVE), restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("question_mark")
        await pilot.pause()
        assert "config" not in str(app.screen.query_one("#help-body").border_subtitle)
        assert not app.screen.query("#help-remap")


async def test_the_footer_and_palette_follow_a_remapped_key(tmp_path: Path):
    from newsterm.tui.commands import ReaderCommands

    config = _config(tmp_path, '[keymap]\n"search" = "ctrl+s"\n')
    app = make_app(ARCHIVE, config=config, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        bar = str(app.screen.query_one("#keybar").render())
        assert "ctrl+s Search" in bar
        provider = ReaderCommands(app.screen)
        helps = {hit.text: hit.help async for hit in provider.discover()}
        assert helps["Search the archive"] == "key: ctrl+s"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.focused is app.search_panel.input
        assert SEED  # the seed archive is the one the other tests read
