"""Gymnasium ids of the registered games, and their registration with Gymnasium.

One rule names every id: ``aiomame/<Name>-v0``, ``<Name>`` the game's class name
(``Catch``, ``BasketPaddle``, ``SF3TwoPlayer``). A definition file's class is named after
its game name in CamelCase (:func:`class_name`: ``mycatch.toml`` -> ``Mycatch``,
``my_catch.toml`` -> ``MyCatch``). Any MAME system: ``aiomame/MAME-v0``.

Each id's ``spec.max_episode_steps`` is the game's ``max_episode_steps``, else ALE's cap,
108,000 frames (30 minutes at 60 Hz), in the game's steps (``108000 // frame_ratio``).

Gymnasium 1.x has no plugin entry points (0.2x's ``gymnasium.envs`` group is gone), so
``import aiomame`` registers the ids when Gymnasium is installed (as ``import ale_py``
does): ``gym.make("aiomame/Catch-v0")`` after ``import aiomame``, or
``gym.make("aiomame:aiomame/Catch-v0")`` with only Gymnasium imported. This module
imports no Gymnasium-dependent part of aiomame: the entry points are strings.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from typing import Any

NAMESPACE = "aiomame"
SYSTEM_ID = f"{NAMESPACE}/MAME-v0"
"""Any MAME system (``system=...``) or game (``game=...``): :func:`aiomame.gym.system_env`."""
ALE_FRAMES = 108_000
"""ALE's episode cap: 30 minutes of play at 60 frames a second."""
SYSTEM_FRAME_RATIO = 3
"""SystemGame's default frame ratio: ``aiomame/MAME-v0``'s step cap is in its steps."""
_WORD = re.compile(r"[^A-Za-z0-9]+")


def class_name(name: str) -> str:
    """The class name of a game named ``name`` (a definition file's): each run of letters
    and digits between ``_ - .`` with its first letter upper-cased (``my_catch`` ->
    ``MyCatch``, ``mycatch`` -> ``Mycatch``, ``pong-2600`` -> ``Pong2600``)."""
    return "".join(part[:1].upper() + part[1:] for part in _WORD.split(name)) or name


def env_id(game: Any) -> str:
    """The Gymnasium id of a game (its class or an instance): ``aiomame/<class name>-v0``."""
    cls = game if isinstance(game, type) else type(game)
    return f"{NAMESPACE}/{cls.__name__}-v0"


def spec_steps(game: Any) -> int:
    """The ``spec.max_episode_steps`` of a game (class or instance): its own limit, else
    :data:`ALE_FRAMES` in its steps."""
    return game.max_episode_steps or ALE_FRAMES // max(1, int(game.frame_ratio))


def register_ids(games: Iterable[tuple[str, type]] | None = None) -> list[str]:
    """Register with Gymnasium the id of each ``(name, game class)`` (default: every
    registered game) and :data:`SYSTEM_ID`, if Gymnasium is imported; returns the ids
    registered or updated. An id already registered for the same game and limit is left
    as is. Cheap: no aiomame module that needs Gymnasium is imported."""
    gymnasium = sys.modules.get("gymnasium")
    if gymnasium is None or not hasattr(gymnasium, "registry"):
        return []
    if games is None:
        from . import GAMES
        games = GAMES.items()
    registry, done = gymnasium.registry, []
    for name, cls in games:
        gym_id, steps = env_id(cls), spec_steps(cls)
        spec = registry.get(gym_id)
        if spec is not None and spec.kwargs == {"game": name} \
                and spec.max_episode_steps == steps:
            continue
        registry.pop(gym_id, None)  # a game registered again (replace=True): its new spec
        gymnasium.register(gym_id, entry_point="aiomame.gym:MameEnv",
                           vector_entry_point="aiomame.gym:MameVectorEnv",
                           max_episode_steps=steps, kwargs={"game": name})
        done.append(gym_id)
    if SYSTEM_ID not in registry:
        gymnasium.register(SYSTEM_ID, entry_point="aiomame.gym:system_env",
                           vector_entry_point="aiomame.gym:system_vector_env",
                           max_episode_steps=ALE_FRAMES // SYSTEM_FRAME_RATIO)
        done.append(SYSTEM_ID)
    return done


def register_with_gymnasium() -> list[str]:
    """:func:`register_ids` for every registered game, importing Gymnasium if it is
    installed (``import aiomame`` calls this); [] without Gymnasium."""
    try:
        import gymnasium  # noqa: F401
    except ImportError:
        return []
    return register_ids()
