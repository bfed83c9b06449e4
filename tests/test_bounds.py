"""A huge post in the reader: its first part laid out with a notice, its outline capped."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsterm import bounds
from newsterm.bounds import capped_sections, cut_marker, shown_body
from newsterm.outline import extract_outline
from newsterm.state import ReadingState
from tui_helpers import make_app, wait_for

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def headings(n: int) -> str:
    return "".join(f"## Heading number {i}\n\n### Sub {i}\n\n" for i in range(n))


def test_a_body_within_the_limit_is_shown_whole():
    body = headings(10)
    assert shown_body(body, 10_000) == (body, None)


def test_a_long_body_is_cut_at_a_line_end_with_a_notice():
    body = headings(2000)
    shown, notice = shown_body(body, 10_000)
    assert len(shown) <= 10_000 and body.startswith(shown) and body[len(shown)] == "\n"
    assert notice is not None and "the reader shows its first" in notice
    assert notice in cut_marker(notice)
    one_line = "x" * 50_000  # a single line longer than the limit is cut at the limit
    assert shown_body(one_line, 10_000)[0] == "x" * 10_000


def test_the_outline_is_capped_in_document_order_and_the_tree_kept():
    tree = extract_outline(headings(50))  # 50 level-2 sections, each with one child
    capped, total = capped_sections(tree, 7)
    assert total == 100
    flat = [s.title for top in capped for s in top.walk()]
    assert flat == [
        "Heading number 0", "Sub 0", "Heading number 1", "Sub 1", "Heading number 2", "Sub 2",
        "Heading number 3",
    ]  # fmt: skip
    assert sum(1 for top in tree for _ in top.walk()) == 100  # the given tree is untouched
    assert capped_sections(tree, 1000) == (list(tree), 100)


async def test_the_reader_opens_a_huge_post_in_part(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(bounds, "MAX_SHOWN_CHARS", 20_000)
    monkeypatch.setattr(bounds, "MAX_OUTLINE_SECTIONS", 50)
    root = tmp_path / "a"
    root.mkdir()
    name = "2024-01-01-huge.md"
    (root / name).write_text(f"---\ntitle: huge\n---\n\n{headings(4000)}", "utf-8")
    app = make_app(root, state=ReadingState.in_memory(root), restore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        app.main.open_post(name)
        await wait_for(pilot, lambda: app.doc is not None and app.doc.complete, timeout=20)
        text = "\n".join(line.plain for line in app.doc.lines)
        assert "Heading number 0" in text and "Heading number 3999" not in text
        assert "the reader shows its first" in text  # said where it stops
        in_part = sum(1 for t in extract_outline(shown_body(app.current.body)[0]) for _ in t.walk())
        assert 1000 < in_part < 8000  # the outline of the shown part, not of all 8,000
        assert app.outline.border_title == f"Outline · first 50 of {in_part}"
        notes = [n.message for n in app._notifications]
        assert any("the reader shows its first" in n for n in notes)
