"""Every reader command in one table: its binding id, default keys, action and description.

The same table feeds the key bindings, the help screen, the command palette and the footer, so
they never disagree. Keys can be remapped in ``config.toml`` in the user's config folder::

    theme = "nord"

    [keymap]
    "newsterm.search" = "ctrl+s"
    "newsterm.quit" = "q,ctrl+q"

A config that cannot be used gives clear messages and the defaults, never a crash.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from textual.binding import Binding

from newsterm import paths


@dataclass(frozen=True, slots=True)
class Command:
    """One reader command. ``id`` is the binding id users remap (``newsterm.<id>``)."""

    id: str
    keys: str
    action: str
    description: str
    group: str
    footer: bool = False
    served: bool = True  # offered in served (SSH) mode
    palette: bool = True
    label: str = ""  # short footer text (defaults to the description)
    priority: bool = False  # checked before the focused widget's own keys

    @property
    def binding_id(self) -> str:
        return f"newsterm.{self.id}"

    def binding(self) -> Binding:
        return Binding(
            self.keys,
            self.action,
            self.label or self.description,
            show=self.footer,
            tooltip=self.description,
            id=self.binding_id,
            priority=self.priority,
        )


G_NAV = "Moving around"
G_READ = "Reading"
G_FIND = "Finding"
G_STATE = "Marks and history"
G_APP = "Application"
G_LIST = "In the post list"
G_ARTICLE = "In the article"

# Screen-level commands (the list and article widgets add their own movement keys below).
COMMANDS: tuple[Command, ...] = (
    # The keys that open a box to type in (/, t, s, |, and v's link numbers) are checked
    # before the focused widget's keys (priority): the app handles them before it reads the
    # next key, so the words typed in the same instant (a paste, a fast typist, tmux
    # send-keys) land in the box they open instead of in the list they leave (MainScreen's
    # focus_now and open_dialog). In a text box they are typed (MainScreen.check_action).
    Command(
        "search",
        "slash",
        "search",
        "Search the archive",
        G_FIND,
        footer=True,
        label="Search",
        priority=True,
    ),
    Command(
        "filter",
        "t",
        "title_filter",
        "Filter titles (초성 too)",
        G_FIND,
        footer=True,
        label="Filter",
        priority=True,
    ),
    Command(
        "facets",
        "f",
        "facets",
        "Narrow by category, tag, year, month",
        G_FIND,
        True,
        label="Facets",
    ),
    Command("clear_filters", "F", "clear_filters", "Clear every filter", G_FIND),
    Command("related", "r", "related", "Posts related to the open one", G_FIND),
    Command("next_hit", "n", "next_hit", "Next search hit", G_FIND),
    Command("prev_hit", "N", "prev_hit", "Previous search hit", G_FIND),
    Command("toggle_read", "m", "toggle_read", "Mark read / unread", G_STATE),
    Command("next_unread", "u", "next_unread", "Open the next unread post", G_STATE),
    Command("bookmark", "b", "toggle_bookmark", "Bookmark / unbookmark", G_STATE),
    Command("bookmarks", "B", "bookmarks", "Show bookmarks", G_STATE, True, label="Bookmarks"),
    Command("back", "H,alt+left", "back", "Back in history", G_STATE),
    Command("forward", "L,alt+right", "forward", "Forward in history", G_STATE),
    Command("prev_section", "left_square_bracket", "prev_section", "Previous section", G_READ),
    Command("next_section", "right_square_bracket", "next_section", "Next section", G_READ),
    Command(
        "outline",
        "o",
        "toggle_outline",
        "Show / hide the outline",
        G_READ,
        footer=True,
        label="Outline",
    ),
    Command("list_pane", "backslash", "toggle_list", "Show / hide the post list", G_READ),
    Command("focus_next", "tab", "focus_pane(1)", "Next pane", G_NAV, palette=False),
    Command("focus_prev", "shift+tab", "focus_pane(-1)", "Previous pane", G_NAV, palette=False),
    Command("links", "v", "links", "List the post's links, open one", G_READ, priority=True),
    Command(
        "save",
        "s",
        "save",
        "Save the post (.md as written, .txt as shown)",
        G_READ,
        served=False,
        priority=True,
    ),
    Command(
        "pipe",
        "vertical_line",
        "pipe",
        "Pipe the post to a command",
        G_READ,
        served=False,
        priority=True,
    ),
    Command("copy_path", "y", "copy_path", "Copy the post's path (OSC 52)", G_READ),
    Command("copy_link", "Y", "copy_permalink", "Copy the post's permalink (OSC 52)", G_READ),
    Command("edit", "e", "edit", "Open the post in $EDITOR", G_READ, served=False),
    Command("theme", "T", "change_theme", "Change theme", G_APP),
    Command(
        "help", "question_mark,f1", "help", "Keys and commands", G_APP, footer=True, label="Help"
    ),
    Command("quit", "q", "quit", "Quit", G_APP, footer=True),
)

# Movement keys of the list and the article: ids too, so they can be remapped.
LIST_COMMANDS: tuple[Command, ...] = (
    Command("list.down", "j,down", "cursor_down", "Down", G_LIST, palette=False),
    Command("list.up", "k,up", "cursor_up", "Up", G_LIST, palette=False),
    Command("list.top", "g,home", "cursor_top", "First", G_LIST, palette=False),
    Command("list.bottom", "G,end", "cursor_bottom", "Last", G_LIST, palette=False),
    Command("list.page_down", "ctrl+d,pagedown,space", "page_down", "Page down", G_LIST, False),
    Command("list.page_up", "ctrl+u,pageup", "page_up", "Page up", G_LIST, palette=False),
    Command("list.open", "enter,l", "open", "Open", G_LIST, palette=False),
)
ARTICLE_COMMANDS: tuple[Command, ...] = (
    Command("article.down", "j,down", "scroll_down", "Scroll down", G_ARTICLE, palette=False),
    Command("article.up", "k,up", "scroll_up", "Scroll up", G_ARTICLE, palette=False),
    Command("article.top", "g,home", "scroll_home", "Top", G_ARTICLE, palette=False),
    Command("article.bottom", "G,end", "scroll_end", "Bottom", G_ARTICLE, palette=False),
    Command("article.half_down", "ctrl+d", "half_down", "Half page down", G_ARTICLE, palette=False),
    Command("article.half_up", "ctrl+u", "half_up", "Half page up", G_ARTICLE, palette=False),
    Command(
        "article.page_down", "space,pagedown", "page_down", "Page down", G_ARTICLE, palette=False
    ),
    Command("article.page_up", "pageup", "page_up", "Page up", G_ARTICLE, palette=False),
    Command("article.leave", "escape,h", "leave", "Back to the list", G_ARTICLE, palette=False),
)

G_FILTER = "In the title filter"
G_OUTLINE = "In the outline"
G_SEARCH = "In the search box"
G_RESULTS = "In the search results"
G_FACETS = "In the facets dialog"
G_HELP = "In this help"

FILTER_COMMANDS: tuple[Command, ...] = (
    Command("filter.cancel", "escape", "cancel", "Clear the filter", G_FILTER, palette=False),
)
OUTLINE_COMMANDS: tuple[Command, ...] = (
    Command("outline.down", "j,down", "cursor_down", "Next section", G_OUTLINE, palette=False),
    Command("outline.up", "k,up", "cursor_up", "Previous section", G_OUTLINE, palette=False),
    Command("outline.fold", "h,left", "collapse", "Fold, or up to the parent", G_OUTLINE, False),
    Command("outline.unfold", "l,right", "expand", "Unfold", G_OUTLINE, palette=False),
    Command("outline.toggle", "space", "toggle_node", "Fold / unfold", G_OUTLINE, palette=False),
    Command("outline.go", "enter", "select_cursor", "Go to the section", G_OUTLINE, False),
    Command("outline.leave", "escape", "leave", "Back to the article", G_OUTLINE, palette=False),
)
SEARCH_BOX_COMMANDS: tuple[Command, ...] = (
    Command("search.results", "down", "to_results", "Into the results", G_SEARCH, False),
    Command("search.close", "escape", "close", "Back to the list", G_SEARCH, palette=False),
)
RESULTS_COMMANDS: tuple[Command, ...] = (
    Command("results.down", "j,down", "cursor_down", "Down", G_RESULTS, palette=False),
    Command("results.up", "k,up", "cursor_up", "Up", G_RESULTS, palette=False),
    Command("results.first", "g,home", "first", "First", G_RESULTS, palette=False),
    Command("results.last", "G,end", "last", "Last", G_RESULTS, palette=False),
    Command("results.page_down", "pagedown", "page_down", "Page down", G_RESULTS, False),
    Command("results.page_up", "pageup", "page_up", "Page up", G_RESULTS, palette=False),
    Command("results.open", "enter,l", "select", "Open the post", G_RESULTS, palette=False),
    Command("results.query", "escape", "to_query", "Back to the query", G_RESULTS, False),
)
FACET_COMMANDS: tuple[Command, ...] = (
    Command("facets.pick", "space,x", "select", "Pick / unpick", G_FACETS, False, label="pick"),
    Command("facets.down", "j,down", "cursor_down", "Down", G_FACETS, palette=False),
    Command("facets.up", "k,up", "cursor_up", "Up", G_FACETS, palette=False),
    Command(
        "facets.filter",
        "slash",
        "filter",
        "Type to filter the facets",
        G_FACETS,
        False,
        label="filter",
    ),
    Command(
        "facets.apply", "enter", "apply", "Apply", G_FACETS, False, label="apply", priority=True
    ),
    Command("facets.clear", "ctrl+x", "clear", "Clear all", G_FACETS, False, label="clear"),
    Command("facets.cancel", "escape", "cancel", "Cancel", G_FACETS, False, label="cancel"),
)
G_LINKS = "In the list of links"
LINK_COMMANDS: tuple[Command, ...] = (
    Command("links.down", "j,down", "cursor_down", "Down", G_LINKS, palette=False),
    Command("links.up", "k,up", "cursor_up", "Up", G_LINKS, palette=False),
    Command("links.first", "g,home", "first", "First", G_LINKS, palette=False),
    Command("links.last", "G,end", "last", "Last", G_LINKS, palette=False),
    Command("links.open", "enter,l", "select", "Open the link", G_LINKS, palette=False),
    Command("links.close", "escape,q,v", "close", "Close", G_LINKS, palette=False),
)
G_IMAGE = "In the image view"
IMAGE_COMMANDS: tuple[Command, ...] = (
    Command("image.close", "escape,q,enter", "close", "Close", G_IMAGE, palette=False),
)
G_PROMPT = "In a question"
PROMPT_COMMANDS: tuple[Command, ...] = (
    Command("prompt.cancel", "escape", "cancel", "Cancel", G_PROMPT, palette=False),
)
HELP_COMMANDS: tuple[Command, ...] = (
    Command("help.close", "escape,q,question_mark,f1", "dismiss", "Close", G_HELP, False),
)
# The help's scrolling body (it has the focus while help is open).
HELP_BODY_COMMANDS: tuple[Command, ...] = (
    Command("help.down", "j,down", "scroll('down')", "Scroll down", G_HELP, palette=False),
    Command("help.up", "k,up", "scroll('up')", "Scroll up", G_HELP, palette=False),
    Command("help.page_down", "pagedown,space", "page_down", "Page down", G_HELP, palette=False),
    Command("help.page_up", "pageup", "page_up", "Page up", G_HELP, palette=False),
    Command("help.top", "g,home", "scroll_home", "Top", G_HELP, palette=False),
    Command("help.bottom", "G,end", "scroll_end", "Bottom", G_HELP, palette=False),
)
APP_COMMANDS: tuple[Command, ...] = (
    Command("suspend", "ctrl+z", "suspend", "Suspend (fg to come back)", G_APP, served=False),
    # Textual's own app keys, given ids here so they can be remapped too.
    Command(
        "palette",
        "ctrl+p",
        "command_palette",
        "Command palette: every action by name",
        G_APP,
        palette=False,
        priority=True,
    ),
    Command(
        "quit_now", "ctrl+q", "quit", "Quit from anywhere", G_APP, palette=False, priority=True
    ),
    Command("quit_hint", "ctrl+c", "help_quit", "Say how to quit", G_APP, palette=False),
)
G_PALETTE = "In the command palette (and the theme picker)"
# Textual's command palette, with these ids in place of its own keys (which have none, so that
# Textual's keymap could not reach them): newsterm.tui.commands.ReaderPalette.
PALETTE_COMMANDS: tuple[Command, ...] = (
    Command("palette.down", "down", "cursor_down", "Next command", G_PALETTE, palette=False),
    Command("palette.up", "up", "command_list('cursor_up')", "Previous command", G_PALETTE, False),
    Command(
        "palette.page_down", "pagedown", "command_list('page_down')", "Next page", G_PALETTE, False
    ),
    Command(
        "palette.page_up", "pageup", "command_list('page_up')", "Previous page", G_PALETTE, False
    ),
    Command(
        "palette.first",
        "ctrl+home,shift+home",
        "command_list('first')",
        "First command",
        G_PALETTE,
        palette=False,
    ),
    Command(
        "palette.last",
        "ctrl+end,shift+end",
        "command_list('last')",
        "Last command",
        G_PALETTE,
        palette=False,
    ),
    Command("palette.close", "escape", "escape", "Close the palette", G_PALETTE, palette=False),
)
G_DIALOG = "In a dialog"
# Every screen: copy the text selected with the mouse; dialogs also move the focus with tab.
SCREEN_COMMANDS: tuple[Command, ...] = (
    Command(
        "copy", "ctrl+c,super+c", "screen.copy_text", "Copy the selected text", G_APP, palette=False
    ),
)
DIALOG_COMMANDS: tuple[Command, ...] = (
    Command("dialog.next", "tab", "app.focus_next", "Next field", G_DIALOG, palette=False),
    Command("dialog.prev", "shift+tab", "app.focus_previous", "Previous field", G_DIALOG, False),
)
G_INPUT = "In a text box (search, filters, questions)"
# The editing keys of every text box, as Textual's Input has them.
INPUT_COMMANDS: tuple[Command, ...] = tuple(
    Command(f"input.{name}", keys, action, description, G_INPUT, palette=False)
    for name, keys, action, description in (
        ("left", "left", "cursor_left", "Cursor left"),
        ("select_left", "shift+left", "cursor_left(True)", "Select left"),
        ("word_left", "ctrl+left", "cursor_left_word", "A word left"),
        ("select_word_left", "ctrl+shift+left", "cursor_left_word(True)", "Select a word left"),
        ("right", "right", "cursor_right", "Cursor right (or take the suggestion)"),
        ("select_right", "shift+right", "cursor_right(True)", "Select right"),
        ("word_right", "ctrl+right", "cursor_right_word", "A word right"),
        ("select_word_right", "ctrl+shift+right", "cursor_right_word(True)", "Select a word right"),
        ("delete_left", "backspace", "delete_left", "Delete the character left"),
        ("select_all", "ctrl+shift+a", "select_all", "Select all"),
        ("home", "home,ctrl+a", "home", "To the start"),
        ("end", "end,ctrl+e", "end", "To the end"),
        ("select_home", "shift+home", "home(True)", "Select to the start"),
        ("select_end", "shift+end", "end(True)", "Select to the end"),
        ("delete_right", "delete,ctrl+d", "delete_right", "Delete the character right"),
        ("submit", "enter", "submit", "Submit"),
        ("delete_word_left", "ctrl+w", "delete_left_word", "Delete the word left"),
        ("delete_all_left", "ctrl+u,super+backspace", "delete_left_all", "Delete all left"),
        (
            "delete_word_right",
            "ctrl+backspace,alt+backspace",
            "delete_right_word",
            "Delete the word right",
        ),
        ("delete_all_right", "ctrl+k", "delete_right_all", "Delete all right"),
        ("cut", "ctrl+x", "cut", "Cut the selection"),
        ("copy", "ctrl+c,super+c", "copy", "Copy the selection"),
        ("paste", "ctrl+v", "paste", "Paste"),
    )
)

ALL_COMMANDS: tuple[Command, ...] = (
    COMMANDS
    + APP_COMMANDS
    + LIST_COMMANDS
    + ARTICLE_COMMANDS
    + OUTLINE_COMMANDS
    + FILTER_COMMANDS
    + SEARCH_BOX_COMMANDS
    + RESULTS_COMMANDS
    + FACET_COMMANDS
    + LINK_COMMANDS
    + IMAGE_COMMANDS
    + PROMPT_COMMANDS
    + HELP_COMMANDS
    + HELP_BODY_COMMANDS
    + PALETTE_COMMANDS
    + SCREEN_COMMANDS
    + DIALOG_COMMANDS
    + INPUT_COMMANDS
)
KNOWN_IDS = frozenset(c.binding_id for c in ALL_COMMANDS)
OPENS_A_BOX = frozenset(c.action for c in COMMANDS if c.priority)
"""The screen's actions checked before the focused widget's keys (they open a box to type in);
while a text box has focus their keys are typed instead."""


def commands_for(served: bool) -> tuple[Command, ...]:
    """The screen-level commands (palette, footer) a reader gets."""
    return tuple(c for c in COMMANDS if served is False or c.served)


def bindings(commands: tuple[Command, ...]) -> list[Binding]:
    """Textual bindings for ``commands`` (each with its id, so the keymap can remap it)."""
    return [c.binding() for c in commands]


def hint(commands: tuple[Command, ...], keymap: dict[str, str]) -> str:
    """``"space pick · enter apply"``: the keys in force, for a dialog's border."""
    return " · ".join(
        f"{pretty_keys(effective_keys(c, keymap)).split()[0]} {c.label or c.description.lower()}"
        for c in commands
    )


@dataclass
class Config:
    """What ``config.toml`` asked for, already checked."""

    keymap: dict[str, str] = field(default_factory=dict)
    theme: str | None = None
    problems: list[str] = field(default_factory=list)


def config_file() -> Path:
    return paths.config_file()


def config_problems(path: Path) -> list[str]:
    """Everything wrong with the config file at ``path`` (``newsterm config --check``): what
    :func:`load_config` reports, and a theme the reader does not have."""
    from textual.theme import BUILTIN_THEMES

    config = load_config(path)
    problems = list(config.problems)
    if config.theme is not None and config.theme not in BUILTIN_THEMES:
        known = ", ".join(sorted(BUILTIN_THEMES))
        problems.append(f"{path}: unknown theme {config.theme!r} (one of: {known})")
    return problems


_KEY_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+_,-")


def _valid_key_string(keys: str) -> bool:
    parts = [p.strip() for p in keys.split(",")]
    return bool(parts) and all((p and set(p) <= _KEY_CHARS) or len(p) == 1 for p in parts)


def load_config(path: Path | None = None) -> Config:
    """Read the config file; every problem becomes a message in ``problems`` (defaults kept)."""
    path = config_file() if path is None else path
    config = Config()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return config
    except OSError as err:
        config.problems.append(f"{path}: cannot read it ({err.strerror}); using the defaults")
        return config
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        config.problems.append(f"{path}: not UTF-8 text; using the defaults")
        return config
    except tomllib.TOMLDecodeError as err:
        config.problems.append(f"{path}: {err}; using the defaults")
        return config
    theme = data.get("theme")
    if theme is not None:
        if isinstance(theme, str):
            config.theme = theme
        else:
            config.problems.append(f"{path}: theme must be a string")
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict):
        config.problems.append(f'{path}: [keymap] must be a table of binding id = "keys"')
        return config
    for binding_id, keys in keymap.items():
        full_id = binding_id if binding_id.startswith("newsterm.") else f"newsterm.{binding_id}"
        if full_id not in KNOWN_IDS:
            config.problems.append(f"{path}: unknown binding id {binding_id!r} in [keymap]")
        elif not isinstance(keys, str) or not _valid_key_string(keys):
            config.problems.append(f"{path}: keymap {binding_id!r}: {keys!r} is not a key string")
        else:
            config.keymap[full_id] = keys
    for other in set(data) - {"theme", "keymap"}:
        config.problems.append(f"{path}: unknown setting {other!r}")
    return config


def effective_keys(command: Command, keymap: dict[str, str]) -> str:
    """The keys bound to ``command`` once ``keymap`` is applied."""
    return keymap.get(command.binding_id, command.keys)


_PRETTY = {
    "slash": "/",
    "question_mark": "?",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "backslash": "\\",
    "space": "space",
    "escape": "esc",
    "vertical_line": "|",
}


def pretty_keys(keys: str) -> str:
    """``"question_mark,f1"`` → ``"? f1"`` for help and palette."""
    return "  ".join(_PRETTY.get(k.strip(), k.strip()) for k in keys.split(","))
