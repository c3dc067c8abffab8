"""aiomame.mametoolkit.sf_environment: Street Fighter III's logic against scripted memory
sequences, and what a missing ROM says on real MAME.

There is no sfiii3n ROM here (none may be downloaded), so the logic tests put a scripted
stand-in where the emulator goes (``Environment.emulator_class``): it returns the memory
values and frames a test lists, one per emulator step, and records the inputs. Everything
above the emulator is the real code path.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import ClassVar

import gymnasium as gym
import numpy as np
import pytest

import aiomame.gym  # noqa: F401  (registers aiomame/SF3-v0)
from aiomame import EnvPool
from aiomame.episodes.episode import Episode
from aiomame.errors import InvalidArgumentError, MissingRomsError, StateError
from aiomame.games import get_game
from aiomame.games import sf3_steps as Steps
from aiomame.mametoolkit.sf_environment import (
    ATTACKS,
    MOVES,
    Actions,
    Environment,
    memory_addresses,
)

LIT = np.full((4, 4, 3), 200, np.uint8)
BLACK = np.zeros((4, 4, 3), np.uint8)


def state(fighting=0, p1=0, p2=0, health1=160, health2=160, frame=LIT):
    return {"fighting": fighting, "winsP1": p1, "winsP2": p2, "healthP1": health1,
            "healthP2": health2, "frame": frame}


class ScriptedEmulator:
    """Stands in for MAME running sfiii3n: one listed state per step."""

    def __init__(self, env_id, roms_path, game_id, addresses, **options):
        assert game_id == "sfiii3n" and set(addresses) == set(memory_addresses())
        self.options, self.script, self.inputs = options, [], []
        self.closed = False

    def step(self, actions=()):
        assert self.script, "the scripted game ran out of steps"
        self.inputs.append(list(actions))
        return dict(self.script.pop(0))

    def close(self):
        self.closed = True


def length(sequence):
    return sum(step["wait"] + 1 for step in sequence)


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setattr(Environment, "emulator_class", ScriptedEmulator)
    environment = Environment("env1", "roms/", difficulty=5, frame_ratio=3, frames_per_step=3)
    yield environment
    environment.close()
    assert environment.emu.closed


def start(env):
    setup = length(Steps.set_difficulty(3, 5)) + length(Steps.start_game(3))
    env.emu.script = [state()] * (setup + 4) + [state(fighting=1)] + [state(fighting=1)] * 3
    frames = env.start()
    assert env.emu.script == []
    assert len(frames) == 3 and frames[0].shape == LIT.shape
    return setup


def test_start_plays_the_menus_then_waits_for_the_fight(env):
    setup = start(env)
    inputs = [i for i in env.emu.inputs[:setup] if i]
    assert inputs[0] == [Actions.SERVICE.value]
    assert inputs.count([Actions.P1_RIGHT.value]) == 2  # difficulty 5: two right of 3
    assert [Actions.P1_LEFT.value, Actions.P1_JPUNCH.value] in inputs  # character select
    assert env.emu.options["frame_ratio"] == 3 and env.started


def test_rewards_are_health_differences(env):
    start(env)
    env.emu.script = [state(1, health1=150, health2=140), state(1, health1=150, health2=130),
                      state(1, health1=145, health2=130)]
    frames, rewards, round_done, stage_done, game_done = env.step(4, 2)  # right + fierce
    # P2 lost 30, P1 lost 15 over the three emulator steps.
    assert rewards == {"P1": 15, "P2": -15} and len(frames) == 3
    assert not (round_done or stage_done or game_done)
    assert env.emu.inputs[-1] == [Actions.P1_RIGHT.value, Actions.P1_FPUNCH.value]


def test_a_round_a_stage_and_the_game_end(env):
    start(env)
    # The fight stops; the win counter moves two steps later: round 1 to P1.
    env.emu.script = [state(1), state(1), state(0), state(0), state(0, p1=1)]
    frames, _, round_done, stage_done, game_done = env.step(8, 9)
    assert (round_done, stage_done, game_done) == (True, False, False)
    assert len(frames) == 3 and env.emu.script == []  # the step's frames, not the wait's
    with pytest.raises(StateError, match="between fights"):
        env.step(0, 0)
    env.emu.script = [state(0, p1=1), state(1, p1=1)] + [state(1, p1=1)] * 3
    assert len(env.next_round()) == 3
    env.emu.script = [state(1, p1=1), state(1, p1=1), state(0, p1=2)]
    _, _, round_done, stage_done, game_done = env.step(8, 9)
    assert (round_done, stage_done, game_done) == (True, True, False) and env.stage == 2
    # next_stage: until the screen goes black, the scripted inputs, the next fight.
    env.emu.script = ([state(0, p1=2)] * 2 + [state(frame=BLACK)]
                      + [state()] * length(Steps.next_stage(3))
                      + [state(), state(1)] + [state(1)] * 3)
    env.reset()
    assert env.emu.script == [] and not env.stage_done and env.expected_wins == {"P1": 0,
                                                                                 "P2": 0}
    env.emu.script = [state(1), state(0, p2=1), state(0, p2=2)]
    *_, round_done, stage_done, game_done = env.step(0, 0)
    assert (round_done, stage_done, game_done) == (True, False, True)
    env.emu.script = ([state(frame=BLACK)] + [state()] * length(Steps.new_game(3))
                      + [state(1)] * 4)
    env.new_game()
    assert env.stage == 1 and not env.game_done and env.emu.script == []


def test_wrong_calls_are_refused(env):
    with pytest.raises(StateError, match="start"):
        env.step(0, 0)
    start(env)
    with pytest.raises(StateError, match="fight is still on"):
        env.reset()
    with pytest.raises(StateError, match="the game has not ended"):
        env.new_game()
    with pytest.raises(InvalidArgumentError, match="move_action must be in 0..8, got 9"):
        env.step(9, 0)
    with pytest.raises(InvalidArgumentError, match="attack_action must be in 0..9, got -1"):
        env.step(0, -1)


def test_action_tables():
    assert len(MOVES) == 9 and len(ATTACKS) == 10 and MOVES[8] == ATTACKS[9] == ()
    assert Actions.P1_SKICK.value.port == ":EXTRA"
    with pytest.raises(InvalidArgumentError, match="difficulty must be an int in 0..7"):
        Environment("env1", "roms/", difficulty=9)


def test_without_the_rom_it_says_which_sets_are_missing(tmp_path, monkeypatch, no_leaks):
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.warns(RuntimeWarning, match="running headless"), \
            pytest.raises(MissingRomsError, match="sfiii3n, sfiii3") as caught:
        Environment("env1", str(tmp_path))
    assert "sfiii3-simm1.0" in caught.value.files


# -- the aiomame way: the registered game definition "sf3" ----------------------------------
class ScriptedMachine:
    """Stands in for an async Emulator running sfiii3n: the fight starts ``after`` steps
    past a hard reset; save states are the step count."""

    frame_ratio, supports_save = 3, True
    info: ClassVar = {"system": "sfiii3n", "mame": "0.251"}
    process = SimpleNamespace(roms_path="roms/", media={}, software=None)

    def __init__(self, after):
        self.after, self.count, self.steps, self.loads = after, 0, 0, 0

    async def reset(self, kind="soft"):
        assert kind == "hard"
        self.count = 0

    async def step(self, actions=(), frame=True):
        self.count += 1
        self.steps += 1
        data = {"fighting": int(self.count > self.after), "winsP1": 0, "winsP2": 0,
                "healthP1": 160, "healthP2": 160 - self.count // 100}
        return {**data, "frame": LIT} if frame else data

    async def save_state(self):
        return self.count

    async def load_state(self, state):
        self.count, self.loads = state, self.loads + 1


async def test_sf3_starts_once_then_loads_the_fight_start():
    game = get_game("sf3")
    script = length(Steps.set_difficulty(3, 3)) + length(Steps.start_game(3))
    machine = ScriptedMachine(after=script + 20)
    first = await game.new_game(machine)
    assert first["fighting"] == 1 and machine.steps == script + 21 + 1
    machine.steps = 0
    again = await game.new_game(machine)  # the saved fight start, then one step
    assert machine.loads == 1 and machine.steps == 1
    assert {k: again[k] for k in memory_addresses()} == {k: first[k] for k in memory_addresses()}


def test_sf3_actions_rewards_and_round_end_through_the_episode():
    game = get_game("sf3")
    names = game.action_names()
    assert len(names) == 90 and names[4 * 10 + 2] == "right/fierce"
    assert game.inputs(42) == (Actions.P1_RIGHT.value, Actions.P1_FPUNCH.value)
    assert game.inputs(np.int64(89)) == ()
    episode = Episode(game, list(memory_addresses()))
    episode.begin(state(1))
    assert episode.advance(state(1, health1=150, health2=130)) == (30.0 - 10.0, False, False)
    assert episode.advance(state(0, health1=150, health2=100)) == (30.0, True, False)


async def test_sf3_without_the_rom(tmp_path, no_leaks):
    with pytest.raises(InvalidArgumentError, match="'sf3' ships no ROMs: pass roms_path"):
        gym.make("aiomame/SF3-v0")
    with pytest.raises(MissingRomsError, match="sfiii3n, sfiii3"):
        gym.make("aiomame/SF3-v0", roms_path=tmp_path)
    with pytest.raises(MissingRomsError, match="sfiii3n, sfiii3"):
        async with EnvPool("sf3", 2, roms_path=tmp_path):
            pass
