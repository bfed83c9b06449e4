"""Reading state faults: nothing the user marked is lost, and no fault stops the reader.

Each test injects one fault (a folder away, a moved post, a corrupt file, an immutable file or
folder, a lock held by another process) and checks what the state does about it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsterm import state as state_mod
from newsterm.state import GRACE_DAYS, ReadingState


@dataclass(frozen=True)
class FakePost:
    path: str
    body: str


def _posts(*pairs: tuple[str, str]) -> dict[str, FakePost]:
    return {path: FakePost(path, body) for path, body in pairs}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "arch"
    r.mkdir()
    return r


def _chattr(flag: str, *targets: Path) -> bool:
    if not shutil.which("chattr"):
        return False
    done = subprocess.run(["chattr", flag, *map(str, targets)], capture_output=True)
    return done.returncode == 0


@pytest.fixture
def immutable():
    """chattr +i the given paths (root only, ext4/xfs); always undone afterwards."""
    made: list[Path] = []

    def apply(*targets: Path) -> None:
        if os.geteuid() != 0 or not _chattr("+i", *targets):
            pytest.skip("chattr +i needs root on a file system that supports it")
        made.extend(targets)

    yield apply
    if made:
        _chattr("-i", *made)


def test_a_folder_away_keeps_its_marks_until_pruned(root: Path, tmp_path: Path):
    db = tmp_path / "s" / "state.sqlite3"
    all_posts = _posts(("a/one.md", "one"), ("a/two.md", "two"), ("b/three.md", "three"))
    st = ReadingState(root, db_path=db)
    st.reconcile(all_posts)
    st.set_read("a/one.md")
    st.set_bookmarked("a/two.md")
    st.set_scroll("a/two.md", 17)
    st.set_read("b/three.md")
    # Folder a/ is away (rsync, checkout, unmounted): one scan without it.
    away = {p: v for p, v in all_posts.items() if not p.startswith("a/")}
    result = st.reconcile(away)
    assert sorted(result.missing) == ["a/one.md", "a/two.md"]
    st.close()
    again = ReadingState(root, db_path=db)
    assert again.is_read("a/one.md") and again.is_bookmarked("a/two.md")
    assert again.scroll_of("a/two.md") == 17
    assert again.missing_paths() == ["a/one.md", "a/two.md"]
    # The folder is back: nothing was lost, nothing is flagged.
    back = again.reconcile(all_posts)
    assert sorted(back.returned) == ["a/one.md", "a/two.md"]
    assert again.missing_paths() == []
    # Gone for real: only the user's prune forgets them.
    again.reconcile(away)
    assert again.prune() == ["a/one.md", "a/two.md"]
    again.close()
    last = ReadingState(root, db_path=db)
    assert not last.is_read("a/one.md") and last.bookmarks() == []
    assert last.is_read("b/three.md")


def test_an_empty_scan_and_a_missing_mount_change_nothing(root: Path, tmp_path: Path):
    db = tmp_path / "state.sqlite3"
    st = ReadingState(root, db_path=db)
    st.reconcile(_posts(("x.md", "x")))
    st.set_read("x.md")
    assert st.reconcile({}).missing == []
    assert st.missing_paths() == []
    assert st.is_read("x.md")


def test_marks_expire_only_after_the_grace_period(root: Path, tmp_path: Path):
    db = tmp_path / "state.sqlite3"
    st = ReadingState(root, db_path=db)
    st.reconcile(_posts(("gone.md", "g"), ("kept.md", "k")))
    st.set_read("gone.md")
    now = time.time()
    st.reconcile(_posts(("kept.md", "k")), now=now)
    later = st.reconcile(_posts(("kept.md", "k")), now=now + (GRACE_DAYS - 1) * 86400)
    assert later.expired == [] and st.is_read("gone.md")
    expired = st.reconcile(_posts(("kept.md", "k")), now=now + (GRACE_DAYS + 1) * 86400)
    assert expired.expired == ["gone.md"] and not st.is_read("gone.md")


def test_a_moved_post_takes_its_marks_along(root: Path, tmp_path: Path):
    db = tmp_path / "state.sqlite3"
    st = ReadingState(root, db_path=db)
    before = _posts(("2024/old-name.md", "same body\n"), ("other.md", "other"))
    st.reconcile(before)
    st.set_read("2024/old-name.md")
    st.set_bookmarked("2024/old-name.md")
    st.set_scroll("2024/old-name.md", 9)
    st.close()
    st = ReadingState(root, db_path=db)
    after = _posts(("archive/2024/new-name.md", "same body\n"), ("other.md", "other"))
    result = st.reconcile(after)
    assert result.moved == [("2024/old-name.md", "archive/2024/new-name.md")]
    st.close()
    again = ReadingState(root, db_path=db)
    assert again.is_read("archive/2024/new-name.md")
    assert again.bookmarks() == ["archive/2024/new-name.md"]
    assert again.scroll_of("archive/2024/new-name.md") == 9
    assert not again.is_read("2024/old-name.md") and again.missing_paths() == []


def test_a_mark_made_in_the_reader_records_the_body_and_follows_a_move(root: Path, tmp_path: Path):
    st = ReadingState(root, db_path=tmp_path / "state.sqlite3")
    posts = _posts(("a.md", "body of a"), ("b.md", "body of b"))
    st.posts_lookup = posts.get  # what the app sets: marks know their post's body at once
    st.set_read("a.md")
    moved = _posts(("sub/renamed.md", "body of a"), ("b.md", "body of b"))
    assert st.reconcile(moved).moved == [("a.md", "sub/renamed.md")]
    assert st.is_read("sub/renamed.md")


def test_a_new_post_with_a_different_body_does_not_take_marks(root: Path, tmp_path: Path):
    st = ReadingState(root, db_path=tmp_path / "state.sqlite3")
    st.reconcile(_posts(("a.md", "first"), ("z.md", "z")))
    st.set_read("a.md")
    result = st.reconcile(_posts(("c.md", "second"), ("z.md", "z")))
    assert result.moved == [] and result.missing == ["a.md"]
    assert not st.is_read("c.md") and st.is_read("a.md")


def test_a_corrupt_file_is_moved_aside_and_the_reader_goes_on(root: Path, tmp_path: Path):
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "state.sqlite3"
    db.write_bytes(b"this is not a database, it is a truncated download\n" * 200)
    notices: list[str] = []
    st = ReadingState(root, db_path=db)
    st.set_notifier(notices.append)
    assert len(notices) == 1 and "moved it aside to state.sqlite3.corrupt-" in notices[0]
    aside = sorted(folder.glob("state.sqlite3.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not")
    st.set_read("a.md")
    st.close()
    assert ReadingState(root, db_path=db).is_read("a.md")


def test_a_damaged_page_is_found_and_moved_aside(root: Path, tmp_path: Path):
    db = tmp_path / "state.sqlite3"
    st = ReadingState(root, db_path=db)
    for i in range(400):
        st.set_read(f"post-{i:04}.md")
    st.close()
    data = bytearray(db.read_bytes())
    assert len(data) > 8192
    data[4096:8192] = b"\xa5" * 4096  # a torn write in the middle of the file
    db.write_bytes(bytes(data))
    st = ReadingState(root, db_path=db)
    assert any("damaged" in n for n in st.take_notices())
    st.set_read("fresh.md")
    assert st.is_read("fresh.md") and not st.degraded


def test_two_readers_finding_the_damage_move_it_aside_once(root: Path, tmp_path: Path):
    db = tmp_path / "state.sqlite3"
    db.write_bytes(b"\x00garbage" * 1000)
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        from newsterm.state import ReadingState
        st = ReadingState(Path({str(root)!r}), db_path={str(db)!r})
        st.set_read("p.md")
        st.close()
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(3)]
    assert all(p.wait(60) == 0 for p in procs)
    assert len(list(tmp_path.glob("state.sqlite3.corrupt-*"))) == 1
    assert ReadingState(root, db_path=db).is_read("p.md")


def test_file_and_folder_are_private(root: Path, tmp_path: Path):
    old = os.umask(0o022)
    try:
        db = tmp_path / "fresh" / "deeper" / "state.sqlite3"
        st = ReadingState(root, db_path=db)
        st.set_read("a.md")
        for name in ("state.sqlite3", "state.sqlite3-wal", "state.sqlite3-shm"):
            f = db.parent / name
            if f.exists():
                assert stat.S_IMODE(f.stat().st_mode) == 0o600, name
        assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
        st.close()
        # A file made readable by others earlier is tightened on the next open.
        db.chmod(0o644)
        ReadingState(root, db_path=db).close()
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_the_default_file_lives_in_a_private_data_folder(root: Path):
    st = ReadingState(root)
    st.set_read("a.md")
    path = state_mod.state_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_an_immutable_file_keeps_marks_in_memory_and_saves_later(
    root: Path, tmp_path: Path, immutable, monkeypatch: pytest.MonkeyPatch
):
    db = tmp_path / "state.sqlite3"
    st = ReadingState(root, db_path=db)
    st.set_read("old.md")
    st.put("last_post", "old.md")
    st.close()
    immutable(db)
    notices: list[str] = []
    st = ReadingState(root, db_path=db)
    st.set_notifier(notices.append)
    assert st.is_read("old.md") and st.get("last_post") == "old.md"  # read what is there
    st.set_read("new.md")  # the first `m`: no traceback
    st.toggle_bookmark("new.md")
    st.put("last_post", "new.md")
    assert st.is_read("new.md") and st.is_bookmarked("new.md")
    assert st.degraded and len([n for n in notices if "cannot be saved" in n]) == 1
    _chattr("-i", db)
    monkeypatch.setattr(state_mod, "RETRY_AFTER", 0.0)
    st.set_scroll("new.md", 3)  # the next write retries and saves everything
    assert not st.degraded and st.unsaved == 0
    assert any("saved again" in n for n in notices)
    st.close()
    again = ReadingState(root, db_path=db)
    assert again.is_read("new.md") and again.is_bookmarked("new.md")
    assert again.get("last_post") == "new.md" and again.is_read("old.md")


def test_a_read_only_folder_never_stops_the_reader(root: Path, tmp_path: Path, immutable):
    folder = tmp_path / "ro"
    folder.mkdir()
    immutable(folder)  # like a read-only file system: nothing can be created in it
    st = ReadingState(root, db_path=folder / "state.sqlite3")
    assert st.degraded and any("cannot be saved" in n for n in st.take_notices())
    st.set_read("a.md")
    st.set_bookmarked("a.md")
    assert st.is_read("a.md") and st.bookmarks() == ["a.md"]
    st.close()  # one last try, reported, not raised
    assert any("could not be written" in n for n in st.take_notices())


def test_a_missing_home_folder_that_cannot_be_made(root: Path, tmp_path: Path, immutable):
    parent = tmp_path / "locked"
    parent.mkdir()
    immutable(parent)
    st = ReadingState(root, db_path=parent / "newsterm" / "state.sqlite3")
    st.set_read("a.md")
    assert st.is_read("a.md") and st.degraded


HOLD_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT OR REPLACE INTO session VALUES ('x', 'y', 'z', 'w')")
print("locked", flush=True)
sys.stdin.readline()  # held until the test lets go (or ends)
conn.execute("COMMIT")
"""


def hold_lock(db: Path) -> subprocess.Popen:
    """A process that holds the state's write lock until :func:`let_go` (a fixed time raced a
    loaded machine: the lock was gone before the test's wait for it had ended)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def let_go(holder: subprocess.Popen) -> None:
    assert holder.stdin is not None
    holder.stdin.close()
    assert holder.wait(60) == 0


def test_a_write_lock_held_for_long_is_waited_for_with_a_timeout(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    db = tmp_path / "state.sqlite3"
    ReadingState(root, db_path=db).close()
    holder = hold_lock(db)
    try:
        notices: list[str] = []
        st = ReadingState(root, db_path=db)  # opening reads: WAL lets it
        st.set_notifier(notices.append)
        t0 = time.monotonic()
        st.set_read("a.md")  # waits BUSY_TIMEOUT, then keeps the mark in memory
        t1 = time.monotonic()
        st.set_bookmarked("a.md")  # no second wait: retried later
        t2 = time.monotonic()
        assert t1 - t0 < state_mod.BUSY_TIMEOUT + 2.0, t1 - t0  # (the lock is held on)
        assert t2 - t1 < state_mod.BUSY_TIMEOUT, t2 - t1
        assert st.is_read("a.md") and st.degraded
        assert len(notices) == 1 and "locked" in notices[0]
    finally:
        let_go(holder)
    monkeypatch.setattr(state_mod, "RETRY_AFTER", 0.0)
    assert st.retry_due() and not st.degraded  # the reader's timer saves it
    st.close()
    again = ReadingState(root, db_path=db)
    assert again.is_read("a.md") and again.is_bookmarked("a.md")


def test_the_timed_retry_never_stalls_on_a_lock(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    db = tmp_path / "state.sqlite3"
    ReadingState(root, db_path=db).close()
    holder = hold_lock(db)
    try:
        st = ReadingState(root, db_path=db)
        st.set_read("a.md")  # waits BUSY_TIMEOUT once, then keeps the mark in memory
        assert st.degraded
        monkeypatch.setattr(state_mod, "RETRY_AFTER", 0.0)
        t0 = time.monotonic()
        assert not st.retry_due()  # still locked: a short wait, nothing lost
        assert time.monotonic() - t0 < state_mod.QUICK_TIMEOUT + 1.0
        assert st.is_read("a.md") and st.unsaved
    finally:
        let_go(holder)
    assert st.retry_due() and st.unsaved == 0
    assert ReadingState(root, db_path=db).is_read("a.md")


def test_two_readers_do_not_undo_each_others_marks(root: Path, tmp_path: Path):
    db = tmp_path / "state.sqlite3"
    one = ReadingState(root, db_path=db)
    two = ReadingState(root, db_path=db)
    one.set_read("p.md")
    two.set_bookmarked("p.md")  # two has not seen one's read mark: it must not clear it
    one.close()
    two.close()
    again = ReadingState(root, db_path=db)
    assert again.is_read("p.md") and again.is_bookmarked("p.md")


def test_a_file_from_an_older_newsterm_is_upgraded_in_place(root: Path, tmp_path: Path):
    db = tmp_path / "state.sqlite3"
    conn = sqlite3.connect(db)
    conn.executescript(
        """
        CREATE TABLE post_state (profile TEXT NOT NULL, archive TEXT NOT NULL, path TEXT NOT NULL,
            read INTEGER NOT NULL DEFAULT 0, read_at REAL, bookmarked INTEGER NOT NULL DEFAULT 0,
            bookmarked_at REAL, scroll INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (profile, archive, path));
        CREATE TABLE session (profile TEXT NOT NULL, archive TEXT NOT NULL, key TEXT NOT NULL,
            value TEXT NOT NULL, PRIMARY KEY (profile, archive, key));
        """
    )
    from newsterm.paths import archive_key

    conn.execute(
        "INSERT INTO post_state (profile, archive, path, read) VALUES ('', ?, 'old/x.md', 1)",
        (archive_key(root),),
    )
    conn.commit()
    conn.close()
    st = ReadingState(root, db_path=db)
    assert st.is_read("old/x.md")
    # A mark saved before digests existed follows its post by file name, when unambiguous.
    assert st.reconcile(_posts(("new/x.md", "x body"))).moved == [("old/x.md", "new/x.md")]
    assert st.is_read("new/x.md")
