"""The systems a MAME knows, with their titles (``mame -listfull``)."""

from __future__ import annotations

import os
import re
import subprocess

from .errors import StartError
from .mame import find_mame

_LINE = re.compile(r'^(\S+)\s+"(.*)"\s*$')


def list_systems(binary: str | os.PathLike[str] | None = None,
                 search: str | None = None) -> list[tuple[str, str]]:
    """``(system name, title)`` of every system the MAME at ``binary`` knows, in its order;
    with ``search``, those whose name or title contains it (case-insensitive)."""
    mame = find_mame(binary)
    try:
        done = subprocess.run([mame, "-listfull"], capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StartError(f"{mame} -listfull failed: {exc}") from exc
    systems = [(m[1], m[2]) for m in map(_LINE.match, done.stdout.splitlines()[1:]) if m]
    if search:
        needle = search.lower()
        systems = [(name, title) for name, title in systems
                   if needle in name.lower() or needle in title.lower()]
    return systems
