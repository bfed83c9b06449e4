"""Where things live: the archive to open and newsterm's own user folders.

The archive is chosen by ``--archive DIR``, else ``$NEWSTERM_ARCHIVE``, else the bundled archive
(inside the installed package, or the checkout's ``archive/`` in an editable install). newsterm's
own files (index, reading state, config, host key) live in the user's folders from platformdirs,
never inside the archive. On Linux these follow ``XDG_*_HOME``, which the tests use to isolate them.
"""

from __future__ import annotations

import os
from pathlib import Path

from newsterm.errors import ArchiveError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import platformdirs

APP = "newsterm"


def bundled_archive() -> Path:
    """The archive shipped with newsterm (wheel data first, then the source checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_archive", here.parents[1] / "archive"):
        if candidate.is_dir():
            return candidate
    raise ArchiveError("the bundled archive is missing from this installation; use --archive DIR")


def resolve_archive(arg: str | os.PathLike[str] | None = None) -> Path:
    """The archive root to use, checked to be a readable folder.

    ``arg`` is the folder named on the command line (None: not given). An empty name is an
    error rather than a silent fall-back to another archive (``--archive "$UNSET_VAR"``).
    """
    if arg is not None and not os.fspath(arg).strip():
        raise ArchiveError("the archive folder name is empty; name a folder, or leave it out")
    if arg:
        root = Path(arg).expanduser()
    elif os.environ.get("NEWSTERM_ARCHIVE"):
        root = Path(os.environ["NEWSTERM_ARCHIVE"]).expanduser()
    else:
        root = bundled_archive()
    if not root.exists():
        raise ArchiveError(f"archive not found: {root}")
    if not root.is_dir():
        raise ArchiveError(f"archive is not a folder: {root}")
    if not os.access(root, os.R_OK | os.X_OK):
        raise ArchiveError(f"archive is not readable: {root}")
    return root.resolve()


def archive_key(root: Path) -> str:
    """A short stable id for an archive, used to keep one index and one state per archive."""
    resolved = str(Path(root).resolve())
    try:
        from _sha1 import sha1  # CPython's own: hashlib loads OpenSSL (start-up time)
    except ImportError:
        from hashlib import sha1
    digest = sha1(resolved.encode("utf-8")).hexdigest()[:12]
    name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in Path(resolved).name)
    return f"{name[:40]}-{digest}"


def _platform() -> platformdirs.PlatformDirs:
    # A search imports platformdirs lean first (search.lazy_imports): the core stays below it.
    import platformdirs

    return platformdirs.PlatformDirs(APP, appauthor=False)


def cache_dir() -> Path:
    return Path(_platform().user_cache_dir)


def data_dir() -> Path:
    return Path(_platform().user_data_dir)


def config_dir() -> Path:
    return Path(_platform().user_config_dir)


def config_file() -> Path:
    """The reader's ``config.toml`` (``newsterm config`` prints it)."""
    return config_dir() / "config.toml"


def index_dir_for(root: Path) -> Path:
    """The default index folder of an archive (``--index-dir`` overrides it)."""
    return cache_dir() / "indexes" / archive_key(root)
