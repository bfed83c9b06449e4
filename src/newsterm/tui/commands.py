"""The command palette provider: every reader command from the command table, by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

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
