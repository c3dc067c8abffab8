"""The other player of a two-player game, when an agent plays one side alone.

``opponent`` (of :class:`~aiomame.GameEnv`, the Gymnasium and SB3 adapters, ``aiomame
play``) is one of:

- ``"cpu"``: the game's own computer opponent (a one-player game; games with
  :attr:`~aiomame.games.Game.cpu_opponent`);
- ``"noop"`` (holds nothing), ``"random"`` (uniform actions), or the name of one of the
  game's scripted agents for that player (:meth:`~aiomame.games.Game.agents`);
- a callable ``policy(obs, info) -> action``: the observation the agent sees and the
  step's memory values;
- the path of a checkpoint (:func:`aiomame.tools.policy.save_checkpoint`) of the same game,
  trained on the same observations.

:func:`make_opponent` checks the choice; :meth:`Opponent.act` gives the opponent's action
for each env of a batch.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError
from ..games import Game

BUILT_IN = ("cpu", "noop", "random")
OBS_OPTIONS = ("obs_type", "resize", "interpolation", "maxpool", "frame_stack")


class Opponent:
    """Plays ``player`` of ``game`` with ``choose(obs_batch, infos) -> actions``."""

    __slots__ = ("choose", "game", "name", "player", "rng")

    def __init__(self, game: Game, player: int, name: str,
                 choose: Callable[[np.ndarray, Sequence[Mapping[str, Any]]], list[Any]],
                 rng: np.random.Generator | None = None) -> None:
        self.game, self.player, self.name, self.choose = game, player, name, choose
        self.rng = rng  # what a random opponent draws from

    def seed(self, seed: int | Sequence[int] | None) -> None:
        """Restart a random opponent's choices from ``seed`` (an env's reset seed, so that
        a seeded episode is the same again); nothing for the others or None."""
        if self.rng is not None and seed is not None:
            self.rng.bit_generator.state = np.random.default_rng(seed).bit_generator.state

    def __repr__(self) -> str:
        return f"Opponent({self.name!r} as player {self.player} of {self.game.name!r})"

    def act(self, obs: np.ndarray, infos: Sequence[Mapping[str, Any]]) -> list[Any]:
        """The opponent's action in each env: ``obs`` is the batch of observations (one row
        per env), ``infos`` their memory values."""
        return self.choose(obs, infos)


def opponent_names(game: Game, player: int = 2) -> list[str]:
    """The named opponents ``game`` offers for ``player``: ``cpu`` if it has a computer
    opponent, ``noop``, ``random`` and its scripted agents for that player."""
    names = ["cpu"] if game.cpu_opponent else []
    return [*names, "noop", "random", *(n for n in game.agents(player) if n not in BUILT_IN)]


def check_side(game: Game, opponent: Any, player: Any) -> None:
    """Checks that an agent can play ``player`` of ``game`` against ``opponent`` (None: no
    opponent). Raises InvalidArgumentError for a player the game lacks, a player other than
    1 without an opponent (naming the valid ones), or the game's own AI not as player 2."""
    if opponent is None and player == 1:
        return
    game.controls(player)  # a player the game has
    if opponent is None:
        raise InvalidArgumentError(
            f"player={player!r} needs an opponent for the other player "
            f"({', '.join(map(repr, opponent_names(game, 3 - player)))}, ...)")
    if opponent == "cpu" and player != 1:
        raise InvalidArgumentError("the game's own opponent plays player 2: use player=1 "
                                   f"with opponent='cpu', not {player!r}")


def make_opponent(spec: Any, game: Game, player: int = 2, *,
                  env_options: Mapping[str, Any] | None = None,
                  seed: int | None = None) -> Opponent | None:
    """The opponent ``spec`` (see the module) playing ``player`` of ``game``, or None for
    ``"cpu"`` (then the game plays it: :meth:`~aiomame.games.Game.set_versus_cpu` is
    called). ``env_options``: the env's observation options, which a checkpoint's must
    match; ``seed`` seeds ``"random"``. Raises InvalidArgumentError for a one-player game,
    an unknown name (naming the valid ones), a checkpoint of another game or of other
    observations."""
    if game.players < 2:
        raise InvalidArgumentError(
            f"opponent {spec!r}: game {game.name!r} has one player (opponents are for "
            "two-player games)")
    if spec == "cpu":
        game.set_versus_cpu(True)
        return None
    if game.players > 2:
        raise InvalidArgumentError(
            f"opponent {spec!r}: game {game.name!r} has {game.players} players; an opponent "
            "plays one (use the multi-agent env instead)")
    controls = game.controls(player)
    if isinstance(spec, str) and spec in ("noop", "random"):
        if spec == "noop":
            action = controls.noop()
            return Opponent(game, player, spec, lambda obs, infos: [action] * len(infos))
        rng = np.random.default_rng(seed)
        return Opponent(game, player, spec,
                        lambda obs, infos: [controls.sample(rng) for _ in infos], rng)
    scripted = game.agents(player)
    if isinstance(spec, str) and spec in scripted:
        agent = scripted[spec]
        return Opponent(game, player, spec, lambda obs, infos: [agent(i) for i in infos])
    if callable(spec):
        policy = spec
        return Opponent(game, player, getattr(spec, "__name__", repr(spec)),
                        lambda obs, infos: [policy(o, i) for o, i in zip(obs, infos, strict=True)])
    if isinstance(spec, (str, os.PathLike)) and (isinstance(spec, os.PathLike)
                                                 or Path(spec).suffix == ".pt"
                                                 or os.path.exists(spec)):
        return _checkpoint(spec, game, player, env_options or {})
    raise InvalidArgumentError(
        f"unknown opponent {spec!r} for game {game.name!r}; valid: "
        f"{', '.join(repr(n) for n in opponent_names(game, player))}, a callable "
        "policy(obs, info) -> action, or a checkpoint's path")


def _checkpoint(path: str | os.PathLike[str], game: Game, player: int,
                env_options: Mapping[str, Any]) -> Opponent:
    from ..tools.policy import load_agent  # torch: only for checkpoints

    agent = load_agent(path)
    if agent.game != game.name:
        raise InvalidArgumentError(
            f"opponent {os.fspath(path)!r} is a policy of game {agent.game!r}, not of "
            f"{game.name!r}")
    theirs = {k: _plain(agent.env.get(k)) for k in OBS_OPTIONS if agent.env.get(k) is not None}
    ours = {k: _plain(env_options.get(k)) for k in theirs}
    if theirs != ours:
        raise InvalidArgumentError(
            f"opponent {os.fspath(path)!r} was trained on observations {theirs}, but this env "
            f"gives {ours}: make the env with the same options")
    return Opponent(game, player, Path(path).name,
                    lambda obs, infos: list(np.asarray(agent.act(np.asarray(obs))).tolist()))


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
