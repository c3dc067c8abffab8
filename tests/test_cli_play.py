"""The play, record and replay commands on real MAME: bad input exits 2 with one line, capped
episodes end with a summary, record → replay is identical (and a changed file is not),
Ctrl-C keeps what was played."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from aiomame.cli import main
from aiomame.runner import run
from aiomame.tools.recording import FORMAT_VERSION, MAGIC, Recording, verify


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Runs the command line in this process: (exit status, stdout, stderr)."""
    with pytest.raises(SystemExit) as exited:
        main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return exited.value.code, out, err


@pytest.mark.parametrize("argv, message", [
    (["play", "catch", "--episodes", "0"], "--episodes must be at least 1, got 0"),
    (["play", "catch", "--episodes", "-2"], "--episodes must be at least 1, got -2"),
    (["play", "catch", "--agent", "smart"], "unknown agent 'smart' for catch; valid: random"),
    (["play", "catch", "--mp4", "x.avi"], "'x.avi': a video file name ends in .gif or .mp4"),
    (["play", "nosuchgame"], "unknown game 'nosuchgame'"),
    (["play", "sf3"], "game 'sf3' ships no ROMs: pass --roms"),  # the option, not roms_path
    (["record", "catch", "out.aiorec", "--max-steps", "-1"], "--max-steps must be 0"),
    (["record", "catch", "no/such/dir/out.aiorec"], "no such folder to write it in"),
    (["play", "catch", "--gif", "no/such/dir/a.gif"], "no such folder to write it in"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code, out, err = cli(capsys, *argv)
    assert code == 2 and out == "" and len(err.splitlines()) == 1, err
    assert f"aiomame {argv[0]}: error: " in err and message in err


def test_mean_scores_are_rounded():
    from aiomame.cli.play import mean_text

    assert [mean_text(x) for x in (1 / 3, 2.0, 0.0, 2.5, 1234567.891)] == [
        "0.33", "2", "0", "2.5", "1234567.89"]


def test_bad_recording_files_exit_2(capsys, tmp_path):
    good = Recording(game="catch", system="invaders", mame="0.251", frame_ratio=3,
                     refresh=59.54, actions=np.zeros(3, int), memory=[],
                     memory_crc=np.zeros(4, np.uint32),
                     frame_crc=np.zeros(4, np.uint32)).to_bytes()
    files = {"missing.aiorec": None, "notes.txt": b"hello\n", "cut.aiorec": good[:-5],
             "future.aiorec": MAGIC + (FORMAT_VERSION + 1).to_bytes(2, "big") + good[20:]}
    for name, content in files.items():
        if content is not None:
            (tmp_path / name).write_bytes(content)
        code, out, err = cli(capsys, "replay", tmp_path / name)
        assert code == 2 and out == "" and len(err.splitlines()) == 1, err
        assert "aiomame replay: error: " in err and name in err


def test_tracker_with_a_step_cap_ends_with_a_summary(capsys, tmp_path):
    code, out, err = cli(capsys, "play", "catch", "--agent", "tracker", "--episodes", "2",
                         "--max-steps", "25", "--seed", "1", "--gif", tmp_path / "t.gif",
                         "--record", tmp_path / "t.aiorec")
    lines = out.splitlines()
    assert code == 0, err
    assert len(lines) == 3 and lines[0].startswith("episode 1: score ")
    assert "in 25 steps, step cap, seed 2 (" in lines[1]  # each episode's seed is shown
    assert f"wrote {tmp_path / 't-2.aiorec'}" in lines[1]
    assert re.match(r"2 episode\(s\), mean score \d+(\.\d{1,2})?; ", lines[2]), lines[2]
    assert Recording.load(tmp_path / "t-1.aiorec").seed == 1
    assert Recording.load(tmp_path / "t-2.aiorec").seed == 2
    assert Image.open(tmp_path / "t.gif").n_frames > 1  # the last episode


def test_gif_of_a_definition_with_obs_shows_the_screen(capsys, tmp_path):
    """A definition whose agent sees 84x84 grey frames ([obs]): the GIF shows the screen as
    the player sees it, full size and in RGB, frame for frame what GameEnv's screen is."""
    from aiomame import GameEnv
    from aiomame.games import CATCH_DEFINITION

    text = Path(CATCH_DEFINITION).read_text().replace(
        '"roms/catch.bin"', f'"{Path(CATCH_DEFINITION).parent / "roms/catch.bin"}"')
    definition = tmp_path / "grey.toml"
    definition.write_text(text + '\n[obs]\nobs_type = "grayscale"\nresize = [84, 84]\n')
    gif = tmp_path / "grey.gif"
    code, _, err = cli(capsys, "play", definition, "--agent", "noop", "--episodes", "1",
                       "--seed", "1", "--max-steps", "40", "--gif", gif, "--scale", "1")
    assert code == 0, err

    async def screens() -> list[np.ndarray]:
        async with GameEnv("catch") as env:
            shown = [(await env.reset(seed=1))[0]]
            for _ in range(40):
                frame = (await env.step(0))[0]
                if not np.array_equal(frame, shown[-1]):  # a GIF holds a frame for longer
                    shown.append(frame)
        return shown

    with Image.open(gif) as image:
        shown = run(screens())
        assert image.size == (224, 260) and image.n_frames == len(shown) > 1
        for i, screen in enumerate(shown):
            image.seek(i)
            assert np.array_equal(np.asarray(image.convert("RGB")), screen), i


def test_play_caps_episodes_at_the_definitions_max_episode_steps(capsys, tmp_path):
    from aiomame.games import CATCH_DEFINITION

    text = Path(CATCH_DEFINITION).read_text().replace(
        '"roms/catch.bin"', f'"{Path(CATCH_DEFINITION).parent / "roms/catch.bin"}"')
    definition = tmp_path / "short.toml"
    definition.write_text(text.replace("frame_ratio = 3",
                                       "frame_ratio = 3\nmax_episode_steps = 30"))
    for argv, steps in [((), 30), (("--max-steps", "20"), 20)]:  # --max-steps wins
        code, out, err = cli(capsys, "play", definition, "--agent", "noop", "--episodes", "1",
                             "--seed", "1", "--gif", "", *argv)
        assert code == 0, err
        assert f"in {steps} steps, step cap" in out.splitlines()[0], out


def test_record_then_replay_identical_then_tampered(capsys, tmp_path):
    out_file = tmp_path / "r.aiorec"
    code, out, err = cli(capsys, "record", "catch", out_file, "--seed", "5", "--max-steps",
                         "40", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["episodes"][0]["steps"] == 40 and summary["files"] == [str(out_file)]
    gif, mp4 = tmp_path / "r.gif", tmp_path / "r.mp4"
    code, out, err = cli(capsys, "replay", out_file, "--json", "--gif", gif, "--mp4", mp4)
    assert code == 0, err
    result = json.loads(out)
    assert result["identical"] and result["steps"] == 40 and result["seed"] == 5
    assert result["score"] == summary["episodes"][0]["score"]
    reader = imageio_ffmpeg.read_frames(str(mp4))
    assert next(reader)["fps"] == pytest.approx(19.85, abs=0.01)
    assert sum(1 for _ in reader) == 41 and Image.open(gif).n_frames > 1

    recording = Recording.load(out_file)
    recording.memory_crc[30] ^= 0xFF
    recording.save(tmp_path / "bad.aiorec")
    code, out, err = cli(capsys, "replay", tmp_path / "bad.aiorec")
    assert code == 1, err
    assert "40 of 40 steps" in out and "diverged at step 30: its memory values differ" in out


def test_ctrl_c_prints_the_summary_writes_the_files_and_exits_130(tmp_path):
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    gif, record = tmp_path / "play.gif", tmp_path / "play.aiorec"
    child = subprocess.Popen(
        [sys.executable, "-m", "aiomame", "play", "catch", "--agent", "tracker",
         "--episodes", "1", "--max-steps", "0", "--gif", gif, "--record", record],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, AIOMAME_RUNTIME_DIR=str(runtime)))
    try:
        partial = tmp_path / ".play.partial.gif"  # the GIF being written: playing
        deadline = time.monotonic() + 60
        while not (partial.exists() and partial.stat().st_size > 20_000):
            assert child.poll() is None and time.monotonic() < deadline, child.stderr.read()
            time.sleep(0.05)
        private = [str(runtime / name) for name in os.listdir(runtime)]
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert child.returncode == 130, err
    lines = out.splitlines()
    assert lines[0].startswith("episode 1: score ") and ", interrupted, seed " in lines[0]
    assert lines[1].startswith("1 episode(s) (interrupted), mean score ")
    steps = int(lines[0].split(" in ")[1].split()[0])
    assert steps > 0 and Image.open(gif).n_frames > 1 and not partial.exists()
    recording = Recording.load(record)
    assert recording.steps == steps and recording.ended is None
    assert os.listdir(runtime) == []  # MAME closed: its private directory is gone
    assert not [pid for pid in os.listdir("/proc") if pid.isdigit() and any(
        p in _cmdline(pid) for p in private)]
    assert run(verify(recording)) is None  # what was played replays exactly


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""
