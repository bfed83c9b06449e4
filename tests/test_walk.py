"""The one walk over an archive's post files, with their stats for a change check."""

from __future__ import annotations

import os
from pathlib import Path

from newsterm.archive import Archive
from newsterm.walk import scan_archive, walk_posts


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


def test_scan_digest_is_the_same_for_the_same_files_and_moves_with_any_of_them(
    tmp_path: Path,
) -> None:
    root = tmp_path / "a"
    (root / "x" / "y").mkdir(parents=True)
    for rel in ("one.md", "x/two.md", "x/y/three.md", "x/y/four.md"):
        (root / rel).write_text(f"# {rel}\n", encoding="utf-8")
    first = scan_archive(root)
    assert first.count == 4
    assert list(first.files()) == ["one.md", "x/two.md", "x/y/four.md", "x/y/three.md"]
    assert scan_archive(root).digest == first.digest
    st = os.stat(root / "x/y/three.md")
    later = st.st_mtime_ns + 3600 * 10**9
    os.utime(root / "x/y/three.md", ns=(st.st_atime_ns, later))
    touched = scan_archive(root)
    assert touched.digest != first.digest
    assert touched.modified_since(later) == ["x/y/three.md"]
    assert touched.newest_ns == later
    # A file moved between folders (same name, mtime, size) is another set of files.
    os.rename(root / "x/two.md", root / "x/y/two.md")
    assert scan_archive(root).digest not in (first.digest, touched.digest)
    # Only candidate posts count: other files do not move the digest.
    before = scan_archive(root).digest
    (root / "x" / "notes.txt").write_text("x", encoding="utf-8")
    (root / ".hidden.md").write_text("x", encoding="utf-8")
    assert scan_archive(root).digest == before
