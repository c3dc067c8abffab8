"""aiomame.mametoolkit on real MAME: MAMEToolkit's scripts with only the import changed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import ADDRESSES

from aiomame.errors import InvalidArgumentError, MissingRomsError, NoDisplayError
from aiomame.mametoolkit.emulator import (
    Action,
    Address,
    Emulator,
    list_actions,
    run_cheat_debugger,
    see_games,
)


@pytest.fixture
def headless(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


def test_emulator_steps_like_mametoolkits(roms, headless, no_leaks):
    memory_addresses = {"counter": Address("0x2000", "u8"), "word": Address("0x2004", "u16")}
    with pytest.warns(RuntimeWarning, match="'env1': render=True, but there is no display"):
        emulator = Emulator("env1", str(roms), "invaders", memory_addresses)
    try:
        data = emulator.step([])
        assert set(data) == {"frame", "counter", "word"} and data["word"] == 0x1234
        assert data["frame"].shape == (260, 224, 3) and data["frame"].dtype == np.uint8
        counter = data["counter"]
        assert emulator.step([Action(":CONTP1", "P1 Left")])["counter"] == (counter + 3) % 256
    finally:
        emulator.close()
    emulator.close()


def test_errors_name_the_env(tmp_path, headless, no_leaks):
    with pytest.raises(MissingRomsError) as caught:
        Emulator("env7", str(tmp_path), "invaders", {}, render=False)
    assert "in MAMEToolkit env 'env7'" in caught.value.__notes__
    with pytest.raises(InvalidArgumentError, match="frame_skip must be an int in 0..10"):
        Emulator("env7", str(tmp_path), "invaders", {}, frame_skip=-1)


def test_frame_skip_and_frame_ratio(roms, no_leaks):
    with Emulator("env2", str(roms), "invaders", ADDRESSES, frame_ratio=5, render=False,
                  frame_skip=2) as emulator:
        first = emulator.step()["counter"]
        assert emulator.step()["counter"] == (first + 5) % 256


def test_list_actions_see_games_and_the_cheat_debugger(roms, headless, capsys):
    actions = list_actions(str(roms), "invaders")
    assert {"port": ":CONTP1", "field": "P1 Left"} in actions
    assert all(set(a) == {"port", "field"} for a in actions)
    found = see_games("space invaders")
    assert ("invaders", "Space Invaders / Space Invaders M") in found
    assert "Space Invaders / Space Invaders M [invaders]" in capsys.readouterr().out
    with pytest.raises(NoDisplayError, match="cheat debugger"):
        run_cheat_debugger(str(roms), "invaders")


# The seed README's emulator walk-through, with only the import lines changed (and the
# game: no Street Fighter ROM here, so the test ROM's invaders and its inputs).
SEED_SCRIPT = """
from aiomame.mametoolkit.emulator import Emulator
from aiomame.mametoolkit.emulator import Address
from aiomame.mametoolkit.emulator import Action
from aiomame.mametoolkit.emulator import list_actions

roms_path = {roms!r}
game_id = "invaders"
memory_addresses = {{
    "counter": Address('0x2000', 'u8'),
    "port1": Address('0x2001', 'u8'),
}}
emulator = Emulator("env1", roms_path, "invaders", memory_addresses)
data = emulator.step([])
frame = data["frame"]
counter = data["counter"]
insert_coin = Action(':IN1', 'Coin 1')
data = emulator.step([insert_coin])
print(frame.shape, counter >= 0, len(list_actions(roms_path, game_id)) > 5)
emulator.close()
"""

# The seed README's hogwild example, with only the import and the environment changed.
HOGWILD_SCRIPT = """
from multiprocessing import Process
import random
from aiomame.mametoolkit.emulator import Emulator, Address, Action

def run_env(worker_id, roms_path):
    env = Emulator(f"env{{worker_id}}", roms_path, "invaders",
                   {{"counter": Address('0x2000', 'u8')}})
    for _ in range(50):
        data = env.step([Action(':CONTP1', random.choice(['P1 Left', 'P1 Right']))])
    print(worker_id, data["frame"].shape, flush=True)
    env.close()

if __name__ == "__main__":
    workers = 3
    roms_path = {roms!r}
    threads = [Process(target=run_env, args=(i, roms_path)) for i in range(workers)]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
"""


@pytest.mark.parametrize("script", [SEED_SCRIPT, HOGWILD_SCRIPT], ids=["walk-through", "hogwild"])
def test_seed_scripts_run_with_the_import_changed(script, roms, tmp_path):
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(script.format(roms=str(roms))))
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    lines = sorted(done.stdout.split("\n")[:-1])
    if script is SEED_SCRIPT:
        assert lines == ["(260, 224, 3) True True"]
    else:
        assert lines == [f"{i} (260, 224, 3)" for i in range(3)]
    assert "running headless" in done.stderr
