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

Where the terminal answers the probe with Sixel (DA1 listing 4: xterm ``-ti vt340``, foot,
mlterm, WezTerm...) pictures are Sixel, one Sixel image per row of cells
(:meth:`ImagePainter.picture_sixel`), encoded once in the background. Sixel pixels are not
cells: the image view (``screens/image.py``) puts each row's image last in that row; the article
leaves blank cells and sends the visible rows' images after each screen update
(``widgets/article.py``). A served reader shows Sixel in the image view only (the article would
send a screenful of pixels at every scroll step); docs/architecture.md, "Sixel".
"""

from __future__ import annotations

import logging
import math
import os
import re
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rich.segment import ControlType, Segment
from rich.style import Style
from textual.strip import Strip

from newsterm.images import ImageFiles
from newsterm.markdown.layout import ImageRows, ImageSlot

__all__ = ["MAX_ROWS", "ImagePainter", "PostImages", "detect"]

MAX_ROWS = 20
"""The most rows an image takes (it is scaled down to fit, keeping its shape)."""
MAX_COLUMNS = 100
MAX_PIXELS = 40_000_000  # a bigger picture is not decoded (a decompression bomb)
MAX_CELL = (64, 128)  # pixels: a terminal cell said to be bigger is not believed
MAX_DRAWN = 16_000_000  # pixels: a picture is not scaled to more (a screen of 4000x4000)

GRAPHICS = ("tgp", "sixel", "halfcell")

# Terminals whose TERM this names may speak Sixel (the probe asks; TERM is what reaches a served
# reader): xterm (and the many that call themselves xterm: WezTerm, Konsole, mintty, Windows
# Terminal), foot, mlterm, contour, WezTerm's own entry, yaft.
_SIXEL_TERMS = ("xterm", "foot", "mlterm", "contour", "wezterm", "mintty", "yaft", "vt340")
_PROBE_WAIT = 0.1  # s for the terminal's answer, as textual-image's own probes


def detect(served: bool) -> str | None:
    """``"tgp"``, ``"sixel"`` or ``"halfcell"``: how this terminal can draw images; None: it
    cannot (no terminal, ``TERM=dumb``, ``NEWSTERM_IMAGES=off``, or served without a graphics
    protocol). ``"sixel"``: Sixel (served: in the image view only, the article keeps its
    placeholders). Call before the App runs."""
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
    fallback = None if served else "halfcell"  # a served reader keeps the placeholders
    # textual-image logs a terminal that does not answer (the cell-size query: xterm's default)
    # as a warning with its traceback, which Python would print on the reader's terminal.
    logging.getLogger("textual_image").addHandler(logging.NullHandler())
    if _may_speak_graphics():
        kind = _ask_kitty()
        return fallback if kind == "halfcell" else kind
    if _may_speak_sixel():
        # One question (DA1), answered at once by the terminals this TERM names; no graphics
        # protocol query (they would not answer it: 0.1 s lost at every start).
        return "sixel" if _ask_sixel() else fallback
    # No sign of a terminal with graphics (tmux and screen pass neither through): no probe. A
    # probe that gets no answer costs 0.1 s at every start and may eat a key typed meanwhile
    # (a served reader's first keys too).
    return fallback


def _ask_kitty() -> str | None:
    """textual-image's probes (DA1, then the graphics protocol's query if no Sixel): ``"tgp"``,
    ``"sixel"``, ``"halfcell"`` for neither, None if the probe failed. The graphics protocol
    comes first: a terminal that claims Kitty and answers DA1 with Sixel is asked about it."""
    try:
        from textual_image import renderable  # probes the terminal (bounded waits)
        from textual_image._terminal import get_cell_size

        get_cell_size()  # asked now, cached: it cannot be asked once Textual reads the keys
        chosen = renderable.Image.__module__
        if chosen.endswith(".tgp"):
            return "tgp"
        if chosen.endswith(".sixel"):
            from textual_image.renderable import tgp

            return "tgp" if tgp.query_terminal_support() else "sixel"
    except Exception:  # an odd terminal, a missing library: placeholders, never a crash
        return None
    return "halfcell"


def _ask_sixel() -> bool:
    """Ask the terminal's primary device attributes (DA1); Sixel if the answer lists 4. Then the
    cell's size in pixels (the pty's, else asked), as it cannot be asked once Textual runs."""
    try:
        from textual_image._terminal import capture_terminal_response, get_cell_size

        stdout = sys.__stdout__
        assert stdout is not None
        with capture_terminal_response("\x1b[?", "c", _PROBE_WAIT) as answer:
            stdout.write("\x1b[c")
            stdout.flush()
        if "4" not in answer.sequence[3:-1].split(";"):
            return False
        get_cell_size()
        return True
    except Exception:  # no answer in time, an odd one, a missing library: no Sixel
        return False


def _may_speak_graphics() -> bool:
    """The terminal says it may be one with the Terminal Graphics Protocol: Kitty or Ghostty
    (their TERM reaches a served reader over SSH too), or their variables locally."""
    if _multiplexed():
        return False
    term = os.environ.get("TERM", "")
    program = os.environ.get("TERM_PROGRAM", "").lower()
    return (
        term in ("xterm-kitty", "xterm-ghostty")
        or bool(os.environ.get("KITTY_WINDOW_ID"))
        or program == "ghostty"
    )


def _may_speak_sixel() -> bool:
    """The terminal's TERM names one that may speak Sixel (see ``_SIXEL_TERMS``); not inside
    tmux or screen (tmux passes Sixel from 3.4 only; not tried here)."""
    if _multiplexed():
        return False
    return os.environ.get("TERM", "").split("-")[0] in _SIXEL_TERMS


def _multiplexed() -> bool:
    return bool(os.environ.get("TMUX")) or os.environ.get("TERM", "").startswith(("tmux", "screen"))


def _cell_size() -> tuple[int, int]:
    try:
        from textual_image._terminal import get_cell_size

        size = get_cell_size()
    except Exception:
        return 10, 20
    # The terminal's (or a served client's) word: a cell of 1x1 or 500x900 pixels would make
    # pictures of nothing, or of hundreds of millions of pixels, to encode.
    if not (2 <= size.width <= MAX_CELL[0] and 4 <= size.height <= MAX_CELL[1]):
        return 10, 20
    return size.width, size.height


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

    @property
    def sixel(self) -> bool:
        """The article sends these pictures' pixels itself (Sixel), after its rows."""
        return self.painter.inline_kind == "sixel"

    def sixel_row(self, slot: ImageSlot, index: int) -> str | None:
        return self.painter.row_sixel(self.post_path, slot.src, self.width, index)

    def strip(self, slot: ImageSlot, index: int) -> list[Segment] | None:
        """Row ``index`` of the image in ``slot``; None until its pixels are ready (then the
        view is refreshed), or when it cannot be drawn."""
        return self.painter.row(self.post_path, slot.src, self.width, index)


class ImagePainter:
    """Sizes, decodes and draws the reader's images (one per reader; see the module text).
    ``kind`` is what :func:`detect` said; ``inline=False`` draws nothing in the article (its
    placeholders stay), only in the image view (a served reader with Sixel)."""

    def __init__(
        self,
        root: Path,
        kind: str,
        on_ready: Callable[[], None] | None = None,
        *,
        inline: bool = True,
    ) -> None:
        if kind not in GRAPHICS:
            raise ValueError(kind)
        self.files = ImageFiles(root)
        self.kind = kind
        self.inline = inline
        self.inline_kind = kind
        # the terminal's cell in pixels (half blocks: 1x2 pixels)
        self.cell = _cell_size() if kind in ("tgp", "sixel") else (1, 2)
        self.on_ready = on_ready
        self.call_from_thread: Callable[..., Any] | None = None
        self._sizes: dict[tuple[str, str, int], tuple[Path | None, tuple[int, int]]] = {}
        # The rows of each image once drawn (None: it cannot be), by (file, columns, rows,
        # how); for the Terminal Graphics Protocol first the scaled picture, turned into rows on
        # the reader's own thread (that sends the pixels to the terminal, which must not happen
        # beside Textual's output).
        self._rows: dict[tuple[Path, int, int, str], Any] = {}
        self._pending: set[tuple[Path, int, int, str]] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsterm-images")

    def for_post(self, post_path: str, width: int) -> PostImages | None:
        """The article's images (None: the article keeps its placeholders)."""
        return PostImages(self, post_path, width) if self.inline else None

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
                    natural = self.cell if self.inline_kind in ("tgp", "sixel") else (8, 16)
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
        natural = self.cell if self.kind in ("tgp", "sixel") else (8, 16)
        return fit(pixels, natural, columns, max_rows=rows, max_columns=columns)

    # -- pixels (when first on screen, in the background) ----------------------------------
    def row(self, post_path: str, src: str, width: int, index: int) -> list[Segment] | None:
        path, (cols, rows) = self._sizes.get((post_path, src, width), (None, (0, 0)))
        if path is None or not rows:
            return None
        if self.inline_kind == "sixel":  # blank cells; the article sends the pixels after them
            ready = self.picture_sixel(path, cols, rows)
            return [Segment(" " * cols)] if ready is not None and index < len(ready) else None
        return self.picture_row(path, cols, rows, index)

    def row_sixel(self, post_path: str, src: str, width: int, index: int) -> str | None:
        """Row ``index`` of an article's picture as a Sixel image (None: not ready, or none)."""
        path, (cols, rows) = self._sizes.get((post_path, src, width), (None, (0, 0)))
        if path is None or not rows or self.inline_kind != "sixel":
            return None
        ready = self.picture_sixel(path, cols, rows)
        return ready[index] if ready is not None and index < len(ready) else None

    def picture_row(self, path: Path, cols: int, rows: int, index: int) -> list[Segment] | None:
        """Row ``index`` of the picture at ``path`` drawn in ``cols`` x ``rows`` cells (half
        blocks or the graphics protocol's placeholders); None until it is decoded (in the
        background, then ``on_ready``) or if it cannot be."""
        key = (path, cols, rows, self.inline_kind)
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
        self._start(key)
        return None

    def picture_sixel(self, path: Path, cols: int, rows: int) -> list[str] | None:
        """The picture at ``path`` in ``cols`` x ``rows`` cells as Sixel (only for ``kind``
        "sixel"): one image a row of cells, each a whole control string (``ESC P ... q ...
        ESC \\``) to send at the row's left edge; None until encoded (in the background,
        then ``on_ready``) or if it cannot be."""
        key = (path, cols, rows, "sixel")
        with self._lock:
            if key in self._rows:
                done: list[str] | None = self._rows[key]
                return done
        self._start(key)
        return None

    def _start(self, key: tuple[Path, int, int, str]) -> None:
        with self._lock:
            if key in self._pending or key in self._rows:
                return
            self._pending.add(key)
        self._pool.submit(self._load, key)

    def _load(self, key: tuple[Path, int, int, str]) -> None:
        try:
            drawn = self._draw(*key)
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

    def _draw(self, path: Path, cols: int, rows: int, how: str) -> Any:
        from PIL import Image

        with Image.open(path) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValueError("too many pixels")
            if how == "halfcell":
                target = (cols, rows * 2)
            else:
                target = (cols * self.cell[0], rows * self.cell[1])
            if target[0] * target[1] > MAX_DRAWN:
                raise ValueError("too many pixels to draw")
            image.draft("RGB", target)  # JPEG: decode at a fraction of the size
            small = image.convert("RGBA").resize(target)
        flat = Image.new("RGB", small.size, (0, 0, 0))
        flat.paste(small, mask=small.getchannel("A"))
        if how == "halfcell":
            return _half_blocks(flat, cols, rows)
        if how == "sixel":
            return sixel_rows(flat, rows, self.cell[1])
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


# A Sixel control string: its start (the DCS, the raster attributes) and a colour definition.
_SIXEL_START = re.compile(r'\x1bP[0-9;]*q("[0-9;]*)?')
_SIXEL_COLOUR = re.compile(r"#([0-9]+);2;[0-9]+;[0-9]+;[0-9]+")
# The segment's control codes say to Rich and Textual that it takes no cells (never sent).
_NO_CELLS = ((ControlType.CURSOR_FORWARD, 0),)


def sixel_rows(image: Any, rows: int, cell_height: int) -> list[str]:
    """The RGB ``image`` (``rows`` cells high) as Sixel, one image a row of cells: each row is
    drawn, and drawn again, on its own when Textual writes that row (text written over Sixel
    pixels erases them, cell by cell). One palette for the whole picture, so the rows match."""
    from PIL import Image
    from textual_image._sixel import image_to_sixels  # the encoder (no terminal probe)

    # 256 colours chosen for the picture, then dithered: a photo's gradients, not patches
    palette = image.quantize(256, method=Image.Quantize.MEDIANCUT)
    paletted = image.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG)
    return [
        _colours_first(
            image_to_sixels(
                paletted.crop((0, row * cell_height, paletted.width, (row + 1) * cell_height))
            )
        )
        for row in range(rows)
    ]


def _colours_first(data: str) -> str:
    """``data`` with every colour defined at its start and P2=1. Seen in xterm (-ti vt340):
    a colour register defined after pixels were drawn (as the encoder writes it, at first use)
    gives stray pixels of wrong colours; defined first, the picture is right. P2=1: pixels
    not drawn keep what is there (the last six-pixel band may reach below the row)."""
    start = _SIXEL_START.match(data)
    if start is None:
        raise ValueError("not a Sixel image")
    body = data[start.end() :]
    colours = "".join(m.group(0) for m in _SIXEL_COLOUR.finditer(body))
    body = _SIXEL_COLOUR.sub(lambda m: "#" + m.group(1), body)
    return f"\x1bP0;1;0q{start.group(1) or ''}{colours}{body}"


def sixel_segment(data: str, cols: int) -> Segment:
    """A segment to put last in a row of ``cols`` cells (a strip of exactly that length): the
    cursor kept (DECSC/DECRC), moved back to the row's left edge, the Sixel image ``data``
    drawn there.

    Last in a strip of its own length, because Textual's colour filter (ANSIToTruecolor) drops
    the segment's control mark, and from then on a crop or a cut counts its characters as
    cells: there it is kept whole, or left out whole when the row is cut (an overlay, a
    smaller screen), never split (a split control string would eat the screen's next
    bytes)."""
    return Segment(f"\x1b7\x1b[{cols}D{data}\x1b8", None, _NO_CELLS)


def strip_for(segments: list[Segment], margin: int, width: int, base: Style) -> Strip:
    """An image row placed like the text (after the margin), cut or padded to ``width``."""
    cells = [Segment(s.text, s.style or base) for s in segments]
    return Strip([Segment(" " * margin, base), *cells]).adjust_cell_length(width, base)
