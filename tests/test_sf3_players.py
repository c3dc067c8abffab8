"""sf3_2p: Street Fighter III for two players — both action tables, per-player rewards, the
two-player start script, GameEnv's joint steps, and what a missing ROM says on real MAME.

There is no sfiii3n ROM here (none may be downloaded), so, as in test_sf_environment, a
scripted stand-in takes the emulator's place: it returns the memory values a test lists
and records the inputs of every step. Everything above it (the game, the episode, GameEnv)
is the real code path; the missing-ROM tests run real MAME.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import ClassVar

import gymnasium as gym
import numpy as np
import pytest

import aiomame.gym  # noqa: F401  (registers aiomame/SF3TwoPlayer-v0)
from aiomame import EnvPool, GameEnv
from aiomame.episodes.episode import Episode
from aiomame.errors import InvalidArgumentError, MissingRomsError
from aiomame.games import GAMES, get_game
from aiomame.games import sf3_steps as Steps
from aiomame.games.sf3 import SF3, Actions, SF3TwoPlayer, memory_addresses

A = Actions
LIT = np.full((4, 4, 3), 200, np.uint8)
NAMES = list(memory_addresses())


def state(fighting=1, health1=160, health2=160):
    return {"fighting": fighting, "winsP1": 0, "winsP2": 0, "healthP1": health1,
            "healthP2": health2}


def length(sequence):
    return sum(step["wait"] + 1 for step in sequence)


class ScriptedMachine:
    """Stands in for an Emulator running sfiii3n: the fight starts ``after`` steps past a
    hard reset; then each step returns the next of ``fight`` (memory values) while there is
    one (the first goes to ``start``'s wait for the fight, the second to the episode's first
    step). Records every step's inputs; save states are the step count."""

    frame_ratio, supports_save = 3, True
    frame_shape, screen_size = LIT.shape, (4, 4)
    info: ClassVar = {"system": "sfiii3n", "mame": "0.251"}
    process = SimpleNamespace(roms_path="roms/", media={}, software=None)

    def __init__(self, after, fight=()):
        self.after, self.fight = after, list(fight)
        self.count, self.loads, self.inputs, self.closed = 0, 0, [], False

    async def start(self):
        pass

    def list_actions(self):
        return []

    async def reset(self, kind="soft"):
        assert kind == "hard"
        self.count = 0

    def _next(self, actions):
        self.count += 1
        self.inputs.append(list(actions))
        if self.count > self.after and self.fight:
            return self.fight.pop(0)
        return state(fighting=int(self.count > self.after))

    async def step(self, actions=(), frame=True):
        data = self._next(actions)
        return {**data, "frame": LIT} if frame else data

    async def step_into(self, actions, out):
        data = self._next(actions)
        out[...] = LIT
        return [data[name] for name in NAMES], out

    async def save_state(self):
        return self.count

    async def load_state(self, saved):
        self.count, self.loads = saved, self.loads + 1

    async def close(self):
        self.closed = True


def pressed(inputs):
    """The steps that held something, as lists of Actions."""
    return [[A(a) for a in step] for step in inputs if step]


def test_sf3_2p_is_registered_with_a_90_action_table_per_player():
    game = get_game("sf3_2p")
    assert GAMES["sf3_2p"] is SF3TwoPlayer and isinstance(game, SF3)
    assert (game.players, game.cpu_opponent, game.controlled_players) == (2, True, 2)
    one, two = game.controls(1), game.controls(2)
    assert one.action_names() == two.action_names() == get_game("sf3").action_names()
    assert len(two.action_names()) == 90 and one.actions == SF3.actions
    for name, held in two.actions.items():  # player 2's: player 1's on the P2 fields
        assert all(a.field.startswith("P2 ") for a in held), name
        assert [a.field for a in held] == [a.field.replace("P1 ", "P2 ")
                                           for a in one.actions[name]]
    assert two.inputs(42) == (A.P2_RIGHT.value, A.P2_FPUNCH.value)  # right/fierce
    assert two.inputs(6) == (A.P2_LEFT.value, A.P2_RKICK.value)
    assert A.P2_RKICK.value.port == ":INPUTS" and A.P2_SKICK.value.port == ":EXTRA"
    assert two.noop() == one.noop() == 89 and two.inputs(89) == ()
    assert game.joint_inputs([42, np.int64(6)]) == (
        A.P1_RIGHT.value, A.P1_FPUNCH.value, A.P2_LEFT.value, A.P2_RKICK.value)
    with pytest.raises(InvalidArgumentError, match=r"player 2: action 90 is not in 0\.\.89"):
        game.joint_inputs([0, 90])
    with pytest.raises(InvalidArgumentError, match=r"one action per player \(2\)"):
        game.joint_inputs(42)
    with pytest.raises(InvalidArgumentError, match="players 1, 2"):
        game.controls(3)


def test_rewards_per_player_and_the_round_end_through_the_episode():
    game = get_game("sf3_2p")
    assert game.reward(state(health1=160, health2=160), state(health1=150, health2=130)) \
        == (20.0, -20.0)
    episode = Episode(game, NAMES)
    episode.begin(state())
    reward, terminated, truncated = episode.advance(state(health1=150, health2=130))
    assert reward.tolist() == [20.0, -20.0] and not (terminated or truncated)
    reward, terminated, _ = episode.advance(state(0, health1=110, health2=130))
    assert reward.tolist() == [-40.0, 40.0] and terminated  # the end, for both
    # Against the game's AI: player 1's reward, a float, as sf3's.
    game.set_versus_cpu(True)
    episode = Episode(game, NAMES)
    episode.begin(state())
    assert episode.advance(state(health1=150, health2=130)) == (20.0, False, False)


async def test_the_two_player_start_presses_both_starts_and_both_selects():
    game = get_game("sf3_2p")
    script = length(Steps.set_difficulty(3, 3)) + length(Steps.start_versus(3))
    machine = ScriptedMachine(after=script + 20)
    first = await game.new_game(machine)
    assert first["fighting"] == 1 and machine.count == script + 21 + 1
    held = pressed(machine.inputs)
    menu = [step["actions"] for step in Steps.set_difficulty(3, 3)]
    assert held[:len(menu)] == menu  # the same service menu path as sf3
    start = held[len(menu):]
    assert start[:4] == [[A.COIN_P1], [A.COIN_P1], [A.COIN_P2], [A.COIN_P2]]
    assert start[4:6] == [[A.P1_START], [A.P2_START]]  # player 2 joins after player 1
    assert start[6] == [A.P1_LEFT, A.P1_JPUNCH, A.P2_LEFT, A.P2_JPUNCH]
    assert start[7:] == [[A.P1_JPUNCH, A.P2_JPUNCH]] * 2
    machine.count, machine.inputs = 0, []
    await game.new_game(machine)  # the saved fight start, then one step
    assert machine.loads == 1 and machine.inputs == [[]]
    # Against the game's AI: sf3's start to the step, saved apart from the 2P start.
    game.set_versus_cpu(True)
    versus_cpu = ScriptedMachine(after=script + 20)
    await game.new_game(versus_cpu)
    alone = ScriptedMachine(after=script + 20)
    await get_game("sf3").new_game(alone)
    assert versus_cpu.loads == 0 and versus_cpu.inputs == alone.inputs
    assert A.P2_START not in {a for step in pressed(alone.inputs) for a in step}


async def test_game_env_steps_both_players_and_rewards_each(tmp_path, no_leaks):
    setup = length(Steps.set_difficulty(3, 3)) + length(Steps.start_versus(3))
    env = GameEnv("sf3_2p", roms_path=tmp_path)  # MAME never starts: the stand-in does
    machine = env.emulator = ScriptedMachine(after=setup, fight=[
        state(), state(), state(health1=150, health2=130), state(0, health1=150, health2=100)])
    await env.start()
    assert env.players == 2 and env.action_names == get_game("sf3").action_names()
    await env.reset()
    _, reward, terminated, _, info = await env.step([42, 6])
    assert machine.inputs[-1] == [A.P1_RIGHT.value, A.P1_FPUNCH.value, A.P2_LEFT.value,
                                  A.P2_RKICK.value]
    assert reward.shape == (2,) and reward.tolist() == [20.0, -20.0] and not terminated
    assert info["healthP2"] == 130
    with pytest.raises(InvalidArgumentError, match="one action per player"):
        await env.step(42)
    _, reward, terminated, _, _ = await env.step([89, 89])
    assert machine.inputs[-1] == [] and reward.tolist() == [30.0, -30.0] and terminated
    await env.close()
    assert machine.closed


async def test_game_env_against_the_cpu_is_sf3(tmp_path, no_leaks):
    setup = length(Steps.set_difficulty(3, 3)) + length(Steps.start_game(3))
    env = GameEnv("sf3_2p", roms_path=tmp_path, opponent="cpu")
    machine = env.emulator = ScriptedMachine(after=setup, fight=[
        state(), state(), state(health1=150, health2=130)])
    await env.start()
    await env.reset()
    assert A.P2_START.value not in {a for step in machine.inputs for a in step}
    _, reward, _, _, _ = await env.step(42)
    assert env.players == 1 and reward == 20.0 and isinstance(reward, float)
    assert machine.inputs[-1] == [A.P1_RIGHT.value, A.P1_FPUNCH.value]
    await env.close()


async def noop_run(tmp_path):
    """GameEnv on sf3_2p with player 2 held by ``opponent="noop"``: one step of action 42;
    returns (the machine, the step's reward)."""
    setup = length(Steps.set_difficulty(3, 3)) + length(Steps.start_versus(3))
    env = GameEnv("sf3_2p", roms_path=tmp_path, opponent="noop")
    machine = env.emulator = ScriptedMachine(after=setup, fight=[
        state(), state(), state(health1=150, health2=130)])
    await env.start()
    try:
        await env.reset()
        _, reward, _, _, _ = await env.step(42)
        assert env.players == 1
    finally:
        await env.close()
    return machine, reward


async def test_game_env_against_a_noop_player_two(tmp_path, no_leaks):
    machine, _ = await noop_run(tmp_path)
    assert A.P2_START.value in {a for step in machine.inputs for a in step}  # a 2P game
    assert machine.inputs[-1] == [A.P1_RIGHT.value, A.P1_FPUNCH.value]  # P2 holds nothing


async def test_game_env_against_a_noop_player_two_rewards_player_one(tmp_path, no_leaks):
    _, reward = await noop_run(tmp_path)
    assert isinstance(reward, float) and reward == 20.0


async def test_sf3_2p_without_the_rom_names_the_missing_sets(tmp_path, no_leaks):
    with pytest.raises(MissingRomsError, match="sfiii3n, sfiii3") as caught:
        async with GameEnv("sf3_2p", roms_path=tmp_path):
            pass
    assert caught.value.sets == ["sfiii3n", "sfiii3"] and "sfiii3-simm1.0" in caught.value.files
    with pytest.raises(MissingRomsError, match="sfiii3n, sfiii3"):
        async with EnvPool("sf3_2p", 2, roms_path=tmp_path):
            pass
    with pytest.raises(MissingRomsError, match="sfiii3n, sfiii3"):
        gym.make("aiomame/SF3TwoPlayer-v0", roms_path=tmp_path, opponent="cpu")
