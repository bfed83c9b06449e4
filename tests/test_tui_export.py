"""Save and pipe the open post (issue 11 feature): never into the archive, Markdown as written
or text as shown, and not when served."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from newsterm.archive import Archive
from newsterm.state import ReadingState
from newsterm.tui.export import ExportError, save_post, save_target
from tui_helpers import make_app, wait_for

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
