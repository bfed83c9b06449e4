"""The command palette: its providers (every reader command from the command table, by name,
and every post of the archive by title, to open it), and Textual's palette screen with its keys
from the keymap (:class:`ReaderPalette`, also the theme picker)."""

from __future__ import annotations

from functools import partial

from textual.app import ComposeResult
from textual.command import (
    CommandInput,
    CommandList,
    CommandPalette,
    DiscoveryHit,
    Hit,
    Hits,
    Provider,
    SearchIcon,
)
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.widgets import Button, LoadingIndicator

from newsterm.tui.keys import (
    DIALOG_COMMANDS,
    INPUT_COMMANDS,
    PALETTE_COMMANDS,
    SCREEN_COMMANDS,
    bindings,
    commands_for,
    effective_keys,
    pretty_keys,
)


class ReaderCommands(Provider):
    """Lists the reader's actions (the same ones the keys run), with their keys."""

    def _commands(self):
        app = self.app
        served = bool(getattr(app, "served", False))
        keymap = getattr(app, "keymap", {})
        for command in commands_for(served):
            if not command.palette:
                continue
            keys = pretty_keys(effective_keys(command, keymap))
            yield command, f"{command.description}", keys

    def _run(self, action: str) -> None:
        self.app.call_later(self.app.run_action, action, self.screen)

    async def discover(self) -> Hits:
        for command, name, keys in self._commands():
            yield DiscoveryHit(name, partial(self._run, command.action), help=f"key: {keys}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command, name, keys in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(self._run, command.action),
                    help=f"key: {keys}",
                )


class PostCommands(Provider):
    """ "Open: <title>" for the posts whose titles match what is typed."""

    LIMIT = 50

    async def search(self, query: str) -> Hits:
        main = getattr(self.app, "main", None)
        if main is None or not query.strip():
            return
        matcher = self.matcher(query)
        found = 0
        for post in main.posts:
            score = matcher.match(post.title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(post.title),
                    partial(main.open_post, post.path),
                    help=escape(f"open post · {post.path}"),  # help is read as markup
                )
                found += 1
                if found >= self.LIMIT:
                    return


class PaletteInput(CommandInput, inherit_bindings=False):
    """The palette's query box, with the editing keys of every text box of the reader."""

    BINDINGS = bindings(INPUT_COMMANDS)


class PaletteList(CommandList, inherit_bindings=False):
    """The palette's list never has the focus (the palette moves it with its own keys): no keys
    of its own, so none escapes the keymap."""

    BINDINGS = []


class ReaderPalette(CommandPalette, inherit_bindings=False):
    """Textual's command palette with its keys from the keymap (``palette.*`` ids): Textual's own
    bindings have no ids, and a keymap can only remap a binding by its id. Its look and
    behaviour are Textual's (the same layout, with these two widgets in place of Textual's)."""

    BINDINGS = bindings(PALETTE_COMMANDS + SCREEN_COMMANDS + DIALOG_COMMANDS)
    AUTO_FOCUS = "PaletteInput"

    def compose(self) -> ComposeResult:
        # As CommandPalette.compose, with PaletteInput and PaletteList.
        with Vertical(id="--container"):
            with Horizontal(id="--input"):
                yield SearchIcon()
                yield PaletteInput(placeholder=self._placeholder, select_on_focus=False)
                if not self.run_on_select:
                    yield Button("\u25b6")
            with Vertical(id="--results"):
                yield PaletteList()
                yield LoadingIndicator()
