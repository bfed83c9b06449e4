"""Images in the reader (tui/images.py): drawn in the rows the layout leaves, lazily, in the
background; placeholders for remote and unreadable images, and when served without graphics."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
import types
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from newsterm.state import ReadingState
from newsterm.tui.images import ImagePainter, detect, fit
from tmux_helpers import HAVE_TMUX, Tmux
from tui_helpers import make_app, wait_for

pytestmark = pytest.mark.anyio
NEWSTERM = Path(sys.executable).with_name("newsterm")
POST = (
    "---\ntitle: 해와 들판\ndate: 2024-06-01\n---\n\nBefore the picture.\n\n"
    "![a sun over a field](/assets/img/sun.png)\n\nAfter it, a remote one:\n\n"
    "![remote logo](https://example.org/logo.png)\n\n![broken](/assets/img/broken.png)\n\n"
    "The end.\n"
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A Jekyll site with one post and its picture; the archive is ``_posts``."""
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "assets" / "img").mkdir(parents=True)
    (site / "_config.yml").write_text("title: t\n")
    picture = Image.new("RGB", (320, 160), (30, 60, 160))
    draw = ImageDraw.Draw(picture)
    draw.ellipse((100, 20, 220, 140), fill=(240, 200, 40))
    picture.save(site / "assets" / "img" / "sun.png")
    (site / "assets" / "img" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    (site / "_posts" / "2024-06-01-sun.md").write_text(POST, encoding="utf-8")
    return site / "_posts"


def test_fit_keeps_the_shape_and_never_grows():
    assert fit((320, 160), (8, 16), 92) == (40, 10)
    assert fit((80, 16), (8, 16), 92) == (10, 1)  # small: its own size
    assert fit((3200, 1600), (8, 16), 60) == (60, 15)  # big: to the width, shape kept
    assert fit((1600, 3200), (8, 16), 92) == (20, 20)  # tall: to MAX_ROWS
    cols, rows = fit((4000, 400), (8, 16), 50)
    assert cols == 50 and rows == 2  # very wide: to the width
    assert fit((0, 10), (8, 16), 50) == (0, 0)


def _rows_of(app) -> list[str]:
    article = app.article
    return [
        "".join(segment.text for segment in article.render_line(y))
        for y in range(article.size.height)
    ]


async def test_a_local_image_is_drawn_below_its_placeholder(site: Path):
    app = make_app(site, state=ReadingState.in_memory(site), restore=False, images="halfcell")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
        doc = app.doc
        assert [(s.src, s.height) for s in doc.images] == [("/assets/img/sun.png", 10)]
        await wait_for(pilot, lambda: "▀" in "".join(_rows_of(app)))
        rows = _rows_of(app)
        at = next(i for i, row in enumerate(rows) if "[image: a sun over a field]" in row)
        drawn = rows[at + 1 : at + 11]
        assert all(row.strip() == "▀" * 40 for row in drawn), drawn
        # colours: the sky and the sun are there (upper and lower half of each cell)
        strip = app.article.render_line(at + 5)
        colours = {str(s.style.color.triplet) for s in strip if s.text == "▀" * len(s.text)
                   and s.style and s.style.color and s.style.color.triplet}  # fmt: skip
        assert any("240" in c and "200" in c for c in colours), colours
        assert any(",60," in c.replace(" ", "") or "60" in c for c in colours)
        # the remote image and the unreadable one stay placeholders, no rows left for them
        assert any("[image: remote logo]" in row for row in rows)
        remote = next(i for i, row in enumerate(rows) if "[image: remote logo]" in row)
        assert rows[remote + 2].strip() == "[image: broken]"


async def test_images_are_decoded_only_when_they_come_on_screen(site: Path):
    body = "Top.\n\n" + "\n\n".join(f"Line {i}." for i in range(80)) + "\n\n"
    body += "![a sun](/assets/img/sun.png)\n"
    (site / "2024-06-01-sun.md").write_text("---\ntitle: long\n---\n\n" + body, "utf-8")
    app = make_app(site, state=ReadingState.in_memory(site), restore=False, images="halfcell")
    loaded: list[Path] = []
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        painter = app.main.image_painter
        real = painter._draw

        def draw(path, *how):
            loaded.append(path)
            return real(path, *how)

        painter._draw = draw
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
        await pilot.pause(0.5)
        assert loaded == []  # far below: not decoded
        app.article.focus()
        await pilot.press("G")
        await wait_for(pilot, lambda: "▀" in "".join(_rows_of(app)))
        assert len(loaded) == 1


async def test_without_graphics_images_stay_placeholders(site: Path):
    app = make_app(site, state=ReadingState.in_memory(site), restore=False)  # images=None
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
        assert app.doc.images == []
        rows = _rows_of(app)
        at = next(i for i, row in enumerate(rows) if "[image: a sun over a field]" in row)
        assert rows[at + 1].strip() == "" and rows[at + 2].strip().startswith("After it")


def _fake_terminal(monkeypatch, chosen: str, kitty_query: bool = False) -> None:
    """A terminal on stdin/stdout whose textual-image probe chose ``chosen`` (and whose answer to
    the graphics protocol's own query is ``kitty_query``)."""

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "__stdin__", Tty())
    monkeypatch.setattr(sys, "__stdout__", Tty())
    monkeypatch.setenv("TERM", "xterm-kitty")
    monkeypatch.delenv("NEWSTERM_IMAGES", raising=False)
    monkeypatch.delenv("TMUX", raising=False)
    cls = type("Image", (), {"__module__": f"textual_image.renderable.{chosen}"})
    fake = types.ModuleType("textual_image.renderable")
    fake.Image = cls
    tgp = types.ModuleType("textual_image.renderable.tgp")
    tgp.query_terminal_support = lambda: kitty_query
    fake.tgp = tgp
    monkeypatch.setitem(sys.modules, "textual_image.renderable", fake)
    monkeypatch.setitem(sys.modules, "textual_image.renderable.tgp", tgp)
    package = sys.modules.get("textual_image") or types.ModuleType("textual_image")
    monkeypatch.setattr(package, "renderable", fake, raising=False)
    monkeypatch.setitem(sys.modules, "textual_image", package)
    terminal = types.ModuleType("textual_image._terminal")
    terminal.get_cell_size = lambda: (10, 20)
    monkeypatch.setitem(sys.modules, "textual_image._terminal", terminal)


@pytest.mark.parametrize(
    ("chosen", "kitty_query", "local", "served"),
    [
        ("tgp", False, "tgp", "tgp"),
        ("sixel", False, "sixel", "sixel"),  # a Sixel terminal calling itself Kitty
        ("sixel", True, "tgp", "tgp"),  # both: the graphics protocol first
        ("halfcell", False, "halfcell", None),
    ],
)
def test_detect_served_readers_draw_only_with_a_graphics_protocol(
    monkeypatch, chosen: str, kitty_query: bool, local: str, served: str | None
):
    _fake_terminal(monkeypatch, chosen, kitty_query)
    assert detect(served=False) == local
    assert detect(served=True) == served


def test_detect_without_a_terminal_or_when_turned_off(monkeypatch):
    assert detect(served=False) is None  # pytest's stdout is no terminal
    _fake_terminal(monkeypatch, "tgp")
    monkeypatch.setenv("NEWSTERM_IMAGES", "off")
    assert detect(served=False) is None
    monkeypatch.delenv("NEWSTERM_IMAGES")
    monkeypatch.setenv("TERM", "dumb")
    assert detect(served=False) is None
    monkeypatch.delitem(sys.modules, "textual_image.renderable")
    for term in ("tmux-256color", "screen", "linux"):  # no sign of graphics: no probe
        monkeypatch.setenv("TERM", term)
        assert detect(served=False) == "halfcell" and detect(served=True) is None
    assert "textual_image.renderable" not in sys.modules


XTERM_VT340 = b"\x1b[?63;1;2;4;6;9;15;16;22;28c"  # xterm -ti vt340's answer to DA1 (4: Sixel)
XTERM_PLAIN = b"\x1b[?64;1;2;6;9;15;16;17;18;21;22;28c"  # xterm's own, without Sixel


def _detect_in_a_terminal(
    term: str, answer: bytes | None, served: bool, pixels: tuple[int, int] = (1200, 800)
) -> tuple[str, bytes]:
    """``detect(served)`` in a process on a pseudo-terminal (of ``pixels``) whose other end
    answers DA1 with ``answer`` (None: never answers) and nothing else. Returns what detect
    said and all it sent."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, *pixels))
    env = {k: v for k, v in os.environ.items() if k not in _GRAPHICS_VARIABLES}
    env["TERM"] = term
    code = f"from newsterm.tui.images import detect; print('KIND=%r' % detect(served={served}))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=slave, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    sent = b""
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the process has gone and closed its end
                    break
                if not chunk:
                    break
                if answer is not None and b"\x1b[c" in chunk and b"\x1b[c" not in sent:
                    os.write(master, answer)
                sent += chunk
            elif proc.poll() is not None:
                break
        proc.wait(timeout=30)
    finally:
        os.close(master)
    assert proc.returncode == 0, sent
    said = re.search(rb"KIND=(\S+)", sent)
    assert said is not None, sent
    return said.group(1).decode(), sent


_GRAPHICS_VARIABLES = ("TMUX", "NEWSTERM_IMAGES", "TERM_PROGRAM", "KITTY_WINDOW_ID")


@pytest.mark.parametrize(
    ("term", "answer", "local", "served"),
    [
        ("xterm", XTERM_VT340, "'sixel'", "'sixel'"),
        ("xterm-256color", XTERM_PLAIN, "'halfcell'", "None"),
        ("xterm-256color", None, "'halfcell'", "None"),  # no answer: 0.1 s, then no Sixel
        ("foot", b"\x1b[?62;4;22c", "'sixel'", "'sixel'"),
    ],
    ids=["vt340", "xterm-plain", "silent", "foot"],
)
def test_detect_asks_an_xterm_like_terminal_for_sixel_and_nothing_else(
    term: str, answer: bytes | None, local: str, served: str
):
    """One question, DA1, to a terminal whose TERM may speak Sixel (a served reader's TERM is
    the client's): Sixel if the answer lists 4. No graphics protocol query (xterm would not
    answer it: 0.1 s at every start)."""
    said, sent = _detect_in_a_terminal(term, answer, served=False)
    assert said == local
    assert sent.count(b"\x1b[c") == 1 and b"\x1b_G" not in sent
    said, _ = _detect_in_a_terminal(term, answer, served=True)
    assert said == served


def test_a_terminal_that_does_not_say_its_cell_size_gets_no_traceback():
    """A pty without a pixel size (a served reader's, or a terminal that leaves it 0): the cell
    size is asked, xterm does not answer it; the reader goes on with a guess, and nothing of
    textual-image's warning reaches the terminal."""
    said, sent = _detect_in_a_terminal("xterm", XTERM_VT340, served=True, pixels=(0, 0))
    assert said == "'sixel'" and b"\x1b[16t" in sent
    assert b"Traceback" not in sent and b"cell size" not in sent


def test_detect_asks_nothing_inside_tmux():
    said, sent = _detect_in_a_terminal("tmux-256color", XTERM_VT340, served=True)
    assert said == "None" and b"\x1b[" not in sent


def test_kitty_graphics_rows_are_unicode_placeholders(site: Path, capfd):
    """With the Terminal Graphics Protocol the pixels go to the terminal once (on the reader's
    thread) and the rows are placeholder cells carrying the image's id in their colour."""
    painter = ImagePainter(site, "tgp")
    painter.cell = (10, 20)
    cols, rows = painter.size("2024-06-01-sun.md", "/assets/img/sun.png", 92)
    assert (cols, rows) == (32, 8)
    assert painter.row("2024-06-01-sun.md", "/assets/img/sun.png", 92, 0) is None  # loading
    deadline = time.monotonic() + 10
    row = None
    while row is None and time.monotonic() < deadline:
        time.sleep(0.05)
        row = painter.row("2024-06-01-sun.md", "/assets/img/sun.png", 92, 0)
    assert row is not None
    text = "".join(segment.text for segment in row)
    assert text.count("\U0010eeee") == cols
    sent = capfd.readouterr().out
    assert sent.startswith("\x1b_G") and "a=p" in sent  # the picture and its placement
    painter.close()


def test_the_layout_is_told_no_rows_for_remote_missing_or_broken_images(site: Path):
    painter = ImagePainter(site, "halfcell")
    post = "2024-06-01-sun.md"
    assert painter.size(post, "/assets/img/sun.png", 92) == (40, 10)
    assert painter.size(post, "https://example.org/logo.png", 92) == (0, 0)
    assert painter.size(post, "/assets/img/broken.png", 92) == (0, 0)
    assert painter.size(post, "/assets/img/none.png", 92) == (0, 0)
    painter.close()


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_TMUX, reason="needs tmux")
def test_the_reader_draws_the_image_in_a_real_terminal(site: Path, tmp_path: Path):
    """tmux passes no graphics protocol through: the reader draws half blocks in colour
    without probing the terminal; the remote image stays its placeholder."""
    raw = tmp_path / "raw.bin"
    command = f"{NEWSTERM} --archive {site}; echo READER-EXIT=$?; sleep 60"
    term = Tmux(tmp_path, command, width=120, height=40, env={"COLORTERM": "truecolor"})
    try:
        term.run("pipe-pane", "-O", f"cat >> {raw}")
        term.wait_for("해와 들판")
        term.keys("Enter")

        def image_rows(screen: str) -> list[str]:
            """the ten rows under the image's alt line"""
            rows = screen.splitlines()
            at = next((i for i, row in enumerate(rows) if "[image: a sun over a field]" in row), -1)
            return rows[at + 1 : at + 11] if at >= 0 else []

        # the whole picture, not only its first row: a capture that came while the frame was
        # being written showed the first rows of half blocks and not the rest (seen under load)
        screen = term.wait_screen(lambda s: sum("▀" * 40 in row for row in image_rows(s)) == 10)
        assert all("▀" * 40 in row for row in image_rows(screen))
        assert "[image: remote logo]" in screen
        term.type("q")
        term.wait_for("READER-EXIT=0")
    finally:
        term.close()
    out = raw.read_bytes()
    assert b"\x1b_G" not in out  # no graphics query: tmux would not answer it
    assert b"240;200;40" in out  # the sun's yellow, as sent to the terminal


SIZES = pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])


@SIZES
def test_snapshot_of_a_post_with_its_image(snap_compare, site: Path, size):
    async def run_before(pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
        await wait_for(pilot, lambda: "▀" in "".join(_rows_of(app)))
        await pilot.pause()

    app = make_app(site, state=ReadingState.in_memory(site), restore=False, images="halfcell")
    app.theme = "textual-dark"
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("served", [False, True], ids=["local", "served"])
async def test_a_remote_image_opens_from_the_link_list_or_is_copied_when_served(
    site: Path, monkeypatch, served: bool
):
    from textual.app import App

    opened: list[str] = []
    monkeypatch.setattr(App, "open_url", lambda self, url, **kw: opened.append(url))
    app = make_app(site, state=ReadingState.in_memory(site), restore=False, served=served)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
        await pilot.press("v")
        await pilot.pause()
        rows = [str(o.prompt) for o in app.screen.query_one("#links-list").options]
        assert rows[1].endswith("https://example.org/logo.png")
        await pilot.press("2")
        await pilot.pause()
        if served:
            assert opened == [] and app.clipboard == "https://example.org/logo.png"
        else:
            assert opened == ["https://example.org/logo.png"]


async def test_a_local_image_picked_from_the_links_opens_in_the_image_view(site: Path):
    """`v`, then the local picture's number: the picture fills an image view (never bigger
    than its own size); Esc closes it. The broken one is said, not shown."""
    app = make_app(site, state=ReadingState.in_memory(site), restore=False, images="halfcell")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
        await pilot.press("v")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "LinksScreen")
        rows = [str(o.prompt) for o in app.screen.query_one("#links-list").options]
        assert rows[0].endswith("/assets/img/sun.png")
        await pilot.press("1")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ImageScreen")
        picture = app.screen.query_one("Picture")
        # 320x160 pixels at 8x16 per cell: 40 columns, 10 rows (it fits: not grown)
        assert (picture.cols, picture.rows) == (40, 10)
        await wait_for(pilot, lambda: picture.ready)
        await pilot.pause()
        drawn = ["".join(s.text for s in picture.render_line(y)) for y in range(picture.rows)]
        assert all(row == "▀" * 40 for row in drawn), drawn
        assert not any(s.control for y in range(10) for s in picture.render_line(y))  # no Sixel
        yellow = {str(s.style.color.triplet) for s in picture.render_line(5) if s.style.color}
        assert any("240" in c and "200" in c for c in yellow)
        where = str(app.screen.query_one("#image-path").render())
        assert where.endswith("assets/img/sun.png")
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "MainScreen" and app.current is not None


@pytest.mark.parametrize("served", [False, True], ids=["images-off", "served"])
async def test_without_graphics_a_picked_image_says_where_it_is(site: Path, served: bool):
    app = make_app(site, state=ReadingState.in_memory(site), restore=False, served=served)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
        await pilot.press("v")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "LinksScreen")
        await pilot.press("1")
        await pilot.pause()
        assert type(app.screen).__name__ == "MainScreen"
        real = str((site.parent / "assets" / "img" / "sun.png").resolve())
        # served: the picture's place in the site, never the server's folders
        expected = "assets/img/sun.png" if served else real
        assert app.clipboard == expected
        notes = [str(n.message) for n in app._notifications]
        assert any(f"the picture is {expected}" in n for n in notes), notes
        assert not any(real in n for n in notes) or not served


def _decode_sixel(data: str) -> dict[tuple[int, int], tuple[int, int, int]]:
    """The pixels a Sixel image sets, by (x, y), in 0-255 RGB (the colours as defined, by the
    time they are used)."""
    body = data[data.index("q") + 1 : data.rindex("\x1b\\")]
    colours: dict[int, tuple[int, int, int]] = {}
    pixels: dict[tuple[int, int], tuple[int, int, int]] = {}
    colour, x, band = (0, 0, 0), 0, 0
    for m in re.finditer(
        r'"[0-9;]*|#([0-9]+)(;2;([0-9]+);([0-9]+);([0-9]+))?|!([0-9]+)(.)|[$-]|([?-~])', body
    ):
        if m.group(1) is not None:
            if m.group(2):
                colours[int(m.group(1))] = tuple(
                    round(int(v) * 255 / 100) for v in m.group(3, 4, 5)
                )
            colour = colours[int(m.group(1))]
        elif m.group(0) == "$":
            x = 0
        elif m.group(0) == "-":
            x, band = 0, band + 1
        elif m.group(0).startswith('"'):
            continue
        else:
            count, char = (int(m.group(6)), m.group(7)) if m.group(6) else (1, m.group(8))
            bits = ord(char) - 63
            for dx in range(count):
                for b in range(6):
                    if bits >> b & 1:
                        pixels[(x + dx, band * 6 + b)] = colour
            x += count
    return pixels


def _near(got: tuple[int, int, int], want: tuple[int, int, int], by: int = 16) -> bool:
    return all(abs(a - b) <= by for a, b in zip(got, want, strict=True))


def _sixel_rows(picture) -> list[str | None]:
    """Each row's Sixel control string as the view writes it (None: a row without one)."""
    out = []
    for y in range(picture.rows):
        strip = picture.render_line(y)
        assert strip.cell_length == picture.cols
        controls = [segment.text for segment in strip if segment.control]
        assert len(controls) <= 1
        out.append(controls[0] if controls else None)
    return out


async def _open_image_view(app, pilot) -> None:
    await wait_for(pilot, lambda: app.loaded)
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
    await pilot.press("v")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "LinksScreen")
    await pilot.press("1")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "ImageScreen")


async def test_with_sixel_the_image_view_sends_each_row_as_a_sixel_image(site: Path):
    """A terminal that answered the probe with Sixel: each row of the image view is its blank
    cells, then that row's Sixel image sent from the row's left edge (the cursor kept), 320
    pixels wide and a cell (20 pixels) high; together the picture, sun and all. Colours are
    defined before any pixel (xterm draws stray colours otherwise). Esc closes the view."""
    app = make_app(site, state=ReadingState.in_memory(site), restore=False, images="sixel")
    app.main.image_painter.cell = (10, 20)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_image_view(app, pilot)
        picture = app.screen.query_one("Picture")
        assert (picture.cols, picture.rows) == (32, 8)  # 320x160 pixels at 10x20: its own size
        await wait_for(pilot, lambda: picture.ready)
        rows = _sixel_rows(picture)
        pixels: dict[tuple[int, int], tuple[int, int, int]] = {}
        for y, row in enumerate(rows):
            assert row is not None
            assert row.startswith("\x1b7\x1b[32D\x1bP") and row.endswith("\x1b\\\x1b8"), row[:40]
            sixel = row[len("\x1b7\x1b[32D") : -len("\x1b8")]
            start = re.match(r'\x1bP0;1;0q"1;1;320;20((#[0-9]+;2;[0-9]+;[0-9]+;[0-9]+)+)', sixel)
            assert start is not None, sixel[:60]
            assert ";2;" not in sixel[start.end() :]  # every colour defined up front
            for (x, y_in_row), colour in _decode_sixel(sixel).items():
                if y_in_row < 20:
                    pixels[(x, y * 20 + y_in_row)] = colour
        assert len(pixels) == 320 * 160  # every pixel drawn, none below the rows
        assert _near(pixels[(160, 80)], (240, 200, 40))  # the sun
        assert _near(pixels[(5, 5)], (30, 60, 160)) and _near(pixels[(315, 155)], (30, 60, 160))
        # What Textual writes to the terminal for the whole screen: each row's image, whole.
        sent = app.screen._compositor.render_update(full=True).render_segments(app.console)
        assert [sent.count(row) for row in rows] == [1] * 8
        assert sent.count("\x1bP") == 8 and sent.count("\x1b\\") == 8
        # Cut anywhere (an overlay, a partial update), after Textual's colour filter took its
        # control mark away, a row keeps its image whole or leaves it out: never a piece.
        for line in (picture.render_line(0), *picture.render_lines(picture.region.reset_offset)):
            for k in range(33):
                for piece in (line.crop(0, k), *line.divide([k, 32])):
                    text = "".join(segment.text for segment in piece)
                    assert text.count("\x1bP") == text.count("\x1b\\") <= 1
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MainScreen")


async def test_the_palette_over_the_image_view_gets_no_sixel_pixels(site: Path):
    """Sixel pixels would be painted over a screen on top of the view: while the command
    palette is open the rows carry none; back on top, the view sends them again."""
    app = make_app(site, state=ReadingState.in_memory(site), restore=False, images="sixel")
    app.main.image_painter.cell = (10, 20)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_image_view(app, pilot)
        view = app.screen
        picture = view.query_one("Picture")
        await wait_for(pilot, lambda: picture.ready)
        assert all(_sixel_rows(picture))
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: app.screen is not view)
        assert not any(_sixel_rows(picture))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is view)
        assert all(_sixel_rows(picture))


async def test_a_served_reader_with_sixel_keeps_placeholders_and_shows_sixel_in_the_view(
    site: Path,
):
    app = make_app(
        site, state=ReadingState.in_memory(site), restore=False, served=True, images="sixel"
    )
    app.main.image_painter.cell = (10, 20)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
        await pilot.pause(0.3)
        shown = "\n".join(_rows_of(app))
        assert "[image: a sun over a field]" in shown and "▀" not in shown
        assert [s.height for s in app.doc.images] in ([], [0])  # no rows left for pixels
        await pilot.press("v")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "LinksScreen")
        await pilot.press("1")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ImageScreen")
        picture = app.screen.query_one("Picture")
        await wait_for(pilot, lambda: picture.ready)
        rows = _sixel_rows(picture)
        assert len(rows) == 8 and all(r is not None and '"1;1;320;20' in r for r in rows)
        where = str(app.screen.query_one("#image-path").render())
        assert where == "assets/img/sun.png"  # the site's path, never the server's folders


@pytest.mark.parametrize(
    ("said", "used"),
    [((9, 19), (9, 19)), ((500, 900), (10, 20)), ((1, 1), (10, 20)), ((64, 128), (64, 128))],
)
def test_a_cell_size_beyond_belief_is_not_used(site: Path, monkeypatch, said, used):
    """The cell's size in pixels is the terminal's word (a served reader's: its client's); one
    that would make pictures of hundreds of millions of pixels is not believed."""
    import textual_image._terminal as terminal

    monkeypatch.setattr(terminal, "get_cell_size", lambda: terminal.CellSize(*said))
    painter = ImagePainter(site, "sixel")
    assert painter.cell == used
    painter.close()


def test_a_picture_is_not_scaled_to_more_pixels_than_a_screen(site: Path):
    painter = ImagePainter(site, "sixel")
    painter.cell = (64, 128)
    path = site.parent / "assets" / "img" / "sun.png"
    assert painter.picture_sixel(path, 500, 200) is None
    deadline = time.monotonic() + 10
    while (path, 500, 200, "sixel") not in painter._rows and time.monotonic() < deadline:
        time.sleep(0.02)
    assert painter._rows[(path, 500, 200, "sixel")] is None  # 32000x25600: not drawn
    assert painter.picture_sixel(path, 500, 200) is None
    painter.close()


async def test_the_image_view_fits_the_picture_again_when_the_terminal_changes_size(site: Path):
    """A smaller terminal: the picture is fitted again (not cut, which would leave its Sixel
    rows out), and its rows are drawn again at the new size."""
    app = make_app(site, state=ReadingState.in_memory(site), restore=False, images="sixel")
    app.main.image_painter.cell = (10, 20)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_image_view(app, pilot)
        picture = app.screen.query_one("Picture")
        assert (picture.cols, picture.rows) == (32, 8)
        await pilot.resize_terminal(30, 10)  # room for 26x6 cells
        await wait_for(pilot, lambda: (picture.cols, picture.rows) == (24, 6))
        await wait_for(pilot, lambda: picture.ready)
        rows = _sixel_rows(picture)
        assert len(rows) == 6 and all(r is not None and '"1;1;240;20' in r for r in rows)
        assert picture.size == (24, 6)


SENT = re.compile(r'\x1b7\x1b\[(\d+);(\d+)H(\x1bP0;1;0q"1;1;(\d+);(\d+)[^\x1b]*\x1b\\)\x1b8')


async def test_with_sixel_the_article_sends_its_visible_image_rows_after_each_update(site: Path):
    """Inline Sixel: an image's rows in the article are blank cells, and after every update
    Textual writes, the visible rows' Sixel images are sent at their screen places (a scroll
    moves them; rows scrolled off are not sent). Under a dialog nothing is sent."""
    body = "\n\n".join(f"Line {i}." for i in range(40))
    post = POST.replace("The end.", body)
    (site / "2024-06-01-sun.md").write_text(post, encoding="utf-8")
    app = make_app(site, state=ReadingState.in_memory(site), restore=False, images="sixel")
    app.main.image_painter.cell = (10, 20)
    async with app.run_test(size=(120, 40)) as pilot:
        sent: list[str] = []
        app._driver.write = sent.append
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
        article = app.article
        await wait_for(pilot, lambda: len(article.sixel_rows()) == 8)
        await wait_for(pilot, lambda: any(SENT.search(x) for x in sent))
        placed = [SENT.match(m.group(0)).groups() for m in SENT.finditer(sent[-1])]
        assert [(w, h) for *_, w, h in placed] == [("320", "20")] * 8
        ys = [int(y) for y, *_ in placed]
        assert ys == list(range(ys[0], ys[0] + 8)) and len({x for _, x, *_ in placed}) == 1
        rows = _rows_of(app)
        at = next(i for i, row in enumerate(rows) if "[image: a sun over a field]" in row)
        assert all(not row.strip() for row in rows[at + 1 : at + 9])  # blank cells under them
        assert ys[0] == article.region.y + at + 1 + 1  # 1-based, the row under the alt line
        painter = app.main.image_painter
        path = site.parent / "assets" / "img" / "sun.png"
        whole = painter.picture_sixel(path, 32, 8)
        assert [data for *_, data, _w, _h in placed] == whole
        # Scrolled five rows: the picture moves up five rows, its first rows go off the top.
        article.focus()
        await wait_for(pilot, lambda: app.focused is article)
        sent.clear()
        for _ in range(at + 3):
            await pilot.press("j")
        await wait_for(pilot, lambda: article.scroll_offset.y == at + 3)

        def placed_last() -> list[tuple[str, ...]]:
            return [SENT.match(m.group(0)).groups() for m in SENT.finditer(sent[-1])]

        def first_row_of_last() -> str | None:
            placed = placed_last() if sent else []
            return placed[0][0] if placed else None

        # the frame after the scroll is written (a fixed 0.2 s could end before it under
        # load): its images start at the article's first row
        await wait_for(pilot, lambda: first_row_of_last() == str(article.region.y + 1))
        last = placed_last()
        assert [data for *_, data, _w, _h in last] == whole[2:]
        assert int(last[0][0]) == article.region.y + 1
        # A dialog on top: nothing to send.
        await pilot.press("v")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "LinksScreen")
        sent.clear()
        await pilot.pause(0.3)
        assert article.sixel_rows() == [] and not any("\x1bP" in x for x in sent)
