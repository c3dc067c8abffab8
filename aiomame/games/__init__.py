"""The registry of game definitions: ``get_game("catch")``."""

from __future__ import annotations

from ..errors import invalid_choice
from .base import Game
from .system import SystemGame

GAMES: dict[str, type[Game]] = {}


def register(cls: type[Game]) -> type[Game]:
    """Class decorator: make a game definition available by its ``name``."""
    GAMES[cls.name] = cls
    return cls


def _register_bundled() -> None:
    from .catch import Catch
    from .sf3 import SF3

    register(Catch)
    register(SF3)


def get_game(name: str | Game) -> Game:
    """A fresh instance of the registered game ``name`` (a Game instance passes through)."""
    if isinstance(name, Game):
        return name
    if name not in GAMES:
        raise invalid_choice("game", name, sorted(GAMES))
    return GAMES[name]()


_register_bundled()

__all__ = ["GAMES", "Game", "SystemGame", "get_game", "register"]
