"""Helpers shared by the benchmark scripts: archives, timing child processes, tables, JSON."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import generate_archive

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DATA = BENCH / "data"
OUT = BENCH / "out"


_ENV: dict[str, str] | None = None
SOURCE = {"mode": "worktree", "commit": None}


def use_source(mode: str) -> dict:
    """Which newsterm code to measure: ``worktree`` (the checkout as it is) or ``head`` (a
    snapshot of the last commit, exported once into ``benchmarks/data``, so that edits other
    people are making in the shared checkout cannot break a long run), or any commit (a
    snapshot of it: a baseline measured in the same conditions)."""
    global _ENV
    rev = "HEAD" if mode in ("head", "worktree") else mode  # or any commit: a baseline
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", rev], capture_output=True, text=True, check=True
    ).stdout.strip()
    SOURCE.update(mode=mode, commit=commit)
    if mode != "worktree":
        snap = DATA / f"src-{commit[:12]}"
        if not (snap / "src" / "newsterm").is_dir():
            snap.mkdir(parents=True, exist_ok=True)
            archive = subprocess.run(
                ["git", "-C", str(REPO), "archive", commit, "src"], capture_output=True, check=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(snap)], input=archive, check=True)
        _ENV = {**os.environ, "PYTHONPATH": str(snap / "src")}
        sys.path.insert(0, str(snap / "src"))
        _byte_compile(snap / "src")
    else:
        _ENV = None
        sys.path.insert(0, str(REPO / "src"))
        _byte_compile(REPO / "src")
    return dict(SOURCE)


def set_env(name: str, value: str) -> None:
    """Set an environment variable for this process and every newsterm process it starts
    (call it before :func:`use_source`)."""
    os.environ[name] = value
    if _ENV is not None:
        _ENV[name] = value


def _byte_compile(src: Path) -> None:
    """Write the measured code's .pyc files, as installing it does. Without them (a fresh
    snapshot, or PYTHONDONTWRITEBYTECODE in the environment) every newsterm process compiles
    its modules from source: ~20 ms of each one-shot search that no user pays."""
    import compileall

    compileall.compile_dir(str(src), quiet=1)


def newsterm_cmd() -> list[str]:
    """How to start newsterm: the checkout's venv script, else the one on PATH."""
    venv = REPO / ".venv" / "bin" / "newsterm"
    if venv.exists():
        return [str(venv)]
    found = shutil.which("newsterm")
    if found:
        return [found]
    return [sys.executable, "-m", "newsterm"]


def python_for_newsterm() -> str:
    """The interpreter newsterm runs on (its start-up time is the floor for a search)."""
    venv = REPO / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def generated_archive(posts: int, seed: int = 1) -> tuple[Path, dict]:
    """A generated archive in ``benchmarks/data`` (made once, reused while it is current)."""
    root = DATA / f"archive-{posts}-s{seed}"
    meta_path = root / generate_archive.SIDECAR
    if meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("generator_version") == generate_archive.GENERATOR_VERSION:
            return root, meta
    print(f"generating {posts} posts into {root} ...", file=sys.stderr)
    meta = generate_archive.generate(root, posts, seed, quiet=True)
    return root, meta


def fresh_copy(src: Path, name: str) -> Path:
    """A throwaway copy of an archive (benchmarks that edit posts edit this, never ``src``)."""
    dest = DATA / "work" / name
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src, dest)
    return dest


@dataclass
class Run:
    seconds: float
    maxrss_mb: float
    returncode: int
    stdout: bytes
    stderr: bytes = b""
    cpu_s: float = 0.0  # user + system time of the process and the children it waited for


def run(cmd: Sequence[str], timeout: float = 900.0, env: dict | None = None) -> Run:
    """Run ``cmd`` once: wall time and the peak RSS of the process (``wait4``'s rusage, which
    covers the process and the children it waited for). Killed after ``timeout`` seconds."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=env or _ENV)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        data, errors = out.read(), err.read()
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, usage.ru_maxrss / 1024, proc.returncode, data, errors, cpu)


def median_time(cmd: Sequence[str], repeat: int, warmup: int = 1) -> tuple[float, list[float]]:
    """Median wall time of ``repeat`` fresh runs of ``cmd`` (after ``warmup`` unmeasured ones)."""
    for _ in range(warmup):
        run(cmd)
    times = [run(cmd).seconds for _ in range(repeat)]
    return statistics.median(times), times


def dir_size(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gb = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            mem_gb = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table (also valid Markdown), columns sized by terminal cell width."""
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    cells = [[str(c) for c in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(width(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        padded = (c + " " * (w - width(c)) for c, w in zip(row, widths, strict=True))
        return "| " + " | ".join(padded) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), sep, *(line(r) for r in cells[1:])])


def write_json(name: str, data: dict) -> Path:
    """Write ``data`` to ``benchmarks/out/NAME``, or to ``NAME`` itself when it names a folder
    (``--out results/x.json``, ``--out /tmp/x.json``)."""
    path = Path(name) if os.sep in name else OUT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


def secs(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f} s"
