"""A sorted list of posts (and their posts by path) as a shared base plus a few changes.

A served reader's list is the SSH server's zygote's, shared copy-on-write with every reader
forked from it. Building a new list or dict from those posts increments each post's reference
count, which writes to the page it lives on and so copies the zygote's pages into the reader
(at 100,000 posts, tens of MB per reader). When the server changes a few posts, an
:class:`Overlay` presents the list as it now is without touching the others: the base list and
its dict are left as they are, and the changed, added and removed posts are kept beside them.
Looking up a row or a path costs a few bisections of the base (which touches ~17 posts); only
walking the whole list (a title filter, facet counts) touches every post, as it would anyway.

The base must be sorted by ``key`` with no two posts of equal key (the catalog's order: newest
first, undated last, ties by path). Nothing here knows the screen or SQLite.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar, overload

__all__ = ["Overlay", "OverlayByPath"]


class _HasPath(Protocol):
    @property
    def path(self) -> str: ...


T = TypeVar("T", bound=_HasPath)


class Overlay(Sequence[T], Generic[T]):
    """``base`` (sorted by ``key``, never changed, never walked) with ``changes`` applied:
    ``path -> post`` (added or replaced) or ``path -> None`` (removed), in the same order a
    list sorted afresh would have.

    Raises :class:`ValueError` when a changed path's base post is not where ``key`` says it
    must be (a base not sorted by ``key``): the caller then sorts a list afresh.
    """

    __slots__ = (
        "_added", "_at", "_base", "_base_by_path", "_changes", "_key", "_len", "_removed", "_shift"
    )  # fmt: skip

    def __init__(
        self,
        base: Sequence[T],
        base_by_path: Mapping[str, T],
        changes: Mapping[str, T | None],
        key: Callable[[T], Any],
    ) -> None:
        self._base = base
        self._base_by_path = base_by_path
        self._key = key
        self._changes = changes
        removed: list[int] = []
        for path in changes:
            old = base_by_path.get(path)
            if old is not None:
                removed.append(self._base_index(old))
        removed.sort()
        self._removed = removed
        # For the n-th kept row of the base, its base index is n + (removed rows at or before
        # it): ``_shift[k] = removed[k] - k`` is non-decreasing, bisected to count them.
        self._shift = [r - k for k, r in enumerate(removed)]
        added = sorted((p for p in changes.values() if p is not None), key=key)
        self._added = added
        # Final row of each added post: the kept base rows before it, plus the added before it.
        at = []
        for j, post in enumerate(added):
            b = bisect_left(base, key(post), key=key)
            at.append(b - bisect_left(removed, b) + j)
        self._at = at
        self._len = len(base) - len(removed) + len(added)

    def _base_index(self, post: T) -> int:
        i = bisect_left(self._base, self._key(post), key=self._key)
        if i >= len(self._base) or self._base[i] is not post:
            raise ValueError(f"{post.path}: the base list is not in the overlay's order")
        return i

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError(index)
        j = bisect_left(self._at, index)
        if j < len(self._at) and self._at[j] == index:
            return self._added[j]
        kept = index - j
        return self._base[kept + bisect_right(self._shift, kept)]

    def __iter__(self) -> Iterator[T]:
        removed = set(self._removed)
        added = iter(zip(self._at, self._added, strict=True))
        next_at, next_post = next(added, (-1, None))
        row = 0
        for i, post in enumerate(self._base):
            if i in removed:
                continue
            while next_at == row:
                yield next_post  # type: ignore[misc]
                row += 1
                next_at, next_post = next(added, (-1, None))
            yield post
            row += 1
        while next_at == row:
            yield next_post  # type: ignore[misc]
            row += 1
            next_at, next_post = next(added, (-1, None))

    def index_of(self, path: str) -> int | None:
        """The row of ``path``, found by bisection (None when it is not in the list)."""
        post = self.get(path)
        if post is None:
            return None
        k = self._key(post)
        j = bisect_left(self._added, k, key=self._key)
        if j < len(self._added) and self._added[j] is post:
            return self._at[j]
        b = bisect_left(self._base, k, key=self._key)
        return b - bisect_left(self._removed, b) + j

    def get(self, path: str) -> T | None:
        """The post of ``path``, or None."""
        if path in self._changes:
            return self._changes[path]
        return self._base_by_path.get(path)

    @property
    def changes(self) -> Mapping[str, T | None]:
        """What differs from the base: ``path -> post``, or None for a removed post."""
        return self._changes


class OverlayByPath(Mapping[str, T], Generic[T]):
    """Each post of an :class:`Overlay` by its path: the base's dict with the changes over it.
    Iterated in list order (as a dict made from the list afresh would be)."""

    __slots__ = ("_posts",)

    def __init__(self, posts: Overlay[T]) -> None:
        self._posts = posts

    def __getitem__(self, path: str) -> T:
        post = self._posts.get(path)
        if post is None:
            raise KeyError(path)
        return post

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._posts.get(path) is not None

    def get(self, path: str, default: Any = None) -> Any:
        post = self._posts.get(path)
        return default if post is None else post

    def __len__(self) -> int:
        return len(self._posts)

    def __iter__(self) -> Iterator[str]:
        for post in self._posts:
            yield post.path
