"""The one walk over an archive's post files, with their stats for a change check."""

from __future__ import annotations

import os
from pathlib import Path

from newsterm.archive import Archive
from newsterm.walk import walk_posts


def test_walk_gives_every_post_file_with_its_stat(tmp_path: Path) -> None:
    root = tmp_path / "a"
    (root / "2024").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "one.md").write_text("# 하나\n", encoding="utf-8")
    (root / "2024" / "two.markdown").write_text("# 둘\n", encoding="utf-8")
    (root / ".hidden" / "no.md").write_text("x", encoding="utf-8")
    (root / "notes.txt").write_text("x", encoding="utf-8")
    os.symlink(root / "one.md", root / "link.md")
    os.symlink(root / "gone.md", root / "broken.md")
    os.symlink(tmp_path, root / "outside")
    stats: dict[str, tuple[int, int]] = {}
    found, problems = walk_posts(root, stats)
    assert found == ["2024/two.markdown", "broken.md", "link.md", "one.md"]
    assert [p.path for p in problems] == ["outside"]
    for rel in ("2024/two.markdown", "link.md", "one.md"):
        st = os.stat(root / rel)
        assert stats[rel] == (st.st_mtime_ns, st.st_size)
    assert stats["broken.md"] == (-1, -1)
    archive = Archive(root)
    assert list(archive.scan()) == found == list(archive.iter_paths())
