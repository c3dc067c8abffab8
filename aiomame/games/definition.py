"""Games as data: a game definition in one TOML file, loaded as a :class:`SystemGame`.

A definition (Python's :mod:`tomllib`) holds what a :class:`~aiomame.games.Game` class
does, without code. Paths in it are relative to the file. Top-level keys:

- ``system`` (required): MAME's system name (the ROM set). ``description``: free text.
- ``frame_ratio`` (default 3), ``max_episode_steps`` (default: none).
- ``[roms]``: ROM images the definition ships, memory region -> file (like
  :attr:`Game.rom_images`); without it the user passes ``roms_path``.
- ``[memory.NAME]``: ``address`` (int or hex string), ``type`` (u8 s8 u16 s16 u32 s32,
  default u8), ``device``, ``space``: an :class:`~aiomame.Address`, read every step.
- ``[actions]``: NAME -> list of inputs held together (a discrete action), or instead
  ``buttons``: a list of inputs (a 0/1 vector per step). An input is ``"PORT/FIELD"`` or
  ``[PORT, FIELD]``, e.g. ``":CONTP1/P1 Left"``, or ``[PORT, FIELD, VALUE]``: an analog
  input at a position (``[":PADDLE", "Paddle", 64]``).
- ``axes`` (with ``buttons`` or without, instead of ``[actions]``): analog inputs, each
  ``{port, field, min, max}`` (min and max optional: the field's range) or an input as
  above; the action is a vector in [-1, 1], one entry per axis then one per button
  (:attr:`~aiomame.games.Game.axes`).
- ``[reward]``: memory NAME -> weight: the reward is the weighted sum of their increases.
- ``[done]``: ``any = [...]`` or ``all = [...]`` conditions, each ``"NAME OP VALUE"`` or
  ``[NAME, OP, VALUE]`` with OP one of ``== != < <= > >=``.
- ``[start]``: ``state`` (a file saved by :meth:`aiomame.State.save`), or ``reset``
  (hard, soft or none; default hard) and ``script``: a list of ``{inputs, steps}`` or
  ``{inputs, until, max_steps}`` entries, each also with ``if`` (a condition: else it is
  skipped) and ``reset`` (hard or soft, before its steps). A scripted start is run once,
  saved, and loaded for later episodes. Neither: a hard reset.
- ``[seed]``: ``address``, ``type``, ``device``, ``space``, ``modulo``, ``offset``: each
  new game writes ``seed % modulo + offset`` there.
- ``[obs]``: defaults for ``obs_type``, ``resize`` (``[height, width]``),
  ``interpolation``, ``maxpool``, ``frame_stack``.
- ``[media]``: MAME slot name -> file the machine loads (``cart = "game.bin"``; the slot
  names are checked when the game starts); ``software``: a software-list item
  (``"breakout"`` or ``"a2600:breakout"``), its files in ``ROMPATH/LIST/ITEM/``.

Here: :func:`game_class` and :class:`DefinedGame`; :mod:`~aiomame.games.reader` reads and
checks a file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from ..checks import check_path
from .ids import class_name
from .reader import GameDefinitionError, Reader
from .system import SystemGame

SUFFIX = ".toml"


class DefinedGame(SystemGame):
    """A game made from a definition file (:func:`game_class`): a :class:`SystemGame`
    whose options come from the file; :attr:`path` is that file."""

    path: ClassVar[Path]
    description: ClassVar[str] = ""
    _options: ClassVar[dict[str, Any]]

    def __init__(self) -> None:
        super().__init__(self.system, **self._options)
        self.name = type(self).name

    def bind_axes(self, inputs: list[dict[str, Any]]) -> None:
        """Checks the file's inputs against the running machine's first (raises
        GameDefinitionError naming the file, the key and the valid ports or fields), then
        as :meth:`Game.bind_axes`."""
        fields: dict[str, list[str]] = {}
        for entry in inputs:
            fields.setdefault(entry["port"], []).append(entry["field"])
        for key, action in self._inputs():
            if action.port not in fields:
                raise GameDefinitionError(self.path, key, "unknown input port", action.port,
                                          tuple(fields))
            if action.field not in fields[action.port]:
                raise GameDefinitionError(self.path, key, f"unknown input field of port "
                                          f"{action.port!r}", action.field,
                                          tuple(fields[action.port]))
        super().bind_axes(inputs)

    def _inputs(self) -> list[tuple[str, Any]]:
        """(key in the file, input) for each input the file names."""
        found = []
        tables = [("", self._options), ("player2.", self._options.get("player2") or {})]
        for prefix, table in tables:
            for name, held in (table.get("actions") or {}).items():
                found += [(f"{prefix}actions.{name}[{i}]", a) for i, a in enumerate(held)]
            for kind in ("buttons", "axes"):
                found += [(f"{prefix}{kind}[{i}]", a)
                          for i, a in enumerate(table.get(kind) or ())]
        return found


def is_definition_path(value: Any) -> bool:
    """Whether :func:`~aiomame.games.get_game` reads ``value`` as a definition file: a
    path object, a str ending in ``.toml``, or the path of an existing file."""
    if isinstance(value, os.PathLike):
        return True
    return isinstance(value, str) and (value.endswith(SUFFIX) or os.path.isfile(value))


def load_game(path: str | os.PathLike[str]) -> DefinedGame:
    """A new game from the definition file at ``path``."""
    return game_class(path)()


def game_class(path: str | os.PathLike[str], name: str | None = None) -> type[DefinedGame]:
    """The definition at ``path``, read and checked, as a :class:`DefinedGame` subclass
    for game ``name`` (default: the file's name without ``.toml``), its class name ``name``
    in CamelCase (:func:`~aiomame.games.ids.class_name`: its Gymnasium id's)."""
    check_path("path", path)
    reader = Reader(path)
    options, attributes = reader.read()
    name = name or Path(path).name.removesuffix(SUFFIX)
    attributes.update(name=name, path=Path(path).resolve(), _options=options,
                      __doc__=attributes.get("description") or f"The game defined in {path}.")
    return type(class_name(name), (DefinedGame,), attributes)


