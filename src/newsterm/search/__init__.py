"""Full-text search: everything in newsterm that knows Whoosh.

``analysis`` cuts text into terms, ``query`` parses newsterm's query language, ``codec`` is the
on-disk format, ``matchers`` holds newsterm's subclasses of Whoosh's matchers, scorer, searcher
and collector, ``index`` builds, syncs and searches an archive's index, ``snippets`` cuts the
passage shown under a hit, and ``lazy_imports`` keeps start-up fast. Nothing outside this
package imports whoosh. This file imports nothing: ``newsterm search`` pays only for what it uses.
"""
