"""Command palette providers: every reader command from the command table, by name, and every
post of the archive by title (open it)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from newsterm.tui.keys import commands_for, effective_keys, pretty_keys


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
