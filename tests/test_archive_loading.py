"""The core's one archive loader: newest path dates first, the first screenful early, progress,
cancelling, and re-reading the files that changed."""

from __future__ import annotations

from pathlib import Path

from newsterm.archive import Archive


def _dated(root: Path, rel: str, title: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: {title}\n---\n\nbody of {title}\n", "utf-8")


def test_path_date_key_orders_by_the_date_in_the_name_or_folders():
    from newsterm.archive import path_date_key

    rels = ["undated.md", "2021-4-9-spring.md", "2023/05/06/post.md", "2024-01-02-new.md"]
    assert sorted(rels, key=path_date_key) == [
        "2024-01-02-new.md",
        "2023/05/06/post.md",
        "2021-4-9-spring.md",
        "undated.md",
    ]
    # A name that only looks like a date is undated, never a crash.
    assert path_date_key("2021-13-45-bad.md")[0] == 1


def test_load_all_shows_the_newest_files_first_then_reports_progress(tmp_path: Path):
    for day in range(1, 10):
        _dated(tmp_path, f"2024-01-0{day}-p{day}.md", f"Post {day}")
    _dated(tmp_path, "notes/undated.md", "Undated")
    (tmp_path / "2024-02-01-broken.md").write_bytes(b"\x00\x01binary")
    firsts: list[tuple[list[str], int, int]] = []
    progress: list[tuple[int, int]] = []
    posts, problems = Archive(tmp_path).load_all(
        first=3,
        on_first=lambda ps, done, total: firsts.append(([p.path for p in ps], done, total)),
        on_progress=lambda done, total: progress.append((done, total)),
        progress_every=4,
    )
    # The broken file has the newest name: it is read first and counts, but is no post.
    assert firsts == [(["2024-01-09-p9.md", "2024-01-08-p8.md"], 3, 11)]
    assert progress == [(4, 11), (8, 11)]
    assert [p.path for p in posts][:3] == [
        "2024-01-09-p9.md",
        "2024-01-08-p8.md",
        "2024-01-07-p7.md",
    ]
    assert posts[-1].path == "notes/undated.md"
    assert [p.path for p in problems] == ["2024-02-01-broken.md"]


def test_load_all_stops_when_cancelled(tmp_path: Path):
    for day in range(1, 6):
        _dated(tmp_path, f"2024-01-0{day}-p{day}.md", f"Post {day}")
    calls = iter(range(100))
    posts, _ = Archive(tmp_path).load_all(cancelled=lambda: next(calls) >= 2)
    assert [p.path for p in posts] == ["2024-01-05-p5.md", "2024-01-04-p4.md"]


def test_reread_applies_added_changed_and_removed_files(tmp_path: Path):
    _dated(tmp_path, "2024-01-01-a.md", "A")
    _dated(tmp_path, "2024-01-02-b.md", "B")
    archive = Archive(tmp_path)
    posts, problems = archive.load_all()
    _dated(tmp_path, "2024-01-03-c.md", "C")
    _dated(tmp_path, "2024-01-01-a.md", "A again")
    (tmp_path / "2024-01-02-b.md").unlink()
    (tmp_path / "2024-01-04-bad.md").write_bytes(b"\x00\x01")
    rels = {"2024-01-01-a.md", "2024-01-02-b.md", "2024-01-03-c.md", "2024-01-04-bad.md"}
    posts, problems = archive.reread(rels, posts, problems)
    assert [(p.path, p.title) for p in posts] == [
        ("2024-01-03-c.md", "C"),
        ("2024-01-01-a.md", "A again"),
    ]
    assert [p.path for p in problems] == ["2024-01-04-bad.md"]
