"""The host key: made once with safe permissions, reused, never silently replaced."""

from __future__ import annotations

import os
import stat

import asyncssh
import pytest

from newsterm.ssh.hostkey import (
    HostKeyError,
    default_host_key_path,
    fingerprint,
    load_or_create_host_key,
)
from newsterm.ssh.server import ServeError, read_authorized_keys


def test_first_run_makes_an_ed25519_key_then_reuses_it():
    key, path, created = load_or_create_host_key()
    assert created and path == default_host_key_path()
    assert key.algorithm == b"ssh-ed25519"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again, _, created_again = load_or_create_host_key()
    assert not created_again
    assert fingerprint(again) == fingerprint(key)
    assert fingerprint(key).startswith("SHA256:")


@pytest.mark.parametrize(
    "content", [b"", b"not a key\n", b"-----BEGIN OPENSSH PRIVATE KEY-----\nxx"]
)
def test_corrupt_key_is_an_error_and_is_left_alone(tmp_path, content):
    path = tmp_path / "hk"
    path.write_bytes(content)
    os.chmod(path, 0o600)
    with pytest.raises(HostKeyError) as info:
        load_or_create_host_key(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    assert info.value.exit_code == 2
    assert path.read_bytes() == content


def test_key_readable_by_others_or_a_folder_is_refused(tmp_path):
    _key, path, _ = load_or_create_host_key(tmp_path / "hk")
    os.chmod(path, 0o644)
    with pytest.raises(HostKeyError, match="chmod 600"):
        load_or_create_host_key(path)
    (tmp_path / "dir").mkdir()
    with pytest.raises(HostKeyError, match="not a regular file"):
        load_or_create_host_key(tmp_path / "dir")


def test_authorized_keys_with_options_and_comments(tmp_path):
    a = asyncssh.generate_private_key("ssh-ed25519")
    b = asyncssh.generate_private_key("ssh-ed25519")
    text = (
        "# members\n\n"
        + a.export_public_key("openssh").decode()
        + 'restrict,command="x y" '
        + b.export_public_key("openssh").decode()
    )
    path = tmp_path / "ak"
    path.write_text(text)
    assert read_authorized_keys(path) == {fingerprint(a), fingerprint(b)}
    path.write_text(text + "ssh-ed25519 garbage\n")
    with pytest.raises(ServeError, match=":5: not a public key"):
        read_authorized_keys(path)
    with pytest.raises(ServeError, match="cannot read"):
        read_authorized_keys(tmp_path / "missing")
    for empty in ("", "# nobody yet\n\n"):
        path.write_text(empty)
        with pytest.raises(ServeError, match="holds no public keys"):
            read_authorized_keys(path)
