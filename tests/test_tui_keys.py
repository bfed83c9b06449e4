"""One keymap: every binding of the reader's screens and widgets has an id in the registry, the
config can remap any of them (widget keys too), and help, palette and footer follow it."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest
from rich.console import Console

from newsterm.tui.keys import ALL_COMMANDS, KNOWN_IDS, load_config
from tui_helpers import SEED, FakeIndex, make_app, open_seed, palette_settled, wait_for

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


def _tui_node_classes() -> list[type]:
    """Every screen, widget and app class defined in the newsterm.tui package."""
    import importlib
    import inspect
    import pkgutil

    from textual.dom import DOMNode

    import newsterm.tui as package

    classes = []
    for info in pkgutil.walk_packages(package.__path__, "newsterm.tui."):
        module = importlib.import_module(info.name)
        for _name, cls in vars(module).items():
            if (
                inspect.isclass(cls)
                and issubclass(cls, DOMNode)
                and cls.__module__ == module.__name__
            ):
                classes.append(cls)
    return classes


def _unknown_bindings(cls: type) -> list[tuple[str, str, str | None]]:
    """The bindings in force on instances of ``cls`` (its own and inherited) with no id the
    registry knows."""
    merged = cls._merge_bindings()  # type: ignore[attr-defined]
    return [
        (key, binding.action, binding.id)
        for key, found in merged.key_to_bindings.items()
        for binding in found
        if binding.id not in KNOWN_IDS
    ]


def test_every_binding_in_the_tui_package_has_a_registry_id():
    classes = _tui_node_classes()
    names = {cls.__name__ for cls in classes}
    # the walk found the app, the screens and the widgets with keys of their own
    assert {"NewstermApp", "MainScreen", "HelpBody", "TextBox", "PostList", "Outline"} <= names
    for cls in classes:
        assert _unknown_bindings(cls) == [], cls.__name__


async def test_every_widget_on_every_screen_has_only_registry_keys(tmp_path: Path):
    """Textual's own widgets used as they are (containers, lists) count too: walk the DOM of the
    main screen and of each dialog, and the app's bindings (the palette key is added at run
    time)."""
    from textual.geometry import Size

    from newsterm.tui.images import ImagePainter
    from newsterm.tui.screens.facets import FacetScreen
    from newsterm.tui.screens.help import HelpScreen
    from newsterm.tui.screens.image import ImageScreen
    from newsterm.tui.screens.links import LinksScreen
    from newsterm.tui.screens.prompt import PromptScreen

    room = Size(*SIZE)
    app = make_app(ARCHIVE, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_seed(app, pilot)
        assert [b.id for _k, b in app._bindings if b.id not in KNOWN_IDS] == []
        dialogs = [
            HelpScreen({}, False, "config.toml"),
            FacetScreen(Counter({("year", "2025"): 1}), set(), {}, "all posts"),
            LinksScreen([("https://example.com/", None)], {}),
            PromptScreen("Save the post", "Save as:", "x.md"),
            ImageScreen(
                ImagePainter(ARCHIVE, "halfcell"), tmp_path / "x.png", "x.png", "x.png", {}, room
            ),
        ]
        seen: set[str] = set()
        for screen in [app.main, *dialogs]:
            if screen is not app.main:
                await app.push_screen(screen)
                await pilot.pause()
            for node in screen.walk_children(with_self=True):
                seen.add(type(node).__name__)
                assert _unknown_bindings(type(node)) == [], (type(screen).__name__, node)
            if screen is not app.main:
                app.pop_screen()
                await pilot.pause()
        assert {"TextBox", "FilterInput", "SearchInput", "HelpBody", "FacetList"} <= seen
        # Textual's own screens the reader opens: the command palette (ctrl+p) and the theme
        # picker (T), with every widget in them.
        for key, placeholder in (("ctrl+p", "Search for commands"), ("T", "Search for themes")):
            await pilot.press(key)
            await wait_for(pilot, lambda: app.screen.has_class("--textual-command-palette"))
            screen = app.screen
            assert str(screen.query_one("#--input Input").placeholder).startswith(placeholder)
            for node in screen.walk_children(with_self=True):
                seen.add(type(node).__name__)
                assert _unknown_bindings(type(node)) == [], (key, node)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is app.main)


async def test_the_command_palettes_keys_can_be_remapped(tmp_path: Path):
    config = _config(tmp_path, '[keymap]\n"palette.close" = "ctrl+g"\n"palette.down" = "ctrl+n"\n')
    app = make_app(ARCHIVE, config=config, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: app.screen.has_class("--textual-command-palette"))
        palette = app.screen
        await pilot.press(*"post")
        listed = palette.query_one("CommandList")
        await palette_settled(pilot, "post")  # (a later batch of hits would move the cursor)
        assert listed.option_count > 1
        at = listed.highlighted
        await pilot.press("down")  # no longer moves
        await pilot.pause()
        assert listed.highlighted == at
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: listed.highlighted != at)
        await pilot.press("escape")  # no longer closes
        await pilot.pause()
        assert app.screen is palette
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: app.screen is app.main)


async def test_text_box_and_app_keys_can_be_remapped(tmp_path: Path):
    config = _config(
        tmp_path,
        '[keymap]\n"input.delete_word_left" = "ctrl+y"\n"palette" = "ctrl+o"\n'
        '"filter.cancel" = "ctrl+g"\n',
    )
    app = make_app(ARCHIVE, config=config, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("t", *"tiny", "space", *"text")
        box = app.screen.query_one("#title-filter")
        assert box.value == "tiny text"
        await pilot.press("ctrl+w")  # no longer deletes a word
        assert box.value == "tiny text"
        await pilot.press("ctrl+y")
        assert box.value == "tiny "
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert box.value == "" and app.focused is app.post_list
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert app.screen.has_class("--textual-command-palette")  # Textual's, our keys


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
