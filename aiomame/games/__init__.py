"""The registry of games: ``get_game("catch")``, or a definition file ``get_game("x.toml")``.

Games are Python classes (:func:`register`) or TOML definition files
(:mod:`aiomame.games.definition`): :func:`register_folder` registers each ``NAME.toml`` of a
folder as game NAME, and so does every folder in ``$AIOMAME_GAMES_PATH`` (separated by
``os.pathsep``) when this package is imported.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from ..checks import check_bool, check_path, invalid_choice
from ..errors import AiomameError, InvalidArgumentError
from ..machine.emulator import UNKNOWN_SYSTEM_NOTES
from .base import Game
from .definition import DefinedGame, game_class, is_definition_path, load_game
from .ids import env_id, register_ids
from .reader import GameDefinitionError, check_name
from .system import SeedTarget, StartStep, SystemGame

GAMES: dict[str, type[Game]] = {}
GAMES_PATH_VARIABLE = "AIOMAME_GAMES_PATH"
CATCH_DEFINITION = Path(__file__).resolve().parent / "catch.toml"
"""catch as a definition file (the same game as :class:`aiomame.games.catch.Catch`)."""


def register(cls: type[Game]) -> type[Game]:
    """Class decorator: make a game definition available by its ``name``, and by its
    Gymnasium id (:func:`~aiomame.games.ids.env_id`: ``aiomame/<class name>-v0``) once
    Gymnasium is imported. Raises InvalidArgumentError if another registered game has that
    id (rename the class, or the file)."""
    _check_id(cls)
    GAMES[cls.name] = cls
    register_ids([(cls.name, cls)])
    return cls


def _check_id(cls: type[Game]) -> None:
    """InvalidArgumentError if another registered game has ``cls``'s Gymnasium id."""
    gym_id = env_id(cls)
    for name, other in GAMES.items():
        if name != cls.name and env_id(other) == gym_id:
            where = f" ({cls.path})" if issubclass(cls, DefinedGame) else ""
            raise InvalidArgumentError(
                f"game {cls.name!r}{where}: its Gymnasium id {gym_id!r} is game {name!r}'s "
                "already; rename one of them")


def _register_bundled() -> None:
    from .basket import Basket, BasketPaddle
    from .catch import Catch
    from .duel import Duel
    from .sf3 import SF3, SF3TwoPlayer

    register(Catch)
    register(Duel)
    register(Basket)
    register(BasketPaddle)
    register(SF3)
    register(SF3TwoPlayer)


def register_folder(path: str | os.PathLike[str], *, replace: bool = False) -> list[str]:
    """Register each ``NAME.toml`` in folder ``path`` as game NAME; returns the names.

    Every file is read and checked first (:class:`GameDefinitionError` for the first bad
    one; then none is registered). A name already registered for another game is an
    :class:`InvalidArgumentError` unless ``replace``. Each gets its Gymnasium id,
    ``aiomame/<Name>-v0`` (``my_game.toml``: ``aiomame/MyGame-v0``, see
    :mod:`aiomame.games.ids`).
    """
    check_path("path", path)
    check_bool("replace", replace)
    folder = Path(path)
    if not folder.is_dir():
        raise InvalidArgumentError(f"{os.fspath(path)!r} is not a folder of game definitions")
    classes = [_definition_class(file, replace) for file in sorted(folder.glob("*.toml"))]
    for cls in classes:
        register(cls)
    return [cls.name for cls in classes]


def _definition_class(file: Path, replace: bool) -> type[DefinedGame]:
    name = check_name(file.name.removesuffix(".toml"), file)
    cls = game_class(file, name)
    existing = GAMES.get(name)
    if existing is not None and not replace and not (
            issubclass(existing, DefinedGame) and existing.path == cls.path):
        where = existing.path if issubclass(existing, DefinedGame) else existing.__qualname__
        raise InvalidArgumentError(f"{file}: game {name!r} is already registered ({where}); "
                                   "rename the file or pass replace=True")
    _check_id(cls)
    return cls


def _register_games_path() -> None:
    """The folders of ``$AIOMAME_GAMES_PATH``; a bad file or folder is warned about and
    skipped (importing aiomame never fails for it)."""
    for folder in filter(None, os.environ.get(GAMES_PATH_VARIABLE, "").split(os.pathsep)):
        if not os.path.isdir(folder):
            warnings.warn(f"{GAMES_PATH_VARIABLE}: {folder!r} is not a folder", stacklevel=2)
            continue
        for file in sorted(Path(folder).glob("*.toml")):
            try:
                register(_definition_class(file, replace=False))
            except AiomameError as exc:
                warnings.warn(f"{GAMES_PATH_VARIABLE}: skipped: {exc}", stacklevel=2)


def _game_note(name: str) -> str:
    """How to run ``name`` if it is a game of aiomame (not a MAME system), else ""
    (for :data:`~aiomame.machine.emulator.UNKNOWN_SYSTEM_NOTES`)."""
    game = GAMES.get(name)
    if game is None:
        return ""
    if game.rom_images:
        machine = (f"Emulator({game.system!r}, roms_path=DIR) after `aiomame roms {name} DIR` "
                   "writes its ROM set into DIR")
    elif game.media:
        slots = ", ".join(f"{slot!r}: FILE" for slot in game.media)
        machine = f"Emulator({game.system!r}, media={{{slots}}}) with the game's media"
    else:
        machine = f"Emulator({game.system!r}, roms_path=DIR) with your {game.system} ROM set"
    return (f"{name!r} is a game of aiomame, not a MAME system: GameEnv({name!r}) plays it "
            f"(an RL environment); its machine alone is MAME's {game.system!r}: {machine}")


def is_game(game: object) -> bool:
    """Whether :func:`get_game` takes ``game``: a Game, a registered name or a definition
    file's path (a plain MAME system name is none of these)."""
    return isinstance(game, Game) or (isinstance(game, str) and game in GAMES) \
        or is_definition_path(game)


def get_game(name: str | os.PathLike[str] | Game) -> Game:
    """A fresh instance of the registered game ``name``, or of the game defined in the file
    at path ``name`` (a ``.toml`` or any existing file; a Game instance passes through)."""
    if isinstance(name, Game):
        return name
    if isinstance(name, str) and name in GAMES:
        return GAMES[name]()
    if is_definition_path(name):
        return load_game(name)
    error = invalid_choice("game", name, sorted(GAMES))
    raise InvalidArgumentError(f"{error} (or the path of a definition file, NAME.toml)")


_register_bundled()
_register_games_path()
UNKNOWN_SYSTEM_NOTES.append(_game_note)

__all__ = ["CATCH_DEFINITION", "GAMES", "DefinedGame", "Game", "GameDefinitionError",
           "SeedTarget", "StartStep", "SystemGame", "get_game", "is_game", "load_game",
           "register", "register_folder"]
