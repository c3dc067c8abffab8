"""The systems a MAME knows, with their titles (``mame -listfull``), cached per binary.

``mame -listfull`` lists about 45,000 systems; running it and parsing its output takes
0.4-1.3 s here, reading the cache about 0.05 s. The cache is one JSON file per MAME binary
(path, size and modification time) in ``$XDG_CACHE_HOME/aiomame/systems/``: a reinstalled
MAME gets a new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

from ..errors import StartError
from .locate import find_mame

_LINE = re.compile(r'^(\S+)\s+"(.*)"\s*$')


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/aiomame`` (default ``~/.cache/aiomame``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "aiomame"


def cache_path(mame: str) -> Path:
    """Where the system list of the MAME binary at ``mame`` (a full path) is cached."""
    stat = os.stat(mame)
    key = f"{os.path.realpath(mame)}\0{stat.st_size}\0{stat.st_mtime_ns}"
    return cache_dir() / "systems" / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.json"


def _run_listfull(mame: str) -> list[tuple[str, str]]:
    try:
        done = subprocess.run([mame, "-listfull"], capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StartError(f"{mame} -listfull failed: {exc}") from exc
    return [(m[1], m[2]) for m in map(_LINE.match, done.stdout.splitlines()[1:]) if m]


def _read_cache(path: Path) -> list[tuple[str, str]] | None:
    try:
        return [(name, title) for name, title in json.loads(path.read_text())]
    except (OSError, ValueError, TypeError):
        return None


def _write_cache(path: Path, systems: list[tuple[str, str]]) -> None:
    """Written to a temporary file and renamed: concurrent readers never see half a file;
    a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(systems, f, separators=(",", ":"))
        os.replace(tmp, path)
    except OSError:
        pass


def all_systems(binary: str | os.PathLike[str] | None = None, *, cache: bool = True
                ) -> tuple[list[tuple[str, str]], bool]:
    """(``(system name, title)`` of every system the MAME at ``binary`` knows, in its order;
    whether they came from the cache)."""
    mame = find_mame(binary)
    path = cache_path(mame) if cache else None
    if path is not None:
        systems = _read_cache(path)
        if systems is not None:
            return systems, True
    systems = _run_listfull(mame)
    if path is not None and systems:
        _write_cache(path, systems)
    return systems, False


def search_systems(systems: list[tuple[str, str]], search: str | None
                   ) -> list[tuple[str, str]]:
    """Those of ``systems`` whose name or title contains ``search`` (case-insensitive)."""
    if not search:
        return list(systems)
    needle = search.lower()
    return [(name, title) for name, title in systems
            if needle in name.lower() or needle in title.lower()]


def list_systems(binary: str | os.PathLike[str] | None = None,
                 search: str | None = None) -> list[tuple[str, str]]:
    """``(system name, title)`` of every system the MAME at ``binary`` knows, in its order;
    with ``search``, those whose name or title contains it (case-insensitive)."""
    return search_systems(all_systems(binary)[0], search)
