"""The section outline of the open post: a collapsible tree that follows the article."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from newsterm.models import Section
from newsterm.tui import messages
from newsterm.tui.keys import OUTLINE_COMMANDS, bindings


class Outline(Tree[Section], inherit_bindings=False):
    """Sections of the open post; selecting one asks the article to scroll there."""

    BINDINGS = bindings(OUTLINE_COMMANDS)

    Leave = messages.OutlineLeave
    Jump = messages.OutlineJump

    def __init__(self, **kwargs) -> None:
        super().__init__("Outline", **kwargs)
        self.show_root = False
        self.guide_depth = 2
        self.auto_expand = False
        self._section_nodes: list[tuple[int, TreeNode[Section]]] = []  # (body line, node), in order
        self._mixed: set[int] = set()
        self._following = False
        self.hit_lines: list[int] = []

    def set_sections(self, sections: list[Section], hit_lines: list[int] | None = None) -> None:
        """Show ``sections``; sections holding one of ``hit_lines`` get a hit count."""
        self.clear()
        self._section_nodes = []
        self.hit_lines = sorted(hit_lines or [])
        bounds = [s.line for top in sections for s in top.walk()]
        bounds_sorted = sorted(bounds)

        def hits_in(section: Section) -> int:
            end = _section_end(section, bounds_sorted)
            return sum(1 for line in self.hit_lines if section.line <= line < end)

        def add(parent: TreeNode[Section], section: Section) -> None:
            count = hits_in(section) if self.hit_lines else 0
            label = Text()
            if count:
                # In front, so a long title cut at the pane's edge never hides it.
                label.append(f"◆{count} ", style="bold")
            label.append(section.title)
            if section.children:
                node = parent.add(label, data=section, expand=True)
                self._section_nodes.append((section.line, node))
                for child in section.children:
                    add(node, child)
            else:
                node = parent.add_leaf(label, data=section)
                self._section_nodes.append((section.line, node))

        for section in sections:
            add(self.root, section)
        self._section_nodes.sort(key=lambda item: item[0])
        # Parents with folding children: their leaves are indented past the fold icon ("▼ "),
        # so that siblings' titles start in one column.
        self._mixed = {
            id(node.parent)
            for _line, node in self._section_nodes
            if node.allow_expand and node.parent is not None
        }

    def render_label(self, node: TreeNode[Section], base_style: Style, style: Style) -> Text:
        """The label, aligned with its siblings and cut with "…" to the pane's width."""
        text = super().render_label(node, base_style, style)
        if not node.allow_expand and id(node.parent) in self._mixed:
            text = Text.assemble(("  ", base_style), text)
        level = 0
        parent = node.parent
        while parent is not None and parent is not self.root:
            level += 1
            parent = parent.parent
        room = (self.scrollable_content_region.width or self.size.width) - 2 * level
        if room > 1 and text.cell_len > room:
            # The ellipsis right after the last character that fits (a wide character that
            # does not fit leaves no gap before it).
            text.truncate(room - 1)
            text.rstrip()
            text.append("…", base_style)
        return text

    def follow(self, line: int) -> None:
        """Highlight the section holding body ``line`` (the article scrolled)."""
        current = None
        for start, node in self._section_nodes:
            if start <= line:
                current = node
            else:
                break
        if current is None or current is self.cursor_node:
            return
        parent = current.parent
        while parent is not None and parent is not self.root:
            if not parent.is_expanded:
                current = parent
            parent = parent.parent
        self._following = True
        try:
            self.move_cursor(current, animate=False)
        finally:
            self._following = False

    def action_collapse(self) -> None:
        """Fold the section under the cursor, or go up to its parent section."""
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent, animate=False)

    def action_expand(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand and not node.is_expanded:
            node.expand()

    def action_leave(self) -> None:
        self.post_message(self.Leave())

    def on_tree_node_selected(self, event: Tree.NodeSelected[Section]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.Jump(event.node.data))


def _section_end(section: Section, bounds_sorted: list[int]) -> int:
    """The first section start after ``section`` that is not one of its descendants."""
    inside = {s.line for s in section.walk()}
    for line in bounds_sorted:
        if line > section.line and line not in inside:
            return line
    return 1 << 30
