"""The command line with two-player games on real MAME: play/record with --player and
--opponent (both players' scores), recordings of both players that replay exactly, a TOML
definition with players = 2, new-game writing [player2], games/actions listing each
player's actions, and bad input (one line, exit 2).

TWO is the two-player game the tests play: the bundled ``duel``, or the stand-in
tests/twoplayer.py (TWO = "twocatch": catch with player 2's controls, which catch's ROM
ignores). --opponent cpu plays TWO if it has a computer opponent, else CpuCatch, the
stand-in marked as having one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from twoplayer import TwoCatch

import aiomame
from aiomame.cli import main
from aiomame.games import (
    CATCH_DEFINITION,
    GAMES,
    get_game,
    load_game,
    register,
    register_folder,
)
from aiomame.runner import run
from aiomame.tools.recording import Recorder, Recording, verify

TWO = "duel"
SCRIPTED = "tracker"  # one of TWO's scripted agents, for either player
ZERO_SUM = True  # player 2 loses what player 1 wins (duel and the stand-in)
LINE = re.compile(r"^episode \d+: P1 (-?[\d.]+) : P2 (-?[\d.]+), (player (\d) wins|a draw), "
                  r"in (\d+) steps, ")


class CpuCatch(TwoCatch):
    """The stand-in as if it had a computer opponent (catch has none: player 2 just idles),
    for the plumbing of --opponent cpu until TWO is a game with one."""

    name = "cpucatch"
    cpu_opponent = True


CPU_GAME = TWO if TWO in GAMES and GAMES[TWO].cpu_opponent else CpuCatch.name


@pytest.fixture(autouse=True, scope="module")
def two_player_game():
    """Registers the stand-in two-player games for the module (duel is registered)."""
    added = [cls for cls in (TwoCatch, CpuCatch) if cls.name in (TWO, CPU_GAME)
             and cls.name not in GAMES]
    for cls in added:
        register(cls)
    yield
    for cls in added:
        del GAMES[cls.name]


def cli(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    """Runs the command line in this process: (exit status, stdout, stderr)."""
    with pytest.raises(SystemExit) as exited:
        main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return exited.value.code, out, err


@pytest.fixture(scope="module")
def other_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A policy checkpoint of catch (not of TWO)."""
    pytest.importorskip("torch", reason="PyTorch is installed by .ci/run on the host")
    from aiomame.tools import policy
    path = tmp_path_factory.mktemp("ckpt") / "catch.pt"
    policy.save_checkpoint(path, policy.ActorCritic(1, 3), "catch", {})
    return path


@pytest.mark.parametrize("argv, message", [
    (["play", TWO, "--player", "3"], f"--player 3: game '{TWO}' has players 1, 2"),
    (["play", TWO, "--player", "0"], "argument --player: '0' is not an integer >= 1"),
    (["play", "catch", "--opponent", "cpu"],
     "--opponent 'cpu': game 'catch' has one player (--opponent is for two-player games)"),
    (["play", "catch", "--player", "2"], "--player 2: game 'catch' has player 1 only"),
    (["play", TWO, "--opponent", "smart"], f"unknown opponent 'smart' for {TWO}; valid: "),
    (["record", TWO, "x.aiorec", "--opponent", "nosuch.pt"],
     "--opponent 'nosuch.pt': no such checkpoint file"),
    (["play", TWO, "--agent", "smart", "--player", "2"], f"unknown agent 'smart' for {TWO}"),
])
def test_bad_players_input_is_one_line_and_exit_2(capsys, argv, message):
    code, out, err = cli(capsys, *argv)
    assert code == 2 and out == "" and len(err.splitlines()) == 1, err
    assert f"aiomame {argv[0]}: error: " in err and message in err


def test_an_opponent_checkpoint_of_another_game_exits_2(capsys, other_checkpoint):
    code, out, err = cli(capsys, "play", TWO, "--opponent", other_checkpoint)
    assert code == 2 and out == "" and len(err.splitlines()) == 1, err
    assert f"--opponent '{other_checkpoint}' was trained on 'catch', not on '{TWO}'" in err


def test_play_shows_both_players_scores(capsys):
    code, out, err = cli(capsys, "play", TWO, "--agent", SCRIPTED, "--opponent", "noop",
                         "--episodes", "2", "--max-steps", "150", "--seed", "3", "--gif", "")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 3, out
    wins = []
    for line in lines[:2]:
        match = LINE.match(line)
        assert match is not None and int(match[5]) <= 150, line
        p1, p2 = float(match[1]), float(match[2])
        wins.append(1 if p1 > p2 else 2 if p2 > p1 else None)
        assert (match[4] and int(match[4])) == (wins[-1] or None), line
        if ZERO_SUM:
            assert p2 == -p1 and p1 > 0, line
    assert lines[2].startswith(
        f"2 episode(s), player 1 (agent {SCRIPTED}) won {wins.count(1)}, player 2 (opponent "
        f"noop) won {wins.count(2)}, {wins.count(None)} draw(s), mean P1 "), lines[2]
    assert wins.count(1) >= 1  # the scripted agent beats doing nothing


def test_play_player_2_json(capsys):
    code, out, err = cli(capsys, "play", TWO, "--player", "2", "--opponent", SCRIPTED,
                         "--episodes", "1", "--max-steps", "150", "--seed", "3", "--gif", "",
                         "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["player"], summary["opponent"], summary["agent"]) == (2, SCRIPTED,
                                                                          "random")
    episode = summary["episodes"][0]
    p1, p2 = episode["scores"]
    assert episode["score"] == p2 and episode["winner"] == (1 if p1 > p2 else 2 if p2 > p1
                                                            else None)
    if ZERO_SUM:
        assert p1 > 0 and p2 == -p1


def test_record_both_players_then_replay_exactly(capsys, tmp_path):
    out_file = tmp_path / "two.aiorec"
    code, out, err = cli(capsys, "record", TWO, out_file, "--player", "2", "--opponent",
                         SCRIPTED, "--seed", "4", "--max-steps", "120", "--json")
    assert code == 0, err
    played = json.loads(out)["episodes"][0]
    steps = played["steps"]
    recording = Recording.load(out_file)
    assert recording.actions.shape == recording.rewards.shape == (steps, 2)
    assert (recording.players, recording.player, recording.opponent) == (2, 2, SCRIPTED)
    assert recording.scores == played["scores"] and recording.reward == played["score"]
    code, out, err = cli(capsys, "replay", out_file)
    assert code == 0, err
    p1, p2 = played["scores"]
    assert out.startswith(f"{out_file}: {TWO}, {steps} of {steps} steps, player 2 against "
                          f"{SCRIPTED}, P1 {p1:g} : P2 {p2:g}, "), out
    assert out.rstrip().endswith(": identical"), out
    # Both players' actions are replayed from the recording (the opponent's is player 1's):
    # the other direction where one moved diverges there (noop, left, right; duel reads
    # player 2, catch's ROM does not).
    for player in (1, 2) if TWO == "duel" else (1,):
        changed = Recording.load(out_file)
        step = int(np.flatnonzero(changed.actions[:, player - 1])[0])
        changed.actions[step, player - 1] = 3 - changed.actions[step, player - 1]
        divergence = run(verify(changed))
        assert divergence is not None and divergence.step == step + 1, player


def test_a_trained_opponent_plays_on_the_frames_it_was_trained_on(capsys, tmp_path):
    pytest.importorskip("torch", reason="PyTorch is installed by .ci/run on the host")
    from aiomame.tools import policy
    path = tmp_path / "two.pt"
    observes = {"obs_type": "grayscale", "resize": [84, 84], "frame_stack": 4}
    count = len(get_game(TWO).controls(1).action_names())
    policy.save_checkpoint(path, policy.ActorCritic(4, count), TWO, observes)
    record = tmp_path / "t.aiorec"
    code, out, err = cli(capsys, "play", TWO, "--player", "2", "--opponent", path,
                         "--episodes", "1", "--max-steps", "40", "--gif", "", "--record",
                         record, "--json")
    assert code == 0, err
    assert json.loads(out)["opponent"] == str(path)
    recording = Recording.load(record)
    assert recording.opponent == "two.pt" and recording.obs["resize"] == [84, 84]
    assert recording.actions.shape == (40, 2) and run(verify(recording)) is None


def test_play_and_record_against_the_games_own_opponent(capsys, tmp_path):
    out_file = tmp_path / "cpu.aiorec"
    code, out, err = cli(capsys, "record", CPU_GAME, out_file, "--agent", SCRIPTED, "--seed",
                         "1", "--max-steps", "100", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["opponent"] == "cpu" and summary["player"] == 1
    steps, scores = summary["episodes"][0]["steps"], summary["episodes"][0]["scores"]
    recording = Recording.load(out_file)
    assert recording.opponent == "cpu" and not recording.joint
    assert recording.actions.shape[:1] == (steps,) and recording.rewards.shape == (steps, 2)
    assert recording.scores == scores
    code, out, err = cli(capsys, "replay", out_file, "--json")
    replayed = json.loads(out)
    assert code == 0 and replayed["identical"] and replayed["scores"] == scores, err
    code, out, err = cli(capsys, "play", CPU_GAME, "--player", "2", "--opponent", "cpu")
    assert code == 2 and "--opponent cpu: the game's own opponent plays player 2, so " \
        "--player must be 1, not 2" in err


def two_player_toml(tmp_path: Path) -> Path:
    """catch's definition with a second player (its cocktail controls, the negated score)."""
    text = CATCH_DEFINITION.read_text().replace(
        'maincpu = "roms/catch.bin"', f'maincpu = "{CATCH_DEFINITION.parent}/roms/catch.bin"')
    text = text.replace('frame_ratio = 3 ', 'players = 2\nframe_ratio = 3 ')
    text += ('\n[settings]\n":CAB/Cabinet" = "Cocktail"\n\n[player2]\n'
             'actions = { noop = [], left = [":CONTP2/P2 Left"], right = [":CONTP2/P2 Right"] }\n'
             'reward = { score = -1.0 }\n')
    path = tmp_path / "catch2.toml"
    path.write_text(text)
    return path


def test_a_two_player_definition_plays_and_lists_its_players(capsys, tmp_path):
    path = two_player_toml(tmp_path)
    assert get_game(path).players == 2
    code, out, err = cli(capsys, "actions", path, "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert listed["players"] == 2 and listed["opponents"] == ["noop", "random"]
    assert [a["inputs"] for a in listed["player_actions"][1]] == [
        [], [":CONTP2/P2 Left"], [":CONTP2/P2 Right"]]
    register_folder(tmp_path)  # as catch2; a definition's players are known per instance
    try:
        code, out, err = cli(capsys, "games", "catch2", "--registered", "--json")
    finally:
        del GAMES["catch2"]
    (entry,) = json.loads(out)["games"]
    assert entry["players"] == 2 and entry["player_actions"][1] == ["noop", "left", "right"]
    code, out, err = cli(capsys, "play", path, "--agent", "random", "--episodes", "1",
                         "--max-steps", "60", "--seed", "2", "--gif", "", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["opponent"] == "random" and summary["player"] == 1  # the default
    p1, p2 = summary["episodes"][0]["scores"]
    assert summary["episodes"][0]["steps"] == 60 and p2 == -p1


def test_games_and_actions_show_each_players_actions(capsys):
    code, out, err = cli(capsys, "games", TWO, "--registered", "--json")
    assert code == 0, err
    (entry,) = json.loads(out)["games"]
    assert entry["players"] == 2 and len(entry["player_actions"]) == 2
    assert entry["actions"] == entry["player_actions"][0] and "random" in entry["opponents"]
    code, out, err = cli(capsys, "games", "catch", "--registered", "--json")
    assert json.loads(out)["games"][0]["players"] == 1
    code, out, err = cli(capsys, "games", TWO, "--registered")
    assert f"[2 players: P1 {len(entry['actions'])}, P2 " in out
    code, out, err = cli(capsys, "actions", TWO)
    assert code == 0, err
    assert "2 players" in out and "  player 1: " in out and "  player 2: " in out


def test_new_game_writes_player_2(roms, tmp_path, capsys, no_leaks):
    out = tmp_path / "invaders.toml"
    code, printed, err = cli(capsys, "new-game", "invaders", out, "--roms", roms)
    assert code == 0, err
    assert "6 buttons for player 1, 3 for player 2" in printed
    text = out.read_text()
    assert "\nplayers = 2 " in text and "\n[player2]\nbuttons = [\n" in text
    assert '    ":CONTP2/P2 Left",' in text and "# [player2.reward]" in text
    assert '# ":CAB/Cabinet" = "Cocktail"' in text and "Upright (0), Cocktail (1)" in text
    game = load_game(out)
    p1, p2 = game.controls(1), game.controls(2)
    assert ":CONTP2/P2 Left" in p2.action_names() and not any(
        "P2 " in name for name in p1.action_names())
    assert run(record_and_verify(out, roms)) is None


async def record_and_verify(path: Path, roms: Path) -> object:
    """Records 30 steps of random buttons of both players (player 1 has more: its coin and
    starts), checks the recording, and replays it: the first divergence or None."""
    rng = np.random.default_rng(3)
    async with aiomame.GameEnv(path, roms_path=roms) as env:
        recorder = Recorder(env)
        await recorder.reset()
        for _ in range(30):
            _, reward, *_ = await recorder.step([rng.integers(0, 2, 6), rng.integers(0, 2, 3)])
            assert reward.tolist() == [0.0, 0.0]
        recording = recorder.recording
        assert recording.actions.shape == (30, 2, 6) and not recording.actions[:, 1, 3:].any()
        return await verify(Recording.from_bytes(recording.to_bytes()), env)
