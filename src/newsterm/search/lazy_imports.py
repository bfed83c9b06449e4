"""Importing a module without the modules it imports but newsterm does not use (start-up time).

A one-shot ``newsterm search`` is a fresh Python process that must answer about as fast as
``rg``; most of its time is spent importing. Whoosh and parts of the standard library import,
at their top, modules that only some of their functions need: Whoosh's term tables import
``hashlib`` (OpenSSL) for a hash newsterm computes with CPython's built-in MD5, its file
storage ``tempfile`` and ``random`` for temporary names, ``shutil`` checks that ``bz2`` and
``lzma`` exist, ``urllib.parse`` (for ``pathlib``) imports ``ipaddress`` for one function.

:func:`import_past` imports such a module with *stand-ins* for those imports. A stand-in is a
module object whose listed functions, and every other attribute once its target has loaded,
come from the real module, imported on first use. It is in ``sys.modules`` only while the target
loads, so a later ``import`` anywhere gets the real module. This module imports nothing that a
search would not import anyway.
"""

from __future__ import annotations

import sys
import types

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["STAND_INS", "import_lean", "import_past"]

# What each module is imported past, in one place: target module -> {stood-in module: the
# functions the target imports from it by name}. Each entry is used by ``import_lean(target)``.
STAND_INS: dict[str, dict[str, tuple[str, ...]]] = {
    # pathlib imports urllib.parse, which imports ipaddress for one check of bracketed hosts.
    "urllib.parse": {"ipaddress": ()},
    # argparse sizes its help formatter with shutil, which checks at import that bz2 and lzma
    # exist (only when a command line needs argparse: see cli._quick_search_args).
    "shutil": {"bz2": (), "lzma": ()},
    # platformdirs imports tempfile (and with it random) for the runtime folder's fallback,
    # which newsterm does not use.
    "platformdirs": {"tempfile": ("TemporaryFile", "gettempdir")},
    # Whoosh's ``compat`` imports ``urllib.request`` (http, ssl, email), ``html`` (the entity
    # tables) and ``queue`` (for the multi-process writer) for what a search never uses.
    "whoosh.compat": {"urllib.request": ("urlretrieve",), "html": ("escape",), "queue": ()},
    # ``whoosh.analysis``: two English stemmers and a phonetic encoder newsterm's analyzer
    # does not use, and ``whoosh.util``'s ``random`` for the names of new files (only a writer
    # needs one).
    "whoosh.analysis": {
        "whoosh.lang.porter": ("stem",),
        "whoosh.lang.dmetaphone": ("double_metaphone",),
        "random": (),
    },
    # ``whoosh.query`` without its English morphology tables (the ``Variations`` query, which
    # newsterm never uses).
    "whoosh.query": {"whoosh.lang.morph_en": ("variations",)},
    # Whoosh's term tables import hashlib's MD5 (see codec._md5_hash), its file storage
    # ``tempfile`` for temporary folders, ``shutil`` and ``mmap`` for compound segments
    # (newsterm writes none), its date helpers ``calendar``: none is used by a search.
    "whoosh.codec.whoosh3": {
        "hashlib": ("md5",),
        "tempfile": (),
        "shutil": ("copyfileobj",),
        "mmap": (),
        "calendar": (),
    },
    # Whoosh's query expansion (whoosh.classify, imported by its searcher) imports random for a
    # clustering helper newsterm never uses.
    "whoosh.searching": {"random": ()},
}


def _quiet_whoosh() -> None:
    """Whoosh 2.7.4's docstrings and patterns hold escapes like ``"\\w"`` in plain strings:
    Python 3.12+ says so with a SyntaxWarning each time it compiles them, which happens on a
    user's terminal whenever no bytecode was written (``uv tool install``, a read-only
    site-packages, PYTHONDONTWRITEBYTECODE). They are about Whoosh's source, not newsterm's
    work: not shown. (Before 3.12 they are DeprecationWarnings, hidden by default.)"""
    if sys.version_info >= (3, 12) and "whoosh" not in sys.modules:
        import warnings

        warnings.filterwarnings("ignore", category=SyntaxWarning, module=r".*[/\\]whoosh[/\\]")


def _real(name: str) -> types.ModuleType:
    import importlib

    return importlib.import_module(name)


def _deferred(module: str, attr: str) -> Callable[..., Any]:
    """A function that imports ``module`` on its first call and runs its ``attr`` (found once:
    a stood-in function may be called for every term a build writes)."""
    found: list[Callable[..., Any]] = []

    def call(*args: Any, **kwargs: Any) -> Any:
        if not found:
            found.append(getattr(_real(module), attr))
        return found[0](*args, **kwargs)

    call.__name__ = call.__qualname__ = attr
    return call


class _StandIn(types.ModuleType):
    """A module that loads the real one when asked for an attribute it does not have."""

    def __getattr__(self, attr: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            # still standing in (the target is loading): asking for more would recurse
            raise AttributeError(f"{self.__name__}.{attr} is not available while it is stood in")
        value = getattr(_real(self.__name__), attr)
        setattr(self, attr, value)  # found once: the next use is a plain attribute
        return value


def import_past(target: str, stand_ins: dict[str, tuple[str, ...]]) -> None:
    """Import module ``target`` with stand-ins for the modules named in ``stand_ins``.

    Each value lists the functions ``target`` imports by name (``from m import f``): they
    become functions that import the real module on their first call. A module ``target``
    imports whole (``import m``) needs no list: its attributes are looked up in the real module
    when first used. Modules already loaded are used as they are; ``target`` already loaded
    makes this a no-op.
    """
    if target in sys.modules:
        return
    stubs = {}
    for name, attrs in stand_ins.items():
        if name in sys.modules:
            continue
        parent = name.rpartition(".")[0]
        if parent:
            __import__(parent)  # the package the stand-in claims to belong to
        stub = _StandIn(name)
        for attr in attrs:
            setattr(stub, attr, _deferred(name, attr))
        stubs[name] = sys.modules[name] = stub
    try:
        __import__(target)
    finally:
        for name, stub in stubs.items():
            if sys.modules.get(name) is stub:
                del sys.modules[name]


def import_lean(target: str) -> None:
    """Import module ``target`` past the modules :data:`STAND_INS` lists for it (a Whoosh
    module without its SyntaxWarnings, see :func:`_quiet_whoosh`)."""
    if target.startswith("whoosh"):
        _quiet_whoosh()
    import_past(target, STAND_INS[target])
