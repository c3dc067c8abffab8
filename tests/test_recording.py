"""Recordings (aiomame.tools.recording) and video export (aiomame.tools.video): record → replay
is exact, a changed recording diverges at the right step, bad files are typed errors, and GIF/MP4
files play at the game's real speed."""

from __future__ import annotations

import contextlib
import random
import sys
import zlib

import imageio_ffmpeg
import msgpack
import numpy as np
import pytest
from PIL import Image

from aiomame import GameEnv
from aiomame.errors import InvalidArgumentError
from aiomame.tools.recording import (
    FORMAT_VERSION,
    MAGIC,
    Recorder,
    Recording,
    RecordingFileError,
    ReplayDivergedError,
    replay,
    verify,
)
from aiomame.tools.video import GifWriter, Mp4Writer, VideoDependencyError, export, open_video

STEPS = 120


@pytest.fixture(scope="module")
async def recorded(tmp_path_factory):
    """A random-action catch episode (the env's second: its start is a loaded state) with
    every observation and memory value seen, and its recording saved to a file."""
    rng = random.Random(11)
    async with GameEnv("catch", max_episode_steps=STEPS) as env:
        recorder = Recorder(env)
        await recorder.reset(seed=1)
        for _ in range(5):
            await recorder.step(0)
        obs, info = await recorder.reset(seed=42)
        seen = [(obs, info)]
        while True:
            obs, _, terminated, truncated, info = await recorder.step(rng.randrange(3))
            seen.append((obs, info))
            if terminated or truncated:
                break
        recording = recorder.recording
    path = tmp_path_factory.mktemp("rec") / "catch.aiorec"
    recording.save(path)
    return recording, seen, path


async def test_replay_is_identical_frame_for_frame(recorded, no_leaks):
    recording, seen, path = recorded
    loaded = Recording.load(path)
    assert loaded.steps == len(seen) - 1 == recording.steps
    assert (loaded.game, loaded.seed, loaded.system, loaded.frame_ratio) == \
        ("catch", 42, "invaders", 3)
    assert np.array_equal(loaded.actions, recording.actions)
    count = 0
    async with contextlib.aclosing(replay(loaded)) as steps:  # a fresh MAME
        async for step in steps:
            obs, info = seen[step.step]
            assert np.array_equal(step.obs, obs), step.step
            assert step.info == info, step.step
            assert step.divergence is None
            count += 1
    assert count == len(seen)


async def test_replay_into_an_env_with_other_observations(recorded):
    recording, _, _ = recorded
    async with GameEnv("catch", obs_type="grayscale", resize=(84, 84), frame_stack=4) as env:
        # frames of another kind are not checked; memory values are
        assert await verify(recording, env) is None
        assert await verify(recording, env) is None  # and again, in the same env
        with pytest.raises(InvalidArgumentError, match="frame_ratio"):
            await verify(Recording(**{**vars(recording), "frame_ratio": 4}), env)


def moving_step(recording: Recording, seen: list) -> int:
    """A step (1-based) whose action, made another, moves the paddle elsewhere."""
    for index in range(10, recording.steps):
        if 40 < seen[index - 1][1]["paddle_x"] < 160 and recording.actions[index - 1] == 0:
            return index
    raise AssertionError("no step to tamper with")


async def test_a_changed_action_diverges_at_its_step(recorded):
    recording, seen, _ = recorded
    step = moving_step(recording, seen)
    actions = recording.actions.copy()
    actions[step - 1] = 1
    tampered = Recording(**{**vars(recording), "actions": actions})
    divergence = await verify(tampered)
    assert divergence is not None and divergence.step == step
    assert divergence.what == "memory" and "paddle_x=" in divergence.detail


async def test_a_changed_frame_checksum_raises_when_strict(recorded):
    recording, _, _ = recorded
    crc = recording.frame_crc.copy()
    crc[7] ^= 1
    tampered = Recording(**{**vars(recording), "frame_crc": crc})
    seen = []
    with pytest.raises(ReplayDivergedError, match="diverged at step 7: its frame") as caught:
        async for step in replay(tampered):
            seen.append(step.step)
    assert seen == list(range(7)) and caught.value.divergence.what == "frame"


async def test_replay_from_a_saved_state(tmp_path):
    async with GameEnv("catch") as env:
        await env.reset(seed=3)
        for _ in range(20):
            await env.step(2)
        state = await env.save_state()
        recorder = Recorder(env)
        await recorder.reset(state=state)
        for action in [1, 1, 0, 2] * 10:
            await recorder.step(action)
        recorder.recording.save(tmp_path / "s.aiorec")
        loaded = Recording.load(tmp_path / "s.aiorec")
        assert loaded.seed is None and loaded.state == state.data
        assert await verify(loaded, env) is None


def test_round_trip_and_size():
    rng = np.random.default_rng(0)
    steps = 1000
    base = dict(game="x.toml", system="sys", mame="0.251", frame_ratio=2, refresh=60.0,
                memory=["a", "b"], memory_crc=rng.integers(0, 2**32, steps + 1, np.uint32),
                frame_crc=rng.integers(0, 2**32, steps + 1, np.uint32), seed=5,
                obs={"obs_type": "rgb", "resize": None}, reward=3.5, ended="truncated")
    for actions in (rng.integers(0, 3, steps), rng.integers(0, 2, (steps, 6)),
                    rng.integers(0, 1000, steps)):
        recording = Recording(actions=actions, **base)
        blob = recording.to_bytes()
        back = Recording.from_bytes(blob)
        assert np.array_equal(back.actions, actions) and back.actions.shape == actions.shape
        assert np.array_equal(back.memory_crc, base["memory_crc"])
        assert (back.game, back.seed, back.reward, back.ended) == ("x.toml", 5, 3.5,
                                                                   "truncated")
    assert len(Recording(actions=rng.integers(0, 3, steps), **base).to_bytes()) < 12_000


def test_bad_files_are_typed_errors(tmp_path, recorded):
    path = recorded[2]
    blob = path.read_bytes()
    cases = {
        "missing": (None, "cannot read recording '.*missing': No such file"),
        "image.png": (b"\x89PNG\r\n\x1a\n" + bytes(100),
                      "'.*image.png' is not an aiomame recording"),
        "truncated": (blob[:len(blob) // 2], "recording '.*truncated' is truncated"),
        "newer": (MAGIC + (FORMAT_VERSION + 1).to_bytes(2, "big") + blob[len(MAGIC) + 2:],
                  f"'.*newer' has format version {FORMAT_VERSION + 1}.*newer aiomame"),
        "garbage": (MAGIC + FORMAT_VERSION.to_bytes(2, "big") + zlib.compress(b"\xc1\x00"),
                    "'.*garbage' is damaged"),
        "not-a-map": (MAGIC + FORMAT_VERSION.to_bytes(2, "big")
                      + zlib.compress(msgpack.packb([1, 2])), "'.*not-a-map' is damaged"),
    }
    for name, (content, message) in cases.items():
        file = tmp_path / name
        if content is not None:
            file.write_bytes(content)
        with pytest.raises(RecordingFileError, match=message):
            Recording.load(file)
    assert issubclass(RecordingFileError, InvalidArgumentError)


# -- two players ---------------------------------------------------------------------------

def test_one_player_recordings_stay_version_1_and_two_players_round_trip():
    steps = 50
    rng = np.random.default_rng(1)
    base = dict(game="twocatch", system="invaders", mame="0.251", frame_ratio=3,
                refresh=59.5, memory=["a"], memory_crc=np.zeros(steps + 1, np.uint32),
                frame_crc=np.zeros(steps + 1, np.uint32), seed=2, reward=-1.0)
    one = Recording(actions=rng.integers(0, 3, steps), **base).to_bytes()
    assert one[len(MAGIC):len(MAGIC) + 2] == (1).to_bytes(2, "big")  # older aiomames read it
    back = Recording.from_bytes(one)
    assert (back.players, back.player, back.opponent, back.rewards) == (1, 1, None, None)
    assert back.scores == [-1.0] and not back.joint
    rewards = rng.integers(-1, 2, (steps, 2)).astype(float)
    for opponent, actions in ((None, rng.integers(0, 3, (steps, 2))),
                              ("random", rng.integers(0, 2, (steps, 2, 3))),
                              ("cpu", rng.integers(0, 3, steps))):
        two = Recording(actions=actions, players=2, player=2, opponent=opponent,
                        rewards=rewards, **base)
        blob = two.to_bytes()
        assert blob[len(MAGIC):len(MAGIC) + 2] == (2).to_bytes(2, "big")
        back = Recording.from_bytes(blob)
        assert np.array_equal(back.actions, actions) and np.array_equal(back.rewards, rewards)
        assert (back.players, back.player, back.opponent) == (2, 2, opponent)
        assert back.joint == (opponent != "cpu") and back.scores == rewards.sum(0).tolist()
    body = msgpack.unpackb(zlib.decompress(blob[len(MAGIC) + 2:]))
    body["rewards"]["shape"] = [steps - 1, 2]
    body["rewards"]["data"] = body["rewards"]["data"][:-16]
    damaged = MAGIC + (2).to_bytes(2, "big") + zlib.compress(msgpack.packb(body))
    with pytest.raises(RecordingFileError, match="damaged: 50 steps of 2 players but rewards"):
        Recording.from_bytes(damaged)


async def test_two_players_record_and_replay_exactly(no_leaks):
    """Both players' actions are recorded (an agent's each, or the env's opponent's) with
    their rewards, and replay exactly in an env of both players (duel; a changed action of
    either player diverges: tests/test_cli_players.py)."""
    rng = random.Random(5)
    async with GameEnv("duel", max_episode_steps=80) as both, \
            GameEnv("duel", opponent="random", player=2, max_episode_steps=80) as one:
        for env in (both, one):
            recorder = Recorder(env)
            await recorder.reset(seed=7)
            opponent = []
            while True:
                action = [rng.randrange(3), rng.randrange(3)] if env is both \
                    else rng.randrange(3)
                *_, terminated, truncated, _ = await recorder.step(action)
                opponent.append(env.opponent_action)
                if terminated or truncated:
                    break
            recording = recorder.recording
            steps = recorder.steps  # 80, or fewer when the random opponent loses first
            assert recording.actions.shape == recording.rewards.shape == (steps, 2)
            assert recording.scores == recorder.scores
            assert recording.rewards[:, 0].tolist() == (-recording.rewards[:, 1]).tolist()
            if env is one:
                assert (recording.player, recording.opponent) == (2, "random")
                assert recording.actions[:, 0].tolist() == opponent
                assert recording.reward == recording.scores[1]
                with pytest.raises(InvalidArgumentError, match="the env plays against random"):
                    await verify(recording, one)
            assert await verify(Recording.from_bytes(recording.to_bytes()), both) is None
        async with GameEnv("catch") as catch:
            with pytest.raises(InvalidArgumentError, match=r"shape \(2,\), the game 'catch' "
                                                           "takes an index"):
                await verify(recording, catch)


# -- video ---------------------------------------------------------------------------------

def gif_frames(path) -> list[tuple[np.ndarray, int]]:
    """Each frame of a GIF as shown (RGB) with its duration (ms)."""
    image = Image.open(path)
    frames = []
    for index in range(image.n_frames):
        image.seek(index)
        frames.append((np.asarray(image.convert("RGB")), image.info["duration"]))
    return frames


def test_gif_frames_are_exact_and_timed(tmp_path):
    rng = np.random.default_rng(0)
    frame = np.zeros((60, 50, 3), np.uint8)
    frames = []
    for _ in range(30):
        frame = frame.copy()
        y, x = rng.integers(0, 55, 2)
        frame[y:y + 5, x:x + 4] = rng.integers(0, 255, 3)
        frames.append(frame)
    frames += [frames[-1]] * 3  # the same picture: merged into the last frame
    with GifWriter(tmp_path / "a.gif", 10, scale=2) as writer:
        for frame in frames:
            writer.add(frame)
    shown = gif_frames(tmp_path / "a.gif")
    assert len(shown) == writer.written <= 30
    at = 0
    for picture, duration in shown:  # each shows the frame of its start time, enlarged
        expected = frames[at // 100].repeat(2, axis=0).repeat(2, axis=1)
        assert np.array_equal(picture, expected)
        at += duration
    assert at == len(frames) * 100


def test_gif_above_50_fps_drops_frames_but_keeps_time(tmp_path):
    with GifWriter(tmp_path / "fast.gif", 60, scale=1) as writer:
        for value in range(120):
            writer.add(np.full((8, 8), value, np.uint8))  # grayscale
    durations = [duration for _, duration in gif_frames(tmp_path / "fast.gif")]
    assert sum(durations) == 2000 and min(durations) >= 20 and len(durations) == 80


def test_gif_of_a_screen_that_changes_size_keeps_the_first_size(tmp_path):
    """A game that switches video modes: later frames are scaled to the first's size."""
    wide = np.zeros((20, 40, 3), np.uint8)
    wide[:, :20] = 200  # the left half lit: the left 15 of 30 columns once scaled
    with GifWriter(tmp_path / "modes.gif", 10, scale=1) as writer:
        writer.add(np.zeros((20, 30, 3), np.uint8))
        writer.add(wide)
    (first, _), (second, _) = gif_frames(tmp_path / "modes.gif")
    assert first.shape == second.shape == (20, 30, 3)
    assert (second[:, :15] == 200).all() and not second[:, 15:].any()


def test_mp4_has_every_frame_at_fps(tmp_path):
    frames = [np.full((45, 61, 3), 4 * i, np.uint8) for i in range(40)]  # odd sizes
    with open_video(tmp_path / "v.mp4", 19.85, scale=1) as writer:
        assert isinstance(writer, Mp4Writer)
        for frame in frames:
            writer.add(frame)
    reader = imageio_ffmpeg.read_frames(str(tmp_path / "v.mp4"))
    meta = next(reader)
    assert meta["size"] == (62, 46) and meta["fps"] == pytest.approx(19.85, abs=0.01)
    assert meta["duration"] == pytest.approx(40 / 19.85, abs=0.06)
    assert sum(1 for _ in reader) == 40
    assert not list(tmp_path.glob("*partial*"))


def test_mp4_without_imageio_ffmpeg(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    with pytest.raises(VideoDependencyError, match=r'pip install "\.\[video\]" \(in the aiomame '
                       r'clone'):
        open_video(tmp_path / "v.mp4", 20)
    open_video(tmp_path / "v.gif", 20).abort()  # GIF needs only Pillow
    with pytest.raises(InvalidArgumentError, match="ends in .gif or .mp4"):
        open_video(tmp_path / "v.avi", 20)


async def test_export_at_real_speed(recorded, tmp_path):
    recording, seen, path = recorded
    gif, mp4 = tmp_path / "e.gif", tmp_path / "e.mp4"
    assert await export(path, [gif, mp4]) is None
    seconds = len(seen) / recording.steps_per_second
    assert recording.steps_per_second == pytest.approx(59.54 / 3, abs=0.01)
    shown = gif_frames(gif)
    assert sum(d for _, d in shown) == pytest.approx(1000 * seconds, abs=10)
    assert np.array_equal(shown[0][0], seen[0][0].repeat(2, axis=0).repeat(2, axis=1))
    reader = imageio_ffmpeg.read_frames(str(mp4))
    meta = next(reader)
    assert meta["size"] == (448, 520) and meta["duration"] == pytest.approx(seconds, abs=0.06)
    assert sum(1 for _ in reader) == len(seen)
