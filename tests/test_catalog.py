"""The metadata catalog: the list's fields in SQLite, checked against the files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from newsterm.archive import Archive
from newsterm.catalog import CATALOG_FILE, Catalog, info_sort_key, refresh
from newsterm.models import PostInfo
from newsterm.overlay import Overlay


def _post(root: Path, rel: str, title: str, date: str | None, cats: str = "[뉴스]") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    front = f"title: {title}\n" + (f"date: {date}\n" if date else "") + f"categories: {cats}\n"
    path.write_text(f"---\n{front}tags: [a, b]\n---\n\n본문 {title} 입니다.\n", encoding="utf-8")
    return path


@pytest.fixture
def archive_root(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    root.mkdir()
    _post(root, "2024-01-02-first.md", "첫 글", "2024-01-02 10:00:00 +0900")
    _post(root, "2025/2025-03-04-second.md", "두 번째 글", "2025-03-04T08:30:00.123456Z")
    _post(root, "undated.md", "날짜 없는 글", None, cats="[IT, 뉴스]")
    _post(root, "far.md", "먼 옛날", "0001-01-01")
    (root / "broken.md").write_text("---\ntitle: [unclosed\n", encoding="utf-8")
    return root


def _expected(root: Path) -> tuple[list[PostInfo], list]:
    posts, problems = Archive(root).load_all()
    return [PostInfo.of(p) for p in posts], problems


def _catalog(tmp_path: Path, root: Path) -> Catalog:
    return Catalog.beside(tmp_path / "index", root)


def test_first_refresh_parses_every_file_and_load_gives_the_same_list(
    tmp_path: Path, archive_root: Path
) -> None:
    cat = _catalog(tmp_path, archive_root)
    assert cat.load() is None  # nothing yet
    listing, changed = refresh(Archive(archive_root), cat, None)
    assert changed
    posts, problems = _expected(archive_root)
    assert listing.posts == posts  # same fields, same order (newest first, undated last)
    assert [p.path for p in listing.problems] == [p.path for p in problems] == ["broken.md"]
    loaded = cat.load()
    assert loaded is not None and loaded.complete
    assert loaded.posts == posts
    assert loaded.posts == sorted(loaded.posts, key=info_sort_key)
    assert [(p.path, p.reason) for p in loaded.problems] == [(p.path, p.reason) for p in problems]
    # Dates come back exactly, with their UTC offsets; equal categories are one tuple.
    by_path = {p.path: p for p in loaded.posts}
    second = by_path["2025/2025-03-04-second.md"]
    assert second.date.isoformat() == "2025-03-04T08:30:00.123456+00:00"
    assert by_path["2024-01-02-first.md"].date.utcoffset().total_seconds() == 9 * 3600
    assert by_path["undated.md"].date is None
    assert by_path["undated.md"].categories == ("IT", "뉴스")
    assert by_path["far.md"].date.year == 1
    assert by_path["far.md"].tags == ("a", "b")


def test_refresh_parses_only_changed_files(
    tmp_path: Path, archive_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cat = _catalog(tmp_path, archive_root)
    listing, _ = refresh(Archive(archive_root), cat, None)
    listing = cat.load()
    # Nothing changed: nothing is parsed, and the same list comes back.
    read = []
    original = Archive.read

    def counting(self, rel):
        read.append(rel)
        return original(self, rel)

    monkeypatch.setattr(Archive, "read", counting)
    again, changed = refresh(Archive(archive_root), cat, listing)
    assert read == [] and not changed
    assert again.posts is listing.posts

    # One post edited, one removed, one added, the broken one fixed.
    _post(archive_root, "2024-01-02-first.md", "첫 글 (고침)", "2024-01-02 10:00:00 +0900")
    os.utime(archive_root / "2024-01-02-first.md", ns=(1, 10**18))
    (archive_root / "undated.md").unlink()
    _post(archive_root, "2026-01-01-new.md", "새 글", "2026-01-01")
    _post(archive_root, "broken.md", "고친 글", "2020-05-05")
    newer, changed = refresh(Archive(archive_root), cat, listing)
    assert changed
    assert sorted(read) == ["2024-01-02-first.md", "2026-01-01-new.md", "broken.md"]
    assert newer.posts == _expected(archive_root)[0]
    assert newer.problems == []
    assert cat.load().posts == newer.posts


def test_a_stopped_first_load_keeps_what_it_parsed(tmp_path: Path, archive_root: Path) -> None:
    for i in range(30):
        _post(archive_root, f"2023-02-{i % 28 + 1:02d}-bulk-{i}.md", f"글 {i}", "2023-02-01")
    cat = _catalog(tmp_path, archive_root)
    calls = []

    def stop_after_ten() -> bool:
        calls.append(1)
        return len(calls) > 10

    part, _ = refresh(Archive(archive_root), cat, None, cancelled=stop_after_ten)
    assert not part.complete and len(part.posts) + len(part.problems) == 10
    kept = cat.load()
    assert kept is not None and not kept.complete and len(kept.posts) + len(kept.problems) == 10
    whole, _ = refresh(Archive(archive_root), cat, kept)
    assert whole.complete
    assert whole.posts == _expected(archive_root)[0]
    assert cat.load().complete


def test_the_first_chunk_is_shown_before_the_rest(tmp_path: Path, archive_root: Path) -> None:
    for i in range(20):
        _post(archive_root, f"2022-03-{i + 1:02d}-more-{i}.md", f"더 {i}", f"2022-03-{i + 1:02d}")
    seen = []
    listing, _ = refresh(
        Archive(archive_root),
        _catalog(tmp_path, archive_root),
        None,
        first=5,
        on_first=lambda part, done, total: seen.append((len(part.posts), done, total)),
    )
    assert seen == [(5, 5, 25)]
    assert len(listing.posts) == 24


def test_a_damaged_catalog_is_started_afresh(tmp_path: Path, archive_root: Path) -> None:
    cat = _catalog(tmp_path, archive_root)
    cat.path.parent.mkdir(parents=True)
    cat.path.write_bytes(b"this is not a database" * 100)
    assert cat.load() is None
    listing, _ = refresh(Archive(archive_root), cat, cat.load())
    assert listing.posts == _expected(archive_root)[0]
    assert cat.load().posts == listing.posts


def test_a_catalog_of_another_archive_is_not_used(tmp_path: Path, archive_root: Path) -> None:
    refresh(Archive(archive_root), _catalog(tmp_path, archive_root), None)
    other = tmp_path / "other"
    shutil.copytree(archive_root, other)
    (other / "far.md").unlink()
    cat = Catalog.beside(tmp_path / "index", other)  # same folder, another archive
    assert cat.load() is None
    listing, _ = refresh(Archive(other), cat, None)
    assert [p.path for p in listing.posts] == [p.path for p in _expected(other)[0]]


def test_a_catalog_inside_the_archive_is_never_written(tmp_path: Path, archive_root: Path) -> None:
    before = sorted(p.name for p in archive_root.rglob("*"))
    cat = Catalog.beside(archive_root / "idx", archive_root)
    listing, _ = refresh(Archive(archive_root), cat, None)
    assert listing.posts == _expected(archive_root)[0]
    assert sorted(p.name for p in archive_root.rglob("*")) == before
    assert not (archive_root / "idx" / CATALOG_FILE).exists()


def test_post_info_is_small_and_has_no_body() -> None:
    info = PostInfo("a.md", "제목", None, ("뉴스",), (), 10)
    assert not hasattr(info, "body") and not hasattr(info, "__dict__")


def test_refresh_checks_against_a_walk_it_is_given_and_walks_no_more(
    tmp_path: Path, archive_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reader walks the files once for the catalog's check and the index's.
    cat = _catalog(tmp_path, archive_root)
    listing, _ = refresh(Archive(archive_root), cat, None)
    _post(archive_root, "2025/2025-05-05-third.md", "세 번째 글", "2025-05-05")
    (archive_root / "far.md").unlink()
    archive = Archive(archive_root)
    scan = archive.walk()
    walks = []
    monkeypatch.setattr(Archive, "walk", lambda self: walks.append(1) or scan)
    newer, changed = refresh(archive, cat, listing, scan=scan)
    assert changed and walks == []
    paths = [p.path for p in newer.posts]
    assert "2025/2025-05-05-third.md" in paths and "far.md" not in paths
    assert newer.posts == _expected(archive_root)[0]


def test_a_preloaded_catalog_is_shared_until_the_catalog_is_written(
    tmp_path: Path, archive_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The SSH server's zygote reads the catalog once; every reader forked from it gets that
    # listing (copy-on-write) while the file is unchanged, and reads anew once the server wrote.
    import newsterm.catalog as catalog_module

    monkeypatch.setattr(catalog_module, "_PRELOADED", {})
    index_dir = tmp_path / "index"
    writer = Catalog.beside(index_dir, archive_root)
    refresh(Archive(archive_root), writer, writer.load())
    assert catalog_module.preload(index_dir, archive_root) is True
    assert catalog_module.preload(index_dir, archive_root) is False  # unchanged: two stats
    reader = Catalog.beside(index_dir, archive_root, writable=False)
    shared = reader.load()
    assert shared is not None and reader.load() is shared and reader.held() is shared
    # Its posts by path were made by the preload (before a fork), not by each reader.
    assert shared._by_path is not None and shared.by_path is shared._by_path
    assert shared.by_path == {p.path: p for p in shared.posts}
    assert [p.path for p in reader.load(limit=2).posts] == [p.path for p in shared.posts[:2]]
    # Another archive's reader with the same index folder never gets it.
    other = tmp_path / "other"
    other.mkdir()
    assert Catalog.beside(index_dir, other, writable=False).load() is None
    # The server adds a post: the stamp moves, the reader reads the file again.
    _post(archive_root, "2030-01-01-new.md", "New", "2030-01-01")
    refresh(Archive(archive_root), writer, writer.load())
    assert reader.held() is None
    fresh = reader.load()
    assert fresh is not shared and fresh.posts[0].path == "2030-01-01-new.md"
    assert "2030-01-01-new.md" in fresh.by_path and "2030-01-01-new.md" not in shared.by_path
    assert catalog_module.preload(index_dir, archive_root) is True
    again = reader.held()
    assert again is not None and again.posts[0].path == "2030-01-01-new.md"
    assert again._by_path is not None and "2030-01-01-new.md" in again.by_path


def test_readers_reading_do_not_move_the_stamp(tmp_path):
    """A served reader polls the stamp to learn of the server's writes: other readers' reads,
    overlapping or not, must not look like writes."""
    from newsterm.archive import Archive
    from newsterm.catalog import Catalog, refresh

    root = tmp_path / "archive"
    root.mkdir()
    (root / "2024-05-01-a.md").write_text("---\ntitle: A\ndate: 2024-05-01\n---\n\nx\n")
    writer = Catalog.beside(tmp_path / "index", root)
    refresh(Archive(root), writer, writer.load())
    reader = Catalog.beside(tmp_path / "index", root, writable=False)
    assert reader.load() is not None  # the first read
    before = reader.stamp()
    other = Catalog.beside(tmp_path / "index", root, writable=False)._connect(create=False)
    assert other is not None
    other.execute("SELECT count(*) FROM posts").fetchone()  # another reader, mid-read
    assert reader.stamp() == before
    assert [p.path for p in reader.load().posts] == ["2024-05-01-a.md"]
    other.close()  # its read ends
    assert reader.stamp() == before
    (root / "2024-06-01-b.md").write_text("---\ntitle: B\ndate: 2024-06-01\n---\n\ny\n")
    refresh(Archive(root), writer, writer.load())  # a write is still seen
    assert reader.stamp() != before


# ---- what changed since a mark (a served reader follows the server's writes with it)


def _info(path: str, day: int | None, title: str = "") -> PostInfo:
    import datetime as dt

    date = None if day is None else dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    if date is not None:
        date += dt.timedelta(days=day)
    return PostInfo(path, title or f"글 {path}", date, ("뉴스",), ("a",), 10, "ab" * 20, 5)


def _stored(tmp_path: Path, n: int = 30) -> tuple[Catalog, list[PostInfo]]:
    cat = Catalog.beside(tmp_path / "index", tmp_path / "archive")
    posts = [_info(f"p{i:03}.md", None if i % 7 == 0 else i % 12) for i in range(n)]
    assert cat.store([(p.path, (1, 1), p, None) for p in posts], complete=True)
    return cat, posts


def _same(a, b) -> None:
    """Two listings show the same: posts (every field, in order), by_path, problems."""
    assert [(p, p.digest, p.length) for p in a.posts] == [(p, p.digest, p.length) for p in b.posts]
    assert list(a.by_path) == list(b.by_path)
    assert [(p.path, p.reason) for p in a.problems] == [(p.path, p.reason) for p in b.problems]


def test_each_store_that_changes_rows_is_numbered_and_its_rows_can_be_read_alone(
    tmp_path: Path,
) -> None:
    cat, _posts = _stored(tmp_path)
    first = cat.load()
    assert first is not None and first.mark is not None
    assert cat.changes_since(first.mark).posts == []  # nothing since
    edited, fresh = _info("p003.md", 3, "고친 제목"), _info("new.md", 40)
    assert cat.store([(p.path, (2, 2), p, None) for p in (edited, fresh)], removed=["p005.md"])
    cat.store([], complete=True)  # no row: no new number
    assert cat.store([("p008.md", (3, 3), None, "bad front matter")])
    changes = cat.changes_since(first.mark)
    assert changes is not None and changes.complete
    assert changes.mark == cat.load().mark and changes.mark[1] == first.mark[1] + 2
    assert sorted(p.path for p in changes.posts) == ["new.md", "p003.md"]
    assert {p.path: p.title for p in changes.posts}["p003.md"] == "고친 제목"
    assert [(p.path, p.reason) for p in changes.problems] == [("p008.md", "bad front matter")]
    assert changes.removed == ["p005.md"]
    assert changes.paths == {"new.md", "p003.md", "p005.md", "p008.md"}
    # From the mark between the two stores: only the second.
    middle = (first.mark[0], first.mark[1] + 1)
    later = cat.changes_since(middle)
    assert later is not None and later.posts == [] and later.removed == []
    assert [p.path for p in later.problems] == ["p008.md"]
    # A path removed and written again is no longer removed.
    cat.store([("p005.md", (4, 4), _info("p005.md", 2), None)])
    assert cat.changes_since(first.mark).removed == []


def test_marks_that_cannot_be_followed_ask_for_the_whole_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsterm.catalog as catalog_module

    cat, posts = _stored(tmp_path)
    mark = cat.load().mark
    assert cat.changes_since(None) is None
    assert cat.changes_since((mark[0], mark[1] + 5)) is None  # gone backwards
    assert cat.changes_since(("another", mark[1])) is None  # another catalog's
    many = [(p.path, (9, 9), _info(p.path, 1, "x"), None) for p in posts[:10]]
    cat.store(many)
    assert cat.changes_since(mark, limit=9) is None  # more than the reader applies
    assert cat.changes_since(mark, limit=10) is not None
    # Removed paths of old stores are pruned: a mark before the floor reads everything.
    monkeypatch.setattr(catalog_module, "REMOVED_KEPT", 2)
    before_prune = cat.load().mark
    for post in posts[10:14]:
        cat.store([], removed=[post.path])
    assert cat.changes_since(before_prune) is None
    recent = cat.changes_since((mark[0], cat.load().mark[1] - 1))
    assert recent is not None and recent.removed == [posts[13].path]
    # The catalog made afresh (damaged, another version): a new lineage, old marks are void.
    cat._discard()
    cat.store([(p.path, (1, 1), p, None) for p in posts], complete=True)
    again = cat.load()
    assert again.mark[0] != mark[0]
    assert cat.changes_since(mark) is None
    assert cat.changes_since(again.mark) is not None


def _drafts_archive(root: Path) -> Path:
    root.mkdir()
    (root / "2024-01-02-out.md").write_text(
        "---\ntitle: 나온 글\ndate: 2024-01-02\ndraft: false\n---\n본문\n", encoding="utf-8"
    )
    (root / "2024-01-03-wip.md").write_text(
        "---\ntitle: 쓰는 중\ndate: 2024-01-03\ndraft: true\n---\n본문\n", encoding="utf-8"
    )
    (root / "_drafts").mkdir()
    (root / "_drafts" / "idea.md").write_text("---\ntitle: Idea\n---\nbody\n", encoding="utf-8")
    return root


def test_drafts_go_through_the_catalog(tmp_path: Path) -> None:
    root = _drafts_archive(tmp_path / "archive")
    cat = _catalog(tmp_path, root)
    listing, _changed = refresh(Archive(root), cat, None)
    drafts = {"2024-01-02-out.md": False, "2024-01-03-wip.md": True, "_drafts/idea.md": True}
    assert {p.path: p.draft for p in listing.posts} == drafts
    first = cat.load()
    assert first is not None and {p.path: p.draft for p in first.posts} == drafts
    assert first.posts == _expected(root)[0]
    # Published since: the reader that follows the catalog learns it from the changes alone.
    (root / "2024-01-03-wip.md").write_text(
        "---\ntitle: 쓰는 중\ndate: 2024-01-03\n---\n본문\n", encoding="utf-8"
    )
    refresh(Archive(root), cat, first)
    changes = cat.changes_since(first.mark)
    assert changes is not None and [(p.path, p.draft) for p in changes.posts] == [
        ("2024-01-03-wip.md", False)
    ]
    assert {p.path: p.draft for p in cat.load().posts}["2024-01-03-wip.md"] is False
    assert PostInfo("a.md", "t", None, (), (), draft=True) != PostInfo("a.md", "t", None, (), ())


def test_a_catalog_of_before_drafts_is_made_again_and_the_reading_marks_stay(
    tmp_path: Path,
) -> None:
    import sqlite3

    from newsterm.catalog import _MADE_BY
    from newsterm.state import ReadingState

    root = _drafts_archive(tmp_path / "archive")
    state = ReadingState(root)
    state.set_read("2024-01-03-wip.md")
    state.toggle_bookmark("_drafts/idea.md")
    cat = _catalog(tmp_path, root)
    cat.path.parent.mkdir(parents=True)
    # A catalog as version 3 made it (no draft column), its rows up to date with the files.
    con = sqlite3.connect(cat.path, isolation_level=None)
    con.executescript(
        """
        PRAGMA journal_mode = WAL;
        CREATE TABLE posts (path TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL, size INTEGER NOT
        NULL, title TEXT NOT NULL DEFAULT '', ts REAL, tzoff INTEGER, iso TEXT, categories TEXT
        NOT NULL DEFAULT '', tags TEXT NOT NULL DEFAULT '', digest TEXT, length INTEGER,
        problem TEXT, seq INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
        CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
        CREATE TABLE removed (path TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
        PRAGMA user_version = 3;
        """
    )
    info = [
        ("root", os.path.abspath(root)),
        ("input_version", _MADE_BY),
        ("complete", "1"),
        ("lineage", "0123456789abcdef"),
        ("seq", "1"),
        ("removed_floor", "0"),
    ]
    con.executemany("INSERT INTO info VALUES (?, ?)", info)
    for rel, (mtime_ns, size) in Archive(root).scan().items():
        con.execute(
            "INSERT INTO posts VALUES (?, ?, ?, ?, 1704067200.0, 0, NULL, '', '', NULL, 3, NULL,"
            " 1)",
            (rel, mtime_ns, size, f"옛 {rel}"),
        )
    con.close()
    # Not read as if it knew the drafts: no listing until it is made again.
    assert cat.load() is None
    assert Catalog.beside(cat.path.parent, root, writable=False).load() is None
    listing, changed = refresh(Archive(root), cat, None)
    assert changed and listing.complete
    expected = {"2024-01-02-out.md": False, "2024-01-03-wip.md": True, "_drafts/idea.md": True}
    assert {p.path: p.draft for p in listing.posts} == expected
    again = cat.load()
    assert again is not None and again.complete and again.mark is not None
    assert {p.path: p.draft for p in again.posts} == expected
    assert not any(p.title.startswith("옛") for p in again.posts)  # every row parsed anew
    state.close()
    kept = ReadingState(root)
    assert kept.is_read("2024-01-03-wip.md") and kept.is_bookmarked("_drafts/idea.md")
    kept.close()


def _languages_archive(root: Path) -> Path:
    root.mkdir()
    (root / "2024-01-02-ko.md").write_text(
        "---\ntitle: 비 오는 날\n---\n하루 종일 비가 와서 집에서 책을 읽었다.\n", encoding="utf-8"
    )
    (root / "2024-01-03-en.md").write_text(
        "---\ntitle: A rainy day\n---\nIt rained all day, so I read at home.\n", encoding="utf-8"
    )
    (root / "2024-01-04-ja.md").write_text(
        "---\ntitle: 雨\nlang: ja-JP\n---\nIt says so in its front matter.\n", encoding="utf-8"
    )
    (root / "2024-01-05-none.md").write_text("---\ntitle: '2024'\n---\n1, 2, 3\n", encoding="utf-8")
    return root


LANGUAGES = {
    "2024-01-02-ko.md": "ko",
    "2024-01-03-en.md": "en",
    "2024-01-04-ja.md": "ja",
    "2024-01-05-none.md": "",
}


def test_languages_go_through_the_catalog(tmp_path: Path) -> None:
    root = _languages_archive(tmp_path / "archive")
    cat = _catalog(tmp_path, root)
    listing, _changed = refresh(Archive(root), cat, None)
    assert {p.path: p.language for p in listing.posts} == LANGUAGES
    first = cat.load()
    assert first is not None and {p.path: p.language for p in first.posts} == LANGUAGES
    assert first.posts == _expected(root)[0]
    # The reader that follows the catalog learns a post's new language from the changes alone.
    (root / "2024-01-03-en.md").write_text(
        "---\ntitle: A rainy day\nlang: ko\n---\nIt rained.\n", encoding="utf-8"
    )
    refresh(Archive(root), cat, first)
    changes = cat.changes_since(first.mark)
    assert changes is not None
    assert [(p.path, p.language) for p in changes.posts] == [("2024-01-03-en.md", "ko")]
    again = cat.load()
    assert again is not None
    ko = [p.language for p in again.posts if p.language == "ko"]
    assert len(ko) == 2 and ko[0] is ko[1]  # one string for every post of a language
    assert PostInfo("a.md", "t", None, (), (), language="en") != PostInfo("a.md", "t", None, (), ())


def test_a_catalog_of_before_languages_is_made_again_and_the_reading_marks_stay(
    tmp_path: Path,
) -> None:
    import sqlite3

    from newsterm.catalog import _MADE_BY
    from newsterm.state import ReadingState

    root = _languages_archive(tmp_path / "archive")
    state = ReadingState(root)
    state.set_read("2024-01-03-en.md")
    state.toggle_bookmark("2024-01-04-ja.md")
    cat = _catalog(tmp_path, root)
    cat.path.parent.mkdir(parents=True)
    # A catalog as version 4 made it (drafts, no language), its rows up to date with the files.
    con = sqlite3.connect(cat.path, isolation_level=None)
    con.executescript(
        """
        PRAGMA journal_mode = WAL;
        CREATE TABLE posts (path TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL, size INTEGER NOT
        NULL, title TEXT NOT NULL DEFAULT '', ts REAL, tzoff INTEGER, iso TEXT, categories TEXT
        NOT NULL DEFAULT '', tags TEXT NOT NULL DEFAULT '', digest TEXT, length INTEGER,
        problem TEXT, seq INTEGER NOT NULL DEFAULT 0, draft INTEGER NOT NULL DEFAULT 0)
        WITHOUT ROWID;
        CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
        CREATE TABLE removed (path TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
        PRAGMA user_version = 4;
        """
    )
    info = [
        ("root", os.path.abspath(root)),
        ("input_version", _MADE_BY),
        ("complete", "1"),
        ("lineage", "0123456789abcdef"),
        ("seq", "1"),
        ("removed_floor", "0"),
    ]
    con.executemany("INSERT INTO info VALUES (?, ?)", info)
    for rel, (mtime_ns, size) in Archive(root).scan().items():
        con.execute(
            "INSERT INTO posts VALUES (?, ?, ?, ?, 1704067200.0, 0, NULL, '', '', NULL, 3, NULL,"
            " 1, 0)",
            (rel, mtime_ns, size, f"옛 {rel}"),
        )
    con.close()
    # Not read as if it knew the languages: no listing until it is made again.
    assert cat.load() is None
    assert Catalog.beside(cat.path.parent, root, writable=False).load() is None
    listing, changed = refresh(Archive(root), cat, None)
    assert changed and listing.complete
    assert {p.path: p.language for p in listing.posts} == LANGUAGES
    again = cat.load()
    assert again is not None and again.complete and again.mark is not None
    assert {p.path: p.language for p in again.posts} == LANGUAGES
    assert not any(p.title.startswith("옛") for p in again.posts)  # every row parsed anew
    state.close()
    kept = ReadingState(root)
    assert kept.is_read("2024-01-03-en.md") and kept.is_bookmarked("2024-01-04-ja.md")
    kept.close()


def test_a_listing_with_changes_applied_is_what_reading_the_catalog_again_gives(
    tmp_path: Path,
) -> None:
    import random

    cat, posts = _stored(tmp_path, 200)
    base = cat.load()
    shown = base
    rng = random.Random(5)
    paths = [p.path for p in posts]
    for round_ in range(25):
        rows, removed = [], []
        for _ in range(rng.randrange(1, 8)):
            path = rng.choice(paths) if rng.random() < 0.7 else f"new{rng.randrange(60)}.md"
            kind = rng.random()
            if kind < 0.2:
                removed.append(path)
            elif kind < 0.3:
                rows.append((path, (round_, 1), None, f"unreadable {round_}"))
            else:
                day = rng.choice([None, *range(-5, 30)])
                rows.append((path, (round_, 1), _info(path, day, f"t{round_}"), None))
        rows = list({r[0]: r for r in rows if r[0] not in removed}.values())
        assert cat.store(rows, removed)
        changes = cat.changes_since(shown.mark)
        assert changes is not None
        newer = shown.changed(changes)
        assert newer is not None
        _same(newer, cat.load())
        assert isinstance(newer.posts, Overlay)  # over the list first read, not a copy
        shown = newer
    # The list and dict first read (shared with the readers of a zygote) were never changed.
    fields = [(p.path, p.title, p.date) for p in sorted(posts, key=info_sort_key)]
    assert [(p.path, p.title, p.date) for p in base.posts] == fields
    assert list(base.by_path) == [p.path for p in base.posts]


def test_too_many_changes_ask_for_the_whole_catalog(tmp_path: Path) -> None:
    cat, posts = _stored(tmp_path, 50)
    shown = cat.load()
    cat.store([(p.path, (5, 5), _info(p.path, 3, "새"), None) for p in posts[:12]])
    changes = cat.changes_since(shown.mark)
    assert changes is not None
    assert shown.changed(changes, limit=11) is None
    applied = shown.changed(changes, limit=12)
    assert applied is not None
    _same(applied, cat.load())
