"""Vector screens: the frame is the vectors MAME draws (its snapshot render), not the raster
bitmap MAME never draws them into. Proved with a program of our own on Atari's Asteroids
board (tests/asteroid_rom.py), against MAME's own snapshot of the same frame."""

from __future__ import annotations

import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest
from asteroid_rom import SQUARES, TRIANGLE, write_rom_set

from aiomame import Emulator, EnvPool

SNAPSHOT_AT = 5  # the frame MAME's own snapshot is taken of (tests/asteroid_rom.py: static)


@pytest.fixture(scope="module")
def vector_roms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_rom_set(tmp_path_factory.mktemp("vector_roms"))


@pytest.fixture(autouse=True)
def quiet_checksums():
    with warnings.catch_warnings():  # our own set fails MAME's checksums, as expected
        warnings.simplefilter("ignore")
        yield


def expected_lines(height: int, width: int) -> list[np.ndarray]:
    """The program's segments in pixels of a (height, width) frame: DVG (x, y) is at
    (x + 10, 906 - y) in MAME's vector coordinates for asteroid, a 1045x789 visible area."""
    def pixel(x: int, y: int) -> tuple[float, float]:
        return (x + 10) * width / 1045, (906 - y) * height / 789

    shapes = [[(x, y), (x + side, y), (x + side, y + side), (x, y + side)]
              for x, y, side in SQUARES]
    (x, y), (ax, ay), (bx, by) = TRIANGLE
    shapes.append([(x, y), (x + ax, y + ay), (x + ax + bx, y + ay + by)])
    return [np.array([pixel(*p) for p in shape]) for shape in shapes]


def check_drawn(frame: np.ndarray) -> None:
    """Every lit pixel is on the program's lines, and every line is drawn."""
    height, width = frame.shape[:2]
    lit = (frame.max(axis=2) if frame.ndim == 3 else frame) > 0
    near = np.zeros((height, width), np.uint8)
    for polygon in expected_lines(height, width):
        cv2.polylines(near, [np.round(polygon).astype(np.int32)], True, 1, thickness=5)
        for start, end in zip(polygon, np.roll(polygon, -1, axis=0), strict=True):
            points = np.linspace(start, end, 50)[1:-1].round().astype(int)
            drawn = [lit[max(0, y - 2):y + 3, max(0, x - 2):x + 3].any() for x, y in points]
            assert all(drawn), f"the line {start} -> {end} is not drawn"
    assert lit.sum() > 1000 and not (lit & ~near.astype(bool)).any()


async def test_the_frame_is_the_vectors_as_mame_snapshots_them(vector_roms, tmp_path, no_leaks):
    script = tmp_path / "snapshot.lua"
    script.write_text(  # MAME's own snapshot (a PNG) of frame SNAPSHOT_AT
        'emu.register_frame_done(function()\n'
        f'  if manager.machine.screens[":screen"]:frame_number() == {SNAPSHOT_AT} then\n'
        '    manager.machine.video:snapshot()\n'
        '  end\nend)\n')
    args = ["-autoboot_script", str(script), "-snapshot_directory", str(tmp_path)]
    async with Emulator("asteroid", vector_roms, frame_ratio=1, obs_type="bgra",
                        extra_args=args) as emu:
        screen = emu.info["screens"][0]
        assert (screen["type"], screen["width"], screen["height"]) == ("vector", 640, 480)
        frames = [(await emu.step())["frame"].copy() for _ in range(SNAPSHOT_AT + 2)]
    [png] = tmp_path.glob("asteroid/*.png")
    snapshot = cv2.imread(str(png))
    assert frames[SNAPSHOT_AT].shape == (480, 640, 4)
    assert np.array_equal(frames[SNAPSHOT_AT][:, :, :3], snapshot)
    check_drawn(snapshot)


@pytest.mark.parametrize(("kwargs", "shape"), [
    ({"obs_type": "bgra"}, (480, 640, 4)),  # MAMEs write into the pool's batch
    ({"obs_type": "grayscale", "resize": (84, 84)}, (84, 84)),
    ({"extra_args": ["-snapsize", "320x240"]}, (240, 320, 3)),  # MAME's snapshot size
])
async def test_a_pool_of_vector_games_in_every_obs_type(vector_roms, no_leaks, kwargs, shape):
    async with EnvPool("asteroid", 2, roms_path=vector_roms, frame_ratio=2, **kwargs) as pool:
        assert pool.frame_shape == shape
        await pool.reset()
        batch = await pool.step([[], []])
        assert batch.frames.shape == (2, *shape) and [dict(i) for i in batch.infos] == [{}, {}]
        assert np.array_equal(batch.frames[0], batch.frames[1])
        if shape[:2] != (84, 84):
            check_drawn(batch.frames[0])
        else:
            assert batch.frames.any()
        check_drawn(pool.emulators[0].screen())
