"""The served index: `ssh host search` never writes it; the server rebuilds a missing one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from test_ssh_server import Client, keygen, make_archive, start_server, wait_for

pytestmark = pytest.mark.skipif(shutil.which("ssh") is None, reason="needs the ssh client")


def test_a_search_never_builds_the_index_and_the_server_rebuilds_a_missing_one(
    tmp_path: Path,
) -> None:
    archive = make_archive(tmp_path / "archive")
    key = keygen(tmp_path / "key")
    server = start_server(tmp_path / "home", archive)
    client = Client(server, key, tmp_path / "known_hosts")
    indexes = tmp_path / "home" / "xdg_cache_home" / "newsterm" / "indexes"
    try:
        wait_for(lambda: client.ssh("127.0.0.1", "search", "quokkas").returncode == 0, 60)
        (index_dir,) = list(indexes.iterdir())
        # A cleaned cache, under the running server (again if a sync of the server's start-up
        # was still writing in it: "directory not empty").
        wait_for(lambda: shutil.rmtree(index_dir, ignore_errors=True) or not index_dir.exists(), 60)
        res = client.ssh("127.0.0.1", "search", "quokkas")
        assert res.returncode == 2, (res.stdout, res.stderr)
        assert res.stderr.strip() == "newsterm: index is being built, try again shortly"
        # The server (the only writer) builds it again, and searches answer.
        wait_for(lambda: client.ssh("127.0.0.1", "search", "quokkas").returncode == 0, 60)
        assert "Beta ssh post" in client.ssh("127.0.0.1", "search", "quokkas").stdout
        assert any(e.get("status") == "synced" for e in server.events("index"))
    finally:
        assert server.stop() == 0, server.log_path.read_text()


def test_the_server_keeps_the_catalog_its_readers_only_read(tmp_path: Path) -> None:
    from newsterm.catalog import Catalog
    from newsterm.search.index import open_index
    from newsterm.ssh.indexer import _sync_once

    archive = make_archive(tmp_path / "archive")
    index_dir = tmp_path / "index"
    open_index(archive, index_dir).sync()
    (index_dir / "catalog.sqlite3").unlink()  # an index made before the catalog, say
    _sync_once(archive, index_dir, [])  # nothing to index: the catalog is filled all the same
    listing = Catalog.beside(index_dir, archive).load()
    assert listing is not None and listing.complete
    assert sorted(p.title for p in listing.posts) == [
        "Alpha ssh post",
        "Beta ssh post",
        "Gamma ssh post",
    ]
