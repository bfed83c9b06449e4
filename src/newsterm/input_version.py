"""The version of the rules that turn a post file into what newsterm keeps of it.

Anything newsterm stores about a post outside the post itself (the search index, and any
catalog beside it) was made with the rules of the day: how the front matter is split and read
(:mod:`newsterm.front_matter`), how titles, dates and their time zones, categories and tags are
found (:mod:`newsterm.archive`), which files are posts at all (section pages are not), how the
text is cleaned (:mod:`newsterm.text`), which lines are section headings
(:mod:`newsterm.outline`) and what a post's lede says (its front matter's summary as plain
text, :func:`newsterm.markdown.plain.plain_line`; the search index keeps it). An unchanged
file is never read again, so a change to those rules would leave stale entries behind.
**Bump :data:`INPUT_VERSION` whenever such a change alters what a post yields**; a store made
with another version is rebuilt (with a one-line notice). ``tests/test_input_version.py``
keeps a digest of what the rules make of a few posts for each version, so a change that
forgets the bump fails there.

History:

1. everything before the number existed;
2. Zola/Hugo dates from ``path``/``url``/``slug``, the site's time zone, ``_index.md`` is not a
   post, python-frontmatter handlers (JSON front matter), the implicit-heading rules measured
   on real archives (issue 10);
3. a short label line over a list, quote or picture is a section heading;
4. a front-matter value that opens with a quoted or bracketed part and goes on after it is read
   (it made the post a problem before);
5. a first heading that repeats the title is blanked, a colon container's ``:::`` lines are
   never section headings, and drafts (``draft: true``, ``published: false``, ``_drafts/``)
   are known;
6. a heading's attribute list (``## Why {#why}``, ``# Title {#id}``) is not part of its title.
7. the lede (``description``, ``summary``, ``subtitle``, ``excerpt`` or ``tldr``: ``Post.lede``,
   searched with the body);
8. a post's language is indexed (``lang:en`` in a search).
"""

from __future__ import annotations

__all__ = ["INPUT_VERSION"]

INPUT_VERSION = 8
