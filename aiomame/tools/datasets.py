"""Recordings as offline-RL datasets: Minari (``pip install ".[minari]"``).

:func:`export_minari` replays recordings (:mod:`aiomame.tools.recording`) on MAME with the
observation options chosen at export (84x84 grayscale, a frame stack...) and writes them as
one Minari dataset, one episode per recording, in Minari's folder
(``$MINARI_DATASETS_PATH``, default ``~/.minari/datasets``)::

    dataset = await export_minari(["a.aiorec", "b.aiorec"], "aiomame/catch-tracker-v0",
                                  obs_type="grayscale", resize=(84, 84))
    dataset = minari.load_dataset("aiomame/catch-tracker-v0")    # later, anywhere
    env = dataset.recover_environment()     # aiomame/Catch-v0 with the same observations

Each episode holds what the replay's env returned, exactly (frames stored raw, not JPEG):
``observations`` (steps + 1, the reset's first), ``actions`` (the recorded ones, in the
Gymnasium action space's dtype), ``rewards``, ``terminations``, ``truncations`` (the last
step of a recording that did not end in game over is truncated) and ``infos``: each of the
game's memory values per observation. The episode's ``seed`` is the recording's. The
dataset's ``env_spec`` is the game's Gymnasium id (``aiomame/<Name>-v0``, else
``aiomame/MAME-v0`` with the definition file) with the observation options, frame ratio
and ``roms_path`` as keyword arguments.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import os
import shutil
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..checks import check_bool
from ..errors import InvalidArgumentError
from ..extras import install
from .recording import Recording, obs_options, replay, replay_env

if TYPE_CHECKING:
    from minari import MinariDataset

    from ..episodes.env import GameEnv

MINARI_HINT = f"Minari export needs minari and h5py: {install('minari')}"
RECORDED: Any = type("Recorded", (), {"__repr__": lambda self: "RECORDED"})()
"""An observation option's default: as the first recording was recorded."""
_CHECKED = ("game", "system", "frame_ratio", "memory", "players", "player", "opponent")


class DatasetExistsError(InvalidArgumentError):
    """A Minari dataset with that id exists already (export with ``overwrite=True`` to
    replace it)."""


class MixedRecordingsError(InvalidArgumentError):
    """The recordings of one dataset differ in game, system, frame ratio or memory values;
    the message names the file that differs and how."""


def require_minari() -> Any:
    """The minari module; ImportError saying what to install without it (or h5py)."""
    try:
        import h5py  # noqa: F401  (Minari's default storage)
        import minari
    except ImportError as exc:
        raise ImportError(MINARI_HINT) from exc
    return minari


def dataset_path(dataset_id: str) -> Path:
    """Where Minari keeps (or would keep) the dataset ``dataset_id``."""
    from minari.storage.datasets_root_dir import get_dataset_path

    return Path(get_dataset_path(dataset_id))


def check_dataset_id(dataset_id: Any) -> str:
    """``dataset_id`` if Minari takes it: ``(namespace/)name-vVERSION``; else
    :class:`~aiomame.errors.InvalidArgumentError` naming it."""
    from minari.dataset.minari_dataset import parse_dataset_id

    form = "(NAMESPACE/)NAME-vVERSION, e.g. aiomame/catch-tracker-v0"
    if not isinstance(dataset_id, str):
        raise InvalidArgumentError(f"dataset_id must be a str {form}, got {dataset_id!r}")
    try:
        parse_dataset_id(dataset_id)
    except (ValueError, TypeError):  # TypeError: Minari's int(None) for a missing version
        raise InvalidArgumentError(f"dataset id {dataset_id!r} is not {form}") from None
    return dataset_id


def load_recordings(recordings: Any) -> list[tuple[str, Recording]]:
    """(name, recording) for each of ``recordings`` (Recordings or files: one or an
    iterable), all of one game, system, frame ratio, memory values and players, each with
    at least one step and one agent's actions (not every player's). Raises
    :class:`~aiomame.tools.recording.RecordingFileError` (a file missing or not a recording),
    :class:`MixedRecordingsError`, :class:`InvalidArgumentError`."""
    if isinstance(recordings, (str, os.PathLike, Recording)):
        recordings = [recordings]
    if not isinstance(recordings, Iterable):
        raise InvalidArgumentError(f"recordings must be Recordings or recording files, got "
                                   f"{recordings!r}")
    loaded = []
    for number, item in enumerate(recordings, 1):
        if isinstance(item, Recording):
            loaded.append((f"recording {number}", item))
        else:
            loaded.append((os.fspath(item), Recording.load(item)))
    if not loaded:
        raise InvalidArgumentError("no recordings to export")
    first_name, first = loaded[0]
    for name, recording in loaded:
        if recording.steps == 0:
            raise InvalidArgumentError(f"{name!r} has no steps: a dataset episode needs one")
        if recording.joint:
            raise InvalidArgumentError(
                f"{name!r} holds the actions of {recording.players} players: a Minari "
                "dataset here holds one agent's (record against the game's own 'cpu' "
                "opponent)")
        for key in _CHECKED:
            if getattr(recording, key) != getattr(first, key):
                raise MixedRecordingsError(
                    f"{name!r} has {key} {getattr(recording, key)!r}, {first_name!r} has "
                    f"{getattr(first, key)!r}: one dataset holds recordings of one game")
        if recording.actions.shape[1:] != first.actions.shape[1:]:
            raise MixedRecordingsError(f"{name!r} has actions of shape "
                                       f"{recording.actions.shape[1:]}, {first_name!r} of "
                                       f"{first.actions.shape[1:]}")
    return loaded


async def export_minari(recordings: Any, dataset_id: str, *, obs_type: Any = RECORDED,
                        resize: Any = RECORDED, interpolation: Any = RECORDED,
                        maxpool: Any = RECORDED, frame_stack: int = 1,
                        overwrite: bool = False, roms_path: str | os.PathLike[str] | None = None,
                        description: str | None = None, author: str | None = None,
                        author_email: str | None = None, code_permalink: str | None = None,
                        algorithm_name: str = "aiomame recordings",
                        on_step: Callable[[], object] | None = None,
                        **options: Any) -> MinariDataset:
    """Replay ``recordings`` (files or :class:`~aiomame.tools.recording.Recording`\\ s, of one
    game) on one MAME and write them as the Minari dataset ``dataset_id``; returns it.

    Observation options (``obs_type``, ``resize``, ``interpolation``, ``maxpool``): as the
    first recording was recorded unless given (then frames are not checked against the
    recorded ones; memory values always are). ``frame_stack``: frames per observation.
    ``overwrite``: replace a dataset of that id (deleted once the recordings are read and
    MAME has started). ``on_step()`` is called after each replayed step. ``description``,
    ``author``... go to Minari's metadata; other ``options`` (``mame_binary``...) to
    :class:`~aiomame.GameEnv`.

    Raises :class:`~aiomame.tools.recording.RecordingFileError` (a file missing or unreadable),
    :class:`MixedRecordingsError`, :class:`DatasetExistsError`,
    :class:`~aiomame.errors.InvalidArgumentError` (a bad id or option),
    :class:`~aiomame.tools.recording.ReplayDivergedError` (a replay differs from its recording:
    nothing is kept), ``ImportError`` without Minari.
    """
    minari = require_minari()
    check_dataset_id(dataset_id)
    check_bool("overwrite", overwrite)
    for name, value in (("description", description), ("author", author),
                        ("author_email", author_email), ("code_permalink", code_permalink),
                        ("algorithm_name", algorithm_name)):
        if value is not None and not isinstance(value, str):
            raise InvalidArgumentError(f"{name} must be a str or None, got {value!r}")
    if on_step is not None and not callable(on_step):
        raise InvalidArgumentError(f"on_step must be a function or None, got {on_step!r}")
    loaded = load_recordings(recordings)
    path = dataset_path(dataset_id)
    if path.exists() and not overwrite:
        raise DatasetExistsError(f"a Minari dataset {dataset_id!r} exists already ({path}); "
                                 "choose another id or version, or overwrite it "
                                 "(overwrite=True, --overwrite)")
    first = loaded[0][1]
    chosen = {"obs_type": obs_type, "resize": resize, "interpolation": interpolation,
              "maxpool": maxpool}
    given = {k: v for k, v in chosen.items() if v is not RECORDED}
    if roms_path is not None:
        given["roms_path"] = roms_path
    limit = max(recording.steps for _, recording in loaded)
    env = replay_env(first, **given, frame_stack=frame_stack, max_episode_steps=limit,
                     **options)
    async with env:
        if overwrite and path.exists():
            shutil.rmtree(path)
        try:
            return await _write(minari, env, loaded, dataset_id, on_step, {
                "description": description or _description(loaded, env),
                "author": author, "author_email": author_email,
                "code_permalink": code_permalink, "algorithm_name": algorithm_name},
                roms_path)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)  # no half dataset
            raise


async def _write(minari: Any, env: GameEnv, loaded: list[tuple[str, Recording]],
                 dataset_id: str, on_step: Callable[[], object] | None,
                 metadata: dict[str, Any], roms_path: Any) -> MinariDataset:
    from .. import gym as aiomame_gym

    observation_space, action_space = aiomame_gym.env_spaces(env.game, env.obs_shape)
    dataset = None
    for index, (_, recording) in enumerate(loaded):
        episode = await _episode(env, recording, index, action_space.dtype, on_step)
        if dataset is None:
            dataset = _create(minari, dataset_id, episode, observation_space, action_space,
                              metadata)
        else:
            dataset.update_dataset_from_buffer([episode])
    assert dataset is not None  # load_recordings: at least one
    first = loaded[0][1]
    spec = env_spec(first.game, {**obs_options(env), "frame_stack": env.frame_stack,
                                 "frame_ratio": env.emulator.frame_ratio,
                                 **({} if first.opponent is None else
                                    {"opponent": first.opponent}),
                                 **({} if roms_path is None else
                                    {"roms_path": os.fspath(roms_path)})})
    dataset.storage.update_metadata({"env_spec": spec.to_json()})
    return minari.load_dataset(dataset_id)


async def _episode(env: GameEnv, recording: Recording, index: int, action_dtype: Any,
                   on_step: Callable[[], object] | None) -> Any:
    """One recording replayed into a Minari EpisodeBuffer."""
    from minari.data_collector.episode_buffer import EpisodeBuffer

    steps = recording.steps
    names = list(env.game.memory_addresses)
    observations = np.empty((steps + 1, *env.obs_shape), np.uint8)
    rewards = np.zeros(steps, np.float64)
    terminated, truncated = np.zeros(steps, bool), np.zeros(steps, bool)
    memory = {name: np.zeros(steps + 1, np.int64) for name in names}
    async with contextlib.aclosing(replay(recording, env)) as replayed:
        async for step in replayed:
            at = step.step
            observations[at] = step.obs
            for name in names:
                memory[name][at] = step.info[name]
            if at:
                rewards[at - 1] = step.reward
                terminated[at - 1], truncated[at - 1] = step.terminated, step.truncated
                if on_step is not None:
                    on_step()
    truncated[-1] |= not terminated[-1]  # the recording stops here: the episode is cut
    actions = np.asarray(recording.actions).astype(action_dtype)
    return EpisodeBuffer(id=index, seed=recording.seed, observations=observations,
                         actions=actions, rewards=rewards, terminations=terminated,
                         truncations=truncated, infos=memory)


def _create(minari: Any, dataset_id: str, episode: Any, observation_space: Any,
            action_space: Any, metadata: dict[str, Any]) -> MinariDataset:
    """A new dataset with its first episode. Frames are stored exactly: no JPEG (the
    default of Minari versions that have ``jpeg_encoding``)."""
    create = minari.create_dataset_from_buffers
    lossless = ({"jpeg_encoding": False}
                if "jpeg_encoding" in inspect.signature(create).parameters else {})
    from .. import __version__

    with warnings.catch_warnings():
        # Minari warns of each metadata left None (author, ...) and of the env spec, which
        # is set afterwards: it would make a MAME to read the spaces we know already.
        warnings.filterwarnings("ignore", r".*(is set to None|env_spec is None)",
                                UserWarning)
        return create(dataset_id, [episode], observation_space=observation_space,
                      action_space=action_space, requirements=[f"aiomame>={__version__}"],
                      **metadata, **lossless)


def env_spec(game: str, kwargs: dict[str, Any]) -> Any:
    """The Gymnasium spec that makes ``game`` (a registered name or a definition file)
    again with ``kwargs``: ``aiomame/<Name>-v0``, else ``aiomame/MAME-v0``."""
    import gymnasium

    from .. import gym as aiomame_gym
    from ..games import GAMES

    cls = GAMES.get(game)
    gym_id = aiomame_gym.env_id(cls) if cls is not None else "aiomame/MAME-v0"
    base = gymnasium.spec(gym_id)
    return dataclasses.replace(base, kwargs={**base.kwargs, "game": game, **kwargs},
                               max_episode_steps=None)


def _description(loaded: list[tuple[str, Recording]], env: GameEnv) -> str:
    recording = loaded[0][1]
    obs = obs_options(env)
    size = "x".join(map(str, obs["resize"])) if obs["resize"] else "full-size"
    stack = f", stacks of {env.frame_stack}" if env.frame_stack > 1 else ""
    return (f"{len(loaded)} aiomame recording(s) of {recording.game} ({recording.system}, "
            f"frame ratio {recording.frame_ratio}) replayed on MAME "
            f"{env.emulator.info.get('mame', '?')}: {size} {obs['obs_type']} frames{stack}")
