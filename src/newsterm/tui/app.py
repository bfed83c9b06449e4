"""The newsterm reader application: settings, theme, served-mode rules, and the main screen.

``run_reader(args)`` is the entry point of ``newsterm`` / ``newsterm read``; the SSH server runs
the same app with ``served=True``. The work happens in the main screen
(:mod:`newsterm.tui.screens.main`); this class holds what is the whole app's: the config and
keymap, the reading state, the theme, and what a served reader may not do (open links or files,
suspend, see tracebacks).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.screen import Screen

from newsterm import paths
from newsterm.state import ReadingState
from newsterm.tui.commands import PostCommands, ReaderCommands
from newsterm.tui.keys import APP_COMMANDS, Config, bindings, load_config
from newsterm.tui.screens.main import MainScreen
from newsterm.tui.styles import SharedStylesheet

if TYPE_CHECKING:
    from newsterm.models import Post
    from newsterm.tui.render import RenderedDoc
    from newsterm.tui.widgets.article import ArticleView
    from newsterm.tui.widgets.outline import Outline
    from newsterm.tui.widgets.post_list import PostList
    from newsterm.tui.widgets.search import SearchPanel


class NewstermApp(App[int], inherit_bindings=False):
    """The reader. ``watch=False`` and ``sync_index=False`` make it deterministic for tests."""

    CSS_PATH = "newsterm.tcss"
    TITLE = "newsterm"
    COMMANDS = App.COMMANDS | {ReaderCommands, PostCommands}
    show_search_time = True  # snapshot tests turn the (varying) search time off
    BINDINGS = bindings(APP_COMMANDS)

    def __init__(
        self,
        root: Path,
        *,
        index_dir: Path | None = None,
        state: ReadingState | None = None,
        served: bool = False,
        config: Config | None = None,
        watch: bool = True,
        sync_index: bool = True,
        restore: bool = True,
        index: Any = None,
        images: str | None = None,
    ) -> None:
        super().__init__()
        # Sources the zygote parsed before forking this reader are not parsed again (styles.py).
        self.stylesheet = SharedStylesheet(variables=self.theme_variables)
        self.root = Path(root)
        self.reading = state if state is not None else ReadingState.in_memory(self.root)
        self.reading.posts_lookup = lambda path: self.main.by_path.get(path)
        self.served = served
        self.config = config or Config()
        self.keymap = dict(self.config.keymap)
        if served:
            self.animation_level = "none"
        self.main = MainScreen(
            self.root,
            index_dir=Path(index_dir) if index_dir else paths.index_dir_for(self.root),
            reading=self.reading,
            served=served,
            watch=watch,
            sync_index=sync_index,
            restore=restore,
            index=index,
        )
        if images is not None:  # "tgp", "sixel" or "halfcell", from tui.images.detect()
            from newsterm.tui.images import ImagePainter

            painter = ImagePainter(
                self.root,
                images,
                on_ready=self.main.article_images_ready,
                # served: Sixel in the image view only (the article's pixels would be sent
                # again at every scroll step)
                inline=not (served and images == "sixel"),
            )
            painter.call_from_thread = self.call_from_thread
            self.main.image_painter = painter

    # -- Textual's command palette and theme picker, with the keymap's keys ----------------
    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        from newsterm.tui.commands import ReaderPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(ReaderPalette(id="--command-palette"))

    def search_themes(self) -> None:
        from textual.theme import ThemeProvider

        from newsterm.tui.commands import ReaderPalette

        self.push_screen(ReaderPalette(providers=[ThemeProvider], placeholder="Search for themes…"))

    def get_default_screen(self) -> Screen:
        return self.main

    # -- what tests and the server look at: the main screen's parts ------------------------
    @property
    def post_list(self) -> PostList:
        return self.main.post_list

    @property
    def article(self) -> ArticleView:
        return self.main.article

    @property
    def outline(self) -> Outline:
        return self.main.outline

    @property
    def search_panel(self) -> SearchPanel:
        return self.main.search_panel

    @property
    def loaded(self) -> bool:
        return self.main.loaded

    @property
    def current(self) -> Post | None:
        return self.main.current

    @property
    def doc(self) -> RenderedDoc | None:
        return self.main.doc

    @property
    def by_path(self) -> dict[str, Post]:
        return self.main.by_path

    @property
    def view(self) -> str:
        return self.main.view

    @property
    def index(self) -> Any:
        return self.main.index

    @property
    def index_ready(self) -> bool:
        return self.main.index_ready

    # -- settings -----------------------------------------------------------------------------
    def on_mount(self) -> None:
        for problem in self.config.problems:
            self.notify(problem, title="config.toml", severity="warning", timeout=10, markup=False)
        if self.keymap:
            self.set_keymap(self.keymap)
        theme = self._starting_theme()
        if theme:
            if theme in self.available_themes:
                self.theme = theme
            else:
                self.notify(
                    f"unknown theme {theme!r}; using the default", severity="warning", markup=False
                )

    def _starting_theme(self) -> str | None:
        """The theme chosen with T, unless config.toml names a theme other than the one it
        named when that choice was made (an edited config wins; an unchanged one does not
        undo the reader's choice)."""
        chosen = self.reading.get("theme", shared=True)
        configured = self.config.theme
        if configured and configured != self.reading.get("theme_config", shared=True):
            return configured
        return chosen or configured

    def watch_theme(self, theme: str) -> None:
        if self.screen_stack and self.main.loaded:
            self.reading.put("theme", theme, shared=True)
            self.reading.put("theme_config", self.config.theme or "", shared=True)
            self.main.theme_changed()

    # -- what a served reader may not do -----------------------------------------------------
    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        # Served: no widget (Textual's Markdown, Link, ...) may start a browser on the server.
        if self.served:
            # markup=False: a link's text is the archive's, never Textual markup or @click actions.
            self.notify(f"Links are not opened in this session: {url}", title="Link", markup=False)
            return
        if not _has_browser():
            self.main.copy_link(url, "No web browser here")
            return
        super().open_url(url, new_tab=new_tab)

    def action_open_link(self, href: str) -> None:
        self.main.action_open_link(href)

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        # Served: Textual's screenshot action writes a file on the server; nothing may reach it.
        if self.served:
            self.notify("Screenshots are not available in this session")
            return
        super().action_screenshot(filename, path)

    def action_suspend_process(self) -> None:
        if self.served:
            self.notify("Suspend is not available in this session")
            return
        super().action_suspend_process()

    def action_suspend(self) -> None:
        self.action_suspend_process()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title == "Theme":
                continue  # the reader's own "Change theme" (T) remembers the choice
            if self.served and command.title not in ("Quit", "Keys"):
                continue
            yield command

    def _print_error_renderables(self) -> None:
        # Served: a crash's traceback (with local variables) is not for a remote reader's eyes.
        if self.served and self._exit_renderables:
            self._exit_renderables.clear()
            self.error_console.print("newsterm: the reader stopped on an internal error")
            return
        super()._print_error_renderables()


def _has_browser() -> bool:
    import webbrowser

    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def make_state(root: Path, served: bool, profile: str | None) -> ReadingState:
    """The reading state for a run: a member's profile, the local user's, or in memory."""
    if profile:
        return ReadingState(root, profile=profile)
    if served:
        return ReadingState.in_memory(root)
    return ReadingState(root)


def run_reader(args: Any) -> int:
    """Run the reader for ``newsterm read`` (returns the exit status)."""
    given = getattr(args, "archive_pos", None)
    root = paths.resolve_archive(given if given is not None else getattr(args, "archive", None))
    index_dir = getattr(args, "index_dir", None)
    served = bool(getattr(args, "served", False))
    state = make_state(root, served, getattr(args, "state", None))
    config = load_config()
    from newsterm.tui.images import detect

    app = NewstermApp(
        root,
        index_dir=Path(index_dir) if index_dir else None,
        state=state,
        served=served,
        config=config,
        images=detect(served),  # asks the terminal now: Textual reads the keys once it runs
    )
    try:
        result = app.run()
    finally:
        if app.main.image_painter is not None:
            app.main.image_painter.close()
        state.set_notifier(None)
        state.close()
        for notice in state.take_notices():
            print(f"newsterm: {notice}", file=sys.stderr)
    return int(result) if result is not None else int(app.return_code or 0)
