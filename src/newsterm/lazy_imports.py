"""Importing a module without the modules it imports but newsterm does not use (start-up time).

A one-shot ``newsterm search`` is a fresh Python process that must answer about as fast as
``rg``; most of its time is spent importing. Whoosh and parts of the standard library import,
at their top, modules that only some of their functions need: Whoosh's term tables import
``hashlib`` (OpenSSL, ~3 ms) for a hash newsterm computes with CPython's built-in MD5, its file
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

__all__ = ["import_past"]


def _real(name: str) -> types.ModuleType:
    import importlib

    return importlib.import_module(name)


def _deferred(module: str, attr: str):
    """A function that imports ``module`` on its first call and runs its ``attr`` (found once:
    a stood-in function may be called for every term a build writes)."""
    found = []

    def call(*args, **kwargs):
        if not found:
            found.append(getattr(_real(module), attr))
        return found[0](*args, **kwargs)

    call.__name__ = call.__qualname__ = attr
    return call


class _StandIn(types.ModuleType):
    """A module that loads the real one when asked for an attribute it does not have."""

    def __getattr__(self, attr: str):
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
