"""One local image of the open post, as big as the screen allows (never bigger than its own
size): picked from the links list (``v``). Drawn by the reader's :class:`ImagePainter` (Kitty
graphics, Sixel or colour half blocks), decoded in the background; Esc or q closes it.

Sixel pixels are not cells: each row of the picture is written as blank cells followed by that
row's Sixel image, sent from the row's left edge. Whenever Textual writes a row again it sends
its pixels again, and closing the view writes the screen below over them, which erases them."""

from __future__ import annotations

from pathlib import Path

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from newsterm.text import one_line
from newsterm.tui.images import ImagePainter, sixel_segment
from newsterm.tui.keys import IMAGE_COMMANDS, SCREEN_COMMANDS, bindings, hint

# the dialog's border, padding and the line under the picture, in cells
_FRAME_COLUMNS = 4
_FRAME_ROWS = 4


class Picture(Widget):
    """The picture's cells (a row at a time from the painter; blank until decoded)."""

    DEFAULT_CSS = "Picture { width: auto; height: auto; }"

    def __init__(self, painter: ImagePainter, path: Path, size: tuple[int, int]) -> None:
        super().__init__()
        self.painter = painter
        self.path = path
        self.cols, self.rows = size

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self.cols

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.rows

    def render_line(self, y: int) -> Strip:
        base = self.rich_style
        if self.painter.kind == "sixel":
            sixels = self.painter.picture_sixel(self.path, self.cols, self.rows)
            if sixels is not None and y < len(sixels):
                blank = Segment(" " * self.cols, base)
                if self.app.screen is not self.screen:
                    # under another screen (the palette): pixels would be drawn over it
                    return Strip([blank], self.cols)
                return Strip([blank, sixel_segment(sixels[y], self.cols)], self.cols)
            segments = None
        else:
            segments = self.painter.picture_row(self.path, self.cols, self.rows, y)
        if segments is None:
            if y == self.rows // 2:
                text = "decoding…".center(self.cols)[: self.cols]
                return Strip([Segment(text, base + Style(dim=True))])
            return Strip.blank(self.cols, base)
        return Strip(segments).adjust_cell_length(self.cols, base)

    @property
    def ready(self) -> bool:
        if self.painter.kind == "sixel":
            return self.painter.picture_sixel(self.path, self.cols, self.rows) is not None
        return self.painter.picture_row(self.path, self.cols, self.rows, 0) is not None


class ImageScreen(ModalScreen[None], inherit_bindings=False):
    """Shows ``path`` (``shown``: how the post writes it, for the title; ``where``: the file,
    as the reader may be told it)."""

    BINDINGS = bindings(IMAGE_COMMANDS + SCREEN_COMMANDS)

    def __init__(
        self,
        painter: ImagePainter,
        path: Path,
        shown: str,
        where: str,
        keymap: dict[str, str],
        room: Size,
    ) -> None:
        super().__init__()
        self.painter = painter
        self.path = path
        self.shown = one_line(shown)
        self.where = one_line(where)
        self.keymap = keymap
        self.cells = self._fit(room)

    def _fit(self, room: Size) -> tuple[int, int]:
        columns = max(1, room.width - _FRAME_COLUMNS)
        rows = max(1, room.height - _FRAME_ROWS)
        return self.painter.whole(self.path, columns, rows)

    def compose(self) -> ComposeResult:
        with Vertical(id="image-body") as body:
            body.border_title = self.shown
            body.border_subtitle = hint(IMAGE_COMMANDS, self.keymap)
            if self.cells[1]:
                yield Picture(self.painter, self.path, self.cells)
            else:
                yield Static("This picture cannot be read.", id="image-broken")
            yield Static(self.where, id="image-path", markup=False)

    def on_resize(self, event: events.Resize) -> None:
        """The terminal changed size: the picture fitted again (a picture cut by a smaller
        screen would lose its Sixel rows whole), decoded again for the new size."""
        cells = self._fit(event.size)
        if cells == self.cells or not cells[1]:
            return
        self.cells = cells
        for picture in self.query(Picture):
            picture.cols, picture.rows = cells
            picture.refresh(layout=True)

    def images_ready(self) -> None:
        """A picture was decoded in the background (the painter's ``on_ready``)."""
        for picture in self.query(Picture):
            picture.refresh()

    def action_close(self) -> None:
        self.dismiss(None)
