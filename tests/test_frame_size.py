"""Screens that change size after start: a Genesis cartridge of our own switches from the
256-wide H32 mode to the 320-wide H40 one and back (tests/genesis_rom.py)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from genesis_rom import write_cartridge

from aiomame import Emulator, EnvPool
from aiomame.games.system import SystemGame
from aiomame.sync import Emulator as SyncEmulator
from aiomame.sync import GameEnv

H32, H40 = (224, 256), (224, 320)
STEPS = 24  # H32 for steps 0-8, H40 for 9-18, H32 again from 19 (frame_ratio 1)


@pytest.fixture(scope="module")
def no_roms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("roms")  # genesis loads no ROM of its own


@pytest.fixture(scope="module")
def cart(tmp_path_factory: pytest.TempPathFactory, no_roms: Path) -> list[str]:
    """The cartridge's arguments, once this MAME is seen to draw its H40 mode 320 wide.
    MAME 0.289's rewritten Mega Drive VDP keeps drawing 256 wide: there the tests that
    need the switch skip, and pong's test covers a changing size."""
    args = ["-cart", str(write_cartridge(tmp_path_factory.mktemp("cart")))]
    with SyncEmulator("genesis", no_roms, frame_ratio=1, extra_args=args) as emu:
        widths = {emu.step()["frame"].shape[1] for _ in range(STEPS)}
        version = emu.info["mame"]
    if H40[1] not in widths:
        pytest.skip(f"MAME {version}'s Mega Drive draws the cartridge's H40 mode "
                    f"{sorted(widths)} wide, not 320")
    return args


def mode(step: int, reset: bool = False) -> tuple[int, int]:
    """The screen's (height, width) at ``step`` (counted from start, or from a hard reset
    and its first step: one frame more)."""
    return H40 if 9 <= step - reset <= 18 else H32


async def test_frame_shape_is_the_last_frames_and_out_takes_any_size(cart, no_roms, no_leaks):
    async with Emulator("genesis", no_roms, frame_ratio=1, extra_args=cart) as emu:
        assert emu.frame_shape == (*H32, 3)
        out = np.empty((*H32, 3), np.uint8)
        sizes = []
        for step in range(STEPS):
            if step % 2:  # into a buffer of the start's shape: scaled into it
                _, frame = await emu.step_into(out=out)
                assert frame is out
                expected = cv2.resize(emu.screen(), (H32[1], H32[0]),
                                      interpolation=cv2.INTER_AREA)
                assert np.abs(out.astype(int) - expected).max() <= 1
            else:
                frame = (await emu.step())["frame"]
                assert frame.shape == (*mode(step), 3)
            assert emu.frame_shape == (*mode(step), 3) and emu.display_size == mode(step)
            sizes.append(emu.display_size)
        assert set(sizes) == {H32, H40} and out.any()  # the backdrop is red


@pytest.mark.parametrize(("obs_type", "frame_stack", "resize"), [
    ("rgb", 1, None), ("bgra", 1, None), ("grayscale", 2, None), ("grayscale", 1, (84, 84))])
async def test_a_pool_keeps_its_shape_and_says_when_a_frame_was_scaled(
        cart, no_roms, no_leaks, obs_type, frame_stack, resize):
    channels = {"rgb": (3,), "bgra": (4,), "grayscale": ()}[obs_type]
    async with EnvPool("genesis", 2, roms_path=no_roms, frame_ratio=1, extra_args=cart,
                       obs_type=obs_type, frame_stack=frame_stack, resize=resize) as pool:
        frame = (*(resize or H32), *channels)
        assert pool.frame_shape == (frame if frame_stack == 1 else (frame_stack, *frame))
        batch = await pool.reset()  # a hard reset and one step: step 0
        for step in range(1, STEPS):
            batch = await pool.step([[], []])
            assert batch.frames.shape == (2, *pool.frame_shape)
            expected = [{"frame_size": H40}] * 2 if mode(step, True) == H40 else [{}] * 2
            assert [dict(info) for info in batch.infos] == expected, step
            latest = batch.frames[:, -1] if frame_stack > 1 else batch.frames
            screen = pool.emulators[0].screen()  # full size, RGB
            assert screen.shape[:2] == mode(step, True)
            if obs_type == "rgb":
                scaled = cv2.resize(screen, (H32[1], H32[0]), interpolation=cv2.INTER_AREA)
                assert np.abs(latest[0].astype(int) - scaled).max() <= 1
            assert (latest[0] == latest[1]).all() and (step < 9 or latest.any())


def test_a_game_env_keeps_its_shape_and_says_when_a_frame_was_scaled(cart, no_roms,
                                                                      no_leaks):
    game = SystemGame("genesis", actions={"none": ()}, frame_ratio=1)
    with GameEnv(game, roms_path=no_roms, extra_args=cart) as env:
        assert env.obs_shape == (*H32, 3)
        obs, info = env.reset()
        assert obs.shape == (*H32, 3) and "frame_size" not in info
        for step in range(1, STEPS):
            obs, _, _, _, info = env.step(0)
            assert obs.shape == (*H32, 3)
            assert info.get("frame_size") == (H40 if mode(step, True) == H40 else None), step


async def test_pong_draws_at_another_size_than_it_declares(no_roms, no_leaks):
    """pong's netlist video declares 454x262 and draws 1552x240 from its first frame."""
    async with Emulator("pong", no_roms, frame_ratio=1) as emu:
        assert emu.frame_shape == (262, 454, 3)
        frame = (await emu.step())["frame"]
        assert frame.shape == emu.frame_shape == (240, 1552, 3) and frame.any()


def test_gymnasium_keeps_its_space_and_says_when_a_frame_was_scaled(cart, no_roms, no_leaks):
    pytest.importorskip("gymnasium")
    from aiomame.gym import MameVectorEnv

    game = SystemGame("genesis", actions={"none": ()}, frame_ratio=1)
    envs = MameVectorEnv(game, 2, roms_path=no_roms, extra_args=cart)
    try:
        assert envs.single_observation_space.shape == (*H32, 3)
        envs.reset()
        for step in range(1, 12):
            obs, _, _, _, infos = envs.step(np.array([0, 0]))
            assert obs.shape == (2, *H32, 3) and obs in envs.observation_space
            assert ("frame_size" in infos) == (mode(step, True) == H40), step
        assert infos["frame_size"].tolist() == [H40, H40]
    finally:
        envs.close()
