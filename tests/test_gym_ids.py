"""Gymnasium ids: one naming rule (``aiomame/<class name>-v0``, a definition file's class its
name in CamelCase), registered by ``import aiomame`` (Gymnasium 1.x loads no plugin entry
points) or by the ``aiomame:`` module prefix of an id, each with ``spec.max_episode_steps``."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import gymnasium as gym
import pytest

import aiomame
from aiomame.errors import InvalidArgumentError
from aiomame.games import CATCH_DEFINITION, GAMES, register_folder
from aiomame.games.ids import ALE_FRAMES, SYSTEM_ID, class_name, env_id, spec_steps


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def restore_games():
    """Registrations made by a test are undone after it (GAMES and Gymnasium's)."""
    saved, ids = dict(GAMES), set(gym.registry)
    yield
    GAMES.clear()
    GAMES.update(saved)
    for gym_id in set(gym.registry) - ids:
        del gym.registry[gym_id]


def test_every_game_has_its_id_and_a_step_limit():
    assert aiomame.__file__  # imported: the ids are registered
    assert {env_id(cls) for cls in GAMES.values()} >= {
        "aiomame/Catch-v0", "aiomame/Duel-v0", "aiomame/Basket-v0", "aiomame/BasketPaddle-v0",
        "aiomame/SF3-v0", "aiomame/SF3TwoPlayer-v0"}
    for name, cls in GAMES.items():
        spec = gym.spec(env_id(cls))
        assert spec.kwargs == {"game": name} and spec.max_episode_steps == spec_steps(cls)
        assert spec.max_episode_steps == (cls.max_episode_steps or ALE_FRAMES // cls.frame_ratio)
    assert gym.spec("aiomame/Catch-v0").max_episode_steps == 36_000  # catch has no limit
    assert gym.spec("aiomame/Duel-v0").max_episode_steps == 3000  # duel's own
    assert gym.spec(SYSTEM_ID).max_episode_steps == 36_000
    assert all(spec.max_episode_steps for i, spec in gym.registry.items()
               if i.startswith("aiomame/"))


def test_class_names_of_definition_files():
    assert [class_name(n) for n in ("mycatch", "my_catch", "pong-2600", "Pong.v2", "sf3_2p")] \
        == ["Mycatch", "MyCatch", "Pong2600", "PongV2", "Sf32p"]


def test_a_folder_of_definitions_gets_ids_by_the_rule(tmp_path, restore_games):
    text = CATCH_DEFINITION.read_text().replace(
        "roms/catch.bin", str(CATCH_DEFINITION.parent / "roms" / "catch.bin"))
    (tmp_path / "my_catch.toml").write_text(text)
    (tmp_path / "mycatch.toml").write_text("max_episode_steps = 500\n" + text)
    assert register_folder(tmp_path) == ["my_catch", "mycatch"]
    assert gym.spec("aiomame/MyCatch-v0").kwargs == {"game": "my_catch"}
    assert gym.spec("aiomame/Mycatch-v0").max_episode_steps == 500
    # the same game again with another limit: its spec follows
    (tmp_path / "mycatch.toml").write_text("max_episode_steps = 50\n" + text)
    register_folder(tmp_path, replace=True)
    assert gym.spec("aiomame/Mycatch-v0").max_episode_steps == 50
    # two names, one id: refused, naming both
    other = tmp_path / "other"
    other.mkdir()
    (other / "my-catch.toml").write_text(text)
    with pytest.raises(InvalidArgumentError, match=r"game 'my-catch' .*my-catch.toml\): its "
                       r"Gymnasium id 'aiomame/MyCatch-v0' is game 'my_catch''s already"):
        register_folder(other)
    assert "my-catch" not in GAMES


def test_cli_prints_the_ids_gymnasium_knows():
    out = subprocess.run([sys.executable, "-m", "aiomame", "games", "--registered", "--json"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    for game in json.loads(out)["games"]:
        assert gym.spec(game["id"]).kwargs == {"game": game["name"]}


def test_a_fresh_python_makes_an_env_by_id():
    """With only Gymnasium imported, the ``aiomame:`` prefix imports aiomame, which registers
    the ids; after ``import aiomame`` the plain id works (Gymnasium 1.x has no plugins)."""
    result = run_python("""
        import gymnasium as gym
        assert "aiomame/Catch-v0" not in gym.registry  # nothing registers it before
        env = gym.make("aiomame:aiomame/Catch-v0", obs_type="grayscale", resize=(84, 84))
        obs, _ = env.reset(seed=1)
        obs, reward, terminated, truncated, info = env.step("left")
        print(env.spec.id, env.spec.max_episode_steps, obs.shape, type(env.unwrapped).__name__)
        env.close()
        envs = gym.make_vec("aiomame/Duel-v0", num_envs=2, opponent="cpu")
        print(envs.spec.kwargs["max_episode_steps"], envs.single_action_space)
        envs.close()
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["aiomame/Catch-v0 36000 (84, 84) MameEnv",
                                          "3000 Discrete(3)"]


def test_import_aiomame_without_gymnasium():
    result = run_python("""
        import sys
        sys.modules["gymnasium"] = None  # as if it were not installed
        import aiomame, aiomame.games.ids as ids
        print(ids.register_with_gymnasium(), "aiomame.gym" in sys.modules)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", "False"]
