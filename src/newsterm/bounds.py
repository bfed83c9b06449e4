"""How much of one post the reader lays out, and how much of its outline it lists.

Posts may be read up to ``postfile.MAX_POST_BYTES`` (16 MiB: search and ``newsterm show`` take
them whole), but laying out a post for the screen costs about 110 MB and several CPU seconds
per MB of headings (``benchmarks/bench_huge_post.py``): a 15.9 MB post of headings stopped every
served reader (512 MB, CPU limit) that opened it. The reader lays out at most
:data:`MAX_SHOWN_CHARS` of a post's body, cut at a line end, and says where it stopped; its
outline lists at most :data:`MAX_OUTLINE_SECTIONS` sections. The largest post of the eleven real
archives in the corpus is 0.28 MB, far below both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MAX_SHOWN_CHARS = 1_000_000
MAX_OUTLINE_SECTIONS = 2_000


def _mb(chars: int) -> str:
    return f"{chars / 1_000_000:.1f} MB"


def shown_body(body: str, limit: int | None = None) -> tuple[str, str | None]:
    """The part of ``body`` the reader lays out, and a one-line notice if it was cut (else None).

    The cut falls at the last line end before ``limit`` (a line longer than that is cut at it),
    so no Markdown line is broken in two.
    """
    limit = MAX_SHOWN_CHARS if limit is None else limit
    if len(body) <= limit:
        return body, None
    end = body.rfind("\n", 0, limit)
    if end < limit // 2:
        end = limit
    notice = (
        f"this post is {_mb(len(body))}: the reader shows its first {_mb(end)}"
        f" (at most {_mb(limit)} of a post)"
    )
    return body[:end], notice


def cut_marker(notice: str) -> str:
    """Markdown appended where a shown body was cut, so the reader sees it at the end too."""
    return f"\n\n---\n\n*⋯ {notice}.*\n"


def capped_sections(sections: Sequence[Any], limit: int | None = None) -> tuple[list[Any], int]:
    """The first ``limit`` sections of an outline tree (document order) and how many it had.

    Children past the limit are dropped from their parents in copies; the given tree is kept.
    """
    limit = MAX_OUTLINE_SECTIONS if limit is None else limit
    total = sum(1 for top in sections for _ in top.walk())
    if total <= limit:
        return list(sections), total
    budget = [limit]

    def take(nodes: Sequence[Any]) -> list[Any]:
        out = []
        for node in nodes:
            if budget[0] <= 0:
                break
            budget[0] -= 1
            out.append(_copy(node, take(node.children)))
        return out

    return take(sections), total


def _copy(node: Any, children: list[Any]) -> Any:
    from dataclasses import replace

    return replace(node, children=children)
