"""A stand-in two-player game for tests of the players machinery: catch with player 2's
controls (the cocktail cabinet's) and a zero-sum reward. catch's ROM ignores player 2, so
only player 1 moves anything; tests of a real two-player game use ``duel``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from aiomame import Action
from aiomame.games.catch import Catch
from aiomame.games.controls import Controls

P2 = Controls({"noop": (), "left": (Action(":CONTP2", "P2 Left"),),
               "right": (Action(":CONTP2", "P2 Right"),)})


class TwoCatch(Catch):
    """catch as a two-player game: player 1 scores, player 2 loses what player 1 wins."""

    name = "twocatch"
    players = 2
    player_controls: ClassVar[tuple[Controls, ...]] = (Controls(Catch.actions), P2)
    settings: ClassVar[Mapping[str, str | int]] = {":CAB/Cabinet": "Cocktail"}

    def reward(self, previous: Mapping[str, Any], current: Mapping[str, Any]) -> Any:
        gained = current["score"] - previous["score"]
        return gained, -gained


class CpuTwoCatch(TwoCatch):
    """TwoCatch claiming an AI opponent of its own (catch's ROM has none: player 2 idles), to
    run the ``opponent="cpu"`` paths (duel has a real one)."""

    name = "twocatch-cpu"
    cpu_opponent = True
