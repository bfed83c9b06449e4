"""Save and pipe the open post (issue 11 feature): never into the archive, Markdown as written
or text as shown, and not when served."""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import pytest

from newsterm.archive import Archive
from newsterm.state import ReadingState
from newsterm.tui.export import ExportError, save_post, save_target
from tmux_helpers import HAVE_TMUX, Tmux
from tui_helpers import make_app, type_at_once, wait_for

pytestmark = pytest.mark.anyio
SIZE = (120, 40)
POST = "---\ntitle: Saved post\ndate: 2024-01-01\n---\n\n## Part\n\nSome *text* here.\n"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    root.mkdir()
    (root / "2024-01-01-saved.md").write_text(POST, "utf-8")
    return root


def test_save_never_writes_into_the_archive(root: Path, tmp_path: Path):
    post = Archive(root).read("2024-01-01-saved.md")
    with pytest.raises(ExportError, match="never writes into the archive"):
        save_target(root, post, str(root / "copy.md"))
    with pytest.raises(ExportError):
        save_target(root, post, str(root))
    out = tmp_path / "out"
    out.mkdir()
    assert save_target(root, post, str(out)) == (out / "2024-01-01-saved.md").resolve()


def test_markdown_as_written_and_text_as_shown(root: Path, tmp_path: Path):
    post = Archive(root).read("2024-01-01-saved.md")
    md = save_post(root, post, str(tmp_path / "a" / "b.md"))
    assert md.read_text("utf-8") == POST
    txt = save_post(root, post, str(tmp_path / "b.txt")).read_text("utf-8")
    assert txt.startswith("Saved post\n") and "Some text here." in txt and "*" not in txt


def test_text_as_shown_has_the_lede_under_the_title(root: Path, tmp_path: Path):
    (root / "2024-01-02-lede.md").write_text(
        "---\ntitle: With a lede\ndescription: One *short* paragraph that says what it is "
        "about, long enough to be wrapped at eighty columns.\n---\n\nThe body.\n",
        "utf-8",
    )
    post = Archive(root).read("2024-01-02-lede.md")
    lines = save_post(root, post, str(tmp_path / "c.txt")).read_text("utf-8").splitlines()
    assert lines[:2] == ["With a lede", ""]
    lede = lines[2 : lines.index("", 2)]
    assert " ".join(lede) == post.lede and "*" not in post.lede
    assert len(lede) == 2 and all(len(line) <= 80 for line in lede)
    assert "The body." in lines[2 + len(lede) :]


async def test_s_saves_the_open_post_where_asked(root: Path, tmp_path: Path):
    app = make_app(root, state=ReadingState.in_memory(root), restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current is not None)
        await pilot.press("s")
        await pilot.pause()
        box = app.screen.query_one("#prompt-input")
        box.value = str(tmp_path / "saved.txt")
        await pilot.press("enter")
        await pilot.pause()
        assert (tmp_path / "saved.txt").read_text("utf-8").startswith("Saved post")
        await pilot.press("s")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = str(root / "x.md")
        await pilot.press("enter")
        await pilot.pause()
        assert not (root / "x.md").exists()
        assert any("never writes" in str(n.message) for n in app._notifications)


async def test_pipe_hands_the_markdown_to_the_command(root: Path, monkeypatch):
    import builtins
    import subprocess

    runs: list[tuple[str, str]] = []

    def run(command, shell, input, text):
        runs.append((command, input))
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(builtins, "input", lambda prompt="": "")
    app = make_app(root, state=ReadingState.in_memory(root), restore=False)
    monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current is not None)
        await pilot.press("vertical_line")
        await pilot.pause()
        await pilot.press("w", "c", "space", "minus", "w", "enter")
        await pilot.pause()
        assert runs == [("wc -w", POST)]


async def test_keys_typed_with_s_or_pipe_land_in_the_question(root: Path, monkeypatch):
    """Seen in tmux: `|wc -l` sent in one go lost its first letters (the question was not yet
    focused when they came). Typed in the same instant, every key lands in the box."""
    import subprocess

    monkeypatch.setattr(subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0))
    app = make_app(root, state=ReadingState.in_memory(root), restore=False)
    monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current is not None)
        type_at_once(app, "|wc -l")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
        box = app.screen.query_one("#prompt-input")
        await wait_for(pilot, lambda: box.value == "wc -l")
        assert app.focused is box
        await pilot.press("escape")
        await pilot.pause()
        type_at_once(app, "s/tmp/x.txt")  # replaces the default, which is selected
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
        box = app.screen.query_one("#prompt-input")
        await wait_for(pilot, lambda: box.value == "/tmp/x.txt")
        type_at_once(app, "s|")  # in the box, s and | are typed
        await wait_for(pilot, lambda: box.value == "/tmp/x.txts|")
        assert type(app.screen).__name__ == "PromptScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "MainScreen"


async def test_served_readers_cannot_save_or_pipe(root: Path):
    app = make_app(root, state=ReadingState.in_memory(root), restore=False, served=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current is not None)
        await pilot.press("s")
        await pilot.press("vertical_line")
        await pilot.pause()
        assert type(app.screen).__name__ == "MainScreen"
        notes = [str(n.message) for n in app._notifications]
        assert any("Saving is not available" in n for n in notes)
        assert any("Piping is not available" in n for n in notes)


# ------------------------------------------------------------------ in a real terminal (tmux)

NEWSTERM = Path(sys.executable).with_name("newsterm")


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_TMUX, reason="needs tmux")
def test_pipe_and_save_in_a_real_terminal(root: Path, tmp_path: Path):
    """The reader in tmux, as a person uses it: `|` suspends the reader, runs the command on
    the terminal with the post's Markdown on its input, waits for Enter and comes back; `s`
    saves where the prompt says (the default under ~/newsterm-saved, a .txt as text), never
    into the archive."""
    home = tmp_path / "home"
    home.mkdir()
    piped = tmp_path / "piped.md"
    command = f"{NEWSTERM} --archive {root}; echo READER-EXIT=$?; sleep 60"
    term = Tmux(tmp_path, command, width=100, height=30, env={"HOME": str(home)})
    try:
        term.wait_for("Saved post")
        term.keys("Enter")
        term.wait_for("Some text here.")

        term.type(f"|tee {piped} | wc -l")  # in one go: the question takes every key
        term.wait_for("Pipe the post")
        _wait_typed(term, "wc -l")
        term.keys("Enter")
        screen = term.wait_for("[Enter: back to newsterm]")
        assert "Some text here." not in screen  # the reader is suspended: the shell's screen
        assert screen.splitlines()[0] == f"$ tee {piped} | wc -l"  # on a cleared screen
        assert str(POST.count("\n")) in screen.split()  # wc's answer, on the terminal
        assert piped.read_text("utf-8") == POST  # the file as written
        term.keys("Enter")
        term.wait_for("Some text here.")  # back in the reader, redrawn

        term.type("|")
        term.wait_for("Pipe the post")
        term.type("exit 3")
        term.keys("Enter")
        screen = term.wait_for("[exit 3; Enter: back to newsterm]")
        assert screen.splitlines()[0] == "$ exit 3" and "wc -l" not in screen
        term.keys("Enter")
        term.wait_for("Some text here.")

        term.type("s")
        screen = term.wait_for("Save the post")
        assert "~/newsterm-saved/2024-01-01-saved.md" in screen
        term.keys("Enter")
        _wait_saved(term, home / "newsterm-saved" / "2024-01-01-saved.md")
        assert (home / "newsterm-saved" / "2024-01-01-saved.md").read_text("utf-8") == POST
        term.wait_gone("Save the post")
        term.wait_gone("2024-01-01-saved.md")  # the toast "Saved …/2024-01-01-saved.md" went

        term.type("s" + str(tmp_path / "out" / "post.txt"))  # in one go: replaces the default
        term.wait_for("Save the post")
        _wait_typed(term, "post.txt")
        term.keys("Enter")
        _wait_saved(term, tmp_path / "out" / "post.txt")
        text = (tmp_path / "out" / "post.txt").read_text("utf-8")
        assert text.startswith("Saved post\n") and "Some text here." in text and "*" not in text

        term.type("s")
        term.wait_for("Save the post")
        term.keys("C-u")
        # the box has taken C-u (its default is gone) before the path is typed: typed as soon
        # as the dialog was drawn, the path's first characters were lost (the box not yet
        # focused) and the rest saved as a relative path in the working folder
        term.wait_gone("newsterm-saved/2024-01-01-saved.md")
        term.type(str(root / "copy.md"))
        _wait_typed(term, "copy.md")
        term.keys("Enter")
        term.wait_for("Not saved")
        assert sorted(p.name for p in root.iterdir()) == ["2024-01-01-saved.md"]

        term.type("q")
        term.wait_for("READER-EXIT=0")
    finally:
        term.close()


def _wait_saved(term: Tmux, path: Path, timeout: float = 60.0) -> None:
    """``path`` is written and the reader says so: its "Saved" toast is on the screen (the
    reader shows it once the file is written whole; a fixed pause raced it under load)."""
    deadline = time.monotonic() + timeout
    screen = ""
    while True:
        screen = term.screen()
        toast = any(row.rstrip().endswith("▌ Saved") for row in screen.splitlines())
        if toast and path.exists():
            return
        assert time.monotonic() < deadline, f"{path} not saved, or no toast:\n{screen}"
        time.sleep(0.2)


def _wait_typed(term: Tmux, end: str) -> None:
    """The prompt's box shows the typed name alone (C-u cleared the default first)."""
    screen = term.wait_for(f"{end}  ")
    row = next(row for row in screen.splitlines() if f"{end}  " in row)
    assert "newsterm-saved" not in row, screen
