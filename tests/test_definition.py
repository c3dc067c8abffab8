"""Game definitions as data (aiomame.games.definition): the schema's errors, catch.toml
against the Python catch on real MAME, registering folders, Gymnasium, EnvPool, new-game."""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import aiomame.gym  # registers the ids
import aiomame.sync
from aiomame import Address, EnvPool, GameEnv, State
from aiomame.cli import new_game as new_game_command
from aiomame.cli.common import UsageError
from aiomame.errors import InvalidArgumentError
from aiomame.games import (
    CATCH_DEFINITION,
    GAMES,
    DefinedGame,
    GameDefinitionError,
    SystemGame,
    get_game,
    register_folder,
)
from aiomame.machine.emulator import Emulator

PORT1_IDLE, PORT1_LEFT = 9, 32  # the test ROM's port 1, and P1 Left's bit
TEST_ROM = {"counter": Address("0x2000")}

TEST_ROM_GAME = """\
system = "invaders"
frame_ratio = 2
buttons = [":CONTP1/P1 Left", [":CONTP1", "P1 Right"]]

[memory]
counter = { address = "0x2000" }
port1 = { address = 0x2001, type = "u8", device = ":maincpu", space = "program" }

[reward]
counter = 0.5

[done]
all = ["counter >= 7", ["port1", "==", 9]]

[obs]
obs_type = "grayscale"
resize = [84, 84]
frame_stack = 2
"""


def write(folder: Path, text: str, name: str = "game.toml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def restore_games():
    """Registrations made by a test are undone after it."""
    saved = dict(GAMES)
    yield
    GAMES.clear()
    GAMES.update(saved)


# -- the schema ---------------------------------------------------------------------------
MINIMAL = 'system = "invaders"\nbuttons = [":CONTP1/P1 Left"]\n'
MEMORY = MINIMAL + '[memory]\nscore = { address = 0x2008, type = "u16" }\n'


@pytest.mark.parametrize("text, key, message", [
    ('system = "invaders"\nbuttons = [":IN1/Coin 1"]\nsystme = 1\n', "systme",
     "unknown key 'systme'; valid: 'system', 'description'"),
    ('buttons = [":IN1/Coin 1"]\n', "system", "missing: give a MAME system name"),
    ('system = 3\nbuttons = [":IN1/Coin 1"]\n', "system",
     "must be a MAME system name, like 'invaders', got 3"),
    (MINIMAL + "frame_ratio = 0\n", "frame_ratio", "must be an int >= 1, got 0"),
    (MINIMAL + 'frame_ratio = "3"\n', "frame_ratio", "must be an int >= 1, got '3'"),
    (MINIMAL + "max_episode_steps = -1\n", "max_episode_steps", "must be an int >= 1"),
    (MINIMAL + '[memory]\nscore = { address = 0x2008, type = "u9" }\n', "memory.score.type",
     "unknown memory type 'u9'; valid: 'u8', 's8', 'u16', 's16', 'u32', 's32'"),
    (MINIMAL + '[memory]\nscore = { address = "2008" }\n', "memory.score.address",
     "is not a hex string like '0x20C0'"),
    (MINIMAL + "[memory]\nscore = { address = -1 }\n", "memory.score.address", "negative"),
    (MINIMAL + "[memory]\nscore = { address = 1.5 }\n", "memory.score.address",
     "must be an int or a hex string like '0x2008', got 1.5"),
    (MINIMAL + "[memory]\nscore = { type = 'u8' }\n", "memory.score.address", "missing"),
    (MINIMAL + "[memory]\nscore = { address = 1, typ = 'u8' }\n", "memory.score.typ",
     "unknown key 'typ'; valid: 'address', 'type', 'device', 'space'"),
    (MINIMAL + "[memory]\nscore = 8200\n", "memory.score", "must be a table"),
    (MEMORY + "[reward]\nscor = 1.0\n", "reward.scor",
     "unknown memory name 'scor'; valid: 'score'"),
    (MEMORY + '[reward]\nscore = "1"\n', "reward.score", "must be a number (the weight)"),
    (MEMORY + '[done]\nany = ["lives == 0"]\n', "done.any[0]",
     "unknown memory name 'lives'; valid: 'score'"),
    (MEMORY + '[done]\nany = [["score", "=<", 1]]\n', "done.any[0]",
     "unknown operator '=<'; valid: '==', '!=', '<', '<=', '>', '>='"),
    (MEMORY + '[done]\nany = ["score is 1"]\n', "done.any[0]", "a condition is 'NAME OP VALUE'"),
    (MEMORY + '[done]\nany = ["score == 1"]\nall = ["score == 2"]\n', "done",
     "either any = [...] or all = [...], not both"),
    (MEMORY + '[done]\nsome = ["score == 1"]\n', "done.some", "valid: 'any', 'all'"),
    (MINIMAL + '[actions]\nnoop = []\n', "actions", "either [actions]"),
    ('system = "invaders"\n', "", "give either [actions]"),
    ('system = "invaders"\n[actions]\nleft = [":CONTP1", "P1 Left"]\n', "actions.left[0]",
     "an input is 'PORT/FIELD' (like ':IN1/Coin 1'), [PORT, FIELD], or [PORT, FIELD, VALUE] "
     "(an analog input's position), got ':CONTP1'"),
    ('system = "invaders"\nbuttons = []\n', "buttons", "is empty"),
    (MINIMAL + '[roms]\nmaincpu = "nowhere.bin"\n', "roms.maincpu", "ROM image file not found"),
    (MINIMAL + '[start]\nstate = "nowhere.state"\n', "start.state", "state file not found"),
    (MINIMAL + '[start]\nreset = "warm"\n', "start.reset", "valid: 'hard', 'soft', 'none'"),
    (MEMORY + '[start]\nscript = [{ inputs = [":IN1/Coin 1"], steps = 1, until = "score > 0" '
     "}]\n", "start.script[0]", "steps (a count) or until (a condition), not both"),
    (MEMORY + '[start]\nscript = [{ until = "lives > 0" }]\n', "start.script[0].until",
     "unknown memory name 'lives'"),
    (MINIMAL + '[seed]\naddress = 0x2010\ntype = "u8"\nmodulo = 65535\n', "seed",
     "do not fit a u8 (0..255)"),
    (MINIMAL + '[obs]\nobs_type = "grey"\n', "obs.obs_type",
     "unknown obs_type 'grey'; valid: 'rgb', 'grayscale', 'bgra'"),
    (MINIMAL + "[obs]\nresize = [84]\n", "obs.resize", "must be [height, width]"),
    (MINIMAL + "frame_ratio = 1\n[obs]\nmaxpool = true\n", "obs.maxpool",
     "needs frame_ratio >= 2"),
    (MINIMAL + '[settings]\nCabinet = "Cocktail"\n', "settings",
     "a key is 'PORT/FIELD' like ':CAB/Cabinet', got 'Cabinet'"),
    (MINIMAL + '[settings]\n":CAB/Cabinet" = true\n', "settings",
     "settings[':CAB/Cabinet'] must be a setting's name (str) or value (int), got True"),
])
def test_a_bad_definition_names_file_key_value_and_valid_ones(tmp_path, text, key, message):
    path = write(tmp_path, text)
    with pytest.raises(GameDefinitionError) as caught:
        get_game(str(path))
    error = caught.value
    assert isinstance(error, InvalidArgumentError)
    assert str(error).startswith(f"{path}: " + (f"{key}: " if key else ""))
    assert message in str(error)
    assert (error.path, error.key) == (str(path), key)


@pytest.mark.parametrize("text, key, message", [
    ('system = "invaders"\nbuttons = [":IN1/Coin 1", ":CONTP1/P1 Lef"]\n', "buttons[1]",
     "unknown input field of port ':CONTP1' 'P1 Lef'; valid: 'P1 Button 1', 'P1 Left'"),
    ('system = "invaders"\n[actions]\nnoop = []\nleft = [":CONTP9/P1 Left"]\n',
     "actions.left[0]", "unknown input port ':CONTP9'; valid: "),
])
async def test_an_input_the_machine_lacks_names_file_and_key(roms, tmp_path, text, key,
                                                             message, no_leaks):
    path = write(tmp_path, text)  # valid TOML: only the running machine tells
    with pytest.raises(GameDefinitionError) as caught:
        async with GameEnv(path, roms_path=roms):
            pass
    assert str(caught.value).startswith(f"{path}: {key}: {message}"), caught.value


def test_bad_toml_syntax_says_the_line(tmp_path):
    path = write(tmp_path, 'system = "invaders"\nbuttons = [":IN1/Coin 1"\nframe_ratio = 3\n')
    with pytest.raises(GameDefinitionError, match=r"game\.toml: not valid TOML: .*line 3"):
        get_game(path)


def test_a_missing_file(tmp_path):
    with pytest.raises(GameDefinitionError, match="nowhere.toml: no such game definition"):
        get_game(str(tmp_path / "nowhere.toml"))
    with pytest.raises(InvalidArgumentError, match="unknown game 'pong'.*definition file"):
        get_game("pong")


def test_a_definition_is_a_system_game(tmp_path):
    game = get_game(write(tmp_path, TEST_ROM_GAME, "counter.toml"))
    assert isinstance(game, DefinedGame) and isinstance(game, SystemGame)
    assert (game.name, game.system, game.frame_ratio) == ("counter", "invaders", 2)
    assert game.action_names() == [":CONTP1/P1 Left", ":CONTP1/P1 Right"]
    assert game.memory_addresses["port1"].address == 0x2001
    assert game.obs == {"obs_type": "grayscale", "resize": (84, 84), "frame_stack": 2}
    assert game.reward({"counter": 1, "port1": 9}, {"counter": 3, "port1": 9}) == 1.0
    # done: all of the conditions
    assert game.terminated({"counter": 7, "port1": 9})
    assert not game.terminated({"counter": 7, "port1": 41})
    assert not game.terminated({"counter": 6, "port1": 9})


# -- catch as data == catch in Python ---------------------------------------------------
async def _episode(env: GameEnv, seed: int) -> list[tuple]:
    actions = random.Random(seed)
    frame, info = await env.reset(seed=seed)
    steps = [(frame.tobytes(), info)]
    while True:
        frame, reward, terminated, truncated, info = await env.step(actions.randrange(3))
        steps.append((frame.tobytes(), reward, terminated, truncated, info))
        if terminated or truncated:
            return steps


async def test_catch_toml_plays_exactly_like_the_python_catch():
    async with GameEnv("catch") as python, GameEnv(str(CATCH_DEFINITION)) as data:
        assert data.game.action_names() == python.game.action_names()
        assert dict(data.game.memory_addresses) == dict(python.game.memory_addresses)
        for seed in (0, 1, 7, 12345):
            expected, got = await _episode(python, seed), await _episode(data, seed)
            assert got[-1][2] and len(got) > 50  # a whole episode, to game over
            assert got == expected
        # later episodes load the saved start (then plant the seed), as Catch's do
        assert len(data.game._starts()) == 1


# -- loading and registering ------------------------------------------------------------
def test_register_folder(tmp_path, restore_games):
    write(tmp_path, TEST_ROM_GAME, "counter.toml")
    write(tmp_path, CATCH_DEFINITION.read_text().replace("roms/catch.bin",
                                                         str(CATCH_DEFINITION.parent / "roms"
                                                             / "catch.bin")), "catch2.toml")
    assert register_folder(tmp_path) == ["catch2", "counter"]
    assert register_folder(tmp_path) == ["catch2", "counter"]  # the same files again: fine
    assert get_game("counter").name == "counter" and get_game("catch2").can_seed()
    write(tmp_path, TEST_ROM_GAME, "catch.toml")
    with pytest.raises(InvalidArgumentError, match="game 'catch' is already registered"):
        register_folder(tmp_path)
    assert GAMES["catch"].__module__ == "aiomame.games.catch"
    write(tmp_path, "system = 1\n", "broken.toml")
    with pytest.raises(GameDefinitionError, match="broken.toml: system"):
        register_folder(tmp_path, replace=True)
    with pytest.raises(InvalidArgumentError, match="not a folder"):
        register_folder(tmp_path / "nowhere")


def test_games_path_variable(tmp_path):
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir()
    bad.mkdir()
    write(good, TEST_ROM_GAME, "counter.toml")
    write(bad, "system = ", "broken.toml")
    env = {**os.environ, "AIOMAME_GAMES_PATH": os.pathsep.join([str(good), str(bad)])}
    code = ("import aiomame.games as g, gymnasium; print(g.GAMES['counter'].path, "
            "gymnasium.spec('aiomame/Counter-v0').kwargs['game'])")
    result = subprocess.run([sys.executable, "-W", "always", "-c", code], env=env,
                            capture_output=True, text=True, check=True)
    assert result.stdout.split() == [str((good / "counter.toml").resolve()), "counter"]
    assert "AIOMAME_GAMES_PATH: skipped" in result.stderr
    assert "broken.toml: not valid TOML" in result.stderr


async def test_env_from_a_file_with_obs_defaults_and_all_done(roms, tmp_path):
    path = write(tmp_path, TEST_ROM_GAME, "counter.toml")
    async with GameEnv(path, roms_path=roms) as env:
        assert env.obs_shape == (2, 84, 84)  # the definition's obs defaults
        obs, info = await env.reset()
        assert obs.shape == (2, 84, 84) and info == {"counter": 1, "port1": PORT1_IDLE}
        _, reward, terminated, _, info = await env.step([1, 0])
        assert (reward, terminated, info["port1"]) == (1.0, False, PORT1_IDLE + PORT1_LEFT)
        for _ in range(2):
            _, reward, terminated, _, info = await env.step([0, 0])
        assert terminated and info["counter"] == 7
    async with GameEnv(path, roms_path=roms, frame_stack=1, resize=None,
                       obs_type="rgb") as env:  # arguments override them
        assert env.obs_shape == (260, 224, 3)


async def test_start_state_file(roms, tmp_path):
    async with Emulator("invaders", roms, frame_ratio=2) as emu:
        for _ in range(10):
            await emu.step(frame=False)
        counter = (await emu.read(TEST_ROM))["counter"]
        (await emu.save_state()).save(tmp_path / "start.state")
    path = write(tmp_path, TEST_ROM_GAME.replace("[reward]", '[start]\nstate = "start.state"\n'
                                                 "\n[reward]"), "from_state.toml")
    assert isinstance(get_game(path).start_state, State)
    async with GameEnv(path, roms_path=roms) as env:
        for _ in range(2):
            _, info = await env.reset()
            assert info["counter"] == counter + 2  # the state's, then one step of 2 frames
    text = TEST_ROM_GAME.replace('"invaders"', '"sfiii3n"').replace(
        "[reward]", '[start]\nstate = "start.state"\n\n[reward]')
    with pytest.raises(GameDefinitionError, match="start.state: is a state of system "
                       "'invaders', not of 'sfiii3n'"):
        get_game(write(tmp_path, text, "other.toml"))


async def test_envpool_from_a_file():
    async with EnvPool(str(CATCH_DEFINITION), 2) as pool, EnvPool("catch", 2) as python:
        assert pool.game.name == "catch" and pool.games[0] is not pool.games[1]
        a, b = await pool.reset(seed=3), await python.reset(seed=3)
        assert np.array_equal(a.frames, b.frames)
        for _ in range(20):
            actions = np.array([1, 2])
            a, b = await pool.step(actions), await python.step(actions)
            assert np.array_equal(a.frames, b.frames) and a.rewards.tolist() == b.rewards.tolist()
            assert {k: v.tolist() for k, v in a.memory.items()} == \
                {k: v.tolist() for k, v in b.memory.items()}


def test_gym_make_with_a_game_path(roms, tmp_path, no_leaks):
    with gym.make("aiomame/MAME-v0", game=str(CATCH_DEFINITION)) as env:
        assert env.action_space == gym.spaces.Discrete(3)
        _, info = env.reset(seed=5)
        assert info["lives"] == 3
        env.step(1)
    path = write(tmp_path, TEST_ROM_GAME, "counter.toml")
    with gym.make_vec("aiomame/MAME-v0", num_envs=2, game=path, roms_path=roms) as envs:
        assert envs.single_action_space == gym.spaces.MultiBinary(2)
        obs, _ = envs.reset()
        assert obs.shape == (2, 2, 84, 84)
    with pytest.raises(InvalidArgumentError, match="give system .* or game"):
        gym.make("aiomame/MAME-v0", system="invaders", game=path)


# -- aiomame new-game -------------------------------------------------------------------
def new_game(*argv: str) -> None:
    """``aiomame new-game ARGV`` (its own parser: the other commands are not needed)."""
    parser = argparse.ArgumentParser()
    new_game_command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["new-game", *argv])
    assert args.func(args) is None


def test_new_game_writes_a_definition_that_runs(roms, tmp_path, capsys, no_leaks):
    out = tmp_path / "invaders.toml"
    new_game("invaders", str(out), "--roms", str(roms))
    assert f"wrote {out}" in capsys.readouterr().out
    text = out.read_text()
    assert '    ":CONTP1/P1 Left",' in text and '    # ":IN2/Lives",' in text
    assert "# [memory]" in text and ":maincpu (i8080): io" in text
    assert "docs/game-definitions.md" in text and "README" not in text  # where the reference is
    game = get_game(out)
    assert ":IN1/Coin 1" in game.action_names() and ":IN2/Lives" not in game.action_names()
    assert game.players == 2  # invaders has P2 controls (tests/test_cli_players.py)
    with aiomame.sync.GameEnv(out, roms_path=roms) as env:
        env.reset()
        obs, reward, terminated, _, info = env.step(
            [np.zeros(len(game.buttons), int), game.controls(2).noop()])
        assert obs.shape == (260, 224, 3) and (terminated, info) == (False, {})
        assert reward.tolist() == [0.0, 0.0]
    with pytest.raises(UsageError, match="exists: pass --force"):  # exit status 2
        new_game("invaders", str(out), "--roms", str(roms))
    new_game("invaders", str(out), "--roms", str(roms), "--force")
