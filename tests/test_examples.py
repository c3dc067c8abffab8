"""Every example script and notebook runs on the bundled game (bounded steps), as users
would start it: scripts as subprocesses, notebooks in a real Jupyter kernel."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import nbclient
import nbformat
import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOKS = sorted((EXAMPLES / "notebooks").glob("*.ipynb"))


def run_example(name: str, *args: str, timeout: float = 120, **env: str
                ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "DISPLAY": "", **env})


def test_random_agent():
    out = run_example("random_agent.py", "--episodes", "2", "--seed", "1")
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("episode ") == 2 and "mean score" in out.stdout


def test_hogwild():
    out = run_example("hogwild.py", "--envs", "2", "--steps", "100", "--seed", "1")
    assert out.returncode == 0, out.stderr
    assert "env steps in" in out.stdout and "0 restarts" in out.stdout


def test_async_trainer():
    # The pattern, not the learning: scheduling between the actors differs run to run, and
    # so does what 1,500 transitions teach (9 runs here: 8 scored 7-9 of 9, one 1).
    out = run_example("async_trainer.py", "--actors", "2", "--transitions", "1500",
                      "--eval-episodes", "1", "--eval-steps", "50")
    assert out.returncode == 0, out.stderr
    summary, greedy = out.stdout.splitlines()
    assert summary.startswith("1500 transitions from 2 actors in "), summary
    assert greedy.startswith("greedy policy: mean score "), greedy


def test_behaviour_cloning_smoke(tmp_path):
    # Every stage on little data (record, export to Minari, load, train, evaluate): that the
    # script works, not that it learns (docs/examples.md has the full run's numbers).
    if os.environ.get("AIOMAME_REQUIRE_TORCH") != "1":
        pytest.importorskip("torch", reason="PyTorch is installed by .ci/run on the host")
    out = run_example("behaviour_cloning.py", "--smoke", "--out", str(tmp_path / "run"),
                      MINARI_DATASETS_PATH=str(tmp_path / "minari"))
    assert out.returncode == 0, out.stderr
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["demonstrations"] == 2 and len(results["scores"]["clone"]) == 2
    assert results["training"]["samples"] > 0 and results["training"]["epochs"]
    assert results["means"]["tracker"] > 0  # the teacher catches balls in 60 steps
    assert sorted(p.name for p in (tmp_path / "run" / "recordings").iterdir()) == [
        "tracker-000.aiorec", "tracker-001.aiorec"]
    assert (tmp_path / "minari" / "aiomame" / "catch-tracker-v0").is_dir()
    assert (tmp_path / "run" / "checkpoint.pt").stat().st_size > 0
    assert "clone / random:" in out.stdout and "tracker" in out.stdout


def test_sf3_random_agent_without_the_rom_says_what_is_missing(tmp_path):
    out = run_example("sf3_random_agent.py", "--roms", str(tmp_path), "--headless")
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.startswith(
        f"sf3_random_agent: MAME needs the ROM sets sfiii3n and sfiii3 in '{tmp_path}' (")
    assert "sfiii3-simm1.0" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    images = [o for cell in notebook.cells for o in cell.get("outputs", [])
              if "image/png" in o.get("data", {})]
    assert images, "the notebook shows no picture"
    assert not [o for cell in notebook.cells for o in cell.get("outputs", [])
                if o.get("output_type") == "error"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: Path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def test_notebooks_exist():
    assert {p.stem for p in NOTEBOOKS} >= {"quickstart", "many_envs"}


def _self_play_module():
    pytest.importorskip("torch", reason="PyTorch is installed by .ci/run on the host")
    spec = importlib.util.spec_from_file_location("self_play", EXAMPLES / "self_play.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_self_play_smoke_run_writes_log_evaluation_plot_gif_and_checkpoint(tmp_path):
    # That the script works end to end, not that it learns (the full run: docs/examples.md).
    self_play = _self_play_module()
    import torch

    out = run_example("self_play.py", "--minutes", "0.3", "--envs", "4", "--rollout", "64",
                      "--eval-envs", "2", "--eval-matches", "2", "--eval-steps", "200",
                      "--eval-every", "6", "--out", str(tmp_path), timeout=150)
    assert out.returncode == 0, out.stderr
    assert "vs the computer" in out.stdout.splitlines()[-1]
    with open(tmp_path / "progress.csv", newline="") as log:
        rows = list(csv.DictReader(log))
    assert len(rows) >= 2 and float(rows[0]["seconds"]) == 0
    assert [int(r["env_steps"]) for r in rows] == sorted(int(r["env_steps"]) for r in rows)
    assert all(0 <= float(r[k]) <= 1 for r in rows for k in ("win_vs_random", "win_vs_cpu"))
    saved = json.loads((tmp_path / "evaluation.json").read_text())
    for key in ("versus_random", "versus_cpu", "tracker_versus_cpu"):
        assert saved[key]["matches"] == 2 and 0 <= saved[key]["win_rate"] <= 1
    assert isinstance(saved["reached"], bool)
    assert (tmp_path / "win_rate.png").read_bytes()[:4] == b"\x89PNG"
    gif = tmp_path / "duel_self_play.gif"
    assert gif.read_bytes()[:6] == b"GIF89a" and gif.stat().st_size < 2_000_000
    data = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    model = self_play.Policy(hidden=data["hidden"])
    model.load_state_dict(data["weights"])
    assert data["features"] == list(self_play.FEATURES)


def test_self_play_features_are_the_same_from_either_side():
    # One policy plays player 1 or 2: swapping the paddles and the side changes nothing.
    self_play = _self_play_module()
    row = {"p1_x": 40, "p2_x": 150, "object0_active": 1, "object0_x": 60, "object0_y": 100,
           "object1_active": 1, "object1_x": 170, "object1_y": 190}
    swapped = {**row, "p1_x": 150, "p2_x": 40}
    memory = {k: np.array([row[k], swapped[k]]) for k in row}
    obs = self_play.features(memory, np.array([1, 2])).numpy()
    assert np.array_equal(obs[0], obs[1])
    assert obs[0][2:7].tolist()[0] == 1 and obs[0][5] > obs[0][10]  # lowest ball first
