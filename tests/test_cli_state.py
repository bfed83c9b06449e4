"""``newsterm state``: what is kept for missing posts, and the user's explicit prune."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsterm.cli import main
from newsterm.state import ReadingState


def _post(root: Path, rel: str, body: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: {rel}\ndate: 2024-01-01\n---\n\n{body}\n", "utf-8")


def test_state_show_lists_missing_posts_and_prune_forgets_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    root = tmp_path / "arch"
    _post(root, "a/one.md", "one")
    _post(root, "b/two.md", "two")
    st = ReadingState(root)
    st.set_read("a/one.md")
    st.set_bookmarked("b/two.md")
    st.close()
    (root / "a" / "one.md").unlink()
    assert main(["state", "--archive", str(root)]) == 0
    out = capsys.readouterr().out
    assert "1 read, 1 bookmarked, 1 missing" in out and "missing: a/one.md" in out
    assert ReadingState(root).is_read("a/one.md")  # showing deletes nothing
    assert main(["state", "prune", "--archive", str(root)]) == 0
    out = capsys.readouterr().out
    assert "forgot a/one.md" in out and "Pruned the marks of 1 missing post(s)." in out
    again = ReadingState(root)
    assert not again.is_read("a/one.md") and again.bookmarks() == ["b/two.md"]


def test_prune_refuses_an_empty_archive(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    root = tmp_path / "arch"
    _post(root, "x.md", "x")
    st = ReadingState(root)
    st.set_read("x.md")
    st.close()
    (root / "x.md").unlink()  # a mount that is not mounted looks like this
    assert main(["state", "prune", "--archive", str(root)]) == 2
    assert "nothing pruned" in capsys.readouterr().err
    assert ReadingState(root).is_read("x.md")
