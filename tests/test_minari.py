"""Recordings as Minari datasets (aiomame.tools.datasets, ``aiomame export-minari``), on real MAME:
the episodes are the recorded ones (actions, frames, rewards, ends, memory values), the
dataset recovers its aiomame env, bad input is typed and leaves no dataset behind. Datasets
go to a temporary $MINARI_DATASETS_PATH."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import minari
import numpy as np
import pytest

from aiomame import GameEnv, cli
from aiomame.errors import InvalidArgumentError
from aiomame.extras import install
from aiomame.games import get_game
from aiomame.tools.datasets import (
    DatasetExistsError,
    MixedRecordingsError,
    dataset_path,
    export_minari,
)
from aiomame.tools.recording import Recorder, RecordingFileError, ReplayDivergedError

OBS = {"obs_type": "grayscale", "resize": (84, 84)}
ROOT = str(Path(__file__).resolve().parents[1])


@pytest.fixture(scope="module", autouse=True)
def minari_home(tmp_path_factory):
    """Minari's datasets in a folder of this module's own."""
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("minari")
        patch.setenv("MINARI_DATASETS_PATH", str(home))
        yield home


@pytest.fixture(scope="module")
async def recorded(tmp_path_factory):
    """Two short episodes of catch's tracker in 84x84 grayscale (40 steps, cut; 25 steps),
    with every observation and memory value seen, saved to files."""
    tracker = get_game("catch").agents()["tracker"]
    folder = tmp_path_factory.mktemp("recordings")
    episodes = []
    async with GameEnv("catch", max_episode_steps=40, **OBS) as env:
        recorder = Recorder(env)
        for seed, steps in ((1, 40), (2, 25)):
            obs, info = await recorder.reset(seed=seed)
            seen = [(obs, info)]
            for _ in range(steps):
                obs, _, terminated, truncated, info = await recorder.step(tracker(info))
                seen.append((obs, info))
                if terminated or truncated:
                    break
            path = folder / f"seed{seed}.aiorec"
            recorder.recording.save(path)
            episodes.append((path, recorder.recording, seen))
    return episodes


async def test_episodes_are_the_recorded_ones(recorded, no_leaks):
    paths = [path for path, _, _ in recorded]
    returned = await export_minari(paths, "aiomame/catch-test-v0", author="tests")
    dataset = minari.load_dataset("aiomame/catch-test-v0")
    assert returned.total_steps == dataset.total_steps == 65
    assert dataset.total_episodes == 2
    assert dataset.observation_space.shape == (84, 84)
    assert dataset.action_space.n == 3
    metadata = list(dataset.storage.get_episode_metadata([0, 1]))
    assert [m["seed"] for m in metadata] == [1, 2]
    for episode, (_, recording, seen) in zip(dataset.iterate_episodes(), recorded, strict=True):
        assert np.array_equal(episode.actions, recording.actions)
        assert episode.observations.shape == (recording.steps + 1, 84, 84)
        assert episode.observations.dtype == np.uint8
        assert np.array_equal(episode.observations, np.stack([obs for obs, _ in seen]))
        assert episode.rewards.sum() == recording.reward
        assert not episode.terminations.any()  # the tracker never loses
        assert episode.truncations[-1] and not episode.truncations[:-1].any()  # cut there
        for name in ("score", "paddle_x", "lives"):
            assert episode.infos[name].tolist() == [info[name] for _, info in seen], name
    spec = dataset.env_spec
    assert spec.id == "aiomame/Catch-v0"
    assert spec.kwargs == {"game": "catch", "obs_type": "grayscale", "resize": [84, 84],
                           "interpolation": "area", "maxpool": False, "frame_stack": 1,
                           "frame_ratio": 3}
    assert "2 aiomame recording(s) of catch" in dataset.storage.metadata["description"]

    # the same episode again, in the env the dataset recovers
    env = dataset.recover_environment()
    try:
        assert env.observation_space == dataset.observation_space
        episode = dataset[1]
        obs, _ = env.reset(seed=2)
        assert np.array_equal(obs, episode.observations[0])
        for step, action in enumerate(episode.actions[:10], 1):
            obs, reward, _, _, info = env.step(int(action))
            assert reward == episode.rewards[step - 1]
            assert np.array_equal(obs, episode.observations[step])
            assert info["paddle_x"] == episode.infos["paddle_x"][step]
    finally:
        env.close()


def test_other_observation_options_and_the_command_line(recorded, capsys, no_leaks):
    paths = [str(path) for path, _, _ in recorded]
    argv = ["export-minari", *paths, "--id", "stacked-v1", "--obs-type", "rgb", "--resize",
            "40x30", "--frame-stack", "2", "--json"]
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    out, err = capsys.readouterr()
    assert exited.value.code == 0, err
    summary = json.loads(out)
    assert summary["episodes"] == 2 and summary["steps"] == 65
    assert summary["observation_shape"] == [2, 40, 30, 3]
    assert Path(summary["path"]) == dataset_path("stacked-v1")
    episode = minari.load_dataset("stacked-v1")[0]
    assert episode.observations.shape == (41, 2, 40, 30, 3)
    assert np.array_equal(episode.observations[1:, 0], episode.observations[:-1, 1])  # stacks

    with pytest.raises(SystemExit) as exited:  # once more: that id exists
        cli.main(argv)
    out, err = capsys.readouterr()
    assert exited.value.code == 2 and out == ""
    assert err.startswith("aiomame export-minari: error: a Minari dataset 'stacked-v1' "
                          "exists already") and len(err.splitlines()) == 1

    with pytest.raises(SystemExit) as exited:  # unless overwritten
        cli.main(["export-minari", paths[1], "--id", "stacked-v1", "--overwrite"])
    out, _ = capsys.readouterr()
    assert exited.value.code == 0
    assert out.startswith("stacked-v1: 1 episodes, 25 steps of catch, observations (84, 84) "
                          "uint8")  # the recorded options, by default
    assert minari.load_dataset("stacked-v1").total_episodes == 1


async def test_a_replay_that_diverges_leaves_no_dataset(recorded, no_leaks):
    (_, first, _), (_, second, _) = recorded
    damaged = dataclasses.replace(second, memory_crc=second.memory_crc.copy())
    damaged.memory_crc[7] ^= 1
    with pytest.raises(ReplayDivergedError, match="diverged at step 7"):
        await export_minari([first, damaged], "aiomame/diverged-v0")
    assert not dataset_path("aiomame/diverged-v0").exists()


def other_game(recording):
    return dataclasses.replace(recording, game="basket", system="a2600")


@pytest.mark.parametrize(("make", "error", "match"), [
    (lambda r, p: ([p, other_game(r)], "aiomame/x-v0"), MixedRecordingsError,
     r"'recording 2' has game 'basket', '.*seed1.aiorec' has 'catch'"),
    (lambda r, p: ([p, dataclasses.replace(r, frame_ratio=2)], "aiomame/x-v0"),
     MixedRecordingsError, "has frame_ratio 2"),
    (lambda r, p: ([p, "/no/such.aiorec"], "aiomame/x-v0"), RecordingFileError,
     "cannot read recording '/no/such.aiorec'"),
    (lambda r, p: ([], "aiomame/x-v0"), InvalidArgumentError, "no recordings to export"),
    (lambda r, p: ([dataclasses.replace(r, players=2)], "aiomame/x-v0"), InvalidArgumentError,
     "holds the actions of 2 players: a Minari dataset here holds one agent's"),
    (lambda r, p: ([dataclasses.replace(r, actions=r.actions[:0])], "aiomame/x-v0"),
     InvalidArgumentError, "has no steps"),
    (lambda r, p: ([p], "aiomame/catch"), InvalidArgumentError,
     r"dataset id 'aiomame/catch' is not \(NAMESPACE/\)NAME-vVERSION"),
    (lambda r, p: ([p], 5), InvalidArgumentError, "dataset_id must be a str"),
    (lambda r, p: (5, "aiomame/x-v0"), InvalidArgumentError, "recordings must be"),
], ids=["other game", "other frame ratio", "missing file", "none", "joint", "no steps", "bad id",
        "id not str", "recordings not iterable"])
async def test_bad_input_is_typed_and_starts_no_mame(recorded, make, error, match, no_leaks):
    path, recording, _ = recorded[0]
    recordings, dataset_id = make(recording, path)
    with pytest.raises(error, match=match):
        await export_minari(recordings, dataset_id)
    assert not dataset_path("aiomame/x-v0").exists()


@pytest.mark.parametrize(("options", "match"), [
    ({"obs_type": "grey"}, "'grey'"), ({"overwrite": 1}, "overwrite must be True or False"),
    ({"author": 5}, "author must be a str or None"), ({"on_step": 5}, "on_step must be"),
    ({"frame_stack": 0}, "frame_stack"),
])
async def test_bad_options(recorded, options, match, no_leaks):
    with pytest.raises(InvalidArgumentError, match=match):
        await export_minari([recorded[0][0]], "aiomame/opts-v0", **options)
    assert not dataset_path("aiomame/opts-v0").exists()


async def test_an_existing_dataset_is_kept(recorded):
    path = recorded[0][0]
    existing = dataset_path("aiomame/catch-test-v0")
    if not existing.exists():
        pytest.skip("needs test_episodes_are_the_recorded_ones' dataset")
    with pytest.raises(DatasetExistsError, match="'aiomame/catch-test-v0' exists already"):
        await export_minari([path], "aiomame/catch-test-v0")
    assert minari.load_dataset("aiomame/catch-test-v0").total_episodes == 2


def test_without_minari_the_command_says_what_to_install(tmp_path):
    # Minari hidden from the import system in a child Python (it is installed here).
    code = ("import sys; sys.modules['minari'] = None; from aiomame import cli; "
            "cli.main(['export-minari', 'x.aiorec', '--id', 'ns/a-v0'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, cwd=tmp_path, env={**os.environ, "PYTHONPATH": ROOT})
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip().endswith(install("minari")), out.stderr
