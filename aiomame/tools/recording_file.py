"""The recording file: :class:`Recording`, its format and the checksums it holds (recorded
and replayed by :mod:`aiomame.tools.recording`, which imports every name here).

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

import os
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgpack
import numpy as np

from ..checks import check_path
from ..errors import InvalidArgumentError
from ..files import read_whole, write_atomically

MAGIC = b"aiomame recording\n"
FORMAT_VERSION = 2
"""The newest format this aiomame reads and writes (version 1 for one-player recordings,
which older aiomames read too)."""
SUFFIX = ".aiorec"
"""The usual file name ending of a recording (nothing depends on it)."""
_VERSION = struct.Struct(">H")
_ACTION_DTYPES: dict[str, type[np.generic] | np.dtype[Any]] = {
    "u1": np.uint8, "u2": np.uint16, "f8": np.dtype("<f8")}
_OBS_KEYS = ("obs_type", "resize", "interpolation", "maxpool")


class RecordingFileError(InvalidArgumentError):
    """A file is not a readable aiomame recording; the message names it and why (as
    :class:`~aiomame.errors.StateFileError` does for state files)."""


def memory_checksum(info: Mapping[str, Any], names: list[str]) -> int:
    """CRC-32 of the msgpack list of ``info``'s values for ``names``."""
    return zlib.crc32(msgpack.packb([info[name] for name in names]))


def frame_checksum(obs: np.ndarray, stacked: bool = False) -> int:
    """CRC-32 of a frame's bytes (with ``stacked``, of the newest frame of the stack)."""
    frame = obs[-1] if stacked else obs
    return zlib.crc32(np.ascontiguousarray(frame).data)


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
        name, blob = read_whole(path, RecordingFileError, "recording")
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
