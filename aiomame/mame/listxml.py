"""What ``mame -listxml SYSTEM`` says of one system, read once per MAME binary and system."""

from __future__ import annotations

import subprocess
import threading
import xml.etree.ElementTree as ET
from functools import cache

from ..errors import SetupError, UnknownGameError

_lock = threading.Lock()  # emulators starting in threads run -listxml once, not each


def machine(binary: str, system: str) -> ET.Element:
    """The ``<machine>`` element of ``system`` (its ROMs, media devices, software lists).

    Raises UnknownGameError for a system this MAME does not know, SetupError if MAME
    cannot be run.
    """
    return machines(binary, system)[0]


def machines(binary: str, system: str) -> list[ET.Element]:
    """Every ``<machine>`` element ``mame -listxml SYSTEM`` prints: ``system``'s first,
    then its devices' (each with its own ROMs). Raises as :func:`machine`."""
    with _lock:
        return _machines(binary, system)


@cache
def _machines(binary: str, system: str) -> list[ET.Element]:
    try:
        result = subprocess.run([binary, "-listxml", system], capture_output=True, timeout=60,
                                stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SetupError(f"cannot run {binary!r} -listxml {system}: {exc}") from exc
    found = list(ET.fromstring(result.stdout).iter("machine")) if result.returncode == 0 \
        else []
    first = next((m for m in found if m.get("name") == system), None)
    if first is None:
        raise UnknownGameError(system, [], returncode=result.returncode,
                               output=result.stderr.decode(errors="replace").splitlines())
    return [first, *(m for m in found if m is not first)]
