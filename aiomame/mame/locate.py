"""Where MAME and the plugins are, and which MAME it is."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

from ..errors import MameNotFoundError, SetupError, UnsupportedMameError

MIN_VERSION = (0, 251)
INSTALL_HINT = (
    "install with `sudo bash mame/install.sh` from the aiomame repository "
    "(Debian/Ubuntu: apt-get install mame), or pass mame_binary=..."
)
_PACKAGE = Path(__file__).resolve().parent.parent
# MAME's own plugin folder holds boot.lua, without which no plugin loads.
_MAME_PLUGIN_DIRS = ("/usr/share/games/mame/plugins", "/usr/share/mame/plugins",
                     "/usr/local/share/mame/plugins")


def find_mame(binary: str | os.PathLike[str] | None = None) -> str:
    """The MAME binary: ``binary``, else $AIOMAME_MAME, ``mame`` on PATH, /usr/games/mame."""
    if binary is not None:
        path = shutil.which(os.fspath(binary))
        if path is None:
            raise MameNotFoundError(f"mame_binary {os.fspath(binary)!r} is not an executable file")
        return path
    env = os.environ.get("AIOMAME_MAME")
    if env:
        return find_mame(env)
    for candidate in ("mame", "/usr/games/mame"):
        path = shutil.which(candidate)
        if path:
            return path
    raise MameNotFoundError(f"MAME not found on PATH nor at /usr/games/mame: {INSTALL_HINT}")


@cache
def mame_version(binary: str) -> tuple[int, int]:
    """(major, minor) of ``binary``; :class:`UnsupportedMameError` below :data:`MIN_VERSION`."""
    try:
        out = subprocess.run([binary, "-version"], capture_output=True, text=True, timeout=30,
                             stdin=subprocess.DEVNULL).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MameNotFoundError(f"cannot run {binary!r}: {exc}") from exc
    match = re.match(r"\s*(\d+)\.(\d+)", out)
    if not match:
        raise SetupError(f"{binary!r} -version printed {out.strip()!r}: is it MAME?")
    version = (int(match[1]), int(match[2]))
    if version < MIN_VERSION:
        raise UnsupportedMameError(binary, version, MIN_VERSION)
    return version


@cache
def mame_plugins_dir(binary: str) -> str:
    """MAME's own plugin folder (the one holding boot.lua) for ``binary``."""
    here = Path(binary).resolve().parent
    for candidate in (here / "plugins", *map(Path, _MAME_PLUGIN_DIRS)):
        if (candidate / "boot.lua").is_file():
            return str(candidate)
    for entry in _config_entries(binary, "pluginspath"):
        if (Path(entry) / "boot.lua").is_file():
            return entry
    raise SetupError(f"cannot find MAME's plugin folder (with boot.lua) for {binary!r}")


@cache
def mame_hash_path(binary: str) -> str | None:
    """MAME's software lists (``hash/*.xml``) for ``binary``: the ``hash`` folder beside its
    plugins (Debian: /usr/share/games/mame/hash), else the existing folders of the
    ``hashpath`` of its configuration (``-showconfig``), ';'-separated; None if none."""
    beside = Path(mame_plugins_dir(binary)).parent / "hash"
    if beside.is_dir():
        return str(beside)
    folders = [entry for entry in _config_entries(binary, "hashpath") if Path(entry).is_dir()]
    return ";".join(folders) or None


def _config_entries(binary: str, option: str) -> list[str]:
    """The ';'-separated folders of ``option`` in ``binary -showconfig`` (the system's
    mame.ini), with ``~`` and variables expanded."""
    try:
        out = subprocess.run([binary, "-showconfig"], capture_output=True, text=True,
                             timeout=30, stdin=subprocess.DEVNULL).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MameNotFoundError(f"cannot run {binary!r}: {exc}") from exc
    for line in out.splitlines():
        if line.split(None, 1)[:1] == [option]:
            return [os.path.expandvars(os.path.expanduser(entry.strip()))
                    for entry in line.split(None, 1)[-1].split(";") if entry.strip()]
    return []


def aiomame_plugins_dir() -> str:
    """The folder holding the ``aiomame`` plugin (installed copy, else the source tree's)."""
    for candidate in (_PACKAGE / "lua", _PACKAGE.parent / "lua"):
        if (candidate / "aiomame" / "init.lua").is_file():
            return str(candidate)
    raise SetupError(f"the aiomame Lua plugin is missing from {_PACKAGE}: reinstall aiomame")
