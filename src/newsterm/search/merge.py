"""Merging an index's many small segments into a few big ones, in the background.

A build writes many segments (one per batch that fits in memory), and each repeats the bigram
vocabulary in its term table: at 20,000 posts 23 segments held 1.8 million term entries for
296,000 distinct terms. One-shot commands never wait for a merge: :func:`merge_all` is run
by the reader and the server, in a background thread, after their syncs
(:meth:`newsterm.search.index.SearchIndex.merge_in_background`).

Policy (:func:`plan`): runs of consecutive segments smaller than :data:`FULL` posts are merged
into one segment of at most :data:`TARGET` posts (less the first segments of a run that hold
more posts than the rest of it: those wait until the rest is as big), and a segment whose posts
are mostly deleted is rewritten alone: the index ends near one segment per :data:`TARGET` posts.

How: :func:`write_merged` writes the merged segment's files under the temporary name
``MERGE_*`` (Whoosh's commits delete every unknown ``MAIN_*`` file), copying the posting lists
block by block (:meth:`~newsterm.search.codec.BlockPostingsWriter.copy_list`: nothing is
decoded but the short lists inlined in the term tables). Only then, under the index's writer
lock (``SYNCLOCK``, the one every sync takes), :func:`_commit` checks that the merged segments
are still the index's, applies the deletions syncs made meanwhile, renames the files to
``MAIN_*`` and writes Whoosh's next table of contents (an atomic rename), then moves the
manifest's generation along. A merge that is killed leaves the previous table of contents in
use and ``MERGE_*`` files, removed by the next merge; a second process that wants to merge at
the same time does nothing (``MERGELOCK``).
"""

from __future__ import annotations

import contextlib
import heapq
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

# isort: off
# newsterm.search.analysis first: it imports Whoosh without Whoosh's slow eager urllib import.
import newsterm.search.analysis  # noqa: F401
from newsterm.search import store

# `typing` stays off the one-shot search's import path (~6 ms cold): Any is for the type checker
# only, and this module's annotations are never evaluated.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# isort: on

__all__ = ["FULL", "TARGET", "merge_all", "merge_in_background", "plan", "write_merged"]

TARGET = 20_000
"""Posts a merged segment holds at most (about: a run is cut before it passes this)."""
FULL = TARGET * 3 // 4
"""A segment with at least this many posts is not merged with others."""
MOSTLY_DELETED = 0.3
"""A segment with this share of its posts deleted is rewritten without them."""
MERGE_LOCK = "MERGELOCK"
TEMP_NAME = "MERGE"
INDEX_NAME = "MAIN"
MERGE_NICE = 10
"""The background merge thread's nice value (Linux)."""
LOCK_WAIT = 30.0
"""Seconds a finished merge waits for a sync to end before it gives up (and is redone)."""


def plan(counts: list[tuple[int, int]]) -> list[int] | None:
    """Which segments to merge next: the indexes of a run of consecutive segments (or one
    mostly deleted segment), given each segment's ``(posts, deleted posts)``; None when the
    index is as it should be."""
    run: list[int]
    for i, (total, deleted) in enumerate(counts):
        if total and deleted / total >= MOSTLY_DELETED:
            run = [i]
            live = total - deleted
            for j in range(i + 1, len(counts)):
                t, d = counts[j]
                if t - d >= FULL or live + t - d > TARGET:
                    break
                run.append(j)
                live += t - d
            return run
    runs: list[list[int]] = []
    run = []
    live = 0
    for i, (total, deleted) in enumerate(counts):
        n = total - deleted
        if n >= FULL or (run and live + n > TARGET):
            runs.append(run)
            run, live = [], 0
            if n >= FULL:
                continue
        run.append(i)
        live += n
    runs.append(run)
    for run in runs:
        run = _without_big_head(run, counts)
        if len(run) >= 2:
            return run
    return None


def _without_big_head(run: list[int], counts: list[tuple[int, int]]) -> list[int]:
    """``run`` without its first segments that hold more posts than the rest of it together:
    merging them would rewrite many posts to take in few. At 100,000 posts every edit added a
    one-post segment after the build's last (1,341 posts), and the server merged the two: 5 CPU
    s of its process for each edit. Small segments now merge among themselves until together
    they are as big as the one before them (each post is rewritten a few times, not at every
    edit)."""
    lives = [counts[i][0] - counts[i][1] for i in run]
    while len(run) >= 2 and lives[0] > sum(lives[1:]):
        run, lives = run[1:], lives[1:]
    return run


def _field_terms(reader: Any, fieldname: str, key: int) -> Iterator[tuple[bytes, int, Any]]:
    """``(term, key, info)`` of every term of ``fieldname`` in one segment's reader, in order."""
    terms = reader._terms
    if fieldname not in terms._fieldmap:
        return
    for (fname, tbytes), info in terms.items_from(fieldname, b""):
        if fname != fieldname:
            return
        yield tbytes, key, info


def write_merged(storage: Any, schema: Any, segments: list[Any]) -> tuple[Any, list[Any]]:
    """A new segment (files named ``MERGE_*``) holding the live posts of ``segments`` in
    order, and for each source segment how its post numbers map to the new one's (an int:
    the base to add, no post deleted; else a dict)."""
    from whoosh import columns
    from whoosh.reading import SegmentReader

    from newsterm.search.codec import NewstermCodec

    codec: Any = NewstermCodec()
    newseg = codec.new_segment(storage, TEMP_NAME)
    readers = [SegmentReader(storage, schema, seg) for seg in segments]
    try:
        # stored fields, field lengths and columns, post by post (as Whoosh's merge does)
        pdw = codec.per_document_writer(storage, newseg)
        maps: list[Any] = []
        docnum = 0
        names = list(schema.names())
        for reader in readers:
            docmap: dict[int, int] | None = {} if reader.has_deletions() else None
            maps.append(docmap if docmap is not None else docnum)
            cols = {}
            for name in names:
                coltype = schema[name].column_type
                if coltype and reader.has_column(name):
                    creader = reader.column_reader(name, coltype)
                    if isinstance(creader, columns.TranslatingColumnReader):
                        creader = creader.raw_column()
                    cols[name] = creader
            for old, stored in reader.iter_docs():
                if docmap is not None:
                    docmap[old] = docnum
                pdw.start_doc(docnum)
                for name in names:
                    fieldobj = schema[name]
                    length = reader.doc_field_length(old, name)
                    pdw.add_field(name, fieldobj, stored.get(name), length)
                    if name in cols:
                        pdw.add_column_value(name, fieldobj.column_type, cols[name][old])
                pdw.finish_doc()
                docnum += 1
        pdw.close()
        newseg.set_doc_count(docnum)
        # Whoosh keeps each post's field length as a byte (an approximation) and a segment's
        # total exactly; BM25F's average length comes from the totals: keep them exact, so a
        # merge changes no score.
        totals: dict[str, int] = {}
        for reader in readers:
            perdoc = reader._perdoc
            for name in names:
                total = perdoc.field_length(name)
                if reader.has_deletions():
                    total -= sum(
                        perdoc.doc_field_length(d, name) or 0
                        for d in reader.segment().deleted_docs()
                    )
                totals[name] = totals.get(name, 0) + total
        newseg._fieldlengths.clear()
        newseg._fieldlengths.update({k: v for k, v in totals.items() if v})

        # postings, term by term in order across the segments
        pdr = codec.per_document_reader(storage, newseg)
        fw = codec.field_writer(storage, newseg)
        for name in sorted(n for n in names if schema[n].indexed):
            fieldobj = schema[name]
            streams = [_field_terms(r, name, i) for i, r in enumerate(readers)]
            started = False
            lengths = pdr.field_lengths(name) if fieldobj.scorable else None
            parts: list[tuple[int, Any]] = []
            current = None
            for tbytes, i, info in heapq.merge(*streams, key=lambda t: (t[0], t[1])):
                if tbytes != current:
                    if parts:
                        started = _write_term(
                            fw, fieldobj, name, current, parts, readers, maps, lengths, started
                        )
                    current, parts = tbytes, []
                parts.append((i, info))
            if parts:
                started = _write_term(
                    fw, fieldobj, name, current, parts, readers, maps, lengths, started
                )
            if started:
                fw.finish_field()
        fw.close()
        pdr.close()
    finally:
        for reader in readers:
            with contextlib.suppress(Exception):
                reader.close()
    return newseg, maps


def _write_term(
    fw: Any,
    fieldobj: Any,
    name: str,
    tbytes: bytes | None,
    parts: list[tuple[int, Any]],
    readers: list[Any],
    maps: list[Any],
    lengths: list[Any] | None,
    started: bool,
) -> bool:
    """Write one term's merged posting list; True once the field has been started."""
    # What each part gives: a list to copy block by block, or postings to add one by one.
    pieces: list[tuple[str, Any]] = []
    total = 0
    for i, info in parts:
        docmap = maps[i]
        if isinstance(docmap, int) and not info.is_inlined():
            pieces.append(("copy", (readers[i]._terms._postfile, info, docmap)))
            total += info.doc_frequency()
            continue
        if info.is_inlined():
            ids, weights, values = info.inlined_postings()
        else:
            m = readers[i]._terms.matcher(name, tbytes, fieldobj.format)
            ids, weights, values = [], [], []
            while m.is_active():
                ids.append(m.id())
                weights.append(m.weight())
                values.append(m.value())
                m.next()
        if isinstance(docmap, int):
            posts = [(d + docmap, w, v) for d, w, v in zip(ids, weights, values, strict=True)]
        else:
            posts = [
                (docmap[d], w, v)
                for d, w, v in zip(ids, weights, values, strict=True)
                if d in docmap
            ]
        if posts:
            pieces.append(("posts", posts))
            total += len(posts)
    if not total:
        return started  # every post of the term was deleted
    if not started:
        fw.start_field(name, fieldobj)
    assert tbytes is not None
    fw.start_term(tbytes)
    pw: Any = fw._postwriter
    for kind, piece in pieces:
        if kind == "copy":
            pw.copy_list(*piece)
        else:
            for docnum, weight, value in piece:
                length = lengths[docnum] if lengths is not None else 0
                pw.add_posting(docnum, weight, value if value is not None else b"", length or 0)
    fw.finish_term()
    return True


def _drop_temp_files(storage: Any) -> None:
    """Remove what a merge leaves before its commit: its segment files and the folder Whoosh's
    per-post writer keeps columns in while it writes."""
    import shutil

    for name in list(storage.list()):
        if name.startswith(TEMP_NAME + "_"):
            with contextlib.suppress(OSError):
                storage.delete_file(name)
    shutil.rmtree(Path(storage.folder) / f"{TEMP_NAME}.tmp", ignore_errors=True)


_running: dict[Path, threading.Thread] = {}
_running_lock = threading.Lock()


def merge_in_background(index_dir: Path) -> threading.Thread | None:
    """Run :func:`merge_all` for ``index_dir`` in a daemon thread (None when this process is
    already merging it). A failed merge leaves the index as it was; a process that exits
    meanwhile leaves it as it was too."""
    index_dir = Path(index_dir)

    def run() -> None:
        # This thread only (Linux schedules threads as tasks): the reader's screen and the
        # server's sessions come first.
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), MERGE_NICE)
        with contextlib.suppress(Exception):
            merge_all(index_dir)

    with _running_lock:
        running = _running.get(index_dir)
        if running is not None and running.is_alive():
            return None
        thread = threading.Thread(target=run, name="index-merge", daemon=True)
        _running[index_dir] = thread
        thread.start()
        return thread


def merge_all(index_dir: Path, should_stop: Callable[[], bool] = lambda: False) -> int:
    """Merge the segments of the index in ``index_dir`` until :func:`plan` finds nothing to
    do (or ``should_stop()``); how many merges were committed. Another process merging the
    same index: returns 0 at once."""
    from whoosh.filedb.filestore import FileStorage

    index_dir = Path(index_dir)
    try:
        lock = FileStorage(str(index_dir)).lock(MERGE_LOCK)
        if not lock.acquire(blocking=False):
            return 0
    except OSError:
        return 0
    done = 0
    try:
        while not should_stop():
            if not _merge_once(index_dir):
                break
            done += 1
    finally:
        lock.release()
    return done


def _merge_once(index_dir: Path) -> bool:
    """One step of :func:`merge_all`: True when a merge was committed."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    folder = store.current_dir(index_dir)
    if not (folder / store.META_FILE).is_file():
        return False
    storage = FileStorage(str(folder))
    _drop_temp_files(storage)
    try:
        toc = TOC.read(storage, INDEX_NAME)
    except Exception:
        return False
    segments = list(toc.segments)
    run = plan([(s.doc_count_all(), s.deleted_count()) for s in segments])
    if run is None:
        return False
    chosen = [segments[i] for i in run]
    deleted_before = [set(s._deleted or ()) for s in chosen]
    try:
        newseg, maps = write_merged(storage, toc.schema, chosen)
    except BaseException:
        _drop_temp_files(storage)
        raise
    committed = False
    try:
        committed = _commit(index_dir, folder, storage, chosen, deleted_before, newseg, maps)
    finally:
        _drop_temp_files(storage)  # after a commit: only the column folder is left
    return committed


def _commit(
    index_dir: Path,
    folder: Path,
    storage: Any,
    chosen: list[Any],
    deleted_before: list[set[int]],
    newseg: Any,
    maps: list[Any],
) -> bool:
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC, clean_files

    lock = FileStorage(str(index_dir)).lock("SYNCLOCK")
    deadline = time.monotonic() + LOCK_WAIT
    while not lock.acquire(blocking=False):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    try:
        if store.current_dir(index_dir) != folder:
            return False  # rebuilt meanwhile
        toc = TOC.read(storage, INDEX_NAME)
        ids = [s.segment_id() for s in toc.segments]
        chosen_ids = [s.segment_id() for s in chosen]
        try:
            at = ids.index(chosen_ids[0])
        except ValueError:
            return False
        if ids[at : at + len(chosen)] != chosen_ids:
            return False
        now = toc.segments[at : at + len(chosen)]
        # posts a sync deleted while the merge ran: delete them in the merged segment too
        for seg, before, docmap in zip(now, deleted_before, maps, strict=True):
            for old in set(seg._deleted or ()) - before:
                new = docmap + old if isinstance(docmap, int) else docmap.get(old)
                if new is not None:
                    newseg.delete_document(new)
        # the merged files take their final names
        temp_prefix = newseg.segment_id()
        newseg.indexname = INDEX_NAME
        final_prefix = newseg.segment_id()
        for name in list(storage.list()):
            if name.startswith(temp_prefix + "."):
                storage.rename_file(name, final_prefix + name[len(temp_prefix) :])
        merged = [newseg] if newseg.doc_count_all() else []  # (every post was deleted)
        segments = [*toc.segments[:at], *merged, *toc.segments[at + len(chosen) :]]
        generation = toc.generation + 1
        TOC(toc.schema, segments, generation).write(storage, INDEX_NAME)
        store.Manifest(folder).move_generation(toc.generation, generation)
        with contextlib.suppress(OSError):
            clean_files(storage, INDEX_NAME, generation, segments)
        return True
    finally:
        lock.release()
