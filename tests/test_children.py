"""Worker processes die with their parent and hand their error to it instead of stderr."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead; its parent (init) reaps it.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


def test_workers_die_when_their_parent_is_killed(tmp_path: Path) -> None:
    pidfile = tmp_path / "pids"
    script = textwrap.dedent(
        f"""
        import multiprocessing, os, signal, time
        from newsterm.children import TiedChildren

        def work():
            time.sleep(60)

        with TiedChildren():
            procs = [multiprocessing.get_context("fork").Process(target=work) for _ in range(2)]
            for p in procs:
                p.start()
            open({str(pidfile)!r}, "w").write(" ".join(str(p.pid) for p in procs))
            time.sleep(0.5)
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == -9, done.stderr
    pids = [int(p) for p in pidfile.read_text().split()]
    deadline = time.monotonic() + 30  # a hang guard: SIGKILL'd workers go at once
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids)


def test_a_failing_worker_says_why_in_one_line_and_prints_no_traceback() -> None:
    script = textwrap.dedent(
        """
        import errno, multiprocessing, os, sys
        from newsterm.children import TiedChildren

        def work():
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        with TiedChildren() as tied:
            p = multiprocessing.get_context("fork").Process(target=work)
            p.start()
            p.join()
            print(p.exitcode, tied.reason(), sep="|")
        """
    )
    run = [sys.executable, "-c", script]
    done = subprocess.run(run, capture_output=True, timeout=60, text=True)
    assert done.returncode == 0, done.stderr
    code, reason = done.stdout.strip().split("|")
    assert code == "1"
    assert reason == "OSError: [Errno 28] No space left on device"
    assert "Traceback" not in done.stderr and "Process" not in done.stderr
