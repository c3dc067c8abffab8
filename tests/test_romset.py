"""ROM sets named as the running MAME expects: listxml, cutting region images, the cache,
and the checksum warnings hidden for the bundled game (and only those), also in the set that
``aiomame roms`` writes."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from aiomame import Action, Address
from aiomame.errors import InvalidArgumentError, RomChecksumWarning, UnknownGameError
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


def test_readme_roms_recipe_stays_quiet(tmp_path, no_leaks):
    """README's recipe: ``python -m aiomame roms catch roms/``, then the plain ``invaders``
    system on that ROM path through gym.make. The set is catch's ROM, not the original dump:
    MAME's checksum warnings about it stay hidden, as in ``GameEnv("catch")``; without the
    mark ``aiomame roms`` leaves beside it, they warn, pointed at the gym.make line."""
    gym = pytest.importorskip("gymnasium")
    import aiomame.gym  # noqa: F401  (registers aiomame/MAME-v0)

    repo = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-m", "aiomame", "roms", "catch", "roms/"], cwd=tmp_path,
                   check=True, capture_output=True, timeout=60,
                   env={**os.environ, "PYTHONPATH": str(repo)})
    roms = tmp_path / "roms"
    assert (roms / "invaders" / romset.MARK).is_file()

    def recipe() -> tuple[list[warnings.WarningMessage], int]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RomChecksumWarning)
            line = sys._getframe().f_lineno + 1
            env = gym.make("aiomame/MAME-v0", system="invaders", roms_path=str(roms),
                           memory_addresses={"score": Address(0x2008, "u16")},
                           buttons=[Action(":IN1", "Coin 1")], reward="score")
            with env:
                env.reset(seed=0)
                env.step(env.action_space.sample())
        return [w for w in caught if issubclass(w.category, RomChecksumWarning)], line

    quiet, _ = recipe()
    assert quiet == []
    (roms / "invaders" / romset.MARK).unlink()
    (warning,), line = recipe()
    assert (warning.filename, warning.lineno) == (__file__, line)  # not Gymnasium's line
    assert "fail MAME's checksums" in str(warning.message)


def test_the_mark_hides_only_its_files_as_written(tmp_path):
    """A marked file changed since (another dump put there) is not hidden any more."""
    binary = find_mame()
    image = get_game("catch").read_rom_images()
    romset.lay_out(image, "invaders", binary, tmp_path, mark=True)
    keep = romset.marked_set_filter(tmp_path, "invaders", binary)
    files = romset.rom_files(binary, "invaders")
    assert keep is not None and not keep(f"{files[0].name} WRONG CHECKSUMS:")
    (tmp_path / "invaders" / files[0].name).write_bytes(b"\0" * files[0].size)
    keep = romset.marked_set_filter(tmp_path, "invaders", binary)
    assert keep is not None and keep(f"{files[0].name} WRONG CHECKSUMS:")
    assert not keep(f"{files[1].name} WRONG CHECKSUMS:")
    romset.lay_out(image, "invaders", binary, tmp_path / "plain")  # no mark: no filter
    assert romset.marked_set_filter(tmp_path / "plain", "invaders", binary) is None
