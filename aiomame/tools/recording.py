"""Recordings: one episode's inputs and what replaying it exactly needs, in a small file.

A game on MAME is deterministic: the same start (a seed planted at a new game, or a saved
state) and the same inputs give the same frames and memory, step for step. So a recording
holds the start and the action of each step, plus a checksum of each step's memory values
and frame, and :func:`replay` plays it back and reports the first step that differs
(another MAME version, a changed game definition, a damaged file).

``Recorder(env)`` wraps a started :class:`~aiomame.GameEnv`: its ``reset``/``step`` pass
through and are recorded; ``recorder.recording`` is the episode so far, ``.save(path)``
writes it. ``Recording.load(path)`` reads one back; ``replay(recording)`` yields the steps.

File format (version 1; version 2 for a game of several players, which adds the keys at
the end): :data:`MAGIC`, the format version (u16, big-endian), then one zlib stream
holding a msgpack map:

=============== ===========================================================================
``aiomame``     the aiomame version that wrote it
``game``        the game as given to :func:`aiomame.games.get_game`: a registered name or a
                definition file's path
``system``      MAME's system name; ``mame``: the MAME version; ``refresh``: the screen's Hz
``frame_ratio`` frames per step
``seed``        the seed planted at the start (int or nil)
``state``       the :class:`~aiomame.State` bytes the episode began from (or nil)
``obs``         the observation options the frame checksums are of (``obs_type``,
                ``resize``, ``interpolation``, ``maxpool``)
``actions``     ``{"dtype": "u1"|"u2"|"f8", "shape": [steps, (vector)], "data": bytes}``:
                discrete action indices, a 0/1 vector per step for games with buttons, or
                a vector of floats (f8: replayed exactly) for games with axes
``memory``      the names of the memory values, in checksum order
``memory_crc``  CRC-32 per step of the msgpack list of the memory values (u32 little-endian,
                steps + 1 of them: the reset first)
``frame_crc``   CRC-32 per step of the frame's bytes (the newest frame of a stack), as above
``reward``      the episode's total reward (of the agent's player); ``ended``:
                "terminated", "truncated" or nil
``players``     (version 2) the game's players; ``player``: the agent's; ``opponent``: who
                played the other (``"cpu"``, ``"random"``, a scripted agent's or a
                checkpoint's name), nil when agents played every player
``rewards``     (version 2) ``{"shape": [steps, players], "data": f8 bytes}``: each
                player's reward per step
=============== ===========================================================================

In a recording of several players, ``actions`` holds every player's action per step,
``[steps, players, (vector)]`` (the opponent's too; vectors padded with zeros to the
longest player's), except against the game's own ``"cpu"`` opponent, whose inputs are the
game's: then only the agent's, as for one player.

A 1,000-step catch episode is about 10 KB (the actions and checksums; a start state adds its
compressed size). Reading a file that is missing, not a recording, damaged, truncated or of
a newer format raises :class:`RecordingFileError` naming the file and why.
"""

from __future__ import annotations

import contextlib
import os
import random
import struct
import zlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgpack
import numpy as np

from ..checks import check_bool, check_path
from ..errors import AiomameError, GameError, InvalidArgumentError
from ..files import write_atomically

if TYPE_CHECKING:
    from ..episodes.env import GameEnv
    from ..games import Game

MAGIC = b"aiomame recording\n"
FORMAT_VERSION = 2
"""The newest format this aiomame reads and writes (version 1 for one-player recordings,
which older aiomames read too)."""
SUFFIX = ".aiorec"
"""The usual file name ending of a recording (nothing depends on it)."""
_VERSION = struct.Struct(">H")
_ACTION_DTYPES = {"u1": np.uint8, "u2": np.uint16, "f8": np.dtype("<f8")}
_OBS_KEYS = ("obs_type", "resize", "interpolation", "maxpool")


class RecordingFileError(InvalidArgumentError):
    """A file is not a readable aiomame recording; the message names it and why (as
    :class:`~aiomame.errors.StateFileError` does for state files)."""


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


def memory_checksum(info: Mapping[str, Any], names: list[str]) -> int:
    """CRC-32 of the msgpack list of ``info``'s values for ``names``."""
    return zlib.crc32(msgpack.packb([info[name] for name in names]))


def frame_checksum(obs: np.ndarray, stacked: bool = False) -> int:
    """CRC-32 of a frame's bytes (with ``stacked``, of the newest frame of the stack)."""
    frame = obs[-1] if stacked else obs
    return zlib.crc32(np.ascontiguousarray(frame).data)


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
    name = getattr(env.game, "name", None) or getattr(cls, "name", "")
    if GAMES.get(name) is cls:
        return name
    path = getattr(cls, "path", None)
    return os.fspath(path) if path is not None else name


@dataclass
class Recording:
    """One episode's start and inputs, with per-step checksums (see the module docstring).

    ``actions`` is ``(steps,)`` action indices, ``(steps, buttons)`` 0/1 for games with
    buttons, or ``(steps, axes + buttons)`` floats for games with axes; with several
    players (:attr:`joint`) ``(steps, players, ...)``. ``memory_crc`` and ``frame_crc``
    hold ``steps + 1`` CRC-32s, the reset's first. A game of several ``players``: the
    agent played ``player`` against ``opponent`` (None: agents played every player), and
    ``rewards`` is ``(steps, players)``.
    """

    game: str
    system: str
    mame: str
    frame_ratio: int
    refresh: float
    actions: np.ndarray
    memory: list[str]
    memory_crc: np.ndarray
    frame_crc: np.ndarray
    seed: int | None = None
    state: bytes | None = None
    obs: dict[str, Any] = field(default_factory=dict)
    reward: float = 0.0
    ended: str | None = None
    aiomame: str = ""
    players: int = 1
    player: int = 1
    opponent: str | None = None
    rewards: np.ndarray | None = None

    @property
    def joint(self) -> bool:
        """Whether :attr:`actions` holds every player's action per step (a game of several
        players not played against its own ``"cpu"`` opponent)."""
        return self.players > 1 and self.opponent != "cpu"

    @property
    def scores(self) -> list[float]:
        """Each player's total reward (with one player: [:attr:`reward`])."""
        if self.rewards is None:
            return [float(self.reward)]
        return [float(x) for x in np.asarray(self.rewards).sum(axis=0)]

    @property
    def steps(self) -> int:
        """The number of actions (steps after the reset)."""
        return len(self.actions)

    @property
    def steps_per_second(self) -> float:
        """Steps per second at the game's real speed: refresh rate / frame ratio."""
        return self.refresh / self.frame_ratio

    def to_bytes(self) -> bytes:
        """The file's bytes (see the module docstring)."""
        actions = np.ascontiguousarray(self.actions)
        dtype = "f8" if actions.dtype.kind == "f" else \
            "u1" if actions.size == 0 or int(actions.max()) <= 0xFF else "u2"
        body = {
            "aiomame": self.aiomame, "game": self.game, "system": self.system,
            "mame": self.mame, "frame_ratio": self.frame_ratio, "refresh": float(self.refresh),
            "seed": self.seed, "state": self.state, "obs": dict(self.obs),
            "actions": {"dtype": dtype, "shape": list(actions.shape),
                        "data": actions.astype(_ACTION_DTYPES[dtype]).tobytes()},
            "memory": list(self.memory),
            "memory_crc": np.asarray(self.memory_crc, "<u4").tobytes(),
            "frame_crc": np.asarray(self.frame_crc, "<u4").tobytes(),
            "reward": float(self.reward), "ended": self.ended,
        }
        version = 1
        if self.players > 1:
            version = 2
            rewards = np.zeros((len(actions), self.players)) if self.rewards is None \
                else np.asarray(self.rewards, "<f8")
            body.update(players=self.players, player=self.player, opponent=self.opponent,
                        rewards={"shape": list(rewards.shape), "data": rewards.tobytes()})
        packed = msgpack.packb(body, use_bin_type=True)
        return MAGIC + _VERSION.pack(version) + zlib.compress(packed, 9)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the recording to ``path`` (replaced whole: never a half file)."""
        check_path("path", path)
        write_atomically(path, self.to_bytes())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Recording:
        """The recording in ``path``; :class:`RecordingFileError` if it is missing, not a
        recording, damaged, truncated or of a newer format."""
        check_path("path", path)
        name = os.fspath(path)
        try:
            with open(name, "rb") as f:
                blob = f.read()
        except OSError as exc:
            raise RecordingFileError(f"cannot read recording {name!r}: {exc.strerror}") from None
        return cls.from_bytes(blob, name)

    @classmethod
    def from_bytes(cls, blob: bytes, name: str = "<bytes>") -> Recording:
        """The recording in ``blob`` (``name`` for messages)."""
        if not isinstance(blob, (bytes, bytearray, memoryview)):
            raise RecordingFileError(f"a recording is bytes, got {type(blob).__name__}")
        blob = bytes(blob)
        if not blob.startswith(MAGIC):
            raise RecordingFileError(f"{name!r} is not an aiomame recording (it does not start "
                                     f"with {MAGIC!r})")
        at = len(MAGIC) + _VERSION.size
        if len(blob) < at:
            raise RecordingFileError(f"recording {name!r} is truncated")
        (version,) = _VERSION.unpack_from(blob, len(MAGIC))
        if not 1 <= version <= FORMAT_VERSION:
            newer = " (written by a newer aiomame: upgrade)" if version > FORMAT_VERSION else ""
            raise RecordingFileError(f"recording {name!r} has format version {version}; this "
                                     f"aiomame reads versions 1 to {FORMAT_VERSION}{newer}")
        try:
            inflater = zlib.decompressobj()
            packed = inflater.decompress(blob[at:])
            complete = inflater.eof and not inflater.unused_data
        except zlib.error as exc:
            raise RecordingFileError(f"recording {name!r} is damaged: {exc}") from None
        if not complete:
            raise RecordingFileError(f"recording {name!r} is truncated or damaged (its data "
                                     "stream does not end where the file does)")
        try:
            body = msgpack.unpackb(packed, raw=False)
            return cls._from_body(body)
        except (ValueError, KeyError, TypeError, AttributeError,
                msgpack.UnpackException) as exc:
            raise RecordingFileError(f"recording {name!r} is damaged: {exc}") from None

    @classmethod
    def _from_body(cls, body: dict[str, Any]) -> Recording:
        spec = body["actions"]
        shape = tuple(int(n) for n in spec["shape"])
        actions = np.frombuffer(spec["data"], _ACTION_DTYPES[spec["dtype"]]).reshape(shape)
        memory_crc = np.frombuffer(body["memory_crc"], "<u4").astype(np.uint32)
        frame_crc = np.frombuffer(body["frame_crc"], "<u4").astype(np.uint32)
        steps = shape[0]
        if len(memory_crc) != steps + 1 or len(frame_crc) not in (0, steps + 1):
            raise ValueError(f"{steps} actions but {len(memory_crc)} memory checksums")
        seed, state = body["seed"], body["state"]
        if not (seed is None or isinstance(seed, int)) or not (
                state is None or isinstance(state, bytes)):
            raise TypeError("bad seed or state")
        players, rewards = int(body.get("players", 1)), None
        if players > 1:
            spec = body["rewards"]
            rewards = np.frombuffer(spec["data"], "<f8").reshape(
                tuple(int(n) for n in spec["shape"])).astype(np.float64)
            if rewards.shape != (steps, players):
                raise ValueError(f"{steps} steps of {players} players but rewards of shape "
                                 f"{rewards.shape}")
            if body["opponent"] != "cpu" and shape[1:2] != (players,):
                raise ValueError(f"actions of shape {shape} for {players} players")
        return cls(
            game=str(body["game"]), system=str(body["system"]), mame=str(body["mame"]),
            frame_ratio=int(body["frame_ratio"]), refresh=float(body["refresh"]),
            actions=actions.astype(np.float64 if actions.dtype.kind == "f" else np.int64),
            memory=[str(n) for n in body["memory"]],
            memory_crc=memory_crc, frame_crc=frame_crc, seed=seed, state=state,
            obs=dict(body["obs"]), reward=float(body["reward"]), ended=body["ended"],
            aiomame=str(body["aiomame"]), players=players, player=int(body.get("player", 1)),
            opponent=None if body.get("opponent") is None else str(body["opponent"]),
            rewards=rewards)


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
            self._actions.append(np.asarray(action).tolist())
            self._reward += reward
        else:
            self._players_step(action, info)
        self._memory_crc.append(memory_checksum(info, self._names()))
        self._frame_crc.append(frame_checksum(obs, env.frame_stack > 1))
        if terminated or truncated:
            self._ended = "terminated" if terminated else "truncated"
        return obs, reward, terminated, truncated, info

    def _players_step(self, action: Any, info: dict[str, Any]) -> None:
        """Records a step of a game of several players: every player's action (the
        opponent's, if any, where the env keeps it) and reward."""
        env = self.env
        if env.opponent is not None:
            joint: list[Any] = [None] * env.game.players
            joint[env.player - 1] = action
            joint[env.opponent.player - 1] = env.opponent_action
            action = joint
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
                 *, strict: bool = True, **options: Any) -> AsyncIterator[ReplayStep]:
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
