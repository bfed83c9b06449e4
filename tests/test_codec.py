"""newsterm's posting-list layout: it must give back exactly what Whoosh's own codec gives."""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.codec.whoosh3 import W3LeafMatcher, W3PostingsWriter, W3TermInfo
from whoosh.filedb.structfile import StructFile
from whoosh.formats import Existence, Frequency, Positions
from whoosh.matching import ReadTooFar
from whoosh.system import pack_uint

from newsterm.search.codec import (
    BigramPositions,
    BlockLeafMatcher,
    BlockPostingsWriter,
    NewstermCodec,
)


def _postings(rng: random.Random, n: int, fmt, gap: int) -> list[tuple[int, float, bytes, int]]:
    """n postings with increasing ids, for format fmt: (id, weight, value bytes, length)."""
    out = []
    doc = rng.randrange(0, 5 * gap + 1)
    for _ in range(n):
        if isinstance(fmt, Positions):
            poses = sorted(rng.sample(range(rng.choice([50, 5000, 200_000])), rng.randint(1, 12)))
            value = fmt.encode(poses)
            weight = len(poses) * fmt.field_boost
        elif isinstance(fmt, Frequency):
            freq = rng.randint(1, 9)
            value = pack_uint(freq)
            weight = float(freq)
        else:
            value = b""
            weight = 1.0
        out.append((doc, weight, value, rng.randint(1, 300_000)))
        doc += rng.randint(1, gap)
    return out


def _write(path, writer_class, fmt, postings, **kwargs):
    with open(path, "wb") as raw:
        f = StructFile(raw)
        w = writer_class(f, blocklimit=kwargs.get("blocklimit", 128))
        w.start_postings(fmt, W3TermInfo())
        for doc, weight, value, length in postings:
            w.add_posting(doc, weight, value, length)
        info = w.finish_postings()
        f.flush()
    return info


def _matchers(tmp_path, fmt, postings, blocklimit=128):
    ti_w3 = _write(tmp_path / "w3", W3PostingsWriter, fmt, postings, blocklimit=blocklimit)
    ti_nt = _write(tmp_path / "nt", BlockPostingsWriter, fmt, postings, blocklimit=blocklimit)
    f_w3 = StructFile(open(tmp_path / "w3", "rb"))  # noqa: SIM115 - closed by the caller
    f_nt = StructFile(open(tmp_path / "nt", "rb"))  # noqa: SIM115

    def theirs():
        return W3LeafMatcher(f_w3, *ti_w3.extent(), fmt)

    def ours():
        return BlockLeafMatcher(f_nt, *ti_nt.extent(), fmt)

    return ti_w3, ti_nt, theirs, ours, (f_w3, f_nt)


FORMATS = [
    BigramPositions(field_boost=3.0),
    Positions(),
    Frequency(),
    Existence(),
]


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: type(f).__name__)
@pytest.mark.parametrize(
    "n,gap", [(1, 3), (127, 1), (128, 2), (129, 300), (1000, 1), (700, 70_000)]
)
def test_every_posting_reads_back_as_with_whoosh(tmp_path, fmt, n, gap):
    rng = random.Random(n * 31 + gap)
    postings = _postings(rng, n, fmt, gap)
    ti_w3, ti_nt, theirs, ours, files = _matchers(tmp_path, fmt, postings)
    try:
        # the term statistics Whoosh keeps are the same
        for attr in ("weight", "doc_frequency", "min_length", "max_length", "max_weight"):
            assert getattr(ti_nt, attr)() == getattr(ti_w3, attr)(), attr
        assert (ti_nt.min_id(), ti_nt.max_id()) == (ti_w3.min_id(), ti_w3.max_id())
        a, b = theirs(), ours()
        seen = 0
        while a.is_active():
            assert b.is_active()
            assert b.id() == a.id() == postings[seen][0]
            assert b.weight() == a.weight()
            assert b.value() == a.value()
            assert b.block_max_weight() == a.block_max_weight()
            assert (b.block_min_length(), b.block_max_length()) == (
                a.block_min_length(),
                a.block_max_length(),
            )
            assert b.block_max_id() == a.block_max_id()
            if fmt.supports("positions"):
                assert b.value_as("positions") == a.value_as("positions")
            a.next()
            b.next()
            seen += 1
        assert not b.is_active()
        assert seen == n
    finally:
        for f in files:
            f.close()


@pytest.mark.parametrize("fmt", [BigramPositions(), Existence()], ids=lambda f: type(f).__name__)
def test_skip_to_lands_where_whoosh_lands(tmp_path, fmt):
    """skip_to bisects within a block and jumps whole blocks: same postings as Whoosh's."""
    rng = random.Random(7)
    postings = _postings(rng, 2000, fmt, 4)
    ids = [p[0] for p in postings]
    _, _, theirs, ours, files = _matchers(tmp_path, fmt, postings)
    try:
        for _round in range(40):
            a, b = theirs(), ours()
            target = 0
            while True:
                target += rng.choice([1, 2, 5, 40, 130, 300, 1200])
                here = a.id()  # skip_to never goes back
                a.skip_to(target)
                b.skip_to(target)
                assert b.is_active() == a.is_active()
                if not a.is_active():
                    with pytest.raises(ReadTooFar):
                        b.skip_to(target + 1)
                    break
                assert b.id() == a.id() == min(d for d in ids if d >= max(here, target))
                assert b.value() == a.value()
                assert b.weight() == a.weight()
                a.next()
                b.next()
                assert b.is_active() == a.is_active()
                if not a.is_active():
                    break
                assert b.id() == a.id()
    finally:
        for f in files:
            f.close()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2_000_000), min_size=1, max_size=300))
def test_positions_round_trip(positions):
    poses = sorted(set(positions))
    fmt = BigramPositions(field_boost=2.0)
    value = fmt.encode(poses)
    assert fmt.decode_positions(value) == poses
    assert fmt.decode_frequency(value) == len(poses)
    assert fmt.decode_weight(value) == 2.0 * len(poses)
    assert fmt.decode_position_boosts(value) == [(p, 1) for p in poses]
    # what Whoosh does when segments are merged: combine positions of the same post
    assert fmt.decode_positions(fmt.combine([value, fmt.encode(poses[:1])])) == poses


def test_a_whoosh_posting_list_is_refused_not_misread(tmp_path):
    """An index written by another layout is never decoded as ours (it is rebuilt instead)."""
    from whoosh.filedb.filetables import FileFormatError

    fmt = BigramPositions()
    postings = _postings(random.Random(1), 300, fmt, 3)
    ti = _write(tmp_path / "w3", W3PostingsWriter, fmt, postings)
    with open(tmp_path / "w3", "rb") as raw, pytest.raises(FileFormatError):
        BlockLeafMatcher(StructFile(raw), *ti.extent(), fmt)


def test_short_lists_with_positions_are_inlined_others_are_not(tmp_path):
    codec = NewstermCodec()
    fmt = BigramPositions()
    for n, inlined in [(1, True), (16, True), (17, False)]:
        postings = _postings(random.Random(n), n, fmt, 3)
        with open(tmp_path / f"p{n}", "wb") as raw:
            w = codec.postings_writer(StructFile(raw))
            w.start_postings(fmt, W3TermInfo())
            for doc, weight, value, length in postings:
                w.add_posting(doc, weight, value, length)
            info = w.finish_postings()
        assert info.is_inlined() == inlined
    # a list without values (Existence) is never inlined: Whoosh cannot merge it back
    with open(tmp_path / "e", "wb") as raw:
        w = codec.postings_writer(StructFile(raw))
        w.start_postings(Existence(), W3TermInfo())
        w.add_posting(3, 1.0, b"", 1)
        assert not w.finish_postings().is_inlined()


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=64))
def test_term_hash_is_whooshs(key):
    # The term table is looked up with CPython's built-in MD5 instead of hashlib's: the same
    # hash, or every term would be "not found".
    from whoosh.filedb.filetables import md5_hash

    from newsterm.search.codec import _md5_hash

    assert _md5_hash(key) == md5_hash(key)


def test_term_table_look_ups_find_what_whoosh_finds(tmp_path):
    # QuickHashReader reads an item with os.pread (value read with the key, or after it when
    # longer than the read-ahead); every key, absent keys and key-prefix near misses included.
    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.filetables import OrderedHashReader, OrderedHashWriter

    from newsterm.search.codec import _READ_AHEAD, QuickHashReader

    rng = random.Random(7)
    keys = sorted(
        {bytes(rng.randrange(256) for _ in range(rng.randint(1, 12))) for _ in range(3000)}
    )
    values = {k: bytes(rng.randrange(256) for _ in range(rng.choice([0, 5, 30, _READ_AHEAD + 9])))
              for k in keys}  # fmt: skip
    storage = FileStorage(str(tmp_path))
    writer = OrderedHashWriter(storage.create_file("t.trm"))
    for k in keys:
        writer.add(k, values[k])
    writer.close()
    length = storage.file_length("t.trm")
    ours = QuickHashReader(storage.open_file("t.trm"), length)
    whooshs = OrderedHashReader(storage.open_file("t.trm"), length)
    assert ours._fd is not None, "the pread path is the one under test"
    for k in keys:
        assert ours[k] == whooshs[k] == values[k]
    absent = [k + b"\x00" for k in keys[:300]] + [
        k[:-1] for k in keys[:300] if k[:-1] not in values
    ]
    for k in absent:
        with pytest.raises(KeyError):
            ours[k]
        assert whooshs.get(k) is None


def test_field_lengths_read_as_whoosh_reads_them(tmp_path):
    # QuickPerDocReader reads a segment's length column once; every post's length in every
    # field must be what Whoosh's per-document reader says (None for an empty field, the
    # default for a field without a length column, IndexError past the end).
    from whoosh import fields
    from whoosh.codec.whoosh3 import W3PerDocReader
    from whoosh.filedb.filestore import FileStorage

    from newsterm.search.codec import QuickPerDocReader

    schema = fields.Schema(a=fields.TEXT(), b=fields.TEXT(), k=fields.ID(stored=True))
    storage = FileStorage(str(tmp_path)).create()
    ix = storage.create_index(schema)
    rng = random.Random(5)
    with ix.writer(codec=NewstermCodec(), compound=False) as w:
        for i in range(300):
            doc = {"k": str(i)}
            if rng.random() < 0.7:
                doc["a"] = " ".join(f"w{rng.randrange(50)}" for _ in range(rng.randrange(200)))
            if i < 100 and rng.random() < 0.5:  # later posts have no b: a short column
                doc["b"] = "xx yy zz"
            w.add_document(**doc)
    (segment,) = ix._segments()
    ours = QuickPerDocReader(storage, segment)
    whooshs = W3PerDocReader(storage, segment)
    assert ours.has_column("_a_len") and ours.has_column("_b_len"), "columns under test"
    for docnum in range(segment.doc_count_all()):
        for field in ("a", "b", "k", "nope"):
            assert ours.doc_field_length(docnum, field, 7) == whooshs.doc_field_length(
                docnum, field, 7
            ), (docnum, field)
    with pytest.raises(IndexError):
        ours.doc_field_length(segment.doc_count_all() + 1, "a")


def test_field_length_lists_match_the_reader(tmp_path):
    # Block scoring reads a field's lengths as one list per segment: the same values as
    # doc_field_length, None where the length byte is 0 and past the column's end.
    from whoosh import fields
    from whoosh.filedb.filestore import FileStorage

    from newsterm.search.codec import QuickPerDocReader

    schema = fields.Schema(a=fields.TEXT(), b=fields.TEXT())
    storage = FileStorage(str(tmp_path)).create()
    ix = storage.create_index(schema)
    with ix.writer(codec=NewstermCodec(), compound=False) as w:
        for i in range(50):
            w.add_document(a=" ".join(["xx"] * (i % 7)), b="yy zz" if i < 10 else "")
    (segment,) = ix._segments()
    reader = QuickPerDocReader(storage, segment)
    assert reader.has_column("_a_len") and reader.has_column("_b_len"), "columns under test"
    for field in ("a", "b"):
        lengths = reader.field_lengths(field)
        assert len(lengths) == segment.doc_count_all()
        assert lengths == [reader.doc_field_length(d, field) for d in range(len(lengths))]
        assert reader.field_lengths(field) is lengths, "made once"
    assert reader.field_lengths("nope") is None


def test_whoosh_reads_the_term_tables_newsterm_writes(tmp_path):
    # The writer hashes terms with newsterm's MD5 helper: Whoosh's own reader must find every
    # term of a segment newsterm wrote, with the same term info newsterm's reader gives.
    from whoosh import fields
    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.filetables import OrderedHashReader

    from newsterm.search.codec import QuickHashReader

    schema = fields.Schema(body=fields.TEXT())
    storage = FileStorage(str(tmp_path)).create()
    ix = storage.create_index(schema)
    rng = random.Random(9)
    with ix.writer(codec=NewstermCodec(), compound=False) as w:
        for _ in range(200):
            w.add_document(body=" ".join(f"w{rng.randrange(3000)}" for _ in range(30)))
    (segment,) = ix._segments()
    name = segment.make_filename(NewstermCodec.TERMS_EXT)
    length = storage.file_length(name)
    whooshs = OrderedHashReader(storage.open_file(name), length)
    ours = QuickHashReader(storage.open_file(name), length)
    keys = list(whooshs.keys())
    assert len(keys) > 2000
    for key in keys:
        assert whooshs[key] == ours[key]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=70_000), min_size=1, max_size=16, unique=True),
    st.sampled_from(["ones", "same", "mixed"]),
    st.lists(st.binary(max_size=300), min_size=16, max_size=16),
    st.integers(min_value=1, max_value=100_000),
)
def test_an_inlined_list_reads_back_as_written(ids, weights_kind, values, length):
    from newsterm.search.codec import CompactTermInfo

    ids = sorted(ids)
    n = len(ids)
    weights = {
        "ones": [1.0] * n,
        "same": [3.0] * n,
        "mixed": [float(i % 5 + 1) * 2.0 for i in range(n)],
    }[weights_kind]
    w = BlockPostingsWriter(StructFile(open(os.devnull, "wb")), 128, inlinelimit=16)  # noqa: SIM115
    w.start_postings(BigramPositions(), CompactTermInfo())
    for doc, weight, value in zip(ids, weights, values, strict=False):
        w.add_posting(doc, weight, value or b"x", length)
    info = w.finish_postings()
    assert info.is_inlined()
    data = info.to_bytes()
    back = CompactTermInfo.from_bytes(data)
    assert back.inlined_postings() == (
        tuple(ids),
        tuple(weights),
        tuple(v or b"x" for v in values[:n]),
    )
    assert back.doc_frequency() == n
    assert back.weight() == sum(weights)
    assert back.max_weight() == max(weights)
    assert (back.min_id(), back.max_id()) == (ids[0], ids[-1])
    from whoosh.util.numeric import byte_to_length, length_to_byte

    stored = byte_to_length(length_to_byte(length))  # lengths are kept as a byte, as Whoosh's
    assert (back.min_length(), back.max_length()) == (stored, stored)
    # ~2 bytes a posting plus the values, where Whoosh's pickle took ~50
    assert len(data) <= 8 + 4 * n + sum(len(v or b"x") + 2 for v in values[:n]) + 4 * n


def test_the_single_position_table_is_built_on_first_use_and_encodes_as_varints():
    # Building the table at import cost every cold one-shot search a few ms (issue 14's A/B);
    # only writers use it. Its values must be what the general varint path gives.
    import subprocess
    import sys

    from newsterm.search import codec

    probe = (
        "import newsterm.search.codec as c; print(len(c._ONE_POSITION)); "
        "c.one_position_table(); print(len(c._ONE_POSITION))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["0", str(codec._SMALL)]
    fmt = codec.BigramPositions()
    for p in (0, 1, 127, 128, 300, codec._SMALL - 1, codec._SMALL, 70_000):
        assert fmt.encode([p]) == bytes(codec._uvarints([p]))
        assert fmt.decode_positions(fmt.encode([p])) == [p]
