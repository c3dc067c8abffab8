"""Two-player games in ``play`` and ``record``: ``--player`` (the side the agent plays) and
``--opponent`` (who plays the other), checked before MAME starts, and how the players'
scores read (``P1 3 : P2 11, player 2 wins``)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Any

from ..episodes.opponent import opponent_names
from ..errors import InvalidArgumentError
from ..games import Game
from .common import UsageError, int_at_least


def add_players_options(p: argparse.ArgumentParser) -> None:
    """``--player N`` and ``--opponent WHO``."""
    p.add_argument("--player", type=int_at_least(1), default=1, metavar="N",
                   help="in a two-player game, the player --agent plays (default: 1)")
    p.add_argument("--opponent", default=None, metavar="WHO",
                   help="in a two-player game, who plays the other player: cpu (the game's "
                        "own opponent, if it has one), noop, random, one of the game's agents "
                        "for that player, or the path of a trained policy's checkpoint "
                        "(default: cpu if the game has one and --player is 1, else random)")


def opponent_choice(args: argparse.Namespace, game: Game) -> str | None:
    """The opponent ``args`` give for ``game`` (None for a one-player game), checked:
    UsageError naming the valid choices for a player the game lacks, an opponent in a
    one-player game, an unknown opponent, a checkpoint of another game."""
    player, opponent = args.player, args.opponent
    if game.players == 1:
        if opponent is not None:
            raise UsageError(f"--opponent {opponent!r}: game {game.name!r} has one player "
                             "(--opponent is for two-player games)")
        if player != 1:
            raise UsageError(f"--player {player}: game {game.name!r} has player 1 only")
        return None
    try:
        game.controls(player)
    except InvalidArgumentError as exc:
        raise UsageError(f"--{exc}") from None
    other = 3 - player if game.players == 2 else None
    if other is None:
        raise UsageError(f"game {game.name!r} has {game.players} players; play and record "
                         "take games of one or two")
    if opponent is None:
        return "cpu" if game.cpu_opponent and player == 1 else "random"
    if opponent == "cpu" and game.cpu_opponent and player != 1:
        raise UsageError(f"--opponent cpu: the game's own opponent plays player 2, so "
                         f"--player must be 1, not {player}")
    names = opponent_names(game, other)
    if opponent in names:
        return opponent
    if os.sep in opponent or opponent.endswith(".pt") or os.path.isfile(opponent):
        return opponent
    raise UsageError(f"unknown opponent {opponent!r} for {game.name}; valid: "
                     f"{', '.join(names)} or the path of a trained policy's checkpoint")


def opponent_options(name: str, game: Game, other: int) -> dict[str, Any]:
    """The env options opponent ``name`` (playing player ``other``) needs: for a trained
    policy's checkpoint, the observations it was trained on. UsageError if it is missing
    or of another game."""
    if name in opponent_names(game, other):
        return {}
    from .play import checkpoint_agent

    if not os.path.isfile(name):
        raise UsageError(f"--opponent {name!r}: no such checkpoint file")
    agent = checkpoint_agent(name)
    if agent.game != game.name:
        raise UsageError(f"--opponent {name!r} was trained on {agent.game!r}, not on "
                         f"{game.name!r}")
    return {k: v for k, v in agent.env.items() if k != "max_episode_steps"}


def merge_options(agent: dict[str, Any], opponent: dict[str, Any]) -> dict[str, Any]:
    """The env options of an agent and an opponent that are both trained policies: they
    must observe alike (UsageError naming the differences)."""
    clash = sorted(k for k in set(agent) & set(opponent) if agent[k] != opponent[k])
    if clash:
        raise UsageError("--agent and --opponent were trained on different observations ("
                         + ", ".join(f"{k}: {agent[k]!r} vs {opponent[k]!r}" for k in clash)
                         + ")")
    return {**agent, **opponent}


def winner(scores: Sequence[float]) -> int | None:
    """The player with the highest score (1 = the first), None for a draw."""
    best = max(scores)
    leaders = [i for i, s in enumerate(scores, 1) if s == best]
    return leaders[0] if len(leaders) == 1 else None


def score_line(scores: Sequence[float]) -> str:
    """``P1 3 : P2 11, player 2 wins`` (or ``..., a draw``)."""
    won = winner(scores)
    verdict = "a draw" if won is None else f"player {won} wins"
    return " : ".join(f"P{i} {s:g}" for i, s in enumerate(scores, 1)) + f", {verdict}"
