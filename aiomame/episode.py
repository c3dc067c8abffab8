"""An episode's bookkeeping, in one place for every env kind: reward, ends, step count."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .games import Game


class Episode:
    """Where one env is in its game's episode.

    :meth:`begin` takes a new episode's first memory values; :meth:`advance` takes each
    step's and returns ``(reward, terminated, truncated)`` from the game definition
    (truncated: ``max_episode_steps`` reached without the game ending). ``GameEnv``, the
    pool's workers and the adapters over them all count episodes through this class.
    Without a game (a plain MAME system) the reward is 0 and only the step limit ends an
    episode.
    """

    __slots__ = ("ended", "game", "limit", "names", "previous", "steps")

    def __init__(self, game: Game | None, names: Sequence[str],
                 max_episode_steps: int | None = None) -> None:
        self.game = game
        self.names = list(names)
        default = None if game is None else game.max_episode_steps
        self.limit = default if max_episode_steps is None else max_episode_steps
        self.previous: dict[str, Any] | None = None
        self.steps = 0
        self.ended = False

    def begin(self, data: Mapping[str, Any]) -> None:
        """A new episode starts with memory values ``data`` (extra keys are ignored)."""
        if self.game is not None:
            self.previous = {name: data[name] for name in self.names}
        self.steps = 0
        self.ended = False

    def advance(self, current: dict[str, Any] | None) -> tuple[float, bool, bool]:
        """One step with memory values ``current`` (kept: do not change it afterwards; None
        without a game)."""
        game = self.game
        if game is None:
            reward, terminated = 0.0, False
        else:
            previous = self.previous
            assert previous is not None and current is not None, "begin() first"
            reward = float(game.reward(previous, current))
            terminated = bool(game.terminated(current))
            self.previous = current
        self.steps += 1
        truncated = not terminated and self.limit is not None and self.steps >= self.limit
        self.ended = terminated or truncated
        return reward, terminated, truncated
