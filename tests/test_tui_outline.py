"""Issue 11 bug 9: outline entries are cut with "…" to the pane, and a top-level leaf's title
starts in the same column as its folding siblings' titles."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from newsterm.state import ReadingState
from tui_helpers import make_app, wait_for

pytestmark = pytest.mark.anyio

POST = """---
title: Outline test
date: 2024-01-01
---

## 첫째 장: 아주 긴 제목이 붙은 절은 outline 칸을 넘어서 잘려야 한다 정말로 아주 길게

본문.

### 하위 절

본문.

## 둘째 장

본문.

## 셋째 장: 하위 절이 없는 잎 절인데 제목이 길어서 역시 잘려야 하는 경우

본문.
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
async def test_outline_entries_are_cut_with_an_ellipsis_and_aligned(tmp_path: Path, size):
    root = tmp_path / "a"
    root.mkdir()
    (root / "2024-01-01-outline.md").write_text(POST, "utf-8")
    app = make_app(root, state=ReadingState.in_memory(root), restore=False)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.doc is not None)
        if size[0] < 100:
            await pilot.press("o")  # narrow: the outline in the article's place
        await pilot.pause()
        outline = app.outline
        width = outline.scrollable_content_region.width
        rows = [outline.render_line(y).text.rstrip() for y in range(4)]
        assert all(cell_len(r) <= width for r in rows), rows
        first, child, second, third = rows
        assert first.startswith("▼ 첫째 장") and first.endswith("…"), first
        assert child.startswith("└ 하위 절")
        # top-level leaves start where the folding sibling's title starts (after "▼ ")
        assert second.index("둘째") == first.index("첫째")
        assert third.index("셋째") == first.index("첫째")
        assert third.endswith("…") or cell_len(third) < width
