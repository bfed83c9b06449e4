"""How newsterm's Whoosh index lays out its postings on disk (a Whoosh 2.7.4 codec).

Whoosh's own format (``whoosh.codec.whoosh3``) is kept for everything but the posting lists
and the positions inside them, where a one-shot search spends its time:

* **Blocks.** Whoosh pickles each block of up to 128 postings as one tuple ``(ids, weights,
  values)`` and compresses it: skipping through a common bigram's list to the posts of a rare
  one unpickles every block it touches, positions and all, and reads each block's header as
  another pickle. Here a block has a fixed-size binary header, then the document numbers
  (deltas in the narrowest array type), the weights and the values, each part decoded only
  when asked for. Skipping reads headers and ids only; a post's positions are decompressed
  when a phrase is checked in that post.
* **Positions** (:class:`BigramPositions`): the deltas as a typed array instead of a pickle.
* **Short posting lists** (at most :data:`INLINE_LIMIT` posts: most bigrams) are kept in the
  term table instead of the postings file (Whoosh 2.7.4's own inlining is broken).
* Term look-ups: the term table's directory read in one read instead of 256, a term hashed
  with CPython's built-in MD5 (Whoosh's ``hashlib`` loads OpenSSL, a cost paid by every
  one-shot search) and found with two ``os.pread`` calls instead of four seeks and reads.
* A segment's field lengths (BM25F needs one for every post it scores) read as one block.

:data:`FORMAT_VERSION` is part of the index's schema version: an index written in another
layout is rebuilt from scratch.
"""

from __future__ import annotations

import os
import struct
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, pairwise
from operator import sub

# isort: off
# newsterm.search.analysis first: it imports Whoosh without Whoosh's slow eager urllib import.
from newsterm.search.analysis import term_positions
from newsterm.search.lazy_imports import import_lean

# Whoosh's term tables, imported past what a search never uses (see lazy_imports.STAND_INS).
import_lean("whoosh.codec.whoosh3")

from whoosh.codec.whoosh3 import (  # noqa: E402
    LENGTHS_COLUMN,
    W3Codec,
    W3FieldWriter,
    W3LeafMatcher,
    W3PerDocReader,
    W3PostingsWriter,
    W3TermInfo,
    W3TermsReader,
)
from whoosh.filedb.filetables import (  # noqa: E402
    _INT_SIZE,
    FileFormatError,
    OrderedHashReader,
    _dir_entry,
    _directory_size,
    _hash_functions,
    _lengths,
    _pointer,
)
from whoosh.formats import Existence, Positions  # noqa: E402
from whoosh.matching import ReadTooFar  # noqa: E402
from whoosh.reading import TermNotFound  # noqa: E402
from whoosh.util.numeric import byte_to_length, length_to_byte  # noqa: E402

# `typing` stays off the one-shot search's import path (~6 ms cold): Any is for the type checker
# only, and this module's annotations are never evaluated.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# isort: on

__all__ = [
    "FORMAT_VERSION",
    "INLINE_LIMIT",
    "BigramPositions",
    "BlockLeafMatcher",
    "BlockPostingsWriter",
    "CompactTermInfo",
    "NewstermCodec",
    "QuickTermsReader",
]

FORMAT_VERSION = 3
"""Bump when the bytes on disk change (1: Whoosh's blocks; 2: the blocks of this module; 3: no
4-byte count in a post's positions, value lengths instead of 4-byte offsets in a block, whole
weights as bytes, and inlined lists in a compact binary layout instead of Whoosh's pickle)."""

INLINE_LIMIT = 16
"""Posting lists of at most this many posts live in the term table."""

# Whoosh 2.7.4 has no types: its objects that pass through here are named for what they are.
if TYPE_CHECKING:
    WhooshFile = Any  # whoosh.filedb.structfile.StructFile (get, write, tell, seek, read_int, ...)
    Storage = Any  # whoosh.filedb.filestore.Storage
    Segment = Any  # whoosh.codec.whoosh3.W3Segment
    FieldFormat = Any  # whoosh.formats.Format (a field's posting format)
Postings = tuple[Sequence[int], Sequence[float], Sequence[bytes]]  # ids, weights, values

BLOCK_MAGIC = b"NTB2"
"""Starts every posting list in the postings file (Whoosh's own lists start with b"W3Bl")."""

# signed total length after this field (negative: the last block), postings, first id, last
# id, highest weight, shortest and longest field length (Whoosh's length bytes), id array
# type, weights kind, values kind, bytes of ids, bytes of weights
_HEADER = struct.Struct("<iHIIfBBBBBII")
_ID_TYPES = "BHI"
_W_ONES, _W_SAME, _W_ARRAY, _W_ZARRAY, _W_BYTES = range(5)
_V_NONE, _V_FIXED, _V_VARIABLE = range(3)
_V_ZLIB = 0x80
_COMPRESS_OVER = 64
"""Value parts shorter than this are stored uncompressed."""


def _narrowest(values: Sequence[int]) -> str:
    top = max(values, default=0)
    if top < 0x100:
        return "B"
    if top < 0x10000:
        return "H"
    return "I"


def _array_bytes(typecode: str, values: Iterable[int] | Iterable[float]) -> bytes:
    a = array(typecode, values)
    if a.itemsize > 1 and _BIG_ENDIAN:
        a.byteswap()
    return a.tobytes()


def _array_from(typecode: str, data: bytes) -> array[Any]:
    a = array(typecode)
    a.frombytes(data)
    if a.itemsize > 1 and _BIG_ENDIAN:
        a.byteswap()
    return a


_BIG_ENDIAN = array("H", [1]).tobytes() == b"\x00\x01"


_TYPECODE_BYTES = {t: t.encode() for t in _ID_TYPES}
_ITEM_SIZE = {ord(t): array(t).itemsize for t in _ID_TYPES}
_HIGH_BYTES = bytes(range(0x80, 0x100))
_SMALL = 1 << 14
_ONE_POSITION: list[bytes] = []
"""The value of a single position below 16,384 (the most common values of all), filled by
:func:`one_position_table` on first use: only writers need it, and building it costs a cold
one-shot search a few milliseconds."""


def one_position_table() -> list[bytes]:
    """The encoded value of each single position below ``_SMALL`` (built once, on first use)."""
    if not _ONE_POSITION:
        _ONE_POSITION.extend(
            bytes([p]) if p < 0x80 else bytes([(p & 0x7F) | 0x80, p >> 7]) for p in range(_SMALL)
        )
    return _ONE_POSITION


def _uvarints(values: Iterable[int]) -> bytearray:
    """Unsigned integers as LEB128 varints (7 bits a byte, high bit: more to come)."""
    out = bytearray()
    for v in values:
        while v >= 0x80:
            out.append((v & 0x7F) | 0x80)
            v >>= 7
        out.append(v)
    return out


def _read_uvarints(data: bytes, pos: int, n: int) -> tuple[list[int], int]:
    """``n`` varints from ``data`` at ``pos``, and the position after them."""
    out: list[int] = []
    for _ in range(n):
        b = data[pos]
        pos += 1
        v = b & 0x7F
        shift = 7
        while b & 0x80:
            b = data[pos]
            pos += 1
            v |= (b & 0x7F) << shift
            shift += 7
        out.append(v)
    return out, pos


class BigramPositions(Positions):
    """Whoosh's Positions format, filled by :func:`term_positions` instead of Token objects,
    stored as the position gaps in varints (a position below 128 in one byte, below 16,384 in
    two): the count is the number of varints (bytes without the high bit), not stored, where
    Whoosh stores a 4-byte count and a pickle."""

    def word_values(
        self, value: str, analyzer: object, **kwargs: object
    ) -> Iterator[tuple[str, int, float, bytes]]:
        fb = self.field_boost
        encode = self.encode
        for term, poslist in term_positions(value).items():
            yield term, len(poslist), len(poslist) * fb, encode(poslist)

    def encode(self, poslist: Sequence[int]) -> bytes:
        # A hot loop of a build (once per term per post; most terms occur once in a post).
        first = poslist[0]
        if len(poslist) == 1 and first < _SMALL:
            return (_ONE_POSITION or one_position_table())[first]
        return bytes(_uvarints([first, *map(sub, poslist[1:], poslist)]))

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return list(
            accumulate(_read_uvarints(valuestring, 0, self.decode_frequency(valuestring))[0])
        )

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring.translate(None, _HIGH_BYTES))


_INLINED = 2
"""The term info's flags byte for a compact inlined posting list (Whoosh's pickle: 1)."""
_FLOAT = struct.Struct("<f")


class CompactTermInfo(W3TermInfo):
    """Whoosh's term info, with an inlined posting list in a compact binary layout instead of
    a pickle of Python tuples (floats of 9 bytes, values of 3 bytes more each: ~50 bytes a
    posting, the biggest part of the index before this). A list in the postings file keeps
    Whoosh's layout.

    Inlined: flags (2), shortest and longest field length (Whoosh's length bytes), the count,
    the ids (the first, then the gaps), then a weights kind (all 1.0, all one float, or a
    float each), then the values' lengths and the values; counts and lengths are varints.
    The totals Whoosh keeps beside them (weight, document frequency, first and last id,
    highest weight) follow from the postings and are not stored.
    """

    # Set by Whoosh's W3TermInfo and by from_bytes below.
    _inlined: Postings | None
    _minlength: int | None
    _maxlength: int
    _weight: float
    _df: int
    _maxweight: float
    _minid: int | None
    _maxid: int

    def add_block(self, block: Any) -> None:
        """Whoosh's, except a block with no field length (a field without lengths, or posts
        added one by one in a merge) keeps the shortest length known so far: Whoosh's
        ``min(int, None)`` failed when such a block followed a list copied by a merge."""
        self._weight += sum(block._weights)
        self._df += len(block)
        shortest = block.min_length()
        if self._minlength is None or (shortest is not None and shortest < self._minlength):
            self._minlength = shortest
        self._maxlength = max(self._maxlength, block.max_length())
        self._maxweight = max(self._maxweight, block.max_weight())
        if self._minid is None:
            self._minid = block.min_id()
        self._maxid = block.max_id()

    def to_bytes(self) -> bytes:
        if self._inlined is None:
            whoosh_bytes: bytes = super().to_bytes()
            return whoosh_bytes
        ids, weights, values = self._inlined
        n = len(ids)
        minlength = 0 if self._minlength is None else length_to_byte(self._minlength)
        out = bytearray((_INLINED, minlength, length_to_byte(self._maxlength)))
        out += _uvarints([n, ids[0], *map(sub, ids[1:], ids)])
        w0 = weights[0]
        if all(w == w0 for w in weights):
            if w0 == 1.0:
                out.append(_W_ONES)
            else:
                out.append(_W_SAME)
                out += _FLOAT.pack(w0)
        else:
            out.append(_W_ARRAY)
            out += _array_bytes("f", weights)
        out += _uvarints(map(len, values))
        out += b"".join(values)
        return bytes(out)

    @classmethod
    def from_bytes(cls, s: bytes) -> CompactTermInfo:
        if s[0] != _INLINED:
            whoosh_info: CompactTermInfo = super().from_bytes(s)
            return whoosh_info
        info = cls()
        info._minlength = byte_to_length(s[1])
        info._maxlength = byte_to_length(s[2])
        (n,), pos = _read_uvarints(s, 3, 1)
        gaps, pos = _read_uvarints(s, pos, n)
        ids = tuple(accumulate(gaps))
        kind = s[pos]
        pos += 1
        weights: tuple[float, ...]
        if kind == _W_ONES:
            weights = (1.0,) * n
        elif kind == _W_SAME:
            weights = _FLOAT.unpack_from(s, pos) * n
            pos += 4
        else:
            weights = tuple(_array_from("f", s[pos : pos + 4 * n]))
            pos += 4 * n
        lengths, pos = _read_uvarints(s, pos, n)
        values: list[bytes] = []
        for length in lengths:
            values.append(s[pos : pos + length])
            pos += length
        info._inlined = (ids, weights, tuple(values))
        info._weight = float(sum(weights))
        info._df = n
        info._maxweight = max(weights)
        info._minid = ids[0]
        info._maxid = ids[-1]
        return info


class BlockPostingsWriter(W3PostingsWriter):
    """Writes posting lists in the block layout of this module (see the module's docstring)."""

    # Set by Whoosh's W3PostingsWriter (start_postings, _new_block) and by this class.
    _postfile: WhooshFile
    _format: FieldFormat
    _terminfo: CompactTermInfo | None  # None between lists
    _blocklimit: int
    _compression: int
    _startoffset: int
    _blockcount: int
    _ids: list[int]
    _weights: list[float]
    _values: list[bytes]
    _maxweight: float
    _minlength: int | None
    _maxlength: int
    _held: tuple[Any, ...] | None  # a copied block not written yet: (length, *header, body)

    def __init__(
        self,
        postfile: WhooshFile,
        blocklimit: int,
        byteids: bool = False,
        compression: int = 3,
        inlinelimit: int = 0,
    ) -> None:
        # Whoosh's own inlining (limit > 1) calls a method that does not exist: keep it off.
        # Here lists of at most ``inlinelimit`` postings are inlined (0: none).
        super().__init__(postfile, blocklimit, byteids, compression, inlinelimit=1)
        if byteids:
            raise ValueError("newsterm's postings writer does not write term vectors")
        if blocklimit > 0xFFFF:
            raise ValueError("at most 65535 postings per block")
        self._inline_max = inlinelimit
        self._held = None

    def add_posting(
        self, id_: int, weight: float, vbytes: bytes | None, length: int | None = None
    ) -> None:
        # Whoosh's version without its per-posting type assertions (a hot loop of a build).
        if len(self._ids) >= self._blocklimit:
            self._write_block()
        self._ids.append(id_)
        self._weights.append(weight)
        if weight > self._maxweight:
            self._maxweight = weight
        self._values.append(vbytes or b"")  # one per posting, even when empty
        if length:
            if self._minlength is None or length < self._minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length

    def start_postings(self, format_: FieldFormat, terminfo: CompactTermInfo) -> None:
        self._held = None
        super().start_postings(format_, terminfo)

    def written(self) -> bool:
        return self._blockcount > 0 or self._held is not None

    def finish_postings(self) -> CompactTermInfo:
        terminfo = self._terminfo
        assert terminfo is not None, "finish_postings before start_postings"
        # Only lists with a value in every posting (positions): Whoosh reads an inlined list
        # without values back with str values, which its segment merging rejects.
        if not self.written() and len(self) <= self._inline_max and all(self._values):
            terminfo.add_block(self)
            terminfo.set_inlined(self._ids, self._weights, self._values)
            self._terminfo = None
            return terminfo
        if self._ids:
            self._write_held()
            self._write_block(last=True)
        else:
            self._write_held(last=True)
        terminfo.set_extent(self._startoffset, self._postfile.tell() - self._startoffset)
        self._terminfo = None
        return terminfo

    def add_list(
        self,
        ids: list[int],
        weights: list[float],
        values: list[bytes | None],
        lengths: list[int | None] | None,
    ) -> None:
        """Add a term's whole posting list at once (a build's segment): ``ids`` in order with
        their ``weights`` and ``values``; ``lengths[id]``, when given, is each post's field
        length (None or 0: none). The same blocks as :meth:`add_posting` one by one, a block
        at a time."""
        n = len(ids)
        limit = self._blocklimit
        if n <= self._inline_max or len(self):
            for i in range(n):
                length = lengths[ids[i]] if lengths else None
                self.add_posting(ids[i], weights[i], values[i] or b"", length)
            return
        for start in range(0, n, limit):
            end = min(start + limit, n)
            chunk = ids[start:end]
            self._ids = chunk
            w = weights[start:end]
            self._weights = w
            self._values = [v or b"" for v in values[start:end]]
            self._maxweight = max(w)
            if lengths is not None:
                known = [x for x in map(lengths.__getitem__, chunk) if x]
                self._minlength = min(known) if known else None
                self._maxlength = max(known) if known else 0
            if end < n:
                self._write_block()  # the last block is left for finish_postings

    def copy_list(self, postfile: WhooshFile, info: CompactTermInfo, base: int) -> None:
        """Append the posting list ``info`` of another segment written in this layout (in
        ``postfile``), every post number moved up by ``base``: its blocks are copied as they
        are, with only the first and last ids of each header changed, nothing decoded. The
        posts must come after every post added so far (a merge of consecutive segments)."""
        if self._ids:
            self._write_held()
            self._write_block()
        offset, _length = info.extent()
        if postfile.get(offset, len(BLOCK_MAGIC)) != BLOCK_MAGIC:
            raise FileFormatError("not a newsterm posting list")
        pos = offset + len(BLOCK_MAGIC)
        while True:
            head = _HEADER.unpack(postfile.get(pos, _HEADER.size))
            length = head[0]
            last = length < 0
            length = -length if last else length
            body = postfile.get(pos + _HEADER.size, length - (_HEADER.size - _INT_SIZE))
            self._write_held()
            self._held = (length, head[1], head[2] + base, head[3] + base, *head[4:], body)
            pos += _INT_SIZE + length
            if last:
                break
        ti = self._terminfo
        assert ti is not None, "copy_list before start_postings"
        ti._weight += info.weight()
        ti._df += info.doc_frequency()
        minlength = info.min_length()
        if ti._minlength is None or (minlength is not None and minlength < ti._minlength):
            ti._minlength = minlength
        ti._maxlength = max(ti._maxlength, info.max_length())
        ti._maxweight = max(ti._maxweight, info.max_weight())
        if ti._minid is None:
            ti._minid = info.min_id() + base
        ti._maxid = info.max_id() + base

    def _write_held(self, last: bool = False) -> None:
        """Write the block :meth:`copy_list` copied last (held back: the last block of a
        list says so in its header, and only the writer knows which block ends up last)."""
        held = self._held
        if held is None:
            return
        self._held = None
        postfile = self._postfile
        if not self._blockcount:
            postfile.write(BLOCK_MAGIC)
        length, *fields, body = held
        postfile.write(_HEADER.pack(-length if last else length, *fields))
        postfile.write(body)
        self._blockcount += 1

    def _write_block(self, last: bool = False) -> None:
        self._write_held()
        postfile = self._postfile
        if not self._blockcount:
            postfile.write(BLOCK_MAGIC)
        assert self._terminfo is not None, "a block outside a posting list"
        self._terminfo.add_block(self)

        ids = self._ids
        count = len(ids)
        first = ids[0]
        deltas = [b - a for a, b in pairwise(ids)]
        idtype = _narrowest(deltas)
        idbytes = _array_bytes(idtype, deltas)

        weights = self._weights
        w0 = weights[0]
        if all(w == w0 for w in weights):
            if w0 == 1.0:
                wkind, wbytes = _W_ONES, b""
            else:
                wkind, wbytes = _W_SAME, struct.pack("<f", w0)
        else:
            counts = [int(w) for w in weights]
            if min(counts) >= 0 and max(counts) < 0x100 and counts == list(weights):
                # whole numbers (a term's count in the post times a whole field boost): a byte
                # each instead of a float
                wkind, wbytes = _W_BYTES, bytes(counts)
            else:
                wkind, wbytes = _W_ARRAY, _array_bytes("f", weights)
                if self._compression and len(wbytes) >= _COMPRESS_OVER:
                    wkind, wbytes = _W_ZARRAY, zlib.compress(wbytes, self._compression)

        fixedsize = self._format.fixed_value_size()
        values = self._values
        if fixedsize == 0 or not any(values):
            vkind, vbytes = _V_NONE, b""
        elif fixedsize is not None and fixedsize > 0:
            vkind, vbytes = _V_FIXED, b"".join(values)
        else:
            vkind = _V_VARIABLE
            lengths = [len(v) for v in values]
            lentype = _narrowest(lengths)
            vbytes = b"".join([_TYPECODE_BYTES[lentype], _array_bytes(lentype, lengths), *values])
        if vkind != _V_NONE and self._compression and len(vbytes) >= _COMPRESS_OVER:
            vkind |= _V_ZLIB
            vbytes = zlib.compress(vbytes, self._compression)

        length = _HEADER.size - _INT_SIZE + len(idbytes) + len(wbytes) + len(vbytes)
        header = _HEADER.pack(
            -length if last else length,
            count,
            first,
            ids[-1],
            self._maxweight,
            length_to_byte(self._minlength),
            length_to_byte(self._maxlength),
            _ID_TYPES.index(idtype),
            wkind,
            vkind,
            len(idbytes),
            len(wbytes),
        )
        postfile.write(header)
        postfile.write(idbytes)
        postfile.write(wbytes)
        postfile.write(vbytes)
        self._blockcount += 1
        self._new_block()


class _Values:
    """A block's values, each cut out of the block's bytes when asked for (a phrase check
    reads one post's positions from a block of 128)."""

    __slots__ = ("_body", "_offsets")

    def __init__(self, offsets: list[int], body: bytes) -> None:
        self._offsets = offsets
        self._body = body

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i: int) -> bytes:
        if not 0 <= i < len(self._offsets) - 1:
            raise IndexError(i)
        return self._body[self._offsets[i] : self._offsets[i + 1]]


class BlockLeafMatcher(W3LeafMatcher):
    """Reads posting lists written by :class:`BlockPostingsWriter`.

    Moving to a block reads its fixed-size header; ids, weights and values are decoded when
    first asked for. ``skip_to`` bisects inside a block (Whoosh steps one posting at a time).
    """

    # Set by Whoosh's W3LeafMatcher and by _goto (the block in hand); the parts of a block are
    # None until decoded.
    _postfile: WhooshFile
    _startoffset: int
    _baseoffset: int
    _fixedsize: int | None
    _data: None
    _ids: Sequence[int] | None
    _weights: array[float] | None
    _values: Sequence[bytes | None] | _Values | None
    _i: int
    _blocklength: int
    _minid: int
    _maxid: int
    _maxweight: float
    _minlength: int | None
    _maxlength: int
    _wkind: int
    _vkind: int
    _idlen: int
    _wlen: int
    _idtype: str
    _compression: int
    _lastblock: bool
    _nextoffset: int
    _dataoffset: int
    scorer: Any  # a Whoosh scorer (newsterm's BM25F one: see matchers.py)

    def _read_header(self) -> None:
        postfile = self._postfile
        magic = postfile.get(self._startoffset, len(BLOCK_MAGIC))
        if magic != BLOCK_MAGIC:
            raise FileFormatError(f"not a newsterm posting list: {magic!r}")
        self._baseoffset = self._startoffset + len(BLOCK_MAGIC)

    def _goto(self, position: int) -> None:
        self._data = None
        self._ids = None
        self._weights = None
        self._values = None
        self._i = 0
        raw = self._postfile.get(position, _HEADER.size)
        if len(raw) != _HEADER.size:
            raise FileFormatError("short posting block")
        (
            length,
            self._blocklength,
            self._minid,
            self._maxid,
            self._maxweight,
            mnlen,
            mxlen,
            idtype,
            self._wkind,
            self._vkind,
            self._idlen,
            self._wlen,
        ) = _HEADER.unpack(raw)
        if length < 0:
            self._lastblock = True
            length = -length
        self._nextoffset = position + _INT_SIZE + length
        self._dataoffset = position + _HEADER.size
        self._idtype = _ID_TYPES[idtype]
        self._compression = 0
        self._minlength = byte_to_length(mnlen)
        self._maxlength = byte_to_length(mxlen)

    def block_min_id(self) -> int:
        return self._minid

    def _read_ids(self) -> Sequence[int]:
        ids: Sequence[int]
        if self._blocklength == 1:
            ids = (self._minid,)
        else:
            deltas = _array_from(self._idtype, self._postfile.get(self._dataoffset, self._idlen))
            ids = tuple(accumulate(deltas, initial=self._minid))
        self._ids = ids
        return ids

    def _read_weights(self) -> array[float]:
        kind = self._wkind
        n = self._blocklength
        weights: array[float]
        if kind == _W_ONES:
            weights = array("f", [1.0]) * n
        else:
            data = self._postfile.get(self._dataoffset + self._idlen, self._wlen)
            if kind == _W_SAME:
                weights = array("f", struct.unpack("<f", data)) * n
            elif kind == _W_BYTES:
                weights = array("f", list(data))
            else:
                if kind == _W_ZARRAY:
                    data = zlib.decompress(data)
                weights = _array_from("f", data)
        self._weights = weights
        return weights

    def _read_values(self) -> None:
        kind = self._vkind & ~_V_ZLIB
        n = self._blocklength
        if kind == _V_NONE:
            self._values = (None,) * n if self._fixedsize == 0 else (b"",) * n
            return
        start = self._dataoffset + self._idlen + self._wlen
        data = self._postfile.get(start, self._nextoffset - start)
        if self._vkind & _V_ZLIB:
            data = zlib.decompress(data)
        if kind == _V_FIXED:
            size = self._fixedsize
            assert size, "fixed-size values have a size"
            self._values = tuple(data[i : i + size] for i in range(0, len(data), size))
        else:  # the values' lengths (a type code, then an array), then the values
            head = 1 + n * _ITEM_SIZE[data[0]]
            lengths = _array_from(chr(data[0]), data[1:head])
            self._values = _Values(list(accumulate(lengths, initial=0)), data[head:])

    def skip_to(self, targetid: int) -> None:
        if not self.is_active():
            raise ReadTooFar
        if targetid <= self.id():
            return
        if targetid > self._maxid:
            self._skip_to_block(lambda: targetid > self._maxid)
            if not self.is_active():
                return
            if targetid <= self._minid:
                return
        ids = self._ids
        if ids is None:
            ids = self._read_ids()
        i = bisect_left(ids, targetid, self._i, self._blocklength)
        if i >= self._blocklength:  # not after a block skip: the block's last id is its max
            self._i = self._blocklength - 1
            self.next()
        else:
            self._i = i

    def id(self) -> int:
        if self._i == 0:
            return self._minid
        ids = self._ids
        if ids is None:
            ids = self._read_ids()
        return ids[self._i]

    def score_into(self, scores: array[float], offset: int, limit: int, boost: float) -> bool:
        """Add ``score * boost`` of each post before ``limit`` to ``scores[post - offset]`` and
        move past them, a block at a time; False (nothing done) when the scorer cannot score
        a block at once (see ``scores_of``)."""
        scores_of = getattr(self.scorer, "scores_of", None)
        if scores_of is None:
            return False
        while self.is_active():
            ids = self._ids
            if ids is None:
                ids = self._read_ids()
            weights = self._weights
            if weights is None:
                weights = self._read_weights()
            start, n = self._i, self._blocklength
            end = bisect_left(ids, limit, start, n)
            if end > start:
                part = ids[start:end]
                block = scores_of(part, weights[start:end])
                for doc, score in zip(part, block, strict=True):
                    scores[doc - offset] += score * boost
            if end < n:
                self._i = end
                break
            self._i = n - 1
            self.next()  # the next block
        return True


class FastFieldWriter(W3FieldWriter):
    """Whoosh's field writer, with field lengths looked up once per post instead of per term,
    and terms hashed for the term table with :func:`_md5_hash` (the same values; Whoosh's
    goes through hashlib, stood in for searches: see ``import_lean`` above)."""

    _postwriter: BlockPostingsWriter | None  # None outside a field
    _tindex: Any  # Whoosh's term-table writer
    _fieldobj: Any  # the Whoosh field being written
    _btext: bytes

    def __init__(self, codec: NewstermCodec, storage: Storage, segment: Segment) -> None:
        super().__init__(codec, storage, segment)
        if self._tindex.hashtype == 0:
            self._tindex.hashfn = _md5_hash

    def start_term(self, btext: bytes) -> None:
        if self._postwriter is None:
            raise Exception("Called start_term before start_field")
        self._btext = btext
        self._postwriter.start_postings(self._fieldobj.format, CompactTermInfo())

    def add_postings(
        self,
        schema: Any,
        lengths: Any,
        items: Iterable[tuple[str, bytes, int, float, bytes | None]],
    ) -> None:
        """Whoosh's loop over a segment's sorted postings (``schema``, the per-document
        reader ``lengths`` and ``(field, term, post, weight, value)`` items, as Whoosh's)."""
        lastfn: str | None = None
        lasttext: bytes | None = None
        known: dict[int, int] = {}
        dfl = lengths.doc_field_length if lengths else None
        add: Callable[[int, float, bytes | None, int | None], None] = _no_term_yet
        for fieldname, btext, docnum, weight, value in items:
            if fieldname != lastfn:
                if lasttext is not None:
                    self.finish_term()
                if lastfn is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                lastfn = fieldname
                lasttext = None
                known = {}
            if docnum == -1:
                continue
            if btext != lasttext:
                if lasttext is not None:
                    self.finish_term()
                self.start_term(btext)
                lasttext = btext
                assert self._postwriter is not None  # (start_term checked it)
                add = self._postwriter.add_posting
            length = known.get(docnum)
            if length is None:
                length = known[docnum] = dfl(docnum, fieldname) if dfl else 0
            add(docnum, weight, value if value is not None else b"", length)
        if lasttext is not None:
            self.finish_term()
        if lastfn is not None:
            self.finish_field()


def _no_term_yet(*_posting: object) -> None:
    raise AssertionError("a posting before its term")


try:
    from _md5 import md5 as _md5
except ImportError:  # a Python built without its own MD5 (hashlib's comes from OpenSSL)
    from hashlib import md5 as _md5


def _md5_hash(key: bytes) -> int:
    """Whoosh's term-table hash (``filetables.md5_hash``: the MD5 digest's last four bytes),
    computed with CPython's built-in MD5 when there is one: importing ``hashlib`` loads
    OpenSSL, a cost paid by every one-shot search."""
    return int.from_bytes(_md5(key).digest()[-4:], "big")


class QuickHashReader(OrderedHashReader):
    """Whoosh's term-table reader, reading the table's 256-entry directory in one read (Whoosh
    reads it entry by entry: 256 reads for every segment each time an index is opened) and
    looking keys up with ``os.pread``."""

    dbfile: WhooshFile
    hashfn: Callable[[bytes], int]
    tables: list[tuple[int, int]]  # per first hash byte: (where its slots start, how many)
    _fd: int | None  # the table file's descriptor (None: not a plain file)

    def __init__(
        self,
        dbfile: WhooshFile,
        length: int | None = None,
        magic: bytes = b"HSH3",
        startoffset: int = 0,
    ) -> None:
        # As HashReader.__init__ (Whoosh 2.7.4) but for the directory loop.
        self.dbfile = dbfile
        self.startoffset = startoffset
        self.is_closed = False
        if length is None:
            dbfile.seek(0, os.SEEK_END)
            length = dbfile.tell() - startoffset
        dbfile.seek(startoffset)
        filemagic = dbfile.read(4)
        if filemagic != magic:
            raise FileFormatError(f"Unknown file header {filemagic!r}")
        self.hashtype = dbfile.read_byte()
        self.hashfn = _md5_hash if self.hashtype == 0 else _hash_functions[self.hashtype]
        dbfile.read_int()
        dbfile.read_int()
        self.startofdata = dbfile.tell()
        exptr = startoffset + length - _INT_SIZE
        exlen = dbfile.get_int(exptr)
        expos = exptr - exlen
        dbfile.seek(expos)
        self._read_extras()
        dbfile.seek(expos - _directory_size)
        table = dbfile.read(_directory_size)
        if len(table) != _directory_size:
            raise FileFormatError("short hash directory")
        self.tables = list(_dir_entry.iter_unpack(table))
        self.endofdata = self.tables[0][0]
        self._fd = _fileno(dbfile) if startoffset == 0 else None

    def close(self) -> None:
        self._fd = None  # the descriptor may be reused for another file once closed
        super().close()

    def __getitem__(self, key: bytes) -> bytes:
        """The value of ``key`` (KeyError if it is not there): Whoosh's look-up, reading with
        ``os.pread``, usually twice (the slot, then lengths, key and value at once), where
        Whoosh seeks and reads four times through two file wrappers. A search looks up every
        query term in every segment: ~23 -> ~10 us a look-up."""
        fd = self._fd
        if fd is None:  # not a plain file (a compound segment): Whoosh's way
            value: bytes = super().__getitem__(key)
            return value
        keyhash = self.hashfn(key)
        tablestart, numslots = self.tables[keyhash & 255]
        if not numslots:
            raise KeyError(key)
        keylen = len(key)
        tableend = tablestart + numslots * _SLOT.size
        slotpos = tablestart + ((keyhash >> 8) % numslots) * _SLOT.size
        for _ in range(numslots):
            slothash, itempos = _SLOT.unpack(os.pread(fd, _SLOT.size, slotpos))
            if not itempos:
                break
            if slothash == keyhash:
                head = os.pread(fd, _LENGTHS.size + keylen + _READ_AHEAD, itempos)
                itemkeylen, datalen = _LENGTHS.unpack_from(head)
                start = _LENGTHS.size + keylen
                if itemkeylen == keylen and head[_LENGTHS.size : start] == key:
                    data = head[start : start + datalen]
                    if len(data) < datalen:
                        data = os.pread(fd, datalen, itempos + start)
                    return data
            slotpos += _SLOT.size
            if slotpos == tableend:
                slotpos = tablestart
        raise KeyError(key)


_SLOT = _pointer
"""A hash slot: the key's hash and where its item is (Whoosh's layout)."""
_LENGTHS = _lengths
"""An item's key and value lengths (Whoosh's layout)."""
_READ_AHEAD = 256
"""Value bytes read with an item's key (a term's info is ~30 bytes, more with inlined posts)."""


def _fileno(dbfile: WhooshFile) -> int | None:
    """The descriptor of a Whoosh file that is a plain file on disk, else None."""
    try:
        fd = dbfile.file.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    return fd if isinstance(fd, int) else None


_NO_VALUES = Existence()
"""The format given to a block reader that reads only ids."""

TERM_CACHE = 4096
"""Term infos a segment's reader remembers (then it starts over)."""


class QuickTermsReader(W3TermsReader):
    """Whoosh's terms reader over a :class:`QuickHashReader`, remembering the terms it looked up.

    One search looks each query term up three or four times in every segment (the query,
    its matcher, its scorer, the term's document frequency across segments); each look-up
    hashes the key and reads the table. A segment never changes, so its answers are kept.
    """

    def __init__(
        self, codec: NewstermCodec, dbfile: WhooshFile, length: int, postfile: WhooshFile
    ) -> None:
        self._codec = codec
        self._dbfile = dbfile
        self._tindex = QuickHashReader(dbfile, length)
        self._fieldmap = self._tindex.extras["fieldmap"]
        self._postfile = postfile
        self._fieldunmap: list[str | None] = [None] * len(self._fieldmap)
        for fieldname, num in self._fieldmap.items():
            self._fieldunmap[num] = fieldname
        self._infos: dict[tuple[str, bytes], CompactTermInfo | None] = {}

    # Whoosh's key coders (W3TermsReader): (field, term bytes) <-> the table's key.
    _keycoder: Callable[[str, bytes], bytes]
    _keydecoder: Callable[[bytes], tuple[str, bytes]]

    def _info(self, fieldname: str, tbytes: bytes) -> CompactTermInfo | None:
        key = (fieldname, tbytes)
        infos = self._infos
        try:
            return infos[key]
        except KeyError:
            pass
        if len(infos) >= TERM_CACHE:
            infos.clear()
        info: CompactTermInfo | None
        try:
            info = CompactTermInfo.from_bytes(self._tindex[self._keycoder(fieldname, tbytes)])
        except KeyError:
            info = None
        infos[key] = info
        return info

    def __contains__(self, term: tuple[str, bytes]) -> bool:
        return self._info(*term) is not None

    def items(self) -> Iterator[tuple[tuple[str, bytes], CompactTermInfo]]:
        decode = CompactTermInfo.from_bytes
        keydecoder = self._keydecoder
        return ((keydecoder(k), decode(v)) for k, v in self._tindex.items())

    def items_from(
        self, fieldname: str, prefix: bytes
    ) -> Iterator[tuple[tuple[str, bytes], CompactTermInfo]]:
        decode = CompactTermInfo.from_bytes
        keydecoder = self._keydecoder
        start = self._keycoder(fieldname, prefix)
        return ((keydecoder(k), decode(v)) for k, v in self._tindex.items_from(start))

    def term_info(self, fieldname: str, tbytes: bytes) -> CompactTermInfo:
        info = self._info(fieldname, tbytes)
        if info is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        return info

    def frequency(self, fieldname: str, tbytes: bytes) -> float:
        info = self._info(fieldname, tbytes)
        if info is None:
            raise KeyError(tbytes)
        weight: float = info.weight()
        return weight

    def doc_frequency(self, fieldname: str, tbytes: bytes) -> int:
        info = self._info(fieldname, tbytes)
        if info is None:
            raise KeyError(tbytes)
        count: int = info.doc_frequency()
        return count

    def posting_ids(self, info: W3TermInfo) -> Sequence[int]:
        """Every document number in a term's posting list (deleted posts included), read in
        bulk: one array per block, no weights or positions."""
        if info.is_inlined():
            inlined: Sequence[int] = info.inlined_postings()[0]
            return inlined
        offset, length = info.extent()
        blocks = BlockLeafMatcher(self._postfile, offset, length, _NO_VALUES)
        out: list[int] = []
        while True:
            out.extend(blocks._read_ids())
            if blocks._lastblock:
                return out
            blocks._goto(blocks._nextoffset)


_LENGTH_OF_BYTE = tuple(byte_to_length(b) for b in range(256))
"""The field length each length byte stands for (Whoosh stores lengths in one byte)."""


class QuickPerDocReader(W3PerDocReader):
    """Whoosh's per-document reader, reading a field's length column once.

    Scoring a post (BM25F) needs its field length: Whoosh reads that one byte from the column
    file with a seek and a read for every post scored, 12,000 times for a common word in
    20,000 posts. Here the column (a byte per post) is read whole the first time.
    """

    _doccount: int
    _colfiles: dict[str, tuple[WhooshFile, int, int]]  # Whoosh's open column files

    def __init__(self, storage: Storage, segment: Segment) -> None:
        super().__init__(storage, segment)
        self._length_lists: dict[str, list[int | None] | None] = {}

    def field_lengths(self, fieldname: str) -> list[int | None] | None:
        """Every post's length in ``fieldname`` (None for a length byte of 0, as Whoosh's
        ``doc_field_length`` says), indexed by post number; None without a length column.
        Read once per field: every look-up and every term's scorer in the segment share it."""
        try:
            return self._length_lists[fieldname]
        except KeyError:
            pass
        lenfield = f"_{fieldname}_len"  # whoosh3's _lenfield
        out: list[int | None] | None = None
        if self.has_column(lenfield):
            if lenfield not in self._colfiles:
                self._colfiles[lenfield] = self._get_column_file(lenfield)
            colfile, offset, length = self._colfiles[lenfield]
            data = colfile.get(offset, length)  # a byte per post; later posts have 0
            out = [_LENGTH_OF_BYTE[b] if b else None for b in data]
            out.extend([None] * (self._doccount - len(out)))
        self._length_lists[fieldname] = out
        return out

    def doc_field_length(self, docnum: int, fieldname: str, default: int | None = 0) -> int | None:
        # As W3PerDocReader.doc_field_length: the default without a column, None for 0.
        if docnum > self._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
        lengths = self.field_lengths(fieldname)
        if lengths is None:
            return default
        return lengths[docnum] if docnum < self._doccount else None


assert LENGTHS_COLUMN._typecode == "B" and LENGTHS_COLUMN._default == 0, "Whoosh's layout"


class NewstermCodec(W3Codec):
    """Whoosh's default codec with this module's posting lists, term-table reader and field
    writer."""

    _blocklimit: int
    _compression: int
    _inlinelimit: int
    TERMS_EXT: str
    POSTS_EXT: str

    def __init__(
        self, blocklimit: int = 128, compression: int = 3, inlinelimit: int = INLINE_LIMIT
    ) -> None:
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def per_document_reader(self, storage: Storage, segment: Segment) -> QuickPerDocReader:
        return QuickPerDocReader(storage, segment)

    def terms_reader(self, storage: Storage, segment: Segment) -> QuickTermsReader:
        tiname = segment.make_filename(self.TERMS_EXT)
        tilen = storage.file_length(tiname)
        tifile = storage.open_file(tiname)
        postfile = segment.open_file(storage, self.POSTS_EXT)
        return QuickTermsReader(self, tifile, tilen, postfile)

    def postings_reader(
        self,
        dbfile: WhooshFile,
        terminfo: CompactTermInfo,
        format_: FieldFormat,
        term: tuple[str, bytes] | None = None,
        scorer: Any = None,
    ) -> Any:
        """A matcher over a term's postings: Whoosh's list matcher for an inlined list, else a
        :class:`BlockLeafMatcher`."""
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return BlockLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)

    def field_writer(self, storage: Storage, segment: Segment) -> FastFieldWriter:
        return FastFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile: WhooshFile, byteids: bool = False) -> BlockPostingsWriter:
        return BlockPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )
