"""Recordings: one episode's inputs and what replaying it exactly needs, in a small file.

A game on MAME is deterministic: the same start (a seed planted at a new game, or a saved
state) and the same inputs give the same frames and memory, step for step. So a recording
holds the start and the action of each step, plus a checksum of each step's memory values
and frame, and :func:`replay` plays it back and reports the first step that differs
(another MAME version, a changed game definition, a damaged file).

``Recorder(env)`` wraps a started :class:`~aiomame.GameEnv`: its ``reset``/``step`` pass
through and are recorded; ``recorder.recording`` is the episode so far, ``.save(path)``
writes it. ``Recording.load(path)`` reads one back; ``replay(recording)`` yields the steps.

The file format and :class:`Recording`: :mod:`~aiomame.tools.recording_file` (imported here too).
"""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..checks import check_bool, check_path
from ..errors import AiomameError, GameError, InvalidArgumentError
from .recording_file import (
    _OBS_KEYS,
    FORMAT_VERSION,
    MAGIC,
    SUFFIX,
    Recording,
    RecordingFileError,
    frame_checksum,
    memory_checksum,
)

if TYPE_CHECKING:
    from ..episodes.env import GameEnv
    from ..games import Game

__all__ = ["FORMAT_VERSION", "MAGIC", "SUFFIX", "Divergence", "Recorder", "Recording",
           "RecordingFileError", "ReplayDivergedError", "ReplayStep", "frame_checksum",
           "game_reference", "joint_shape", "memory_checksum", "obs_options", "replay",
           "replay_env", "verify"]


@dataclass(frozen=True)
class Divergence:
    """Where a replay first differs from its recording: ``step`` (0 is the reset's first
    observation, then 1, 2... after each action), ``what`` (``"memory"``, ``"frame"`` or
    ``"end"``) and a ``detail`` for people."""

    step: int
    what: str
    detail: str

    def __str__(self) -> str:
        return f"the replay diverged at step {self.step}: {self.detail}"


class ReplayDivergedError(AiomameError):
    """A replay did not reproduce its recording; ``divergence`` says where and how."""

    def __init__(self, divergence: Divergence) -> None:
        super().__init__(str(divergence))
        self.divergence = divergence


def obs_options(env: GameEnv) -> dict[str, Any]:
    """The options that make ``env``'s frames what they are (not the stacking)."""
    options = env.emulator.obs_options()
    resize = options["resize"]
    return {**options, "resize": None if resize is None else list(resize)}


def game_reference(env: GameEnv) -> str:
    """What :func:`aiomame.games.get_game` takes to make ``env``'s game again: its
    registered name, else its definition file's path."""
    from ..games import GAMES

    cls = type(env.game)
    name = getattr(env.game, "name", "") or getattr(cls, "name", "")
    if GAMES.get(name) is cls:
        return name
    path = getattr(cls, "path", None)
    return os.fspath(path) if path is not None else name


class Recorder:
    """Records a :class:`~aiomame.GameEnv`'s episodes: call ``reset``/``step`` on the
    recorder instead of the env (same arguments, same results).

    A reset without ``seed`` and ``state`` on a game that takes seeds plants a random one,
    recorded, so that the episode can be replayed. ``recording`` is the current episode so
    far (a new object each time). ``game``: what to store as the game (default: its
    registered name, else its definition file's path; see :func:`game_reference`).

    A game of several players: each step records every player's action (the env's
    opponent's too, :attr:`GameEnv.opponent_action`; not the game's own ``"cpu"``
    opponent's) and reward (:meth:`Game.reward` of the step's memory values). Raises
    InvalidArgumentError if some players act by index, others by vector (see
    :func:`joint_shape`), GameError if the game's reward is not one per player.
    """

    def __init__(self, env: GameEnv, game: str | None = None) -> None:
        from ..episodes.env import GameEnv

        if not isinstance(env, GameEnv):
            raise InvalidArgumentError(f"env must be a GameEnv, got {env!r}")
        if game is not None and not isinstance(game, str):
            raise InvalidArgumentError(f"game must be a str (a game name or definition "
                                       f"file) or None, got {game!r}")
        self.env = env
        self.game = game
        players = env.game.players
        self._opponent = "cpu" if env.game.versus_cpu else \
            None if env.opponent is None else env.opponent.name
        self._joint = players > 1 and self._opponent != "cpu"
        self._shape = joint_shape(env.game) if self._joint else env.game.action_shape()
        self._actions: list[Any] = []
        self._rewards: list[Any] = []
        self._previous: dict[str, Any] = {}
        self._scores = np.zeros(players)
        self._memory_crc: list[int] = []
        self._frame_crc: list[int] = []
        self._start: dict[str, Any] | None = None
        self._reward = 0.0
        self._ended: str | None = None

    async def reset(self, seed: int | None = None, *, state: Any = None
                    ) -> tuple[np.ndarray, dict[str, Any]]:
        """:meth:`GameEnv.reset`, recorded."""
        env = self.env
        if state is not None:
            state = env.emulator.check_state(state)
        elif seed is None and env.game.can_seed():
            seed = random.getrandbits(32)
        obs, info = await env.reset(seed, state=state)
        hello = env.emulator.info
        screen = hello["screens"][max(0, getattr(env.emulator, "_screen_index", 0))]
        self._start = {"game": self.game or game_reference(env), "system": hello["system"],
                       "mame": hello["mame"], "frame_ratio": env.emulator.frame_ratio,
                       "refresh": float(screen["refresh"]), "seed": seed,
                       "state": None if state is None else state.data,
                       "obs": obs_options(env), "players": env.game.players,
                       "player": env.player, "opponent": self._opponent}
        self._actions.clear()
        self._rewards.clear()
        self._scores[:] = 0
        self._previous = info
        self._memory_crc[:] = [memory_checksum(info, self._names())]
        self._frame_crc[:] = [frame_checksum(obs, env.frame_stack > 1)]
        self._reward, self._ended = 0.0, None
        return obs, info

    def _names(self) -> list[str]:
        return list(self.env.game.memory_addresses)

    async def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """:meth:`GameEnv.step`, recorded."""
        if self._start is None:
            raise InvalidArgumentError("call reset() on the recorder before step()")
        env = self.env
        obs, reward, terminated, truncated, info = await env.step(action)
        if env.game.players == 1:
            self._actions.append(np.asarray(self._index(action, 1)).tolist())
            self._reward += reward
        else:
            self._players_step(action, info)
        self._memory_crc.append(memory_checksum(info, self._names()))
        self._frame_crc.append(frame_checksum(obs, env.frame_stack > 1))
        if terminated or truncated:
            self._ended = "terminated" if terminated else "truncated"
        return obs, reward, terminated, truncated, info

    def _index(self, action: Any, player: int) -> Any:
        """``action``, an action's name as its index (:meth:`Controls.index`)."""
        return self.env.game.controls(player).index(action) if isinstance(action, str) \
            else action

    def _players_step(self, action: Any, info: dict[str, Any]) -> None:
        """Records a step of a game of several players: every player's action (the
        opponent's, if any, where the env keeps it) and reward."""
        env = self.env
        if env.opponent is not None:
            joint: list[Any] = [None] * env.game.players
            joint[env.player - 1] = action
            joint[env.opponent.player - 1] = env.opponent_action
            action = joint
        action = [self._index(a, p) for p, a in enumerate(action, 1)] if self._joint \
            else self._index(action, env.player)
        if len(self._shape) > 1:  # vectors, padded with zeros to the longest player's
            action = [np.pad(np.asarray(a, np.float64), (0, self._shape[1] - len(a)))
                      for a in action]
        self._actions.append(np.asarray(action).tolist())
        given = env.game.reward(self._previous, info)  # every player's, even versus_cpu
        rewards = np.asarray(given, np.float64)
        if rewards.shape != (env.game.players,):
            raise GameError(f"game {env.game.name!r} has {env.game.players} players, but its "
                            f"reward() returned {given!r}: give one reward per player")
        self._rewards.append(rewards)
        self._scores += rewards
        self._reward = float(self._scores[env.player - 1])
        self._previous = info

    @property
    def scores(self) -> list[float]:
        """Each player's total reward in the current episode so far (one player: [its])."""
        if self.env.game.players == 1:
            return [self._reward]
        return [float(x) for x in self._scores]

    @property
    def steps(self) -> int:
        """Steps recorded in the current episode."""
        return len(self._actions)

    @property
    def recording(self) -> Recording:
        """The current episode so far."""
        from .. import __version__

        if self._start is None:
            raise InvalidArgumentError("nothing recorded yet: call reset() first")
        game = self.env.game
        actions = np.array(self._actions, np.float64 if game.axes else np.int64).reshape(
            (len(self._actions), *self._shape))
        rewards = None if game.players == 1 else np.array(self._rewards, np.float64).reshape(
            len(self._rewards), game.players)
        return Recording(actions=actions, rewards=rewards, memory=self._names(),
                         memory_crc=np.array(self._memory_crc, np.uint32),
                         frame_crc=np.array(self._frame_crc, np.uint32), reward=self._reward,
                         ended=self._ended, aiomame=__version__, **self._start)


@dataclass
class ReplayStep:
    """One step of a replay: ``step`` 0 is the reset (``action`` None), then each action's;
    ``divergence`` is set on a step that differs from the recording (``strict=False``)."""

    step: int
    obs: np.ndarray
    info: dict[str, Any]
    action: Any = None
    reward: float = 0.0
    terminated: bool = False
    truncated: bool = False
    divergence: Divergence | None = None


def _load(recording: Recording | str | os.PathLike[str]) -> Recording:
    if isinstance(recording, Recording):
        return recording
    check_path("recording (a Recording or its file)", recording)
    return Recording.load(recording)


def replay_env(recording: Recording, **options: Any) -> GameEnv:
    """A (not started) env that replays ``recording``: its game and frame ratio, and its
    observation options (no stacking) unless ``options`` override them (frames are then
    not checked). A recording of several players replays in an env of every player (the
    recorded opponent's actions are replayed), or against the game's own ``"cpu"``."""
    from ..episodes.env import GameEnv
    from ..games import get_game

    if not isinstance(recording, Recording):
        raise InvalidArgumentError(f"recording must be a Recording, got {recording!r}")
    obs = {k: (tuple(v) if k == "resize" and v is not None else v)
           for k, v in recording.obs.items() if k in _OBS_KEYS}
    limit = recording.steps if recording.steps else None
    kwargs = {"frame_ratio": recording.frame_ratio, "max_episode_steps": limit,
              "frame_stack": 1, **obs, **options}
    if recording.opponent == "cpu":  # else the recorded actions hold every player's
        kwargs["opponent"] = "cpu"
    return GameEnv(get_game(recording.game), **kwargs)


async def replay(recording: Recording | str | os.PathLike[str], env: GameEnv | None = None,
                 *, strict: bool = True, **options: Any) -> AsyncGenerator[ReplayStep]:
    """Play ``recording`` (or the file at that path) back, yielding each step, the reset's
    first; each step's memory values (and frame, where the observation options are the
    recorded ones) are checked against the recording.

    ``env``: a started :class:`~aiomame.GameEnv` of the recording's game to replay in; by
    default one is made (:func:`replay_env` with ``options``, e.g. ``roms_path``,
    ``render=True, throttle=True``) and closed afterwards. ``strict``: raise
    :class:`ReplayDivergedError` at the first step that differs (not yielded); otherwise
    yield it with its ``divergence`` set and go on (until the env's episode ends).
    Wrap in :func:`contextlib.aclosing` when not iterating to the end.
    """
    check_bool("strict", strict)
    recording = _load(recording)
    if env is None:
        async with replay_env(recording, **options) as own:
            async for step in replay(recording, own, strict=strict):
                yield step
        return
    _check_env(recording, env)
    stacked = env.frame_stack > 1
    frames = len(recording.frame_crc) > 0 and obs_options(env) == {
        **obs_options(env), **recording.obs}
    state = None
    if recording.state is not None:
        from ..machine.state import State

        state = State(recording.system, recording.mame, recording.state)
    names = recording.memory
    shapes = [env.game.controls(p).action_shape() for p in range(1, env.game.players + 1)]
    widths = [shape[0] for shape in shapes] if recording.joint and len(set(shapes)) > 1 \
        else []

    def check(step: int, obs: np.ndarray, info: dict[str, Any]) -> Divergence | None:
        if memory_checksum(info, names) != recording.memory_crc[step]:
            values = ", ".join(f"{n}={info[n]}" for n in names)
            return Divergence(step, "memory", f"its memory values differ from the recorded "
                              f"ones (now {values})")
        if frames and frame_checksum(obs, stacked) != recording.frame_crc[step]:
            return Divergence(step, "frame", "its frame differs from the recorded one")
        return None

    def verdict(step: ReplayStep) -> ReplayStep:
        if step.divergence is not None and strict:
            raise ReplayDivergedError(step.divergence)
        return step

    obs, info = await env.reset(recording.seed, state=state)
    yield verdict(ReplayStep(0, obs, info, divergence=check(0, obs, info)))
    for index, action in enumerate(recording.actions, 1):
        value = action if action.ndim else int(action)
        if widths:  # each player's vector without its padding
            value = [row[:width] for row, width in zip(action, widths, strict=True)]
        obs, reward, terminated, truncated, info = await env.step(value)
        divergence = check(index, obs, info)
        last = index == recording.steps
        if divergence is None and (terminated or truncated) and not last:
            divergence = Divergence(index, "end", f"the episode ended at step {index}, the "
                                    f"recording goes on to step {recording.steps}")
        elif divergence is None and last and recording.ended == "terminated" \
                and not terminated:
            divergence = Divergence(index, "end", "the recorded episode ended here (game "
                                    "over), the replay's did not")
        yield verdict(ReplayStep(index, obs, info, value, reward, terminated, truncated,
                                 divergence))
        if terminated or truncated:
            return


def _check_env(recording: Recording, env: GameEnv) -> None:
    from ..episodes.env import GameEnv

    if not isinstance(env, GameEnv):
        raise InvalidArgumentError(f"env must be a started GameEnv or None, got {env!r}")
    hello = env.emulator.info
    if not hello:
        raise InvalidArgumentError("replay into a started env (call start() first)")
    if hello["system"] != recording.system or env.emulator.frame_ratio != recording.frame_ratio:
        raise InvalidArgumentError(
            f"the recording is of system {recording.system!r} at frame_ratio "
            f"{recording.frame_ratio}; the env runs {hello['system']!r} at frame_ratio "
            f"{env.emulator.frame_ratio}")
    versus = "cpu" if env.game.versus_cpu else None if env.opponent is None \
        else env.opponent.name
    if versus != ("cpu" if recording.opponent == "cpu" else None):
        raise InvalidArgumentError(
            "the recording was played against "
            + ("the game's own 'cpu' opponent" if recording.opponent == "cpu" else
               "no opponent of the env's (its actions hold every player's)")
            + f"; the env plays against {versus or 'no opponent'}: make it as replay_env does")
    takes = joint_shape(env.game) if recording.joint else env.game.action_shape()
    if recording.actions.shape[1:] != takes:
        one = takes[1:] if recording.joint else takes
        what = f"a vector of {one[0]}" if one else "an index"
        raise InvalidArgumentError(
            f"the recording's actions have shape {recording.actions.shape[1:]}, the game "
            f"{env.game.name!r} takes {what}"
            + (f" per player ({env.players})" if recording.joint else ""))
    if names := [n for n in recording.memory if n not in env.game.memory_addresses]:
        raise InvalidArgumentError(f"the recording checks memory values the game "
                                   f"{env.game.name!r} does not read: {', '.join(names)}")


def joint_shape(game: Game) -> tuple[int, ...]:
    """The shape of one step of every player's actions in a recording: (players,) for
    indices, (players, entries) for vectors (the longest player's: shorter ones are padded
    with zeros). Raises InvalidArgumentError if some players act by index, others by
    vector."""
    shapes = {game.controls(p).action_shape() for p in range(1, game.players + 1)}
    if len(shapes) > 1 and () in shapes:
        raise InvalidArgumentError(f"game {game.name!r}: some players act by index, others "
                                   "by vector, which a recording cannot hold")
    return (game.players, *max(shapes))


async def verify(recording: Recording | str | os.PathLike[str], env: GameEnv | None = None,
                 **options: Any) -> Divergence | None:
    """Replay ``recording`` to its end; the first :class:`Divergence`, or None if the replay
    is identical."""
    async with contextlib.aclosing(replay(recording, env, strict=False, **options)) as steps:
        async for step in steps:
            if step.divergence is not None:
                return step.divergence
    return None
