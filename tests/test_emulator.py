"""The Emulator on real MAME, running the hand-made test ROM (tests/testrom.py)."""

from __future__ import annotations

import asyncio
import os
import time

import cv2
import numpy as np
import pytest
from conftest import ADDRESSES, alive, reaped, socket_dirs

from aiomame import Action, Address, Emulator
from aiomame.errors import CommandError, InvalidArgumentError


async def test_hello_describes_the_machine(emu):
    info = emu.info
    assert info["system"] == "invaders"
    assert info["mame"].startswith("0.")
    [screen] = info["screens"]
    assert (screen["tag"], screen["width"], screen["height"], screen["rotation"]) == (
        ":screen", 260, 224, 270)
    assert [d["tag"] for d in info["devices"]] == [":maincpu"]
    assert {"port": ":IN1", "field": "Coin 1"} in emu.list_actions()
    assert {"port": ":CONTP1", "field": "P1 Left"} in emu.list_actions()
    assert emu.frame_shape == (260, 224, 3)  # as the player sees it: rotated


async def test_memory_values_of_every_type(emu):
    data = await emu.step()
    assert data["word"] == 0x1234
    assert data["minus_two"] == -2
    assert data["u32"] == 0x80000001
    assert data["s32"] == -0x7FFFFFFF
    assert (await emu.read({"fe": Address("0x2006", "u8")})) == {"fe": 0xFE}


async def test_each_step_runs_frame_ratio_frames(emu):
    first = (await emu.step(frame=False))["counter"]
    second = (await emu.step(frame=False))["counter"]
    assert (second - first) % 256 == 3


async def test_frame_is_rgb_as_displayed_and_changes(emu):
    a = (await emu.step())["frame"]
    b = (await emu.step())["frame"]
    assert a.dtype == np.uint8 and a.shape == (260, 224, 3) and a.flags.c_contiguous
    assert not np.array_equal(a, b)  # VRAM 0x3000 shows the frame counter
    # VRAM byte 0x2400 = 0xFF lights 8 pixels in the left column, bit 0 lowest, as the player
    # sees the (ROT270) screen; the bottom 4 rows are the driver's blank border (260 = 4 + 256).
    lit = np.argwhere(b.any(axis=2))
    bottom_left = lit[(lit[:, 0] >= 240) & (lit[:, 1] < 8)]
    assert sorted(map(tuple, bottom_left)) == [(row, 0) for row in range(248, 256)]
    assert (b[248:256, 0] == 255).all()
    assert set(np.unique(b)) <= {0, 255}  # black and white hardware


async def test_input_is_held_for_one_step_then_released(emu):
    idle = (await emu.step())["port1"]
    pressed = (await emu.step([Action(":CONTP1", "P1 Left")]))["port1"]
    assert pressed != idle
    assert (await emu.step())["port1"] == idle
    both = (await emu.step([Action(":CONTP1", "P1 Left"), Action(":CONTP1", "P1 Right")]))
    assert both["port1"] not in (idle, pressed)
    numpy_value = await emu.step([Action(":CONTP1", "P1 Left", np.int64(1))])
    assert numpy_value["port1"] == pressed


async def test_step_without_frame(emu):
    data = await emu.step(frame=False)
    assert "frame" not in data and set(data) == set(ADDRESSES)


async def test_write_then_read(emu):
    scratch = Address("0x2010", "u16")
    await emu.write(scratch, 0xBEEF)
    assert await emu.read({"x": scratch}) == {"x": 0xBEEF}
    await emu.write(scratch, 0)


async def test_two_emulators_side_by_side(roms, no_leaks):
    a = Emulator("invaders", roms, {"counter": ADDRESSES["counter"]}, frame_ratio=1)
    b = Emulator("invaders", roms, {"counter": ADDRESSES["counter"]}, frame_ratio=2)
    await asyncio.gather(a.start(), b.start())
    try:
        assert a.process.pid != b.process.pid
        for _ in range(3):
            ra, rb = await asyncio.gather(a.step(), b.step())
        assert (ra["counter"], rb["counter"]) != (0, 0)
        # Each advances at its own frame ratio.
        ca0, cb0 = (await a.step(frame=False))["counter"], (await b.step(frame=False))["counter"]
        ca1, cb1 = (await a.step(frame=False))["counter"], (await b.step(frame=False))["counter"]
        assert ((ca1 - ca0) % 256, (cb1 - cb0) % 256) == (1, 2)
    finally:
        await asyncio.gather(a.close(), b.close())
    assert reaped(a.process.pid) and reaped(b.process.pid)


async def test_close_stops_mame_politely_and_removes_the_socket(roms, no_leaks):
    before = socket_dirs()
    emu = Emulator("invaders", roms)
    await emu.start()
    pid = emu.process.pid
    assert alive(pid)
    [new_dir] = socket_dirs() - before
    assert not os.path.exists(os.path.join(new_dir, "mame.sock"))  # unlinked once connected
    assert oct(os.stat(new_dir).st_mode & 0o777) == "0o700"
    await emu.close()
    assert emu.process.closed_by == "exit"
    assert emu.process.returncode == 0
    assert reaped(pid)
    await emu.close()  # idempotent


async def test_close_before_start_is_harmless(roms, no_leaks):
    emu = Emulator("invaders", roms)
    await emu.close()


async def test_reply_larger_than_the_socket_buffer(emu):
    # 60,000 u32 reads: a ~300 KB reply, more than a Unix socket buffers (~208 KB). With
    # Python's loop blocked, MAME's non-blocking socket fills and the plugin must write
    # the rest as Python takes it, losing nothing.
    addresses = {f"a{i}": Address(0x2008 if i % 2 else 0x2004, "u32") for i in range(60_000)}
    task = asyncio.create_task(emu.read(addresses))
    await asyncio.sleep(0.05)  # the command is out
    time.sleep(1.0)  # block the loop: nothing is read while MAME writes
    values = await task
    assert len(values) == 60_000
    assert set(values.values()) == {0x80000001, 0x00FE1234}
    assert "counter" in await emu.step()


async def test_plugin_msgpack_round_trips_long_strings(emu):
    # An unknown command's name comes back in the error: str8, str16 and str32 both ways.
    for n in (40, 300, 70_000):
        with pytest.raises(CommandError) as err:
            await emu.process.request("x" * n)
        assert str(err.value).count("x") >= n


async def test_soft_and_hard_reset(roms, no_leaks):
    async with Emulator("invaders", roms, ADDRESSES) as emu:
        for _ in range(10):
            await emu.step()
        await emu.write(ADDRESSES["word"], 7)
        await emu.reset("soft")  # the program starts again: its init rewrites the word
        assert (await emu.step())["word"] == 0x1234
        before = (await emu.step())["counter"]
        await emu.write(ADDRESSES["word"], 7)
        await emu.reset("hard")  # a new machine: RAM cleared, the counter starts over
        data = await emu.step()
        assert data["word"] == 0x1234 and data["counter"] < before
        idle = (await emu.step())["port1"]
        assert (await emu.step([Action(":CONTP1", "P1 Left")]))["port1"] != idle
        assert data["frame"].shape == (260, 224, 3)


async def test_inputs_command_lists_what_hello_said(emu):
    reply = await emu.process.request("inputs")
    assert reply == ["inputs", emu.info["ports"]]
    assert (await emu.step([Action(":IN1", "Coin 1")]))["counter"] >= 0  # ids still valid


async def test_observation_types_agree_on_the_same_picture(roms, no_leaks):
    kinds = {"rgb": {}, "grayscale": {"obs_type": "grayscale"}, "bgra": {"obs_type": "bgra"},
             "small": {"obs_type": "grayscale", "resize": (65, 56)}}
    emus = {name: Emulator("invaders", roms, ADDRESSES, **kw) for name, kw in kinds.items()}
    await asyncio.gather(*(e.start() for e in emus.values()))
    try:
        assert {n: e.frame_shape for n, e in emus.items()} == {
            "rgb": (260, 224, 3), "grayscale": (260, 224), "bgra": (260, 224, 4),
            "small": (65, 56)}
        for action in ([], [Action(":CONTP1", "P1 Left")]):
            frames = {n: d["frame"] for n, d in zip(emus, await asyncio.gather(
                *(e.step(action) for e in emus.values())), strict=True)}
            rgb = frames["rgb"]
            assert np.array_equal(frames["bgra"][..., 2::-1], rgb)
            assert np.shares_memory(frames["bgra"], emus["bgra"].process.shared_pixels(
                260 * 224 * 4))  # a view of MAME's frame: no copy
            luma = rgb.astype(float) @ [0.299, 0.587, 0.114]
            assert np.abs(frames["grayscale"] - luma).max() <= 1
            assert frames["small"].shape == (65, 56)
            assert abs(float(frames["small"].mean()) - float(frames["grayscale"].mean())) < 1
    finally:
        await asyncio.gather(*(e.close() for e in emus.values()))


async def test_maxpool_is_the_maximum_of_the_last_two_frames(roms, no_leaks):
    # The test ROM draws its frame counter: consecutive frames differ. From power-on, one
    # emulator steps 1 frame at a time, the other 2 with max pooling: in lockstep.
    single = Emulator("invaders", roms, ADDRESSES, frame_ratio=1)
    pooled = Emulator("invaders", roms, ADDRESSES, frame_ratio=2, maxpool=True,
                      obs_type="grayscale")
    await asyncio.gather(single.start(), pooled.start())
    try:
        differed = False
        for _ in range(6):
            first, second = (await single.step())["frame"], (await single.step())["frame"]
            got = (await pooled.step())["frame"]
            expected = cv2.cvtColor(np.maximum(first, second), cv2.COLOR_RGB2GRAY)
            assert np.abs(got.astype(int) - expected).max() <= 1
            differed |= not np.array_equal(first, second)
        assert differed  # the two frames were not the same picture
    finally:
        await asyncio.gather(single.close(), pooled.close())


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"maxpool": True, "frame_ratio": 1}, "frame_ratio >= 2.*frame_ratio=1"),
    ({"maxpool": "yes"}, "maxpool='yes'"),
])
def test_maxpool_needs_two_frames(roms, kwargs, match):
    with pytest.raises(InvalidArgumentError, match=match):
        Emulator("invaders", roms, **kwargs)


async def test_read_range_reads_a_block_of_memory(emu):
    await emu.step(frame=False)
    data = await emu.read_range(0x2004, 8)
    assert data == bytes([0x34, 0x12, 0xFE, 0x00, 0x01, 0x00, 0x00, 0x80])
    counter = (await emu.read({"c": ADDRESSES["counter"]}))["c"]
    assert (await emu.read_range(0x2000, 1))[0] == counter
    whole = await emu.read_range(0, 0x8000)  # the whole program space, in one command
    assert len(whole) == 0x8000 and whole[0x2004:0x200C] == data
    start = time.perf_counter()
    await emu.read_range(0x2000, 1024)
    assert time.perf_counter() - start < 0.05  # ~0.2 ms; 1,024 single reads take ~10 ms


@pytest.mark.parametrize(("args", "match"), [
    ((-1, 4), "start must be an int >= 0, got -1"),
    ((0x2000, 0), r"length must be an int in 1\.\.16777216 \(16 MiB\), got 0"),
    ((0x2000, 1 << 25), "length must be an int in 1..16777216"),
    ((0x7FFF, 2), r"range 0x7FFF\.\.0x8000 \(2 bytes\) is outside :maincpu program "
                  r"\(0x0-0x7FFF\)"),
    ((0x2000, 4, ":nope"), "unknown device of 'invaders' ':nope'; valid: ':maincpu'"),
    ((0x2000, 4, None, "data"), "unknown address space of ':maincpu' 'data'; valid: 'io'"),
])
async def test_read_range_refuses_bad_ranges(emu, args, match):
    with pytest.raises(InvalidArgumentError, match=match):
        await emu.read_range(*args)


async def test_read_range_limits_are_checked_in_the_plugin_too(emu):
    # past the Python checks, the plugin refuses on its own: an error reply, not a crash
    with pytest.raises(CommandError, match=r"read_range 0x7FFF\.\.0x8000 is outside"):
        await emu._command("read_range", ":maincpu", "program", 0x7FFF, 2)
    with pytest.raises(CommandError, match="length must be 1..16777216"):
        await emu._command("read_range", ":maincpu", "program", 0, 0)
    assert len(await emu.read_range(0x2000, 2)) == 2  # and serves on


async def test_hello_has_the_address_map(emu):
    [device] = emu.info["devices"]
    program = next(s for s in device["spaces"] if s["name"] == "program")
    assert [0x2000, 0x3FFF, 0x4000, "ram", "ram"] in program["map"]
