"""A one-line text box whose editing keys come from the keymap (``input.*`` ids)."""

from __future__ import annotations

from textual.widgets import Input

from newsterm.tui.keys import INPUT_COMMANDS, bindings


class TextBox(Input, inherit_bindings=False):
    """Textual's Input with its editing keys from the registry, so they can be remapped like
    every other key; every text box of the reader (search, filters, questions) is one."""

    BINDINGS = bindings(INPUT_COMMANDS)
