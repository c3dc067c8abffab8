"""Games of two players on real MAME: GameEnv and EnvPool with an agent per player (actions
and rewards per player), one agent against an opponent, and the bad inputs of both."""

from __future__ import annotations

import numpy as np
import pytest
from twoplayer import TwoCatch

from aiomame import EnvPool, GameEnv
from aiomame.errors import InvalidArgumentError
from aiomame.games.catch import tracker

GAME = TwoCatch  # the stand-in two-player game; "duel" once it lands
OBS = {"obs_type": "grayscale", "resize": (84, 84)}


async def test_game_env_takes_an_action_per_player_and_scores_each(no_leaks):
    async with GameEnv(GAME(), **OBS) as env:
        assert env.players == 2 and env.action_names == ["noop", "left", "right"]
        obs, info = await env.reset(seed=2)
        total = np.zeros(2)
        for _ in range(60):
            obs, reward, terminated, _, info = await env.step([tracker(info), 0])
            assert obs.shape == (84, 84) and reward.shape == (2,)
            total += reward
        assert total[0] > 0 and total[1] == -total[0] and not terminated
        with pytest.raises(InvalidArgumentError, match=r"give one action per player \(2\)"):
            await env.step([1])
        with pytest.raises(InvalidArgumentError, match="give one action per player"):
            await env.step(1)
        with pytest.raises(InvalidArgumentError, match="player 2: action 5 is not in 0..2 "
                                                       r"\(noop, left, right\)"):
            await env.step([0, 5])
        await env.step(np.array([2, 1]))  # the env still steps


async def test_pool_takes_a_row_of_actions_per_env(no_leaks):
    async with EnvPool(GAME(), 3, **OBS) as pool:
        batch = await pool.reset(seed=1)
        assert batch.rewards.shape == (3, 2)
        total = np.zeros((3, 2))
        for _ in range(40):
            infos = [dict(zip(batch.memory, row, strict=True))
                     for row in zip(*(v.tolist() for v in batch.memory.values()), strict=True)]
            actions = np.array([[tracker(i), 2] for i in infos])
            batch = await pool.step(actions)
            assert batch.frames.shape == (3, 84, 84) and batch.rewards.shape == (3, 2)
            total += batch.rewards
        assert (total[:, 0] > 0).all() and (total[:, 1] == -total[:, 0]).all()
        with pytest.raises(InvalidArgumentError, match=r"shape \(3,\).*expected \(3, 2\)"):
            await pool.step(np.zeros(3, np.int64))
        with pytest.raises(InvalidArgumentError, match=r"actions\[1, 1\] \(env 1, player 2\) "
                                                       "is 3: not an action of 'twocatch'"):
            await pool.step(np.array([[0, 0], [0, 3], [0, 0]]))
        await pool.step(np.zeros((3, 2), np.int64))


async def test_an_opponent_plays_the_other_player(no_leaks):
    # As player 2, the agent faces the tracker playing player 1 (who scores in TwoCatch): the
    # opponent's actions reach MAME, and the agent's reward is player 2's.
    seen = []

    def policy(obs, info):
        seen.append((obs.shape, info["score"]))
        return tracker(info)

    async with GameEnv(GAME(), opponent=policy, player=2, **OBS) as env:
        assert env.players == 1 and env.opponent.player == 1
        await env.reset(seed=4)
        total = 0.0
        for _ in range(60):
            _, reward, *_ = await env.step(0)
            assert type(reward) is float
            total += reward
        assert total < 0 and len(seen) == 60 and seen[0] == ((84, 84), 0)
        with pytest.raises(InvalidArgumentError, match="action 9 is not in 0..2"):
            await env.step(9)
    async with GameEnv(GAME(), opponent="tracker", player=2, **OBS) as env:
        await env.reset(seed=4)
        assert sum([(await env.step(0))[1] for _ in range(60)]) == total  # the same player


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"player": 3, "opponent": "noop"}, "player 3: game 'twocatch' has players 1, 2"),
    ({"player": 2}, "player=2 needs an opponent for the other player .'noop', 'random'"),
    ({"opponent": "bob"}, "unknown opponent 'bob' for game 'twocatch'; valid: 'noop', "
                          "'random', 'tracker', a callable"),
    ({"opponent": "cpu"}, "'twocatch' has no computer opponent of its own"),
    ({"opponent": "cpu", "player": 2}, "own opponent plays player 2: use player=1"),
], ids=["player-3", "no-opponent", "unknown", "no-cpu", "cpu-as-2"])
def test_bad_players_and_opponents_are_named(kwargs, match):
    with pytest.raises(InvalidArgumentError, match=match):
        GameEnv(GAME(), **kwargs)  # before any MAME starts


def test_an_opponent_needs_a_two_player_game():
    with pytest.raises(InvalidArgumentError, match="'catch' has one player .opponents are"):
        GameEnv("catch", opponent="random")
    with pytest.raises(InvalidArgumentError, match="EnvPool's opponent is None.*'cpu'.*got "
                                                   "'random'.*MameVectorEnv"):
        EnvPool(GAME(), 2, opponent="random")
    with pytest.raises(InvalidArgumentError, match="no computer opponent"):
        EnvPool(GAME(), 2, opponent="cpu")


async def test_a_checkpoint_plays_its_own_game_only(tmp_path, no_leaks):
    pytest.importorskip("torch", reason="PyTorch is installed by .ci/run on the host")
    from aiomame.tools import policy
    path = tmp_path / "catch.pt"
    policy.save_checkpoint(path, policy.ActorCritic(1, 3), "catch", OBS)
    with pytest.raises(InvalidArgumentError, match="is a policy of game 'catch', not of "
                                                   "'twocatch'"):
        GameEnv(GAME(), opponent=str(path), **OBS)
    with pytest.raises(InvalidArgumentError, match="no checkpoint at"):
        GameEnv(GAME(), opponent=str(tmp_path / "none.pt"), **OBS)
    ours = tmp_path / "twocatch.pt"
    policy.save_checkpoint(ours, policy.ActorCritic(1, 3), GAME.name, OBS)
    with pytest.raises(InvalidArgumentError, match="trained on observations .*'grayscale'.*"
                                                   "make the env with the same options"):
        GameEnv(GAME(), opponent=ours)
    async with GameEnv(GAME(), opponent=ours, **OBS) as env:  # an untrained net as player 2
        await env.reset(seed=1)
        for _ in range(5):
            _, reward, *_ = await env.step(2)
            assert type(reward) is float
