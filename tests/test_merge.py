"""Merging an index's segments in the background: fewer segments, the same results, nothing lost."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from whoosh.filedb.filestore import FileStorage

import newsterm.search.index as index_mod
import newsterm.search.merge as merge_mod
from newsterm.search import store
from newsterm.search.index import open_index
from newsterm.search.merge import merge_all, plan
from newsterm.walk import scan_archive
from test_index import write_post

WORDS = [
    "넷플릭스",
    "극장",
    "영화",
    "상영",
    "데이터",
    "모델",
    "학습",
    "서버",
    "시스템",
    "cloud",
    "game",
    "stream",
    "network",
]
QUERIES = [
    "넷플릭스",
    "극장",
    '"모델 학습"',
    "서",
    "시스템 OR 서버",
    "game -시스템",
    "category:IT",
    "title:영화",
    "cloud stream",
]


def _archive(root: Path, n: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    for i in range(n):
        body = " ".join(rng.choice(WORDS) + rng.choice(["가", "를", "에서", ""]) for _ in range(40))
        write_post(
            root,
            f"2024/{i:04d}-post.md",
            f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i}",
            f"## {rng.choice(WORDS)}\n\n{body}",
            date=f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
            categories=(rng.choice(["IT", "뉴스", "Culture"]),),
        )


def _results(ix) -> dict:
    out = {}
    for q in QUERIES:
        out[q] = [(h.path, round(h.score, 9)) for h in ix.search(q, limit=10_000)]
        out[q, "date"] = [h.path for h in ix.search(q, limit=10_000, sort="date")]
    return out


def _paths(results: dict) -> dict:
    """Each query's posts: as a set for relevance order, as the list for date order."""
    return {
        k: v if isinstance(k, tuple) else {path for path, _score in v} for k, v in results.items()
    }


def _segments(index_dir: Path) -> list:
    from whoosh.index import TOC

    folder = store.current_dir(index_dir)
    return list(TOC.read(FileStorage(str(folder)), "MAIN").segments)


@pytest.fixture
def many_segments(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    root = tmp_path / "arch"
    _archive(root, 60)
    monkeypatch.setattr(index_mod, "BATCH_BYTES", 1500)  # a segment every few posts
    monkeypatch.setattr(index_mod, "TINY_SEGMENT", 0)  # kept as they are by the build
    idx = tmp_path / "idx"
    ix = open_index(root, idx)
    ix.sync(ix.archive)
    assert len(_segments(idx)) >= 10
    return root, idx


def test_plan_merges_runs_of_small_segments_up_to_the_target():
    assert plan([]) is None
    assert plan([(500, 0)]) is None
    assert plan([(500, 0), (700, 0), (300, 0)]) == [0, 1, 2]
    full = merge_mod.FULL
    # full segments stay; the small ones after them are merged
    assert plan([(full, 0), (full + 5, 0), (10, 0), (20, 0)]) == [2, 3]
    # a run stops before it passes the target
    t = merge_mod.TARGET
    assert plan([(t // 2, 0), (t // 2, 0), (t // 2, 0)]) == [0, 1]
    # a mostly deleted segment is rewritten, even alone
    assert plan([(full, full // 2)]) == [0]
    # nothing left to do once merged
    assert plan([(t, 0), (t, 0), (t // 2, 0)]) is None
    # an edit's one-post segment after a build's last small one is not merged into it (5 CPU s
    # at 100k for each edit): small segments merge among themselves until they are as big
    assert plan([(full, 0), (1341, 1), (1, 0)]) is None
    assert plan([(full, 0), (1341, 0), (1, 0), (1, 0)]) == [2, 3]
    assert plan([(full, 0), (1341, 0), (2, 0), (1, 0)]) is None
    assert plan([(full, 0), (1341, 0), (2, 0), (1, 0), (1, 0)]) == [2, 3, 4]
    assert plan([(full, 0), (1341, 0), (700, 0), (641, 0)]) == [1, 2, 3]  # as big: all three


def test_merging_gives_one_segment_and_the_same_results(many_segments):
    root, idx = many_segments
    ix = open_index(root, idx)
    before = _results(ix)
    assert any(before[q] for q in QUERIES)
    assert merge_all(idx) == 1
    assert len(_segments(idx)) == 1
    after_ix = open_index(root, idx)
    assert _results(after_ix) == before  # the same posts, order and scores
    assert _results(ix) == before  # an index opened before the merge sees it too
    # the manifest follows the merge: a no-change sync is the quick one, not a rebuild
    assert store.quick_check(idx, scan_archive(root)) == []
    result = after_ix.sync(after_ix.archive)
    assert not result.changed and not result.rebuilt
    left = [p.name for p in store.current_dir(idx).iterdir() if p.name.endswith(".tmp")]
    assert not left  # (no temporary folder of the build's or the merge's writers)
    assert not [p for p in store.current_dir(idx).iterdir() if p.name.startswith("MERGE")]
    assert merge_all(idx) == 0  # nothing more to do


def test_a_merged_index_takes_updates(many_segments):
    root, idx = many_segments
    merge_all(idx)
    (root / "2024/0003-post.md").unlink()
    write_post(root, "2024/new.md", "새 글", "완전히새로운단어 가 있다")
    ix = open_index(root, idx)
    r = ix.sync(ix.archive)
    assert (r.added, r.removed) == (1, 1)
    assert [h.path for h in ix.search("완전히새로운단어").hits] == ["2024/new.md"]
    assert "2024/0003-post.md" not in {h.path for h in ix.search("서", limit=1000).hits}


def test_segments_with_deleted_posts_are_merged_with_the_same_results(many_segments):
    root, idx = many_segments
    for name in ("2024/0004-post.md", "2024/0031-post.md"):  # in two different segments
        (root / name).unlink()
    ix = open_index(root, idx)
    assert ix.sync(ix.archive).removed == 2
    assert sum(s.deleted_count() for s in _segments(idx)) == 2
    before = _results(ix)
    assert merge_all(idx) >= 1  # (merging a segment with deletions used to fail, silently)
    assert sum(s.deleted_count() for s in _segments(idx)) == 0
    after = open_index(root, idx)
    assert after.doc_count() == 58
    # The same posts for every query, in the same date order. (Scores move a little, and with
    # them near ties: before the merge Whoosh's statistics still counted the deleted posts.)
    assert _paths(_results(after)) == _paths(before)
    assert "2024/0004-post.md" not in {h.path for h in after.search("서", limit=1000).hits}


def test_deletions_made_while_a_merge_runs_are_kept(many_segments, monkeypatch):
    root, idx = many_segments
    gone = "2024/0005-post.md"
    real = merge_mod.write_merged

    def write_then_sync(*args, **kwargs):
        out = real(*args, **kwargs)
        (root / gone).unlink()  # a sync deletes a post between the merge and its commit
        other = open_index(root, idx)
        assert other.sync(other.archive).removed == 1
        return out

    monkeypatch.setattr(merge_mod, "write_merged", write_then_sync)
    assert merge_all(idx) == 1
    ix = open_index(root, idx)
    assert gone not in {h.path for h in ix.search("서", limit=1000).hits}
    assert ix.doc_count() == 59


def test_a_merge_stopped_half_way_leaves_the_index_as_it_was(many_segments, monkeypatch):
    root, idx = many_segments
    before = _results(open_index(root, idx))
    segs = [s.segment_id() for s in _segments(idx)]
    from newsterm.search.codec import BlockPostingsWriter

    def boom(self, *args, **kwargs):
        raise KeyboardInterrupt  # the process is stopped in the middle of writing

    monkeypatch.setattr(BlockPostingsWriter, "copy_list", boom)
    with pytest.raises(KeyboardInterrupt):
        merge_all(idx)
    assert [s.segment_id() for s in _segments(idx)] == segs
    assert _results(open_index(root, idx)) == before
    assert not [p for p in store.current_dir(idx).iterdir() if p.name.startswith("MERGE")]
    monkeypatch.undo()
    assert merge_all(idx) == 1
    assert _results(open_index(root, idx)) == before


def test_leftovers_of_a_killed_merge_are_removed_by_the_next(many_segments):
    _root, idx = many_segments
    folder = store.current_dir(idx)
    (folder / "MERGE_deadbeef.trm").write_bytes(b"half written")
    (folder / "MERGE.tmp").mkdir()
    assert merge_all(idx) == 1
    assert not [p for p in folder.iterdir() if p.name.startswith("MERGE")]


def test_only_one_process_merges_at_a_time(many_segments):
    _root, idx = many_segments
    lock = FileStorage(str(idx)).lock(merge_mod.MERGE_LOCK)
    assert lock.acquire(blocking=False)
    try:
        assert merge_all(idx) == 0
    finally:
        lock.release()
    assert merge_all(idx) == 1


def test_a_merge_that_cannot_get_the_writer_lock_commits_nothing(many_segments, monkeypatch):
    _root, idx = many_segments
    segs = [s.segment_id() for s in _segments(idx)]
    monkeypatch.setattr(merge_mod, "LOCK_WAIT", 0.2)
    lock = FileStorage(str(idx)).lock(index_mod.LOCK_NAME)
    assert lock.acquire(blocking=False)
    try:
        assert merge_all(idx) == 0
    finally:
        lock.release()
    assert [s.segment_id() for s in _segments(idx)] == segs
    assert not [p for p in store.current_dir(idx).iterdir() if p.name.startswith("MERGE")]


def test_the_reader_and_server_merge_in_the_background(many_segments):
    root, idx = many_segments
    ix = open_index(root, idx)
    thread = ix.merge_in_background()
    assert thread is not None
    thread.join(60)
    assert len(_segments(idx)) == 1
