"""Saving the open post to a file, or the text to hand to a pipe, outside the archive."""

from __future__ import annotations

import os
from pathlib import Path

from newsterm.models import Post


class ExportError(Exception):
    """A one-line reason the post could not be saved."""


def post_text(root: Path, post: Post, plain: bool, width: int = 80) -> str:
    """The post as Markdown (the file as written, front matter too) or as plain text (laid out
    as the reader shows it, no markup: the title, its lede, the body)."""
    if plain:
        import textwrap

        from newsterm.markdown.layout import render_text

        lede = f"{textwrap.fill(post.lede, width)}\n\n" if post.lede else ""
        return f"{post.title}\n\n{lede}{render_text(post.body, width=width)}\n"
    try:
        return (root / post.path).read_text("utf-8", errors="replace")
    except OSError:
        return f"# {post.title}\n\n{post.body}"


def save_target(root: Path, post: Post, where: str) -> Path:
    """The file to write for ``where``: a folder gets the post's file name (``.txt`` kept when
    asked for); never a file inside the archive, which newsterm does not write into."""
    if not where.strip():
        raise ExportError("give a folder or a file name")
    target = Path(os.path.expanduser(where.strip()))
    if target.is_dir() or where.strip().endswith(("/", os.sep)):
        target = target / Path(post.path).name
    target = target.resolve()
    archive = root.resolve()
    if target == archive or archive in target.parents:
        raise ExportError("newsterm never writes into the archive; choose a folder outside it")
    return target


def save_post(root: Path, post: Post, where: str) -> Path:
    """Write the post to ``where`` (plain text when the name ends in ``.txt``); the path."""
    target = save_target(root, post, where)
    text = post_text(root, post, plain=target.suffix.lower() == ".txt")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
    except OSError as err:
        raise ExportError(f"cannot write {target}: {err.strerror}") from None
    return target
