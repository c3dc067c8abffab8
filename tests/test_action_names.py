"""Actions by name where a game has named actions (``step("left")``), on real MAME with catch
and duel: GameEnv, EnvPool (send and step), the versus pool, Gymnasium and recordings. Names
and indices play alike; an unknown name is an InvalidArgumentError naming the valid ones."""

from __future__ import annotations

import numpy as np
import pytest

from aiomame import EnvPool, GameEnv
from aiomame.errors import InvalidArgumentError
from aiomame.games import get_game
from aiomame.gym import MameEnv, MameVectorEnv
from aiomame.tools.recording import Recorder

OBS = {"obs_type": "grayscale", "resize": (84, 84)}
CATCH_NAMES = "noop, left, right"


def test_controls_turn_names_into_indices():
    controls = get_game("catch").controls()
    assert controls.index("right") == 2
    assert controls.inputs("left") == controls.inputs(1)
    assert controls.indices(["left", "noop", "right"]).tolist() == [1, 0, 2]
    assert controls.indices(np.array([["left"], ["right"]])).tolist() == [[1], [2]]
    assert controls.indices(np.array(["left", 2], dtype=object)).tolist() == [1, 2]
    with pytest.raises(InvalidArgumentError, match=rf"'jump': no action of that name; valid "
                       rf"names: {CATCH_NAMES} \(or indices 0..2\)"):
        controls.inputs("jump")
    with pytest.raises(InvalidArgumentError, match=r"actions\[1\] is 'jump': no action"):
        controls.indices(["left", "jump"])
    with pytest.raises(InvalidArgumentError, match=r"take a vector, not an action name"):
        get_game("basket_paddle").controls().index("left")


async def test_game_env_steps_by_name_as_by_index(no_leaks):
    async with GameEnv("catch", **OBS) as env:
        runs = []
        for actions in (["left", "left", "right", "noop"], [1, 1, 2, 0]):
            _, info = await env.reset(seed=5)
            steps = [info["paddle_x"]]
            for action in actions:
                steps.append((await env.step(action))[4]["paddle_x"])
            runs.append(steps)
        assert runs[0] == runs[1] and runs[0][2] < runs[0][0]  # moved left
        with pytest.raises(InvalidArgumentError, match=f"'jump'.*valid names: {CATCH_NAMES}"):
            await env.step("jump")
        assert (await env.step(np.str_("right")))[4]["paddle_x"] > runs[0][-1]


async def test_two_players_step_by_names(no_leaks):
    async with GameEnv("duel", **OBS) as env:
        _, info = await env.reset(seed=1)
        x1, x2 = info["p1_x"], info["p2_x"]
        _, reward, _, _, info = await env.step(["left", "right"])
        assert reward.shape == (2,) and info["p1_x"] < x1 and info["p2_x"] > x2
        x1, x2 = info["p1_x"], info["p2_x"]
        _, _, _, _, info = await env.step(["right", 1])  # names and indices mix per player
        assert info["p1_x"] > x1 and info["p2_x"] < x2
        with pytest.raises(InvalidArgumentError, match="player 2: 'fire': no action of that "
                           "name; valid names: noop, left, right"):
            await env.step(["left", "fire"])


async def test_pool_send_and_step_take_names(no_leaks):
    async with EnvPool("catch", 3, frames=False) as pool:
        start = (await pool.reset(seed=[1, 2, 3])).memory["paddle_x"].copy()
        batch = await pool.step(["left", "right", "noop"])
        assert np.sign(batch.memory["paddle_x"] - start).tolist() == [-1, 1, 0]
        pool.send(np.array(["right", "left"]), [2, 0])
        batch = await pool.recv(2)
        assert sorted(batch.env_ids.tolist()) == [0, 2]
        await pool.step(["noop"], [1])
        with pytest.raises(InvalidArgumentError, match=r"actions\[2\] is 'jump': no action of "
                           rf"that name; valid names: {CATCH_NAMES}"):
            await pool.step(["left", "left", "jump"])
        batch = await pool.step(np.array([0, 0, 0]))  # nothing was sent: all idle again
        assert len(batch) == 3
    async with EnvPool("duel", 2, frames=False) as pool:
        start = await pool.reset(seed=[1, 2])
        p1, p2 = start.memory["p1_x"].copy(), start.memory["p2_x"].copy()
        batch = await pool.step([["left", "right"], ["right", "left"]])
        assert np.sign(batch.memory["p1_x"] - p1).tolist() == [-1, 1]
        assert np.sign(batch.memory["p2_x"] - p2).tolist() == [1, -1]
        with pytest.raises(InvalidArgumentError, match=r"actions\[:, 1\]\[0\] is 'fire'"):
            await pool.step([["left", "fire"], ["noop", "noop"]])


def test_gymnasium_envs_and_the_versus_pool_take_names(no_leaks):
    with MameEnv("catch", **OBS) as env:
        _, info = env.reset(seed=3)
        _, _, _, _, after = env.step("left")
        assert after["paddle_x"] < info["paddle_x"]
    with MameVectorEnv("duel", 2, opponent="noop", player=2, **OBS) as envs:
        _, infos = envs.reset(seed=1)
        start = infos["p2_x"].copy()
        _, _, _, _, infos = envs.step(["left", "right"])
        assert np.sign(infos["p2_x"] - start).tolist() == [-1, 1]
        with pytest.raises(InvalidArgumentError, match=r"actions\[0\] is 'up'"):
            envs.step(["up", "left"])


async def test_a_recording_stores_named_actions_as_indices(no_leaks):
    async with GameEnv("catch", **OBS) as env:
        recorder = Recorder(env)
        await recorder.reset(seed=2)
        for action in ("left", 2, "noop"):
            await recorder.step(action)
        assert recorder.recording.actions.tolist() == [1, 2, 0]
    async with GameEnv("duel", opponent="cpu", **OBS) as env:
        recorder = Recorder(env)
        await recorder.reset(seed=2)
        await recorder.step("right")
        assert recorder.recording.actions.tolist() == [2]
