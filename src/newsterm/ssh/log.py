"""Structured log lines for ``newsterm serve``: one JSON object per line on stderr.

Only facts about connections are logged (time, address, user, auth method, key fingerprint,
TERM, size, duration, bytes, end reason); never what a reader types or searches for.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from typing import Any, TextIO

_stream: TextIO | None = None


def set_stream(stream: TextIO | None) -> None:
    """Send log lines to ``stream`` (``None``: the current ``sys.stderr``)."""
    global _stream
    _stream = stream


def log_event(event: str, **fields: Any) -> None:
    """Write one JSON log line: ``{"time": ..., "event": event, ...fields}``.

    Fields whose value is ``None`` are left out. Never raises: a closed stderr must not take
    the server down.
    """
    record: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "event": event,
    }
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, float):
            value = round(value, 3)
        record[key] = value
    stream = _stream or sys.stderr
    try:
        stream.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


def vis(text: str | None, limit: int = 64) -> str | None:
    """A client-chosen value (TERM, a subsystem name, a user name) made safe for a log line as
    OpenSSH does (``strnvis`` with ``VIS_SAFE|VIS_OCTAL``): printable ASCII as is, a backslash
    doubled, every other byte as ``\\ooo`` octal; at most ``limit`` characters of input."""
    if text is None:
        return None
    out = []
    for byte in text[:limit].encode("utf-8", "surrogateescape"):
        if byte == 0x5C:
            out.append("\\\\")
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:03o}")
    return "".join(out)


def monotonic() -> float:
    """The clock used for durations and limits (a function so tests can read one source)."""
    return time.monotonic()
