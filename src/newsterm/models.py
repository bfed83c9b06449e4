"""Plain data shared by the core and the fronts (no I/O, no Textual)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

_NOT_A_WORD = re.compile(r"\s[^\w\s]+(?=\s)")


def count_words(text: str) -> int:
    """Whitespace-separated words (Korean eojeol included) that contain a letter or digit.

    Tokens made only of punctuation (``##``, ``-``, ``---``, ``|``) are not words.
    """
    return len(text.split()) - len(_NOT_A_WORD.findall(f" {text} "))


_HANGUL_SYLLABLE = re.compile(r"[\uac00-\ud7a3]")
_OTHER_WORD = re.compile(r"[A-Za-z0-9]+")


def reading_minutes(body: str) -> int:
    """Estimated reading time: ~500 Hangul syllables or ~230 other words a minute, at least 1
    for a post with anything to read, and 0 for an empty one (no letters or digits)."""
    hangul = len(_HANGUL_SYLLABLE.findall(body))
    other_words = len(_OTHER_WORD.findall(body))
    if not hangul and not other_words:
        return 0
    return max(1, round(hangul / 500 + other_words / 230))


def reading_time_text(body: str) -> str:
    """``N min read``, or ``empty`` for a post with nothing to read (never "1 min read")."""
    minutes = reading_minutes(body)
    return f"{minutes} min read" if minutes else "empty"


@dataclass(frozen=True, slots=True)
class Post:
    """One readable post of an archive.

    ``path`` is relative to the archive root, POSIX style. ``body`` is the Markdown text after
    the front matter, NFC-normalised, with ``\\n`` line endings. ``body_line`` is the 1-based line
    of the file on which ``body`` starts, so that body line ``n`` (1-based) is file line
    ``body_line + n - 1``.

    ``word_count`` is computed from ``body`` the first time it is asked for (listing a big
    archive never needs it), unless given to the constructor as ``words``.
    """

    path: str
    title: str
    date: datetime | None
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    body: str
    words: int = field(default=-1, repr=False, compare=False)
    body_line: int = 1
    mtime: float = 0.0
    size: int = 0
    encoding: str = "utf-8"
    date_kind: str = "offset"
    """How much the post said about its date: ``"offset"`` (a time with a UTC offset, its own or
    the site's time zone), ``"naive"`` (a time, but no zone known: ``date`` holds that wall time
    marked UTC only so that posts sort the same everywhere; never show its offset) or ``"date"``
    (a day only: show no time). See :func:`newsterm.archive.date_iso`."""
    draft: bool = False
    """An unpublished draft (see :func:`newsterm.archive.is_draft`)."""
    lang: str = ""
    """The language its front matter gives (``lang``, ``language`` or ``locale``), as written;
    "" when none. The post's language is :attr:`language`."""
    lede: str = ""
    """The post's one-paragraph summary from its front matter (``description``, ``summary``,
    ``subtitle``, ``excerpt`` or ``tldr``) as plain text on one line, or ``""``: none, or one
    that only says the title or the opening of the body again (see
    :func:`newsterm.archive.lede_of`)."""

    @property
    def word_count(self) -> int:
        """Words of the body (see :func:`count_words`)."""
        if self.words < 0:
            object.__setattr__(self, "words", count_words(self.body))
        return self.words

    @property
    def language(self) -> str:
        """``ko``, ``en``, ... or "" (unknown): :attr:`lang` when it names a language, else
        guessed from the text (:func:`newsterm.language.language_of`; worked out when asked,
        so that a search never loads the rule)."""
        from newsterm.language import language_of

        return language_of(self.lang, self.title, self.body)

    @property
    def slug(self) -> str:
        """The file name without directory, date prefix and extension."""
        from newsterm.names import slug_of

        return slug_of(self.path)


@dataclass(frozen=True, slots=True)
class Problem:
    """A file that looks like a post but cannot be read; ``reason`` is one line."""

    path: str
    reason: str


@dataclass(slots=True)
class Section:
    """A node of a post's outline. ``line`` is 1-based within the post's body."""

    level: int
    title: str
    line: int
    implicit: bool = False
    children: list[Section] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "title": self.title,
            "line": self.line,
            "children": [c.to_dict() for c in self.children],
        }

    def walk(self) -> Iterator[Section]:
        """This section, then its descendants, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


_TAG_SEP = "\x1f"  # control characters never survive parsing


class PostInfo:
    """What the post list needs of a post, without its text: ~560 bytes a post (540 measured at
    100k before the draft flag's and the language's slots added 8 each; a language is one of a
    few shared strings).

    The reader's list holds one of these per post (read from the catalog, see
    :mod:`newsterm.catalog`) and reads the whole :class:`Post` (body, outline) only when a post
    is opened. It has the same attribute names as :class:`Post` for the fields it keeps, so the
    list, facets and the title filter take either.
    """

    __slots__ = (
        "_digest",
        "_tags",
        "categories",
        "date",
        "draft",
        "language",
        "length",
        "path",
        "size",
        "title",
    )

    def __init__(
        self,
        path: str,
        title: str,
        date: datetime | None,
        categories: tuple[str, ...],
        tags: tuple[str, ...] | str,
        size: int = 0,
        digest: str | None = None,
        length: int = -1,
        draft: bool = False,
        language: str = "",
    ) -> None:
        self.path = path
        self.title = title
        self.date = date
        self.categories = categories
        # Tags are mostly the post's own words (not shared between posts): kept as one string
        # (a tuple of strings costs ~250 bytes a post), split when asked for.
        self._tags = tags if isinstance(tags, str) else _TAG_SEP.join(tags)
        self.size = size
        # The body's content key with ``length`` (:func:`newsterm.state.body_digest`): a moved
        # post keeps its reading marks without its body being held or read again. 20 bytes,
        # not 40 hex characters.
        self._digest = bytes.fromhex(digest) if digest else None
        self.length = length
        self.draft = draft  # (True or False: one shared object, 8 bytes a post)
        self.language = language  # ("ko", "en", ...: shared strings, 8 bytes a post)

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self._tags.split(_TAG_SEP)) if self._tags else ()

    @property
    def digest(self) -> str | None:
        return self._digest.hex() if self._digest is not None else None

    @property
    def content_key(self) -> tuple[str, int] | None:
        return (self._digest.hex(), self.length) if self._digest is not None else None

    @classmethod
    def of(cls, post: Post) -> PostInfo:
        """The list fields of a parsed post."""
        from newsterm.state import body_digest

        digest, length = body_digest(post.body)
        return cls(
            post.path,
            post.title,
            post.date,
            post.categories,
            post.tags,
            post.size,
            digest,
            length,
            post.draft,
            post.language,
        )

    @property
    def slug(self) -> str:
        from newsterm.names import slug_of

        return slug_of(self.path)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PostInfo):
            return NotImplemented
        return (
            self.path,
            self.title,
            self.date,
            self.categories,
            self.tags,
            self.size,
            self.draft,
            self.language,
        ) == (
            other.path,
            other.title,
            other.date,
            other.categories,
            other.tags,
            other.size,
            other.draft,
            other.language,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PostInfo({self.path!r}, {self.title!r}, {self.date!r})"
