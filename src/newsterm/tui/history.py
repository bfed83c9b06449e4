"""The reader's history of opened posts: back and forward, as in a browser."""

from __future__ import annotations


class History:
    """Paths of the posts opened, with a position that back/forward move.

    Opening a post after going back drops the posts ahead (as browsers do); opening the post
    already at the current position records nothing. At most ``limit`` entries are kept.
    """

    def __init__(self, limit: int = 500) -> None:
        self._items: list[str] = []
        self._pos = -1
        self._limit = limit

    def __len__(self) -> int:
        return len(self._items)

    @property
    def current(self) -> str | None:
        return self._items[self._pos] if self._items else None

    @property
    def items(self) -> tuple[str, ...]:
        return tuple(self._items)

    def record(self, path: str) -> None:
        """``path`` was opened (not by back/forward)."""
        if self.current == path:
            return
        del self._items[self._pos + 1 :]
        self._items.append(path)
        if len(self._items) > self._limit:
            del self._items[: len(self._items) - self._limit]
        self._pos = len(self._items) - 1

    def can_go_back(self) -> bool:
        return self._pos > 0

    def can_go_forward(self) -> bool:
        return self._pos < len(self._items) - 1

    def back(self) -> str | None:
        """The previous post (and move there), or None at the start."""
        if not self.can_go_back():
            return None
        self._pos -= 1
        return self._items[self._pos]

    def forward(self) -> str | None:
        """The next post (and move there), or None at the end."""
        if not self.can_go_forward():
            return None
        self._pos += 1
        return self._items[self._pos]
