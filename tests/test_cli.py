"""The command line's own commands (games, actions, debug, bench, doctor, roms): help, one-line
errors with exit status 2, and their results; in-process through ``aiomame.cli.main``, and a
few as real processes (``python -m aiomame``, the ``aiomame`` script) for the prog name."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aiomame import cli
from aiomame.cli import common
from aiomame.errors import MameTimeoutError
from aiomame.mame.locate import find_mame
from aiomame.mame.systems import all_systems, cache_path

MINE = ("games", "actions", "list-actions", "debug", "bench", "doctor", "roms", "watch")


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``aiomame ARGV`` run in this process."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(list(argv))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 1 if code else 0), out, err


@pytest.fixture
def headless(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser("aiomame")
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("command", MINE)
def test_help_describes_every_argument(command, capsys):
    code, out, _ = run_cli(capsys, command, "--help")
    assert code == 0
    assert out.startswith(f"usage: aiomame {command}")
    sub = _subparsers()[command]
    for action in sub._actions:
        assert action.help and action.help != argparse.SUPPRESS, (command, action.dest)
        shown = action.option_strings[-1] if action.option_strings else (action.metavar
                                                                          or action.dest)
        assert shown in out


def test_top_level_help_lists_the_commands(capsys):
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0
    for command in ("games", "actions", "debug", "bench", "doctor", "roms"):
        assert f"    {command}" in out


BAD = [
    (["games", "--roms", "/no/such/dir"], "'/no/such/dir'"),
    (["games", "invaders", "--present"], "--roms"),
    (["games", "--verify"], "--roms"),
    (["games", "--bogus"], "--bogus"),
    (["actions", "nosuchgame"], "'nosuchgame'"),
    (["list-actions", "invaderz"], "'invaderz'"),
    (["actions", "invaders", "--roms", "/no/such/dir"], "'/no/such/dir'"),
    (["actions", "invaders"], "--roms"),  # no ./roms
    (["actions"], "GAME"),
    (["actions", "sf3", "--inputs", "--roms", "."], "'sfiii3n' cannot run"),  # MAME's own
    (["bench", "sf3"], "--roms"),
    (["bench", "catch", "--steps", "0"], "'0'"),
    (["bench", "catch", "--envs", "two"], "'two'"),
    (["bench", "catch", "--repeat", "-1"], "'-1'"),
    (["bench", "catch", "--bench-seconds", "1.5"], "'1.5'"),
    (["bench", "catch", "--bench-seconds", "1"], "'1'"),
    (["bench", "catch", "--resize", "84y84"], "'84y84'"),
    (["bench", "catch", "--obs", "hsv"], "'hsv'"),
    (["bench", "catch", "--maxpool", "--frame-ratio", "1"], "frame_ratio"),
    (["bench", "nosuchgame"], "'nosuchgame'"),
    (["bench", "invaders", "--frame-stack", "4", "--roms", "."], "--frame-stack"),
    (["debug", "nosuchgame"], "'nosuchgame'"),
    (["debug", "catch"], "xvfb-run"),
    (["debug", "invaders", "--roms", "/no/such/dir"], "'/no/such/dir'"),
    (["doctor", "--bogus"], "--bogus"),
    (["roms", "nosuchgame", "out"], "'nosuchgame'"),
    (["roms", "sf3", "out"], "sf3"),
    (["nosuchcommand"], "'nosuchcommand'"),
]


@pytest.mark.parametrize(("argv", "named"), BAD, ids=[" ".join(b[0]) for b in BAD])
def test_bad_input_is_one_line_and_exit_2(argv, named, capsys, headless, tmp_path,
                                          monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1, err
    where = "aiomame" if argv[0] == "nosuchcommand" else f"aiomame {argv[0]}"
    assert lines[0].startswith(f"{where}: error: "), lines[0]
    assert named in lines[0]


def test_failures_exit_1_and_ctrl_c_130(capsys, monkeypatch):
    from aiomame.cli import doctor

    def timeout(args):
        raise MameTimeoutError("MAME did not answer\nits last line")

    monkeypatch.setattr(doctor, "main", timeout)
    code, _, err = run_cli(capsys, "doctor")
    assert (code, err) == (1, "aiomame doctor: MameTimeoutError: MAME did not answer; "
                              "its last line\n")

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(doctor, "main", interrupted)
    code, _, err = run_cli(capsys, "doctor")
    assert (code, err) == (130, "aiomame doctor: interrupted\n")


def test_systems_are_cached_per_binary():
    path = cache_path(find_mame())
    systems, _ = all_systems()
    assert path.is_file()
    again, cached = all_systems()
    assert cached and again == systems
    assert ("invaders", "Space Invaders / Space Invaders M") in systems
    assert len(systems) > 1000


def test_games_search_presence_and_json(capsys, roms):
    code, out, _ = run_cli(capsys, "games", "space invaders")
    assert code == 0
    assert "Registered games" not in out  # catch's description does not match
    assert "  invaders         Space Invaders / Space Invaders M" in out

    code, out, _ = run_cli(capsys, "games", "INVADERS", "--roms", str(roms))
    assert code == 0
    # registered games first: name, Gymnasium id, system
    assert out.splitlines()[1].split()[:3] == ["catch", "aiomame/Catch-v0", "invaders"]
    assert "  * invaders " in out and "    invad2ct " in out

    code, out, _ = run_cli(capsys, "games", "--roms", f"{roms};{roms}", "--present", "--json",
                           "--verify")
    assert code == 0
    result = json.loads(out)
    assert result["cached"] is True
    # catch's and duel's ROMs are bundled, basket's a2600 loads none; sf3's are missing
    assert [(g["name"], g["roms"]) for g in result["games"]] == [
        ("basket", "none needed"), ("basket_paddle", "none needed"), ("catch", "bundled"),
        ("duel", "bundled")]
    assert result["systems"] == [{"name": "invaders", "present": True, "verified": "bad",
                                  "description": "Space Invaders / Space Invaders M"}]

    code, out, err = run_cli(capsys, "games", "sf3", "--registered", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert [(g["name"], g["id"]) for g in result["games"]] == [  # a search: both
        ("sf3", "aiomame/SF3-v0"), ("sf3_2p", "aiomame/SF3TwoPlayer-v0")]
    assert result["systems"] == [] and [len(g["actions"]) for g in result["games"]] == [90, 90]


def test_registered_games_read_as_plain_text(capsys):
    code, out, _ = run_cli(capsys, "games", "--registered")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert " 3 discrete actions  " in lines["catch"] and " 1 axis  " in lines["basket_paddle"]
    assert "``" not in out and "a Box of one number" in lines["basket_paddle"]
    from aiomame.cli.games import count_of

    assert count_of(9, "buttons") == "  9 buttons"  # not "9 buttons actions"


def test_sets_present_finds_zips_7z_and_folders(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b.zip").write_bytes(b"")
    (tmp_path / "c.7z").write_bytes(b"")
    (tmp_path / "d.txt").write_bytes(b"")
    other = tmp_path / "other"
    other.mkdir()
    (other / "e.ZIP").write_bytes(b"")
    assert common.sets_present(f"{tmp_path};{other}") == {"a", "b", "c", "other", "e"}


def test_actions_of_a_registered_game(capsys):
    code, out, _ = run_cli(capsys, "list-actions", "catch")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == ("catch (aiomame/Catch-v0, MAME system 'invaders'): 3 discrete actions, "
                        "by index or name")
    assert lines[2].split() == ["1", "left", ":CONTP1/P1", "Left"]

    code, out, err = run_cli(capsys, "actions", "catch", "--inputs", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["kind"] == "discrete"
    assert result["actions"][2] == {"index": 2, "name": "right", "inputs": [":CONTP1/P1 Right"]}
    ports = {p["tag"]: p["fields"] for p in result["ports"]}
    assert {"name": "P1 Left", "analog": False} in ports[":CONTP1"]


def test_actions_of_a_buttons_game(capsys, tmp_path):
    definition = tmp_path / "two.toml"
    definition.write_text('system = "invaders"\n'
                          'buttons = [":CONTP1/P1 Left", ":IN1/Coin 1"]\n')
    code, out, _ = run_cli(capsys, "actions", str(definition), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["kind"] == "buttons"
    assert [a["name"] for a in result["actions"]] == [":CONTP1/P1 Left", ":IN1/Coin 1"]


def test_actions_of_a_mame_system(capsys, roms):
    code, out, _ = run_cli(capsys, "actions", "invaders", "--roms", str(roms))
    assert code == 0
    assert out.splitlines()[0].startswith("invaders: 8 input ports")
    assert "  :CONTP1          P1 Left" in out.splitlines()


def test_bench_tiny(capsys):
    code, out, _ = run_cli(capsys, "bench", "catch", "--steps", "20", "--repeat", "2",
                           "--bench-seconds", "2", "--obs", "grayscale", "--resize", "42x42",
                           "--json")
    assert code == 0
    result = json.loads(out)
    assert result["obs_shape"] == [42, 42] and len(result["rounds"]) == 2
    best = result["best"]
    assert best["frames_per_s"] == pytest.approx(best["steps_per_s"] * 3)
    assert best["raw_frames_per_s"] > 0
    assert result["ratio"] == pytest.approx(best["frames_per_s"] / best["raw_frames_per_s"])

    code, out, _ = run_cli(capsys, "bench", "catch", "--envs", "2", "--steps", "10",
                           "--repeat", "1", "--bench-seconds", "2", "--frame-stack", "2")
    assert code == 0
    assert "2 envs" in out and "ratio" in out.splitlines()[-1]


def test_doctor_passes_here(capsys):
    code, out, err = run_cli(capsys, "doctor", "--json")
    result = json.loads(out)
    assert code == 0 and result["ok"] is True, err
    status = {c["name"]: c["status"] for c in result["checks"]}
    assert status["mame"] == status["plugin hello"] == status["runtime dir"] == "ok"


def test_doctor_fails_without_mame(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "doctor", "--mame", str(tmp_path / "mame"), "--no-start")
    assert code == 1
    assert any(line.startswith("fail  mame") for line in out.splitlines())
    assert "mame/install.sh" in out


def test_progress_is_silent_unless_stdout_is_a_terminal_or_asked(capsys):
    assert list(common.progress(range(3), desc="x")) == [0, 1, 2]
    assert capsys.readouterr().err == ""
    assert list(common.progress(range(3), desc="x", enabled=True)) == [0, 1, 2]
    assert "x" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["0", "-2", "x", "1.5"])
def test_positive_int_rejects(text):
    with pytest.raises(argparse.ArgumentTypeError, match=repr(text)):
        common.positive_int(text)


def test_real_processes_name_the_command_typed(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    done = subprocess.run([sys.executable, "-m", "aiomame", "actions", "nosuchgame"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("python -m aiomame actions: error: unknown game 'nosuchgame'")
    assert len(done.stderr.splitlines()) == 1

    done = subprocess.run([sys.executable, "-m", "aiomame", "actions", "catch"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 0 and "left" in done.stdout

    script = shutil.which("aiomame")
    if script is None:
        pytest.skip("the aiomame console script is not installed")
    done = subprocess.run([script, "bench", "catch", "--steps", "0"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=60)
    assert (done.returncode, done.stderr) == (
        2, "aiomame bench: error: argument --steps: '0' is not an integer >= 1\n")
