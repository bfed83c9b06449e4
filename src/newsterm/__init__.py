"""newsterm: a terminal reader and archive browser for folders of Markdown posts."""

from __future__ import annotations


def version() -> str:
    """newsterm's version, from the installed package's metadata: pyproject.toml is the one
    place it is written. Looked up only when asked (a one-shot search never pays for it)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    try:
        return installed_version("newsterm")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":  # ``newsterm.__version__``, computed when first asked for
        return version()
    raise AttributeError(f"module 'newsterm' has no attribute {name!r}")
