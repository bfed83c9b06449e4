"""Writing one segment of a build from nothing: a batch of posts in, Whoosh segment files out.

Whoosh's writer puts every posting of a batch into a sorting pool as a 5-tuple, sorts them
all, then hands them one by one to the codec: at 2,000 posts that was 2 million tuples and
more than half of a build's time (``cProfile``: the pool's ``add``, its sort and the field
writer's loop). Here each field keeps a dict of term -> (posts, weights, values) lists,
filled straight from :func:`~newsterm.search.analysis.term_positions` for the text fields;
only the terms are sorted, and each posting list goes to the codec a block at a time
(:meth:`~newsterm.search.codec.BlockPostingsWriter.add_list`). The segment written is the one
Whoosh's writer would write (the same terms, postings, stored fields, lengths and columns).

:func:`write_segment` runs in a build's worker processes (:mod:`newsterm.search.index` hands
each a batch of posts, as ``(docs, name)``) or in the building process itself.
"""

from __future__ import annotations

# isort: off
# newsterm.search.analysis first: it imports Whoosh without Whoosh's slow eager urllib import.
from newsterm.search.analysis import term_positions
from newsterm.search.codec import (
    _SMALL,
    BigramPositions,
    NewstermCodec,
    one_position_table,
)

# `typing` stays off the one-shot search's import path (~6 ms cold): Any is for the type checker
# only, and this module's annotations are never evaluated.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# isort: on

__all__ = ["Build", "BuildFailed", "write_segment"]


class BuildFailed(Exception):
    """A build's worker process failed; ``str()`` is what it said (one line)."""


_WEIGHTS: dict[float, list[float]] = {}


def _weights_for(boost: float) -> list[float]:
    """``count * boost`` for counts up to 255, made once: one float object each, shared by
    every posting that has it (memory: a batch holds millions of postings)."""
    table = _WEIGHTS.get(boost)
    if table is None:
        table = _WEIGHTS[boost] = [n * boost for n in range(256)]
    return table


def write_segment(
    storage: Any, schema: Any, docs: list[dict[str, Any]], counter: Any = None
) -> Any:
    """Write ``docs`` (field name -> value, as Whoosh's ``add_document`` takes them) as a new
    segment in ``storage``; the segment (not yet in any table of contents). ``counter`` (a
    shared ``multiprocessing.Value``) counts the posts indexed so far, for the progress bar."""
    codec: Any = NewstermCodec()
    segment = codec.new_segment(storage, "MAIN")
    pdw = codec.per_document_writer(storage, segment)
    postings: dict[str, dict[Any, tuple[list[int], list[float], list[bytes]]]] = {}
    fields = {name: schema[name] for name in schema.names()}
    one_position = one_position_table()
    for docnum, doc in enumerate(docs):
        pdw.start_doc(docnum)
        for name in sorted(doc):
            value = doc[name]
            if value is None or name.startswith("_"):
                continue
            field = fields[name]
            length = 0
            if field.indexed:
                terms = postings.get(name)
                if terms is None:
                    terms = postings[name] = {}
                fmt = field.format
                if type(fmt) is BigramPositions:
                    weights = _weights_for(fmt.field_boost)
                    encode: Any = fmt.encode
                    one = weights[1]
                    for term, poslist in term_positions(value).items():
                        # (the hot loop of a build: once per term of each post)
                        lists = terms.get(term)
                        if lists is None:
                            lists = terms[term] = ([], [], [])
                        lists[0].append(docnum)
                        if len(poslist) == 1 and poslist[0] < _SMALL:
                            lists[1].append(one)
                            lists[2].append(one_position[poslist[0]])
                            length += 1
                        else:
                            n = len(poslist)
                            lists[1].append(weights[n] if n < 256 else n * fmt.field_boost)
                            lists[2].append(encode(poslist))
                            length += n
                else:
                    scorable = field.scorable
                    for tbytes, freq, weight, vbytes in field.index(value):
                        lists = terms.get(tbytes)
                        if lists is None:
                            lists = terms[tbytes] = ([], [], [])
                        lists[0].append(docnum)
                        lists[1].append(weight)
                        lists[2].append(vbytes)
                        if scorable:
                            length += freq
            pdw.add_field(name, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                pdw.add_column_value(name, column, field.to_column_value(value))
        pdw.finish_doc()
        if counter is not None:
            with counter.get_lock():
                counter.value += 1
    pdw.close()
    segment.set_doc_count(len(docs))

    pdr = codec.per_document_reader(storage, segment)
    fw = codec.field_writer(storage, segment)
    for name in sorted(postings):
        terms = postings.pop(name)
        fw.start_field(name, fields[name])
        lengths = pdr.field_lengths(name)
        pw: Any = fw._postwriter
        for term in sorted(terms):
            ids, weights, values = terms[term]
            fw.start_term(term.encode("utf-8") if isinstance(term, str) else term)
            pw.add_list(ids, weights, values, lengths)
            fw.finish_term()
        fw.finish_field()
    fw.close()
    pdr.close()
    return segment


# --------------------------------------------------------------------------- a whole build

_CONTEXT: dict[str, Any] = {}
"""What a forked worker writes into: the storage and the schema (set before the fork)."""


def _write_in_worker(docs: list[dict[str, Any]]) -> Any:
    return write_segment(_CONTEXT["storage"], _CONTEXT["schema"], docs, _CONTEXT["counter"])


class Build:
    """A build from nothing, batch by batch: :meth:`add` each post's fields; every
    ``batch_bytes`` of posts becomes a segment, written by one of ``procs`` worker processes
    (forked: only from a program that may fork, the command line) or, with one, by this
    process. Each finished segment is committed at once (Whoosh's next table of contents), so a
    build that is stopped keeps what it committed. :meth:`finish` waits for the last batches.

    ``on_write`` is called before this process writes a batch itself (the progress phase)."""

    def __init__(
        self,
        ix: Any,
        procs: int,
        batch_bytes: int,
        on_write: Any = None,
        tied: Any = None,
    ) -> None:
        self.ix = ix
        self.storage = ix.storage
        self.schema = ix.schema
        self.batch_bytes = batch_bytes
        self.on_write = on_write
        self.batch: list[dict[str, Any]] = []
        self.size = 0
        self.pending: list[Any] = []
        self.procs = procs
        self.pool: Any = None
        self.tied = tied  # (newsterm.children.TiedChildren: what a failed worker said)
        self.workers: set[int] = set()
        self.counter: Any = None
        self.handed = 0  # posts handed to the workers
        self.batches = 0
        if procs > 1:
            import multiprocessing
            import signal

            self.counter = multiprocessing.get_context("fork").Value("q", 0)
            _CONTEXT.update(storage=self.storage, schema=self.schema, counter=self.counter)
            # Workers are forked with Ctrl+C blocked (a terminal sends it to the whole process
            # group): this process stops them; they print no tracebacks of their own.
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                self.pool = multiprocessing.get_context("fork").Pool(procs)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            self.workers = {p.pid for p in self.pool._pool}

    def indexed(self) -> int:
        """How many of the posts handed to the workers they have indexed (all of them without
        workers: this process writes each batch when it is handed)."""
        if self.counter is None:
            return self.handed
        return int(self.counter.value)

    def add(self, doc: dict[str, Any], size: int) -> None:
        self.handed += 1
        self.batch.append(doc)
        self.size += size
        # The first batch of each worker is smaller: the workers start while this process is
        # still reading, instead of waiting for a whole batch each.
        first = self.pool is not None and self.batches < self.procs
        if self.size >= (self.batch_bytes // 4 if first else self.batch_bytes):
            self.flush()

    def flush(self) -> None:
        """Hand the batch so far to a worker (or write it here)."""
        if not self.batch:
            return
        docs, self.batch, self.size = self.batch, [], 0
        self.batches += 1
        if self.pool is None:
            if self.on_write is not None:
                self.on_write()
            self._commit(write_segment(self.storage, self.schema, docs))
            return
        # One batch in each worker and one waiting: reading never runs far ahead of indexing
        # (the progress count is of posts read; what is left when reading ends is the last
        # phase, "writing the index"), and memory stays bounded.
        while len(self.pending) > self.procs:
            self._collect(wait=True)
        self.pending.append(self.pool.apply_async(_write_in_worker, (docs,)))
        self._collect(wait=False)

    def _collect(self, wait: bool, progress: Any = None) -> None:
        """Commit the segments the workers have finished (the oldest first)."""
        while self.pending and (wait or self.pending[0].ready()):
            job = self.pending[0]
            while not job.ready():
                job.wait(0.5)
                if progress is not None:
                    progress()
                # A worker that dies (killed, out of memory) never answers: Pool starts
                # another in its place, and the batch it had would be waited for forever.
                if {p.pid for p in self.pool._pool} != self.workers:
                    said = self.tied.reason() if self.tied is not None else ""
                    raise BuildFailed(said or "a build process ended unexpectedly")
            self.pending.pop(0)
            try:
                segment = job.get()
            except OSError:
                raise  # a full disk: said as the sync says it
            except Exception as err:
                raise BuildFailed(f"{type(err).__name__}: {err}") from None
            self._commit(segment)
            wait = False

    def _commit(self, segment: Any) -> None:
        from whoosh.index import TOC

        toc = TOC.read(self.storage, "MAIN")
        generation = toc.generation + 1
        TOC(self.schema, [*toc.segments, segment], generation).write(self.storage, "MAIN")
        import contextlib

        with contextlib.suppress(OSError):
            self.storage.delete_file(TOC._filename("MAIN", toc.generation))

    def finish(self, progress: Any = None) -> None:
        """Write the last batch and wait for every worker's segment; ``progress()`` is called
        every half second meanwhile (the workers' count moves on)."""
        self.flush()
        while self.pending:
            self._collect(wait=True, progress=progress)
        self.close()

    def close(self) -> None:
        """End the workers (at once: after :meth:`finish`, or when the build is stopped) and
        remove the folder Whoosh's per-post writers keep their columns in while they write."""
        import shutil
        from pathlib import Path

        if self.pool is not None:
            pool, self.pool = self.pool, None
            pool.terminate()
            pool.join()
        _CONTEXT.clear()
        shutil.rmtree(Path(self.storage.folder) / "MAIN.tmp", ignore_errors=True)
