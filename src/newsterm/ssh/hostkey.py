"""The server's host key: made once (ed25519) in newsterm's data folder, then reused.

The key lives in ``data_dir()/ssh/ssh_host_ed25519_key`` (folder 0700, file 0600) unless
``--host-key FILE`` names another file. An existing key is never replaced: if it cannot be read,
is not a private key, or is readable by others, the server stops with one clear line (exit 2),
so clients never see a silently changed host key.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import asyncssh

from newsterm.errors import NewstermError
from newsterm.paths import data_dir

KEY_NAME = "ssh_host_ed25519_key"


class HostKeyError(NewstermError):
    """The host key exists but cannot be used, or cannot be created."""


def default_host_key_path() -> Path:
    """Where the host key lives unless ``--host-key`` says otherwise."""
    return data_dir() / "ssh" / KEY_NAME


def fingerprint(key: asyncssh.SSHKey) -> str:
    """The SHA256 fingerprint as OpenSSH prints it (``SHA256:...``)."""
    return key.get_fingerprint("sha256")


def _load(path: Path) -> asyncssh.SSHKey:
    try:
        st = path.stat()
    except OSError as err:
        raise HostKeyError(f"host key {path} cannot be read: {err.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise HostKeyError(f"host key {path} is not a regular file")
    if st.st_mode & 0o077:
        raise HostKeyError(
            f"host key {path} is readable by others (mode {stat.S_IMODE(st.st_mode):04o}); "
            f"run: chmod 600 {path}"
        )
    try:
        data = path.read_bytes()
    except OSError as err:
        raise HostKeyError(f"host key {path} cannot be read: {err.strerror}") from None
    try:
        return asyncssh.import_private_key(data)
    except (asyncssh.KeyImportError, ValueError) as err:
        raise HostKeyError(
            f"host key {path} is not a usable private key ({err}); "
            "move it away to have a new one made (clients will see a new fingerprint)"
        ) from None


def _create(path: Path) -> asyncssh.SSHKey:
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if path == default_host_key_path():
            os.chmod(folder, 0o700)
        key = asyncssh.generate_private_key("ssh-ed25519", comment="newsterm host key")
        data = key.export_private_key("openssh")
        tmp = folder / f".{path.name}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            # link() fails if another process made the key meanwhile: never overwrite one.
            os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        pub = path.with_name(path.name + ".pub")
        if not pub.exists():
            pub.write_bytes(key.export_public_key("openssh"))
    except FileExistsError:
        return _load(path)
    except OSError as err:
        raise HostKeyError(f"cannot create host key {path}: {err.strerror or err}") from None
    return key


def load_or_create_host_key(path: Path | None = None) -> tuple[asyncssh.SSHKey, Path, bool]:
    """The host key, its path, and whether it was just made.

    An existing file is loaded (never replaced); a missing one is generated as ed25519.
    Raises :class:`HostKeyError` (one-line message, exit 2) when that is not possible.
    """
    path = Path(path).expanduser() if path else default_host_key_path()
    if path.exists() or path.is_symlink():
        return _load(path), path, False
    return _create(path), path, True
