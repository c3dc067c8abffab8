"""ROM sets named as the running MAME expects: listxml, cutting region images, the cache,
and the checksum warnings hidden for the bundled game (and only those)."""

from __future__ import annotations

import os

import pytest

from aiomame.errors import InvalidArgumentError, UnknownGameError
from aiomame.games import get_game
from aiomame.mame import romset
from aiomame.mame.locate import find_mame
from aiomame.transport.process import MameProcess


def test_listxml_gives_the_invaders_layout():
    files = romset.rom_files(find_mame(), "invaders")
    assert [(f.region, f.offset, f.size) for f in files] == [
        ("maincpu", 0x0000, 0x800), ("maincpu", 0x0800, 0x800),
        ("maincpu", 0x1000, 0x800), ("maincpu", 0x1800, 0x800)]
    assert all(f.crc and len(f.crc) == 8 and f.sha1 for f in files)
    assert len({f.name for f in files}) == 4


def test_unknown_system():
    with pytest.raises(UnknownGameError, match="'invadrs'"):
        romset.rom_files(find_mame(), "invadrs")


def test_cut_names_a_missing_region_and_a_short_image():
    files = romset.rom_files(find_mame(), "invaders")
    with pytest.raises(InvalidArgumentError, match="region.*'maincpu'.*valid: 'gfx'"):
        romset.cut({"gfx": b"\0" * 0x2000}, files)
    with pytest.raises(InvalidArgumentError, match="6144 bytes: too short"):
        romset.cut({"maincpu": b"\0" * 0x1800}, files)


def test_lay_out_to_the_cache_once(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    image = bytes(range(256)) * 32
    first = romset.lay_out({"maincpu": image}, "invaders", find_mame())
    assert romset.lay_out({"maincpu": image}, "invaders", find_mame()) == first
    assert first.startswith(str(tmp_path / "aiomame" / "roms" / "invaders-"))
    files = romset.rom_files(find_mame(), "invaders")
    for f in files:
        with open(os.path.join(first, "invaders", f.name), "rb") as data:
            assert data.read() == image[f.offset:f.offset + f.size]
    other = romset.lay_out({"maincpu": image[::-1]}, "invaders", find_mame())
    assert other != first  # another content, another folder
    assert not [p for p in os.listdir(tmp_path / "aiomame" / "roms") if p.startswith(".")]


async def test_bundled_set_runs_with_its_warnings_hidden(no_leaks):
    game = get_game("catch")
    roms, keep = game.rom_setup()
    raw = MameProcess(game.system, roms_path=roms)
    filtered = MameProcess(game.system, roms_path=roms, output_filter=keep)
    try:
        await raw.start()
        await filtered.start()
    finally:
        await raw.close()
        await filtered.close()
    printed = [line for line in raw.output if line.strip()]
    assert any("WRONG CHECKSUMS" in line for line in printed)  # MAME does complain...
    assert all(not keep(line) for line in printed)  # ...about this set only: all hidden
    assert [line for line in filtered.output if line.strip()] == []
    assert keep("foo.bin WRONG CHECKSUMS:") and keep("Fatal error: Required files are missing")
