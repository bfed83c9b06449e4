"""newsterm's subclasses of Whoosh's matchers, scorer, searcher and collector (for speed).

Each gives the same posts and scores as the Whoosh class it replaces (tests/test_index.py
compares them), with less work per post: a phrase intersects its terms rarest first, an OR
clears its score array from a block of zeros, BM25F scores a block of posts at once, a single
Hangul syllable reads its terms' posts in bulk, the top-N collector breaks ties newest first,
and the searcher keeps its per-snapshot answers (average field lengths, path -> post number).

This module is imported by the first search (``query.to_whoosh``, ``index``'s searcher), not at
start-up, and it imports Whoosh's query and searching modules the lean way first.
"""

from __future__ import annotations

from array import array
from heapq import heappush, heapreplace

# isort: off
# Whoosh imported past what a search never uses, before anything imports it the slow way.
from newsterm.search.analysis import import_whoosh_query
from newsterm.search.lazy_imports import import_lean

import_whoosh_query()
import_lean("whoosh.searching")

from whoosh import matching  # noqa: E402
from whoosh import query as wq  # noqa: E402
from whoosh.collectors import TopCollector  # noqa: E402
from whoosh.matching import ReadTooFar  # noqa: E402
from whoosh.matching.combo import ArrayUnionMatcher, CombinationMatcher  # noqa: E402
from whoosh.query.compound import PreloadedOr  # noqa: E402
from whoosh.query.spans import Span, SpanNear2, SpanWrappingMatcher  # noqa: E402
from whoosh.reading import TermNotFound  # noqa: E402
from whoosh.scoring import BM25F, BM25FScorer  # noqa: E402
from whoosh.searching import Searcher  # noqa: E402

from newsterm.search.codec import QuickTermsReader  # noqa: E402

# isort: on

TYPE_CHECKING = False  # typing is not imported at run time (a search imports this)
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "BlockBM25F",
    "FastOr",
    "NewestFirstTop",
    "NewstermSearcher",
    "RareFirstPhrase",
    "SyllablePrefix",
    "new_searcher",
]


class AllOf(matching.Matcher):
    """The posts every leaf matcher holds (given rarest first), scored as the sum of
    their scores: Whoosh's chain of pairwise IntersectionMatchers, flattened into one
    leapfrog (the rarest leads, the others skip to it; a phrase check runs on each post
    it stops at, so its steps are much of a rare word's search)."""

    def __init__(self, ms: Any) -> None:
        self.ms = ms
        self._active = all(m.is_active() for m in ms)
        if self._active:
            self._align()

    def _align(self) -> None:
        ms = self.ms
        lead = ms[0]
        target = lead.id()
        while True:
            for m in ms[1:]:
                if m.id() < target:
                    m.skip_to(target)
                    if not m.is_active():
                        self._active = False
                        return
                here = m.id()
                if here > target:
                    lead.skip_to(here)
                    if not lead.is_active():
                        self._active = False
                        return
                    target = lead.id()
                    break
            else:
                return

    def is_active(self) -> bool:
        return self._active

    def id(self) -> Any:
        return self.ms[0].id()

    def next(self) -> bool:
        lead = self.ms[0]
        lead.next()
        if lead.is_active():
            self._align()
        else:
            self._active = False
        return True

    def skip_to(self, id: Any) -> bool:
        if not self._active:
            raise ReadTooFar
        if id <= self.id():
            return False
        lead = self.ms[0]
        lead.skip_to(id)
        if lead.is_active():
            self._align()
        else:
            self._active = False
        return True

    def score(self) -> Any:
        return sum(m.score() for m in self.ms)

    def weight(self) -> Any:
        return sum(m.weight() for m in self.ms)

    def supports(self, astype: Any) -> bool:
        return all(m.supports(astype) for m in self.ms)

    def supports_block_quality(self) -> bool:
        return False

    def children(self) -> list[Any]:
        return list(self.ms)

    def copy(self) -> Any:
        return AllOf([m.copy() for m in self.ms])

    def replace(self, minquality: Any = 0) -> Any:
        return self if self._active else matching.NullMatcher()

    def depth(self) -> Any:
        return 1 + max(m.depth() for m in self.ms)


class RareFirstNear(SpanNear2.SpanNear2Matcher):
    def __init__(
        self, ms: Any, slop: Any = 1, ordered: Any = True, mindist: Any = 1, order: Any = None
    ) -> None:
        self.ms = ms
        self.slop = slop
        self.ordered = ordered
        self.mindist = mindist
        self.order = list(order) if order is not None else list(range(len(ms)))
        SpanWrappingMatcher.__init__(self, AllOf([ms[i] for i in self.order]))

    def _get_spans(self) -> Any:
        # Whoosh's span walk for slop=1, ordered, mindist=1 (a phrase: term i at p+i),
        # done with sets: a candidate post that holds every term but not as a phrase (the
        # common case for a rare word made of common bigrams) costs a few lookups, not
        # a Span object per position and a nested loop.
        if self.slop != 1 or not self.ordered or self.mindist != 1:
            return super()._get_spans()
        ms = self.ms
        starts = ms[0].value_as("positions")
        if len(ms) == 1:
            return [Span(p) for p in starts]
        for i, m in enumerate(ms[1:], 1):
            # the next term's positions are read only while some start is still possible
            at = set(m.value_as("positions"))
            starts = [p for p in starts if p + i in at]
            if not starts:
                return []
        last = len(ms) - 1
        return [Span(p, p + last) for p in starts]

    def copy(self) -> Any:
        return self.__class__(
            [m.copy() for m in self.ms],
            slop=self.slop,
            ordered=self.ordered,
            mindist=self.mindist,
            order=self.order,
        )


class RareFirstPhrase(wq.Phrase):
    """Whoosh's Phrase, but finding candidate posts rarest term first.

    Whoosh intersects a phrase's terms in phrase order, pairwise: for ``가가대마까지`` it first
    walks the long lists of ``가가`` and ``까지`` against each other. Here the intersection is a
    chain that starts from the rarest term and only skips the common ones to its posts (much
    faster for a rare word: benchmarks/README.md). Positions are checked in phrase order as before.
    """

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        if self.fieldname not in searcher.schema:
            return matching.NullMatcher()
        field = searcher.schema[self.fieldname]
        reader = searcher.reader()
        weighting = context.weighting if context is not None else searcher.weighting
        found = []
        for word in self.words:
            # one look-up per term: a phrase with a term missing here matches nothing
            btext = field.to_bytes(word)
            try:
                info = reader.term_info(self.fieldname, btext)
            except TermNotFound:
                return matching.NullMatcher()
            found.append((btext, info.doc_frequency()))
        ms = []
        sizes = []
        for btext, size in found:
            # what wq.Term(field, btext).matcher() gives for a term known to be there
            ms.append(searcher.postings(self.fieldname, btext, weighting=weighting))
            sizes.append(size)
        order = sorted(range(len(ms)), key=sizes.__getitem__)
        m = RareFirstNear(ms, slop=self.slop, ordered=True, mindist=1, order=order)
        if self.boost != 1.0:
            m = matching.WrappingMatcher(m, boost=self.boost)
        return m


class ZeroedArrayUnionMatcher(ArrayUnionMatcher):
    def __init__(
        self,
        submatchers: Any,
        doccount: Any,
        boost: Any = 1.0,
        scored: Any = True,
        partsize: Any = 2048,
    ) -> None:
        # as Whoosh's, with the array made and cleared from a block of zero bytes
        CombinationMatcher.__init__(self, submatchers, boost=boost)
        self._scored = scored
        self._doccount = doccount
        if not partsize:
            partsize = doccount
        self._partsize = partsize
        self._zeros = array("d", bytes(8 * partsize))
        self._a = array("d", self._zeros)
        self._docnum = self._min_id()
        self._read_part()

    def _read_part(self) -> None:
        scored = self._scored
        boost = self._boost
        limit = min(self._docnum + self._partsize, self._doccount)
        offset = self._docnum
        a = self._a
        a[:] = self._zeros
        for m in self._submatchers:
            score_into = getattr(m, "score_into", None) if scored else None
            if score_into is not None and m.is_active() and score_into(a, offset, limit, boost):
                continue  # the matcher scored its posts a block at a time
            while m.is_active() and m.id() < limit:
                i = m.id() - offset
                if scored:
                    a[i] += m.score() * boost
                else:
                    a[i] = 1
                m.next()
        self._offset = offset
        self._limit = limit


class FastPreloadedOr(PreloadedOr):
    def _matcher(self, subs: Any, searcher: Any, context: Any) -> Any:
        scored = context.weighting is not None if context else True
        ms = [sub.matcher(searcher, context) for sub in subs]
        doccount = searcher.doc_count_all()
        return ZeroedArrayUnionMatcher(ms, doccount, boost=self.boost, scored=scored)


class FastOr(wq.Or):
    """Whoosh's Or, whose pre-loading matcher (small segments) starts without a Python loop.

    Whoosh's ``ArrayUnionMatcher`` fills and clears its 2048-slot score array one slot at a
    time, in every segment: a visible part of a one-shot search over an index of ~20 segments.
    Scores are added up in the same order, so results are identical.
    """

    def _matcher(self, subs: Any, searcher: Any, context: Any) -> Any:
        # Whoosh's AUTO choice (see Or._matcher), with the array matcher replaced.
        if self.matcher_type == self.AUTO_MATCHER:
            needs_current = context.needs_current if context else True
            if not (
                len(subs) < self.TOO_MANY_CLAUSES
                and (
                    needs_current or self.scale or len(subs) == 2 or searcher.doc_count_all() > 5000
                )
            ):
                q = FastPreloadedOr(
                    subs, boost=self.boost, minmatch=self.minmatch, scale=self.scale
                )
                return q.matcher(searcher, context)
        return super()._matcher(subs, searcher, context)


class BlockBM25FScorer(BM25FScorer):
    def __init__(
        self, searcher: Any, fieldname: Any, text: Any, B: Any, K1: Any, qf: Any = 1
    ) -> None:
        super().__init__(searcher, fieldname, text, B, K1, qf=qf)
        perdoc = getattr(searcher.reader(), "_perdoc", None)
        lengths = getattr(perdoc, "field_lengths", None)
        if lengths is None:  # not newsterm's reader: one post at a time
            self.scores_of = None  # type: ignore[method-assign,assignment]
        else:
            self._fieldname = fieldname
            self._perdoc: Any = perdoc
            self._lengths: Any = None

    def scores_of(self, ids: list[int], weights: list[float]) -> list[float]:
        """BM25FScorer.score of each post (ids) with its term weight."""
        lengths = self._lengths
        if lengths is None:
            lengths = self._lengths = self._perdoc.field_lengths(self._fieldname)
        idf, avgfl, B, K1 = self.idf, self.avgfl, self.B, self.K1
        if lengths is None:  # no length column: Whoosh's default length, 1
            lengths = [1] * (max(ids) + 1)
        # whoosh.scoring.bm25(idf, tf, fl, avgfl, B, K1), written out
        return [
            idf * ((w * (K1 + 1)) / (w + K1 * ((1 - B) + B * lengths[d] / avgfl)))
            for d, w in zip(ids, weights, strict=True)
        ]


class BlockBM25F(BM25F):
    """Whoosh's BM25F, whose scorer can also score a block of posts at once (``scores_of``,
    used by BlockLeafMatcher.score_into): the same formula, float for float, without a
    method call per post through the matcher, the scorer and the field length lookup."""

    def scorer(self, searcher: Any, fieldname: Any, text: Any, qf: Any = 1) -> Any:
        if not searcher.schema[fieldname].scorable or fieldname in self._field_B:
            return super().scorer(searcher, fieldname, text, qf=qf)
        return BlockBM25FScorer(searcher, fieldname, text, self.B, self.K1, qf=qf)


class SyllablePrefix(wq.Prefix):
    """A one-syllable Hangul/CJK query: the field's terms starting with the syllable (its
    bigrams, and the syllable alone where it ends a run), as Whoosh's Prefix finds them.

    Whoosh's Prefix opens a matcher per term and unions them one post at a time: a common
    syllable has hundreds of bigrams in every segment (seconds at 20,000 posts). Here each
    term's post numbers are read in bulk and united as a set. A post matching the syllable
    in a field scores that field's boost (title 3, sections 2, body 1), the same in every
    segment (Whoosh scored a segment holding only one such term by BM25, the others 1.0).
    """

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        reader = searcher.reader()
        terms = getattr(reader, "_terms", None)
        if self.fieldname not in searcher.schema or not isinstance(terms, QuickTermsReader):
            return super().matcher(searcher, context)
        ids: set[int] = set()
        for _btext, info in reader.iter_prefix(self.fieldname, self.text):
            ids.update(terms.posting_ids(info))
        if ids and reader.has_deletions():
            ids = {d for d in ids if not reader.is_deleted(d)}
        if not ids:
            return matching.NullMatcher()
        boost = searcher.schema[self.fieldname].format.field_boost * self.boost
        return matching.ListMatcher(sorted(ids), all_weights=boost)


class NewestFirstTop(TopCollector):
    """Whoosh's top-N collector, breaking ties in score by date, newest first.

    Whoosh keeps the lowest document numbers, i.e. the oldest posts: a query that many posts
    match equally (one syllable, a category, a date) listed the oldest ones first. Create it
    with ``replace=0``: once its top N is full, Whoosh's collector otherwise swaps parts of the
    query that cannot reach the N-th score for nothing, and their matches go uncounted.
    """

    def set_subsearcher(self, subsearcher: Any, offset: Any) -> None:
        super().set_subsearcher(subsearcher, offset)
        self._ts = None  # opened for the first match in the segment (most have none)

    def _collect(self, global_docnum: Any, score: Any) -> Any:
        items = self.items
        self.total += 1
        full = len(items) >= self.limit
        if full and score < items[0][0]:
            return 0  # below the N-th best: no date needed
        ts = self._ts
        if ts is None:
            ts = self._ts = self.subsearcher.reader().column_reader("ts", translate=False)
        key = (score, ts[global_docnum - self.offset], 0 - global_docnum)
        if not full:
            heappush(items, key)
            return 0 - score
        if key > items[0]:
            heapreplace(items, key)
            self.minscore = items[0][0]
            return 0 - score
        return 0

    def results(self) -> Any:
        items = sorted(self.items, reverse=True)
        return self._results([(score, 0 - negated) for score, _ts, negated in items])


class NewstermSearcher(Searcher):
    """A Whoosh searcher that keeps what it works out about its one unchanging snapshot.

    Whoosh's BM25F asks a field's average length for every term in every segment it scores
    (a sum over every segment each time); a searcher sees one snapshot, so the first answer
    holds. ``docnums_by_path`` maps every post's path to its number once a filter needs many.
    Sub-searchers (one per segment) are of this class too, each with its own caches.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._avg_lengths: dict[tuple[str, Any], Any] = {}
        self.docnums_by_path: dict[str, int] | None = None

    def avg_field_length(self, fieldname: Any, default: Any = None) -> Any:
        key = (fieldname, default)
        cache = self._avg_lengths
        if key not in cache:
            cache[key] = super().avg_field_length(fieldname, default)
        return cache[key]


def new_searcher(ix: Any) -> NewstermSearcher:
    """A searcher of Whoosh index ``ix`` scoring with :class:`BlockBM25F` (as ``ix.searcher()``
    makes one, with newsterm's class)."""
    return NewstermSearcher(ix.reader(), weighting=WEIGHTING, fromindex=ix)


WEIGHTING = BlockBM25F()
"""The one weighting every newsterm searcher scores with."""
