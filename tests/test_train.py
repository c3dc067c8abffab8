"""examples/train_ppo.py: a short training run proves the script works end to end (log,
checkpoint, evaluation, plot), not that it learns (docs/examples.md has the full run's numbers);
the evaluation's comparison and seeding; a checkpoint loads and plays. Needs PyTorch, as
tests/test_sb3.py."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest

if os.environ.get("AIOMAME_REQUIRE_TORCH") == "1":
    import torch
else:
    torch = pytest.importorskip("torch", reason="PyTorch is installed by .ci/run on the host")

from PIL import Image

from aiomame import cli
from aiomame.errors import InvalidArgumentError
from aiomame.tools.policy import ActorCritic, load_agent, save_checkpoint

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "train_ppo.py"


@pytest.fixture(scope="module")
def train_ppo():
    spec = importlib.util.spec_from_file_location("train_ppo", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_smoke_run_writes_log_checkpoint_evaluation_and_plot(train_ppo, tmp_path, no_leaks):
    summary = train_ppo.main(["--minutes", "0.15", "--envs", "2", "--rollout", "64",
                              "--eval-episodes", "2", "--episode-steps", "100",
                              "--out", str(tmp_path)])
    with open(tmp_path / "progress.csv", newline="") as log:
        rows = list(csv.DictReader(log))
    assert rows and all(int(r["length"]) <= 100 for r in rows)
    assert [int(r["env_steps"]) for r in rows] == sorted(int(r["env_steps"]) for r in rows)
    saved = json.loads((tmp_path / "evaluation.json").read_text())
    assert saved["episodes"] == 2 and len(saved["scores"]["trained"]) == 2
    assert saved["tracker_mean"] > saved["random_mean"]  # the reference lines differ
    assert summary["ratio"] == saved["ratio"]
    assert (tmp_path / "learning_curve.png").read_bytes()[:4] == b"\x89PNG"
    agent = load_agent(tmp_path / "checkpoint.pt")
    assert agent.game == "catch" and tuple(agent.env["resize"]) == (84, 84)
    frame = np.zeros((84, 84), np.uint8)
    assert agent.act(frame) in (0, 1, 2)
    assert agent.act(np.stack([frame, frame])).shape == (2,)
    # Watch it: the policy sees 84x84 grayscale, the GIF shows the screen.
    gif = tmp_path / "trained.gif"
    with pytest.raises(SystemExit) as stop:
        cli.main(["play", "catch", "--agent", str(tmp_path / "checkpoint.pt"), "--episodes",
                  "1", "--max-steps", "20", "--gif", str(gif), "--json"])
    assert stop.value.code == 0
    with Image.open(gif) as image:
        assert image.size == (224 * 2, 260 * 2) and image.n_frames > 1


def test_compare(train_ppo):
    assert train_ppo.compare([5, 5], [1, 1])["reached"]
    result = train_ppo.compare([4.9, 5], [1, 1])
    assert not result["reached"] and result["ratio"] == pytest.approx(4.95)
    assert train_ppo.compare([1], [0])["reached"]  # any score beats a random agent's zero
    assert not train_ppo.compare([0], [0])["reached"]


def test_evaluation_is_seeded(train_ppo):
    options = {"obs_type": "grayscale", "resize": (84, 84), "max_episode_steps": 60}
    rng = np.random.default_rng(0)
    first = train_ppo.evaluate(lambda f, infos: np.array([i["paddle_x"] % 3 for i in infos]),
                               3, 7, options, num_envs=2)
    again = train_ppo.evaluate(lambda f, infos: np.array([i["paddle_x"] % 3 for i in infos]),
                               3, 7, options, num_envs=2)
    assert len(first) == 3 and sorted(first) == sorted(again)
    assert len(train_ppo.evaluate(lambda f, infos: rng.integers(3, size=len(infos)), 5, 0,
                                  options, num_envs=2)) == 5


def test_play_refuses_a_checkpoint_of_another_game(tmp_path, capsys):
    save_checkpoint(tmp_path / "other.pt", ActorCritic(1, 3), "sf3", {})
    with pytest.raises(SystemExit) as stop:
        cli.main(["play", "catch", "--agent", str(tmp_path / "other.pt")])
    assert stop.value.code == 2
    assert "was trained on 'sf3', not on 'catch'" in capsys.readouterr().err


def test_bad_checkpoints(tmp_path):
    with pytest.raises(InvalidArgumentError, match="no checkpoint at"):
        load_agent(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(InvalidArgumentError, match="is not an aiomame policy checkpoint"):
        load_agent(tmp_path / "junk.pt")
    torch.save({"format": 99}, tmp_path / "future.pt")
    with pytest.raises(InvalidArgumentError, match="of format 1"):
        load_agent(tmp_path / "future.pt")
    save_checkpoint(tmp_path / "ok.pt", ActorCritic(4, 3), "catch", {"frame_stack": 4})
    agent = load_agent(tmp_path / "ok.pt")
    assert agent.act(np.zeros((4, 84, 84), np.uint8)) in (0, 1, 2)
    assert not list(tmp_path.glob("*.partial"))
