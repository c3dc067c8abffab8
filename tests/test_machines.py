"""Machines unlike the test ROM's, from zero-filled ROM sets (tests/testrom.zero_filled_set):
which CPU an Address reads by default, and bit-addressed CPUs."""

from __future__ import annotations

from pathlib import Path

import pytest
from testrom import zero_filled_set

from aiomame import Address, Emulator
from aiomame.errors import AddressError
from aiomame.tools.memsearch import MemsearchError, start_search


@pytest.mark.parametrize("system, cpu", [
    ("pet2001", ":f3"),  # its first CPU is its floppy drive's, ":ieee8:c4040:un1"
    ("c64", ":u7"),
    ("mhavoc", ":alpha"),
    ("exzisus", ":cpua"),
])
async def test_the_default_cpu_is_the_machines_own(system, cpu, tmp_path, no_leaks):
    async with Emulator(system, zero_filled_set(system, tmp_path)) as emu:
        assert emu.default_cpu == emu.info["default_cpu"] == cpu
        assert emu._resolve(Address(0x400))[0] == cpu
        value = (await emu.read({"a": Address(0x400)}))["a"]
        assert value == (await emu.read({"a": Address(0x400, device=cpu)}))["a"]


async def test_the_bundled_game_reads_its_maincpu(no_leaks):
    from aiomame import GameEnv
    async with GameEnv("catch") as env:
        assert env.emulator.default_cpu == ":maincpu"


@pytest.fixture(scope="module")
def mk_roms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return zero_filled_set("mk", tmp_path_factory.mktemp("mk"))


RAM = 0x01000000  # mk's TMS34010 RAM, a bit address


async def test_bit_addressed_memory_reads_in_bytes(mk_roms, no_leaks):
    # The TMS34010 addresses bits: a byte every 8 addresses (info: the space's shift is 3).
    async with Emulator("mk", mk_roms) as emu:
        assert emu.default_cpu == ":maincpu"
        program = next(s for s in emu.info["devices"][0]["spaces"] if s["name"] == "program")
        assert program["shift"] == 3
        for k in range(16):
            await emu.write(Address(RAM + 8 * k), 0x11 * (k + 1) & 0xFF)
        data = await emu.read_range(RAM, 16)
        assert data == bytes(0x11 * (k + 1) & 0xFF for k in range(16))
        assert await emu.read_range(RAM + 8, 1) == b"\x22"
        values = await emu.read({"b0": Address(RAM), "b1": Address(RAM + 8),
                                 "w": Address(RAM + 16, "u16"), "d": Address(RAM + 16, "u32")})
        assert values == {"b0": 0x11, "b1": 0x22, "w": 0x4433, "d": 0x66554433}
        for address, kind, starts in [(RAM + 1, "u8", 8), (RAM + 8, "u16", 16),
                                      (RAM + 8, "s32", 16)]:
            with pytest.raises(AddressError, match=f"a {kind} starts at a multiple of {starts} "):
                await emu.read({"x": Address(address, kind)})
        end = program["address_mask"] - 8 * 4 + 1
        assert len(await emu.read_range(end, 4)) == 4
        with pytest.raises(AddressError, match="outside"):
            await emu.read_range(end, 5)
        with pytest.raises(MemsearchError, match="bit-addressed .a byte every 8 addresses."):
            await start_search(emu)
