"""Images drawn inside the article, with textual-image.

:func:`detect` asks the terminal, once and before Textual starts (textual-image's probes read the
terminal's answers from stdin, which Textual owns afterwards), whether it speaks the Terminal
Graphics Protocol (Kitty, Ghostty; asked only when TERM or the terminal's variables say so);
else images are colour half blocks, which every colour terminal shows. A served reader draws
only with the graphics protocol, else it keeps the placeholders.

:class:`ImagePainter` does the rest for the article view. At layout time it says how many rows
an image needs (from its header alone, so opening a post stays fast) and the core's layout
leaves them below the ``[image: alt]`` line (:class:`newsterm.markdown.layout.ImageSlot`). The
pixels are decoded and scaled only when those rows first come on screen, in a background
thread, then drawn; an image that cannot be read stays a placeholder. Remote images are never
fetched: their placeholder opens them (link list, click) like any link.

Sixel needs a widget of its own in Textual (its pixels are not cells); where the terminal
offers only Sixel the local reader draws half blocks and a served one keeps the placeholders
(why: docs/architecture.md, "Why the reader draws no Sixel").
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from newsterm.images import ImageFiles
from newsterm.markdown.layout import ImageRows, ImageSlot

__all__ = ["MAX_ROWS", "ImagePainter", "PostImages", "detect"]

MAX_ROWS = 20
"""The most rows an image takes (it is scaled down to fit, keeping its shape)."""
MAX_COLUMNS = 100
MAX_PIXELS = 40_000_000  # a bigger picture is not decoded (a decompression bomb)

GRAPHICS = ("tgp", "halfcell")


def detect(served: bool) -> str | None:
    """``"tgp"`` or ``"halfcell"``: how this terminal can draw images; None: it cannot (no
    terminal, ``TERM=dumb``, ``NEWSTERM_IMAGES=off``, or served without a graphics protocol).
    Call before the App runs."""
    if os.environ.get("NEWSTERM_IMAGES", "").lower() in ("off", "0", "no", "false"):
        return None
    if os.environ.get("TERM", "dumb") in ("", "dumb"):
        return None
    stdin, stdout = sys.__stdin__, sys.__stdout__
    try:
        if stdin is None or stdout is None or not (stdin.isatty() and stdout.isatty()):
            return None
    except (OSError, ValueError):
        return None
    if not _may_speak_graphics():
        # No sign of a terminal with the graphics protocol (tmux and screen do not pass it
        # through): half blocks without probing. A probe that gets no answer costs 0.1 s at
        # every start and may eat a key typed meanwhile (a served reader's first keys too).
        return None if served else "halfcell"
    try:
        from textual_image import renderable  # probes the terminal (bounded waits)
        from textual_image._terminal import get_cell_size

        get_cell_size()  # asked now, cached: it cannot be asked once Textual reads the keys
    except Exception:  # an odd terminal, a missing library: placeholders, never a crash
        return None
    chosen = renderable.Image.__name__, renderable.Image.__module__
    if chosen[1].endswith(".tgp"):
        return "tgp"
    if served:
        return None  # Sixel or half blocks only: a served reader keeps the placeholders
    return "halfcell"


def _may_speak_graphics() -> bool:
    """The terminal says it may be one with the Terminal Graphics Protocol: Kitty or Ghostty
    (their TERM reaches a served reader over SSH too), or their variables locally."""
    if os.environ.get("TMUX") or os.environ.get("TERM", "").startswith(("tmux", "screen")):
        return False
    term = os.environ.get("TERM", "")
    program = os.environ.get("TERM_PROGRAM", "").lower()
    return (
        term in ("xterm-kitty", "xterm-ghostty")
        or bool(os.environ.get("KITTY_WINDOW_ID"))
        or program == "ghostty"
    )


def _cell_size() -> tuple[int, int]:
    try:
        from textual_image._terminal import get_cell_size

        size = get_cell_size()
        return max(1, size.width), max(1, size.height)
    except Exception:
        return 10, 20


def fit(
    pixels: tuple[int, int],
    cell: tuple[int, int],
    columns: int,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
) -> tuple[int, int]:
    """Columns and rows for a picture of ``pixels`` (width, height): its own size on a terminal
    of ``cell``-pixel cells, scaled down (never up) to ``columns`` (at most ``max_columns``)
    and ``max_rows``."""
    width, height = pixels
    if width <= 0 or height <= 0:
        return 0, 0
    cols = max(1, math.ceil(width / cell[0]))
    rows = max(1, math.ceil(height / cell[1]))
    scale = min(1.0, min(columns, max_columns) / cols, max(1, max_rows) / rows)
    return max(1, round(cols * scale)), max(1, round(rows * scale))


class PostImages:
    """The images of one open post, for the article view."""

    def __init__(self, painter: ImagePainter, post_path: str, width: int) -> None:
        self.painter = painter
        self.post_path = post_path
        self.width = width

    def rows(self) -> ImageRows:
        """The layout's hook: rows to leave for ``src`` (0 for a remote or missing image)."""
        return lambda src: self.painter.size(self.post_path, src, self.width)[1]

    def strip(self, slot: ImageSlot, index: int) -> list[Segment] | None:
        """Row ``index`` of the image in ``slot``; None until its pixels are ready (then the
        view is refreshed), or when it cannot be drawn."""
        return self.painter.row(self.post_path, slot.src, self.width, index)


class ImagePainter:
    """Sizes, decodes and draws the reader's images (one per reader; see the module text)."""

    def __init__(self, root: Path, kind: str, on_ready: Callable[[], None] | None = None) -> None:
        if kind not in GRAPHICS:
            raise ValueError(kind)
        self.files = ImageFiles(root)
        self.kind = kind
        self.cell = _cell_size() if kind == "tgp" else (1, 2)  # half blocks: 1x2 pixels
        self.on_ready = on_ready
        self.call_from_thread: Callable[..., Any] | None = None
        self._sizes: dict[tuple[str, str, int], tuple[Path | None, tuple[int, int]]] = {}
        # The rows of each image once drawn (None: it cannot be); for the Terminal Graphics
        # Protocol first the scaled picture, turned into rows on the reader's own thread (that
        # sends the pixels to the terminal, which must not happen beside Textual's output).
        self._rows: dict[tuple[Path, int, int], Any] = {}
        self._pending: set[tuple[Path, int, int]] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsterm-images")

    def for_post(self, post_path: str, width: int) -> PostImages:
        return PostImages(self, post_path, width)

    # -- sizes (at layout time: the header only) -------------------------------------------
    def size(self, post_path: str, src: str, width: int) -> tuple[int, int]:
        key = (post_path, src, width)
        known = self._sizes.get(key)
        if known is None:
            path = self.files.file(post_path, src)
            cells = (0, 0)
            if path is not None:
                pixels = _header_size(path)
                if pixels is not None:
                    natural = self.cell if self.kind == "tgp" else (8, 16)
                    cells = fit(pixels, natural, width)
            known = (path if cells[1] else None, cells)
            self._sizes[key] = known
        return known[1]

    def whole(self, path: Path, columns: int, rows: int) -> tuple[int, int]:
        """Columns and rows to show the picture at ``path`` whole in ``columns`` x ``rows``
        cells (the image view), never bigger than its own size; (0, 0) if it cannot be read."""
        pixels = _header_size(path)
        if pixels is None:
            return 0, 0
        natural = self.cell if self.kind == "tgp" else (8, 16)
        return fit(pixels, natural, columns, max_rows=rows, max_columns=columns)

    # -- pixels (when first on screen, in the background) ----------------------------------
    def row(self, post_path: str, src: str, width: int, index: int) -> list[Segment] | None:
        path, (cols, rows) = self._sizes.get((post_path, src, width), (None, (0, 0)))
        if path is None or not rows:
            return None
        return self.picture_row(path, cols, rows, index)

    def picture_row(self, path: Path, cols: int, rows: int, index: int) -> list[Segment] | None:
        """Row ``index`` of the picture at ``path`` drawn in ``cols`` x ``rows`` cells; None
        until it is decoded (in the background, then ``on_ready``) or if it cannot be."""
        key = (path, cols, rows)
        with self._lock:
            if key in self._rows:
                done = self._rows[key]
                if done is not None and not isinstance(done, list):
                    try:
                        done = _tgp_rows(done, cols, rows)
                    except Exception:
                        done = None
                    self._rows[key] = done
                return done[index] if done is not None and index < len(done) else None
            if key in self._pending:
                return None
            self._pending.add(key)
        self._pool.submit(self._load, key)
        return None

    def _load(self, key: tuple[Path, int, int]) -> None:
        path, cols, rows = key
        try:
            drawn = self._draw(path, cols, rows)
        except Exception:  # unreadable, truncated, a bomb: the placeholder stays
            drawn = None
        with self._lock:
            self._rows[key] = drawn
            self._pending.discard(key)
        if drawn is not None and self.on_ready is not None:
            if self.call_from_thread is not None:
                try:
                    self.call_from_thread(self.on_ready)
                except Exception:  # the app has gone
                    pass
            else:
                self.on_ready()

    def _draw(self, path: Path, cols: int, rows: int) -> Any:
        from PIL import Image

        with Image.open(path) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValueError("too many pixels")
            if self.kind == "halfcell":
                target = (cols, rows * 2)
            else:
                target = (cols * self.cell[0], rows * self.cell[1])
            image.draft("RGB", target)  # JPEG: decode at a fraction of the size
            small = image.convert("RGBA").resize(target)
        flat = Image.new("RGB", small.size, (0, 0, 0))
        flat.paste(small, mask=small.getchannel("A"))
        if self.kind == "halfcell":
            return _half_blocks(flat, cols, rows)
        return flat  # made into rows by row(), on the reader's thread

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _header_size(path: Path) -> tuple[int, int] | None:
    """The picture's size in pixels from its header (the pixels are not decoded)."""
    try:
        from PIL import Image

        with Image.open(path) as image:
            return image.size
    except Exception:
        return None


def _half_blocks(image: Any, cols: int, rows: int) -> list[list[Segment]]:
    """Each cell an upper half block: its colour the upper pixel, its background the lower."""
    from rich.color import Color

    pixels = image.load()
    out: list[list[Segment]] = []
    for row in range(rows):
        segments = []
        for col in range(cols):
            upper = pixels[col, row * 2]
            lower = pixels[col, row * 2 + 1]
            style = Style(color=Color.from_rgb(*upper), bgcolor=Color.from_rgb(*lower))
            segments.append(Segment("▀", style))
        out.append(list(Segment.simplify(segments)))
    return out


def _tgp_rows(image: Any, cols: int, rows: int) -> list[list[Segment]]:
    """The Terminal Graphics Protocol's Unicode placeholders (textual-image sends the pixels
    to the terminal once; the rows are placeholder cells that the terminal fills)."""
    from rich.console import Console
    from textual_image.renderable.tgp import Image as TGPImage

    console = Console(width=cols, height=rows, force_terminal=True, color_system="truecolor")
    options = console.options.update(width=cols, height=rows)
    lines = console.render_lines(TGPImage(image, width=cols, height=rows), options, pad=False)
    return [list(line) for line in lines[:rows]]


def strip_for(segments: list[Segment], margin: int, width: int, base: Style) -> Strip:
    """An image row placed like the text (after the margin), cut or padded to ``width``."""
    return Strip([Segment(" " * margin, base), *segments]).adjust_cell_length(width, base)
