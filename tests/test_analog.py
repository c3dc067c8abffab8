"""Analog inputs on a real paddle game: circus (Exidy, 6502), from a zero-filled ROM set.
Its paddle port is read by the CPU at 0xD000, so reading that address shows what the game
sees. The field: ``:PADDLE``/``Paddle``, 64..167, default 115."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import pytest_asyncio

from aiomame import Action, Address, EnvPool, GameEnv
from aiomame.errors import (
    InvalidArgumentError,
    RomChecksumWarning,
    StateError,
    UnknownInputError,
)
from aiomame.games import GameDefinitionError, SystemGame, load_game
from aiomame.machine.analog import Axis
from aiomame.machine.emulator import Emulator
from aiomame.mame import romset
from aiomame.mame.locate import find_mame

PADDLE = Address(0xD000)
LOW, HIGH, DEFAULT = 64, 167, 115


@pytest.fixture(scope="module")
def circus_roms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(romset.zero_filled(find_mame(), "circus", tmp_path_factory.mktemp("circus")))


@pytest.fixture(autouse=True)
def zeros_fail_checksums():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RomChecksumWarning)  # a set of zeros: expected
        yield


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def circus(circus_roms: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RomChecksumWarning)
        emulator = Emulator("circus", circus_roms, {"paddle": PADDLE}, frame_ratio=2)
        await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.close()


def paddle_game(**options) -> SystemGame:
    return SystemGame("circus", memory_addresses={"paddle": PADDLE}, frame_ratio=2, **options)


@pytest.mark.asyncio(loop_scope="session")
async def test_list_actions_marks_analog_inputs_with_their_range(circus: Emulator):
    actions = circus.list_actions()
    assert {"port": ":PADDLE", "field": "Paddle", "analog": True, "min": LOW, "max": HIGH,
            "default": DEFAULT, "kind": "PADDLE"} in actions
    assert {"port": ":INPUTS", "field": "Coin 1"} in actions  # digital: as MAMEToolkit's
    paddle = next(f for p in circus.info["ports"] if p["tag"] == ":PADDLE" for f in p["fields"])
    assert paddle["player"] == 0


@pytest.mark.asyncio(loop_scope="session")
async def test_a_value_is_what_the_game_reads_for_the_step_then_it_is_let_go(circus: Emulator):
    data = await circus.step([])
    assert data["paddle"] == DEFAULT
    for value in (LOW, 100, HIGH):
        data = await circus.step([Action(":PADDLE", "Paddle", value)])
        assert data["paddle"] == value  # read at the step's end: still held
    assert (await circus.read({"p": PADDLE}))["p"] == DEFAULT  # let go after the step
    assert (await circus.step([]))["paddle"] == DEFAULT


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("value", [LOW - 1, HIGH + 1, -100, 65536])
async def test_a_value_outside_the_range_is_refused(circus: Emulator, value: int):
    with pytest.raises(InvalidArgumentError) as caught:
        await circus.step([Action(":PADDLE", "Paddle", value)])
    assert str(value) in str(caught.value) and "Paddle" in str(caught.value)
    assert f"{LOW}..{HIGH}" in str(caught.value)
    assert (await circus.step([]))["paddle"] == DEFAULT  # nothing was sent


@pytest.mark.asyncio(loop_scope="session")
async def test_named_positions_as_discrete_actions(circus_roms: Path):
    game = paddle_game(actions={"left": Action(":PADDLE", "Paddle", LOW), "centre": (),
                                "right": Action(":PADDLE", "Paddle", HIGH)})
    async with GameEnv(game, roms_path=circus_roms) as env:
        await env.reset()
        seen = [(await env.step(a))[4]["paddle"] for a in (0, 2, 1)]
    assert seen == [LOW, HIGH, DEFAULT]


@pytest.mark.asyncio(loop_scope="session")
async def test_axes_map_a_box_action_onto_the_range_in_game_env(circus_roms: Path):
    game = paddle_game(axes=[Axis(":PADDLE", "Paddle")], buttons=[Action(":INPUTS", "Coin 1")])
    assert game.action_names() == [":PADDLE/Paddle", ":INPUTS/Coin 1"]
    async with GameEnv(game, roms_path=circus_roms) as env:
        await env.reset()
        seen = [(await env.step(np.array([x, 0.0], np.float32)))[4]["paddle"]
                for x in (-1.0, 1.0, 0.0, 0.5)]
        assert seen == [LOW, HIGH, 116, 141]  # min + (x + 1) / 2 * (max - min), rounded
        for bad in ([1.5, 0], [float("nan"), 0], [0.0], "left"):
            with pytest.raises(InvalidArgumentError, match="numbers in"):
                await env.step(bad)
    narrow = paddle_game(axes=[Axis(":PADDLE", "Paddle", 100, 110)])
    async with GameEnv(narrow, roms_path=circus_roms) as env:
        await env.reset()
        assert (await env.step([-1.0]))[4]["paddle"] == 100
        assert (await env.step([1]))[4]["paddle"] == 110


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize(("axis", "error", "words"), [
    (Axis(":PADDLE", "Paddle", 0, 100), InvalidArgumentError, "64..167"),
    (Axis(":INPUTS", "Coin 1"), InvalidArgumentError, "digital"),
    (Axis(":PADDLE", "Wheel"), UnknownInputError, "Paddle"),
])
async def test_bad_axes_are_refused_at_start(circus_roms: Path, axis, error, words):
    env = GameEnv(paddle_game(axes=[axis]), roms_path=circus_roms)
    with pytest.raises(error, match=words):
        await env.start()
    assert env.emulator.process.returncode is not None  # closed


@pytest.mark.asyncio(loop_scope="session")
async def test_axes_in_a_pool(circus_roms: Path):
    game = paddle_game(axes=[Axis(":PADDLE", "Paddle")])
    async with EnvPool(game, 2, roms_path=circus_roms) as pool:
        await pool.reset()
        batch = await pool.step(np.array([[-1.0], [1.0]], np.float32))
        assert batch.memory["paddle"].tolist() == [LOW, HIGH]
        batch = await pool.step(np.array([[1.0], [-1.0]]))
        assert batch.memory["paddle"].tolist() == [HIGH, LOW]
        for bad in (np.zeros((3, 1)), np.full((2, 1), 2.0), [0, 0]):
            with pytest.raises(InvalidArgumentError, match="numbers in"):
                pool.send(bad)


@pytest.mark.asyncio(loop_scope="session")
async def test_a_pool_of_a_plain_system_checks_analog_values(circus_roms: Path):
    async with EnvPool("circus", 1, roms_path=circus_roms,
                       memory_addresses={"paddle": PADDLE}) as pool:
        await pool.reset()
        batch = await pool.step([[Action(":PADDLE", "Paddle", 70)]])
        assert batch.memory["paddle"].tolist() == [70]
        with pytest.raises(InvalidArgumentError, match=r"200 .*64\.\.167"):
            pool.send([[Action(":PADDLE", "Paddle", 200)]])


def test_axes_in_gymnasium_and_a_definition(circus_roms: Path, tmp_path: Path):
    gym = pytest.importorskip("gymnasium")
    from aiomame.gym import MameEnv, MameVectorEnv

    definition = tmp_path / "circus.toml"
    definition.write_text(
        'system = "circus"\nframe_ratio = 2\n'
        "axes = [{port = ':PADDLE', field = 'Paddle'}]\n"
        "buttons = [':INPUTS/Coin 1']\n"
        "[memory.paddle]\naddress = 0xD000\n")
    with MameEnv(str(definition), roms_path=circus_roms) as env:
        assert env.action_space == gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
        env.reset()
        assert env.step(np.array([1.0, 0.0], np.float32))[4]["paddle"] == HIGH
        assert env.step(env.action_space.sample())[4]["paddle"] in range(LOW, HIGH + 1)
    with MameVectorEnv(paddle_game(axes=[Axis(":PADDLE", "Paddle")]), 2,
                       roms_path=circus_roms) as envs:
        assert envs.single_action_space == gym.spaces.Box(-1.0, 1.0, (1,), np.float32)
        envs.reset()
        infos = envs.step(np.array([[-1.0], [0.0]], np.float32))[4]
        assert infos["paddle"].tolist() == [LOW, 116]


def test_definition_positions_and_axes(tmp_path: Path):
    path = tmp_path / "g.toml"
    path.write_text('system = "circus"\n[actions]\nleft = [[":PADDLE", "Paddle", 64]]\n')
    assert load_game(path).actions == {"left": (Action(":PADDLE", "Paddle", 64),)}
    path.write_text('system = "circus"\naxes = [":PADDLE/Paddle", '
                    '{port = ":P2", field = "Dial", min = 0, max = 9}]\n')
    game = load_game(path)
    assert game.axes == (Axis(":PADDLE", "Paddle"), Axis(":P2", "Dial", 0, 9))
    assert game.buttons == () and game.action_shape() == (2,)
    with pytest.raises(StateError, match="start the env"):  # ranges come from MAME
        game.inputs([0.0, 0.0])
    for bad, where in (('axes = []', "axes"), ('axes = [{port = ":P", fild = "x"}]', "fild"),
                       ('axes = [{port = ":P", field = "x", min = 5, max = 1}]', "min"),
                       ('axes = [":P/x"]\n[actions]\nnoop = []', "not both")):
        path.write_text(f'system = "circus"\n{bad}\n')
        with pytest.raises(GameDefinitionError, match=where):
            load_game(path)


@pytest.mark.asyncio(loop_scope="session")
async def test_a_recording_of_axes_replays(circus_roms: Path, tmp_path: Path):
    from aiomame.tools.recording import Recorder, Recording, verify

    game = paddle_game(axes=[Axis(":PADDLE", "Paddle")], buttons=[Action(":INPUTS", "Coin 1")])
    async with GameEnv(game, roms_path=circus_roms) as env:
        recorder = Recorder(env)
        await recorder.reset()
        for x in (-1.0, 0.3, 1.0, 0.123456789):
            await recorder.step(np.array([x, -1.0]))
        path = tmp_path / "circus.aiomame"
        recorder.recording.save(path)
        loaded = Recording.load(path)
        assert loaded.actions.dtype == np.float64 and loaded.actions.shape == (4, 2)
        assert loaded.actions[3, 0] == 0.123456789
        assert await verify(loaded, env) is None


def test_cli_actions_shows_analog_ranges(circus_roms: Path, capsys: pytest.CaptureFixture):
    import json

    from aiomame import cli

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["actions", "circus", "--roms", str(circus_roms), "--json"])
    assert not exit_info.value.code
    ports = {p["tag"]: p["fields"] for p in json.loads(capsys.readouterr().out)["ports"]}
    assert ports[":PADDLE"] == [{"name": "Paddle", "analog": True, "min": LOW, "max": HIGH,
                                 "default": DEFAULT, "kind": "PADDLE"}]
    assert {"name": "Coin 1", "analog": False} in ports[":INPUTS"]


@pytest.mark.asyncio(loop_scope="session")
async def test_a_dial_value_is_its_counter(tmp_path: Path):
    """A relative input: goindol's dial (Z80, read directly at 0xC820). The value is the
    wrapping counter the game reads; let go, it reads 0 again."""
    roms = romset.zero_filled(find_mame(), "goindol", tmp_path)
    async with Emulator("goindol", roms, {"dial": Address(0xC820)}) as emu:
        assert {"port": ":DIAL", "field": "Dial", "analog": True, "min": 0, "max": 255,
                "default": 0, "kind": "DIAL"} in emu.list_actions()
        seen = [(await emu.step([Action(":DIAL", "Dial", v)]))["dial"] for v in (10, 255, 3)]
        assert seen == [10, 255, 3]
        assert (await emu.step())["dial"] == 0
        with pytest.raises(InvalidArgumentError, match=r"256 .*0\.\.255"):
            await emu.step([Action(":DIAL", "Dial", 256)])
