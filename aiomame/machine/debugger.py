"""MAME's debugger and cheat finder on a system: what ``aiomame debug`` and MAMEToolkit's
``run_cheat_debugger`` both run."""

from __future__ import annotations

import os
import subprocess

from ..errors import NoDisplayError
from ..mame.locate import find_mame

XVFB_HINT = ("run it where there is a screen, or under a virtual one: xvfb-run -a <command> "
             "(Debian/Ubuntu: sudo apt install xvfb)")


def has_display() -> bool:
    """Whether this process can open a window (an X or Wayland display is set)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def check_display(what: str) -> None:
    """:class:`NoDisplayError` naming ``what`` and xvfb-run when there is no display."""
    if not has_display():
        raise NoDisplayError(f"{what} opens MAME's debugger windows, but there is no display "
                             f"(DISPLAY and WAYLAND_DISPLAY are unset): {XVFB_HINT}")


def debugger_command(system: str, roms_path: str | os.PathLike[str],
                     binary: str | os.PathLike[str] | None = None, *,
                     cheatfind: bool = True) -> list[str]:
    """The MAME command line: ``system`` in a window with the debugger, and with
    ``cheatfind`` MAME's cheat finder plugin (its console commands ``cf.*``)."""
    command = [find_mame(binary), system, "-rompath", os.fspath(roms_path), "-window",
               "-debug"]
    if cheatfind:
        command += ["-cheat", "-plugin", "cheatfind"]
    return command


def run_debugger(system: str, roms_path: str | os.PathLike[str],
                 binary: str | os.PathLike[str] | None = None, *, cheatfind: bool = True,
                 what: str = "the debugger") -> int:
    """Run :func:`debugger_command` until MAME is closed; returns its exit status. Needs a
    display (:class:`~aiomame.errors.NoDisplayError`, naming ``what``, otherwise)."""
    check_display(what)
    command = debugger_command(system, roms_path, binary, cheatfind=cheatfind)
    return subprocess.run(command, check=False).returncode
