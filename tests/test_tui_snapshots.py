"""Snapshot tests of the main reader screens at 120x40 and 80x24, dark and light.

They use a fixed archive built here (the seed post plus three small posts and a broken one), a
memory-only reading state, no live watching and no index sync, so every run draws the same.
Update with ``pytest tests/test_tui_snapshots.py --snapshot-update`` after a deliberate change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsterm.state import ReadingState
from tui_helpers import SEED, FakeIndex, make_app, wait_for

REPO = Path(__file__).resolve().parents[1]

EXTRA = {
    "2024-05-02-ai-chips.md": (
        "---\ntitle: 인공지능 반도체 전쟁, 다음 라운드\ndate: 2024-05-02 09:00:00 +0900\n"
        "categories: [IT]\ntags: [반도체, AI]\n"
        "description: 설계와 공급망, 그리고 **누가** 다음 라운드를 가져갈지 짚어 본다.\n---\n"
        "\n## 개요\n\n칩 이야기.\n\n## 전망\n\n"
        "수요는 계속 늘어난다.\n"
    ),
    "2023-01-15-reading-notes.md": (
        "---\ntitle: Reading notes: slow mornings\ndate: 2023-01-15\ncategories: [Life]\n"
        "tags: [books]\n---\n\nA short *post* with a [link](https://example.com) and `code`.\n"
        "\n- one\n- two\n"
    ),
    "2022-07-30-summer.md": (
        "---\ntitle: 여름 휴가 계획\ndate: 2022-07-30\ncategories: [일상]\n---\n\n바다로 간다.\n"
    ),
    "2025-02-02-broken.md": "---\ntitle: [oops\n---\nbody\n",
}


@pytest.fixture(autouse=True)
def fixed_config_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Help names the config file: the same path on every machine, for the snapshots."""
    import newsterm.tui.keys

    fixed = Path("/home/reader/.config/newsterm/config.toml")
    monkeypatch.setattr(newsterm.tui.keys, "config_file", lambda: fixed)


@pytest.fixture
def fixed_archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    root.mkdir()
    shutil.copy(REPO / "archive" / SEED, root / SEED)
    for name, text in EXTRA.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def _app(root: Path, theme: str, index: FakeIndex | None = None):
    app = make_app(
        root,
        state=ReadingState.in_memory(root),
        restore=False,
        index=index,
        sync_index=index is not None,
    )
    app.theme = theme
    app.show_search_time = False
    return app


async def _loaded(pilot) -> None:
    await wait_for(pilot, lambda: pilot.app.loaded)
    await pilot.pause()


async def _open_seed(pilot) -> None:
    app = pilot.app
    await _loaded(pilot)
    app.post_list.select_path(SEED)
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
    await pilot.pause()
    await pilot.pause()


async def _search(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.loaded and app.index_ready)
    await pilot.press("slash", *"넷플릭스")
    await wait_for(
        pilot, lambda: app.search_panel.query_text == "넷플릭스" and not app.main._search_busy
    )
    await pilot.pause()
    await pilot.pause()


async def _help(pilot) -> None:
    await _loaded(pilot)
    await pilot.press("question_mark")
    await pilot.pause()


THEMES = pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
SIZES = pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])


@THEMES
@SIZES
def test_reading_the_seed(snap_compare, fixed_archive: Path, theme: str, size):
    assert snap_compare(_app(fixed_archive, theme), terminal_size=size, run_before=_open_seed)


@THEMES
@SIZES
def test_post_list(snap_compare, fixed_archive: Path, theme: str, size):
    assert snap_compare(_app(fixed_archive, theme), terminal_size=size, run_before=_loaded)


@THEMES
@SIZES
def test_search_results(snap_compare, fixed_archive: Path, theme: str, size):
    app = _app(fixed_archive, theme, index=FakeIndex())
    assert snap_compare(app, terminal_size=size, run_before=_search)


@THEMES
@SIZES
def test_help_screen(snap_compare, fixed_archive: Path, theme: str, size):
    assert snap_compare(_app(fixed_archive, theme), terminal_size=size, run_before=_help)


def test_reading_a_post_with_a_lede(snap_compare, fixed_archive: Path):
    async def run_before(pilot) -> None:
        app = pilot.app
        await _loaded(pilot)
        app.post_list.select_path("2024-05-02-ai-chips.md")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
        await pilot.pause()
        await pilot.pause()

    app = _app(fixed_archive, "textual-dark")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_search_hit_in_the_article(snap_compare, fixed_archive: Path):
    async def run_before(pilot) -> None:
        await _search(pilot)
        app = pilot.app
        index = next(i for i, h in enumerate(app.search_panel.hits) if h.path == SEED)
        app.search_panel.results.highlighted = index
        app.search_panel.results.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
        await wait_for(pilot, lambda: app.article.hits and app.article.hit_index == 0)
        await pilot.pause(0.2)

    app = _app(fixed_archive, "textual-dark", index=FakeIndex())
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_facets_screen(snap_compare, fixed_archive: Path):
    async def run_before(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("f")
        await pilot.pause()

    assert snap_compare(
        _app(fixed_archive, "textual-dark"), terminal_size=(120, 40), run_before=run_before
    )


def test_outline_scrolled_to_second_article(snap_compare, fixed_archive: Path):
    async def run_before(pilot) -> None:
        await _open_seed(pilot)
        await pilot.press("right_square_bracket")
        for _ in range(8):
            await pilot.press("right_square_bracket")
        await pilot.pause()

    assert snap_compare(
        _app(fixed_archive, "textual-dark"), terminal_size=(120, 40), run_before=run_before
    )
