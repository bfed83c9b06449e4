"""Issue 11 bug 3: one line per search result title, cut with "…" by display width, whether or
not the result list has a scrollbar, at 120x40 and 80x24."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from newsterm.state import ReadingState
from tui_helpers import FakeIndex, make_app, wait_for

pytestmark = pytest.mark.anyio

DATE = re.compile(r"^ ?\d{4}-\d{2}-\d{2}  ")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _archive(root: Path, count: int) -> Path:
    root.mkdir()
    for i in range(count):
        title = (
            f"반도체 공급망 {i}호: 메모리 가격과 인공지능 데이터센터 투자가 한꺼번에 흔들린 한 해"
        )
        body = f"반도체 이야기 {i}. " + "메모리 수요가 늘었다. " * 12
        (root / f"2024-01-{i + 1:02d}-chips-{i}.md").write_text(
            f"---\ntitle: '{title}'\ndate: 2024-01-{i + 1:02d}\n---\n\n{body}\n", "utf-8"
        )
    return root


def _rows(results) -> list[str]:
    height = results.scrollable_content_region.height
    return [results.render_line(y).text for y in range(height)]


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
@pytest.mark.parametrize("count", [2, 20], ids=["no-scrollbar", "scrollbar"])
async def test_each_result_title_is_one_line_cut_with_an_ellipsis(tmp_path: Path, size, count):
    root = _archive(tmp_path / "a", count)
    app = make_app(
        root, state=ReadingState.in_memory(root), restore=False, sync_index=True, index=FakeIndex()
    )
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.loaded and app.index_ready)
        await pilot.press("slash", *"반도체")
        await wait_for(pilot, lambda: len(app.search_panel.hits) == count)
        results = app.search_panel.results
        # laid out, with its scrollbar if it needs one (waited for: under load a fixed pause
        # ended before the layout)
        scrolls = count == 20
        await wait_for(
            pilot,
            lambda: (
                (results.max_scroll_y > 0) == scrolls and results.show_vertical_scrollbar == scrolls
            ),
            timeout=60,
        )
        await pilot.pause(0.3)
        assert (results.max_scroll_y > 0) == (count == 20)
        width = results.scrollable_content_region.width
        rows = _rows(results)
        titles = [r for r in rows if DATE.match(r)]
        assert titles, rows
        for i, row in enumerate(rows):
            if DATE.match(row):
                assert row.rstrip().endswith("…"), row  # long titles are cut, not wrapped
                from rich.cells import cell_len

                assert cell_len(row.rstrip()) <= width
            else:  # a snippet line (indented) or the gap under the last result: never a title
                assert row.startswith("   ") or not row.strip(), (i, row)
        # Every visible result takes the same number of rows: its title and its snippet.
        starts = [i for i, r in enumerate(rows) if DATE.match(r)]
        gaps = {b - a for a, b in itertools.pairwise(starts)}
        assert len(gaps) <= 1, rows


def test_a_result_drawn_narrower_than_laid_out_still_takes_one_line_per_title():
    """The mechanism of the bug: results measured for one width, drawn at a narrower one."""
    import io
    from datetime import datetime

    from rich.console import Console

    from newsterm.tui.widgets.search import hit_prompt
    from tui_helpers import FakeHit

    title = "터미널에서 마크다운 글 보관함 다루기 — grep부터 Python 스크립트까지 한 번에"
    hit = FakeHit("a.md", title, datetime(2025, 10, 10), (), (), 1.0, "다 " * 80, [(0, 1)])
    prompt = hit_prompt(hit, 60)
    console = Console(width=58, file=io.StringIO(), color_system=None, legacy_windows=False)
    lines = console.render_lines(prompt, console.options, pad=False)
    texts = ["".join(seg.text for seg in line).rstrip() for line in lines]
    assert len(texts) == 3, texts  # the title and two snippet lines
    assert texts[0].startswith("2025-10-10  터미널에서") and texts[0].endswith("…")
    assert all(t.startswith("  ") for t in texts[1:])
