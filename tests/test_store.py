"""The index's manifest and the Whoosh-free check that nothing changed (search.store).

Each way a post can change must make :func:`store.quick_check` say "may have changed" (None),
and the sync that follows must pick the change up; an archive left alone must pass the check.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from newsterm.search import store
from newsterm.search.index import open_index
from newsterm.walk import scan_archive

HOUR_NS = 3600 * 10**9


def _post(root: Path, rel: str, title: str, body: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: {title}\ndate: 2025-01-01\n---\n\n{body}\n", encoding="utf-8")
    return path


def _age(root: Path, ns: int = HOUR_NS) -> None:
    """Every post as if written ``ns`` ago (none is within the racy window of a sync)."""
    now = time.time_ns()
    for path in root.rglob("*.md"):
        os.utime(path, ns=(now - ns, now - ns))


@pytest.fixture
def synced(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "arch"
    _post(root, "2025/01/a.md", "첫 글", "하나 기린")
    _post(root, "2025/01/b.md", "둘째 글", "둘 코끼리")
    _post(root, "2025/02/c.md", "셋째 글", "셋 하마")
    _post(root, "d.md", "넷째 글", "넷 두루미")
    _age(root)
    ixdir = tmp_path / "ix"
    assert open_index(root, ixdir).sync().added == 4
    assert store.quick_check(ixdir, scan_archive(root)) == []
    return root, ixdir


def _found(root: Path, ixdir: Path, word: str) -> set[str]:
    return {h.path for h in open_index(root, ixdir).search(word).hits}


def test_an_archive_left_alone_is_up_to_date_every_time(synced) -> None:
    root, ixdir = synced
    for _ in range(3):
        assert store.quick_check(ixdir, scan_archive(root)) == []


def test_a_post_edited_in_place_is_noticed(synced) -> None:
    root, ixdir = synced
    path = root / "2025/01/b.md"
    before = path.stat()
    folder_mtime = (root / "2025/01").stat().st_mtime_ns
    with open(path, "r+b") as f:  # same inode, same folder, same size: only its mtime moves
        data = f.read()
        f.seek(0)
        f.write(data.replace("코끼리".encode(), "얼룩말".encode()))
    after = path.stat()
    assert (after.st_ino, after.st_size) == (before.st_ino, before.st_size)
    assert (root / "2025/01").stat().st_mtime_ns == folder_mtime  # no folder shows it
    assert store.quick_check(ixdir, scan_archive(root)) is None
    assert open_index(root, ixdir).sync().updated == 1
    assert _found(root, ixdir, "얼룩말") == {"2025/01/b.md"}
    assert store.quick_check(ixdir, scan_archive(root)) == []


def test_a_new_post_is_noticed(synced) -> None:
    root, ixdir = synced
    _post(root, "2025/02/e.md", "새 글", "다섯 타조")
    assert store.quick_check(ixdir, scan_archive(root)) is None
    assert open_index(root, ixdir).sync().added == 1
    assert _found(root, ixdir, "타조") == {"2025/02/e.md"}


def test_a_deleted_post_is_noticed(synced) -> None:
    root, ixdir = synced
    (root / "2025/02/c.md").unlink()
    assert store.quick_check(ixdir, scan_archive(root)) is None
    assert open_index(root, ixdir).sync().removed == 1
    assert _found(root, ixdir, "하마") == set()


def test_a_renamed_post_is_noticed(synced) -> None:
    root, ixdir = synced
    os.rename(root / "2025/01/a.md", root / "2025/01/a-moved.md")  # mtime and size kept
    assert store.quick_check(ixdir, scan_archive(root)) is None
    assert open_index(root, ixdir).sync().renamed == 1
    assert _found(root, ixdir, "기린") == {"2025/01/a-moved.md"}


def test_a_post_moved_to_another_folder_is_noticed(synced) -> None:
    root, ixdir = synced
    os.rename(root / "2025/01/a.md", root / "2025/02/a.md")
    assert store.quick_check(ixdir, scan_archive(root)) is None
    assert open_index(root, ixdir).sync().renamed == 1
    assert _found(root, ixdir, "기린") == {"2025/02/a.md"}


def test_a_post_copied_in_with_an_old_mtime_is_noticed(synced, tmp_path: Path) -> None:
    # cp -p / rsync -t: the copy keeps a modification time older than the last sync.
    root, ixdir = synced
    outside = _post(tmp_path / "elsewhere", "old.md", "옛 글", "오래된 펭귄")
    old = time.time_ns() - 48 * HOUR_NS
    os.utime(outside, ns=(old, old))
    shutil.copy2(outside, root / "2025/01/old.md")
    assert (root / "2025/01/old.md").stat().st_mtime_ns == old
    assert store.quick_check(ixdir, scan_archive(root)) is None
    assert open_index(root, ixdir).sync().added == 1
    assert _found(root, ixdir, "펭귄") == {"2025/01/old.md"}


def test_a_post_replaced_by_an_older_copy_is_noticed(synced, tmp_path: Path) -> None:
    # A backup restored over a post (cp -p): other bytes, an older mtime than the post had.
    root, ixdir = synced
    backup = _post(tmp_path / "backup", "d.md", "넷째 글", "넷 황새")
    old = time.time_ns() - 48 * HOUR_NS
    os.utime(backup, ns=(old, old))
    shutil.copy2(backup, root / "d.md")
    assert store.quick_check(ixdir, scan_archive(root)) is None
    assert open_index(root, ixdir).sync().updated == 1
    assert _found(root, ixdir, "황새") == {"d.md"}


def test_a_post_rewritten_within_one_timestamp_tick_is_noticed(tmp_path: Path) -> None:
    # A file system with coarse timestamps gives a second write in the same tick the same
    # mtime: same size, same mtime, other bytes. Written just before the sync's walk, the
    # file's stat proves nothing: the check and the sync read it again.
    root = tmp_path / "arch"
    path = _post(root, "a.md", "글", "원래 낱말 기린")
    _post(root, "b.md", "글", "다른 글")
    ixdir = tmp_path / "ix"
    open_index(root, ixdir).sync()
    assert store.quick_check(ixdir, scan_archive(root)) == []  # hashed again: the same
    st = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("기린", "사자"), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # the same tick
    assert path.stat().st_size == st.st_size
    assert store.quick_check(ixdir, scan_archive(root)) is None
    assert open_index(root, ixdir).sync().updated == 1
    assert _found(root, ixdir, "사자") == {"a.md"}


def test_a_touched_post_is_checked_once_then_up_to_date(synced) -> None:
    root, ixdir = synced
    path = root / "d.md"
    os.utime(path, ns=(time.time_ns() - 10 * HOUR_NS, time.time_ns() - 10 * HOUR_NS))
    assert store.quick_check(ixdir, scan_archive(root)) is None
    result = open_index(root, ixdir).sync()
    assert (result.updated, result.added, result.unchanged) == (0, 0, 4)
    assert store.quick_check(ixdir, scan_archive(root)) == []


def test_a_manifest_of_an_older_newsterm_is_not_trusted_then_replaced(synced) -> None:
    # Before scan_digest, the manifest held another digest: one sync writes the new one.
    import sqlite3

    root, ixdir = synced
    db = store.current_dir(ixdir) / store.MANIFEST_DB
    con = sqlite3.connect(db)
    con.execute("DELETE FROM info WHERE key IN ('scan_digest', 'scanned_ns')")
    con.execute("DROP TABLE folders")
    con.execute("INSERT INTO info VALUES ('digest', 'an older digest')")
    con.commit()
    con.close()
    assert store.quick_check(ixdir, scan_archive(root)) is None
    assert not open_index(root, ixdir).sync().changed
    assert store.quick_check(ixdir, scan_archive(root)) == []


def _manifest_sql(ixdir: Path, sql: str, args: tuple = ()) -> list:
    """Run one statement on the current manifest (as another program would) and commit."""
    import sqlite3

    con = sqlite3.connect(store.current_dir(ixdir) / store.MANIFEST_DB)
    try:
        rows = con.execute(sql, args).fetchall()
        con.commit()
    finally:
        con.close()
    return rows


def _edit_b(root: Path, extra: str) -> Path:
    """2025/01/b.md with ``extra`` added as a line."""
    path = root / "2025/01/b.md"
    path.write_text(path.read_text(encoding="utf-8") + f"\n{extra}\n", encoding="utf-8")
    return path


def _record_reads(monkeypatch) -> dict[str, list]:
    """What a sync asks the manifest for: whole folders' rows, single files' rows."""
    asked: dict[str, list] = {"folders": [], "paths": []}
    folders, paths = store.Manifest.load_folders, store.Manifest.load_paths

    def load_folders(self, dirs):
        asked["folders"].append(set(dirs))
        return folders(self, dirs)

    def load_paths(self, wanted):
        wanted = list(wanted)
        asked["paths"].append(set(wanted))
        return paths(self, wanted)

    def load(self):
        raise AssertionError("every row read for a change in one folder")

    monkeypatch.setattr(store.Manifest, "load_folders", load_folders)
    monkeypatch.setattr(store.Manifest, "load_paths", load_paths)
    monkeypatch.setattr(store.Manifest, "load", load)
    return asked


def test_a_sync_reads_only_the_rows_of_the_files_that_changed(synced, monkeypatch) -> None:
    root, ixdir = synced
    asked = _record_reads(monkeypatch)
    path = root / "2025/01/b.md"  # a.md beside it is not read
    path.write_text(path.read_text(encoding="utf-8") + "\n더한 낱말 물개\n", encoding="utf-8")
    _post(root, "2026/f.md", "새 폴더의 글", "여섯 수달")
    result = open_index(root, ixdir).sync()
    assert (result.updated, result.added, result.unchanged) == (1, 1, 3)
    # A folder the last sync did not list has no listing: its rows (none) are read whole.
    assert asked == {"folders": [{"2026/"}], "paths": [{"2025/01/b.md", "2026/f.md"}]}
    assert _found(root, ixdir, "물개") == {"2025/01/b.md"}
    _age(root)  # (files changed just before a sync's walk are looked at again by the next)
    open_index(root, ixdir).sync()
    asked["folders"].clear()
    asked["paths"].clear()
    (root / "2025/02/c.md").unlink()
    (root / "2025/02").rmdir()  # a folder that went: the rows of its files are read to remove
    (root / "2025/01/a.md").rename(root / "2025/01/a2.md")  # a rename within a folder
    result = open_index(root, ixdir).sync()
    assert (result.removed, result.renamed) == (1, 1)
    assert asked == {"folders": [], "paths": [{"2025/02/c.md", "2025/01/a.md", "2025/01/a2.md"}]}
    assert _found(root, ixdir, "하마") == set()
    assert _found(root, ixdir, "기린") == {"2025/01/a2.md"}
    assert store.quick_check(ixdir, scan_archive(root)) is not None
    _age(root)
    open_index(root, ixdir).sync()
    assert store.quick_check(ixdir, scan_archive(root)) == []


def test_a_folder_modified_in_the_same_tick_is_hashed_whatever_its_listing_says(
    synced, monkeypatch
) -> None:
    # b.md rewritten, same size, the mtime it had: only the racy rule can see it.
    root, ixdir = synced
    path = root / "2025/01/b.md"
    now = time.time_ns()
    os.utime(path, ns=(now, now))
    open_index(root, ixdir).sync()  # the walk saw b.md modified just now: racy next time
    asked = _record_reads(monkeypatch)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("코끼리", "고양이"), encoding="utf-8")
    os.utime(path, ns=(now, now))
    assert open_index(root, ixdir).sync().updated == 1
    assert {"2025/01/b.md"} <= set().union(*asked["paths"])
    assert _found(root, ixdir, "고양이") == {"2025/01/b.md"}


def test_a_manifest_without_listings_reads_a_changed_folder_whole_once(synced, monkeypatch) -> None:

    root, ixdir = synced
    _manifest_sql(ixdir, "DROP TABLE listings")  # as a newsterm before listings wrote it
    asked = _record_reads(monkeypatch)
    path = _edit_b(root, "물개")
    assert open_index(root, ixdir).sync().updated == 1
    assert asked["folders"] == [{"2025/01/"}]
    _age(root)
    open_index(root, ixdir).sync()
    asked["folders"].clear()
    asked["paths"].clear()
    path.write_text(path.read_text(encoding="utf-8") + "\n수달\n", encoding="utf-8")
    assert open_index(root, ixdir).sync().updated == 1
    assert asked == {"folders": [], "paths": [{"2025/01/b.md"}]}
    assert _found(root, ixdir, "수달") == {"2025/01/b.md"}


def test_a_listing_left_behind_by_an_older_newsterm_is_not_trusted(synced) -> None:
    # An older newsterm's sync writes a folder's new digest and rows, not its listing. b.md
    # then put back to the size and mtime of that stale listing, with other words, must
    # still be compared by its row, not taken as unchanged.

    root, ixdir = synced
    path = root / "2025/01/b.md"
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    (stale,) = _manifest_sql(ixdir, "SELECT * FROM listings WHERE dir = '2025/01/'")
    _edit_b(root, "물개")
    assert open_index(root, ixdir).sync().updated == 1
    _manifest_sql(ixdir, "INSERT OR REPLACE INTO listings VALUES (?, ?, ?, ?)", stale)
    path.write_text(text.replace("코끼리", "고양이"), encoding="utf-8")  # the same bytes long
    os.utime(path, ns=(before.st_mtime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert open_index(root, ixdir).sync().updated == 1
    assert _found(root, ixdir, "고양이") == {"2025/01/b.md"}


def test_a_damaged_listing_falls_back_to_the_folders_rows(synced, monkeypatch) -> None:

    root, ixdir = synced
    _manifest_sql(ixdir, "UPDATE listings SET stats = x'0102' WHERE dir = '2025/01/'")
    asked = _record_reads(monkeypatch)
    _edit_b(root, "물개")
    assert open_index(root, ixdir).sync().updated == 1
    assert asked["folders"] == [{"2025/01/"}]
    assert _found(root, ixdir, "물개") == {"2025/01/b.md"}


def test_listings_pack_and_unpack() -> None:
    names = ["a.md", "글 하나.md", "b\udcff.md"]  # a name that is not UTF-8 on disk
    packed = store.pack_listing(names, [1, -1, 2**62], [10, -1, 0])
    assert store.unpack_listing(*packed) == (names, [1, -1, 2**62], [10, -1, 0])
    assert store.unpack_listing(packed[0], packed[1][:-8]) is None
    assert store.unpack_listing(b"", b"") is None


def test_the_rows_of_a_folder_are_its_own_files_only(synced) -> None:
    root, ixdir = synced
    _post(root, "2025/01-x/g.md", "비슷한 이름의 폴더", "일곱")  # sorts between 2025/01/ rows
    _post(root, "2025/01/deeper/h.md", "더 깊은 폴더", "여덟")
    _age(root)
    open_index(root, ixdir).sync()
    manifest = store.Manifest(store.current_dir(ixdir))
    assert sorted(manifest.load_folders({"2025/01/"})) == ["2025/01/a.md", "2025/01/b.md"]
    assert sorted(manifest.load_folders({""})) == ["d.md"]
    assert sorted(manifest.load_folders({"2025/01-x/", "2025/01/deeper/"})) == [
        "2025/01-x/g.md",
        "2025/01/deeper/h.md",
    ]
    assert set(manifest.folder_digests()) == {
        "",
        "2025/01/",
        "2025/01-x/",
        "2025/01/deeper/",
        "2025/02/",
    }
