"""MAMEToolkit's emulator API on aiomame: ``from aiomame.mametoolkit.emulator import ...``
where a script said ``from MAMEToolkit.emulator import ...``, and nothing else changes.

- ``Emulator(env_id, roms_path, game_id, memory_addresses, frame_ratio=3, render=True,
  throttle=False, frame_skip=0, sound=False, debug=False, binary_path=None)`` starts MAME
  at construction; ``step(actions)`` -> ``{"frame": array, name: value, ...}``;
  ``close()``. It runs on stock MAME, through aiomame's plugin (no FIFOs, no patched MAME).
- ``Address(addr, type)``, ``Action(port, field)``: aiomame's own.
- ``list_actions(roms_path, game_id)``, ``see_games()``, ``run_cheat_debugger(roms_path,
  game_id)``.

Errors are aiomame's (:mod:`aiomame.errors`), each with a note naming the ``env_id``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from .. import sync
from ..checks import check_bool, is_int
from ..errors import AiomameError, InvalidArgumentError
from ..machine.debugger import has_display, run_debugger
from ..machine.emulator import Action, Address
from ..mame.systems import list_systems

__all__ = ["Action", "Address", "Emulator", "list_actions", "run_cheat_debugger", "see_games"]


@contextmanager
def _named(env_id: str) -> Iterator[None]:
    """Adds the env's name to any aiomame error raised inside."""
    try:
        yield
    except AiomameError as exc:
        exc.add_note(f"in MAMEToolkit env {env_id!r}")
        raise


class Emulator:
    """One MAME machine, stepped by blocking calls, as MAMEToolkit's ``Emulator``.

    ``env_id`` only names the env in messages. ``frame_ratio``: frames per step (the last
    one is returned). ``render=True`` (MAMEToolkit's default) opens MAME's window; where
    there is no display it warns once and runs headless. ``throttle`` runs at the game's
    speed, ``frame_skip`` is MAME's ``-frameskip`` (frames MAME does not draw, 0-10),
    ``sound`` turns sound on, ``debug`` echoes MAME's output, ``binary_path`` is the MAME
    to run (default: the one on PATH). The frame is RGB, (height, width, 3), uint8, the
    screen as the player sees it.
    """

    def __init__(self, env_id: str, roms_path: str | os.PathLike[str], game_id: str,
                 memory_addresses: Mapping[str, Address], frame_ratio: int = 3,
                 render: bool = True, throttle: bool = False, frame_skip: int = 0,
                 sound: bool = False, debug: bool = False,
                 binary_path: str | os.PathLike[str] | None = None) -> None:
        self.env_id = env_id
        check_bool("render", render)
        if not is_int(frame_skip) or not 0 <= frame_skip <= 10:
            raise InvalidArgumentError(
                f"frame_skip must be an int in 0..10 (MAME's -frameskip), got {frame_skip!r}")
        if render and not has_display():
            warnings.warn(f"MAMEToolkit env {env_id!r}: render=True, but there is no display "
                          "(DISPLAY and WAYLAND_DISPLAY are unset): running headless",
                          RuntimeWarning, stacklevel=2)
            render = False
        extra = ("-frameskip", str(int(frame_skip))) if frame_skip else ()
        with _named(env_id):
            self._emulator = sync.Emulator(
                game_id, roms_path, memory_addresses, frame_ratio, render=render,
                throttle=throttle, sound=sound, debug=debug, mame_binary=binary_path,
                extra_args=extra)

    def step(self, actions: Sequence[Action] = ()) -> dict[str, Any]:
        """Hold ``actions`` for ``frame_ratio`` frames; returns the last frame (``"frame"``)
        and each memory address's value (ints)."""
        with _named(self.env_id):
            return self._emulator.step(actions)

    def close(self) -> None:
        """Stop MAME; safe to call more than once."""
        self._emulator.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def list_actions(roms_path: str | os.PathLike[str], game_id: str,
                 binary_path: str | os.PathLike[str] | None = None) -> list[dict[str, str]]:
    """Every input ``{"port": ..., "field": ...}`` of ``game_id``, each usable as
    ``Action(port, field)`` (starts the game headless for a moment)."""
    with sync.Emulator(game_id, roms_path, mame_binary=binary_path) as emulator:
        return emulator.list_actions()


def see_games(search: str | None = None,
              binary_path: str | os.PathLike[str] | None = None) -> list[tuple[str, str]]:
    """Print, and return, ``(game id, title)`` of each system the installed MAME knows
    (with ``search``: those whose id or title contains it). MAMEToolkit opened MAME's UI
    for this; a list can be searched, in a terminal and in code."""
    if search is not None and not isinstance(search, str):
        raise InvalidArgumentError(f"search must be a str or None, got {search!r}")
    systems = list_systems(binary_path, search)
    for game_id, title in systems:
        print(f"{title} [{game_id}]")
    return systems


def run_cheat_debugger(roms_path: str | os.PathLike[str], game_id: str,
                       binary_path: str | os.PathLike[str] | None = None) -> int:
    """Run ``game_id`` in MAME with its debugger and the cheat finder plugin (``cheatfind``)
    to hunt for memory addresses; blocks until MAME is closed and returns its exit status.
    Needs a display (:class:`~aiomame.errors.NoDisplayError` otherwise)."""
    return run_debugger(game_id, roms_path, binary_path, what="the cheat debugger")
