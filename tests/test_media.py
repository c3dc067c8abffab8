"""Media and software lists on a real MAME: the Atari 2600 (no BIOS: a cartridge is all it
needs) with a cartridge of our own (tests/cart2600.py), given as a file or laid out as a
software-list item; bad slots, files and items."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from cart2600 import FRAMES_ADDRESS, MARK, MARK_ADDRESS, cartridge

from aiomame import Address, Emulator, EnvPool, GameEnv, cli
from aiomame.errors import (
    InvalidArgumentError,
    MediaFileError,
    MediaLoadError,
    MissingRomsError,
    RomChecksumWarning,
    UnknownMediaSlotError,
    UnknownSoftwareError,
)
from aiomame.games import GameDefinitionError, SystemGame, load_game
from aiomame.gym import MameEnv
from aiomame.mame.locate import find_mame, mame_hash_path
from aiomame.mame.softlist import list_file, read_list

ADDRESSES = {"mark": Address(MARK_ADDRESS), "frames": Address(FRAMES_ADDRESS)}
HASH_PATH = mame_hash_path(find_mame())
needs_lists = pytest.mark.skipif(HASH_PATH is None or list_file(HASH_PATH, "a2600") is None,
                                 reason="MAME's software lists (hash/a2600.xml) not installed")


def lay_out_item(rompath: Path, name: str, data: bytes = b"") -> list[str]:
    """Item ``name`` of list a2600 in ``rompath/a2600/name/``: each file of hash/a2600.xml,
    ``data`` cut or padded with zeros to its size. Returns the file names."""
    assert HASH_PATH is not None
    item = read_list(list_file(HASH_PATH, "a2600"))[name]
    folder = rompath / "a2600" / name
    folder.mkdir(parents=True)
    names = []
    for part in item.parts:
        for file, size in part.files:
            (folder / file).write_bytes(data[:size].ljust(size, b"\0"))
            names.append(file)
    return names


async def test_cartridge_file(tmp_path: Path) -> None:
    cart = tmp_path / "cart.bin"
    cart.write_bytes(cartridge())
    async with Emulator("a2600", tmp_path, ADDRESSES, media={"cart": cart}) as emu:
        first = await emu.step()
        second = await emu.step()
        assert emu.info["media"] == [{
            "tag": ":cartslot", "name": "cartridge", "brief": "cart", "type": "cartridge",
            "interface": "a2600_cart", "extensions": ["bin", "a26"], "file": str(cart),
            "software": None}]
    assert first["mark"] == second["mark"] == MARK  # our program ran
    assert (second["frames"] - first["frames"]) % 256 == 3  # a frame per VSYNC, 3 a step
    assert (second["frame"].sum(axis=2) > 0).mean() > 0.5  # its yellow background


@needs_lists
async def test_software_item(tmp_path: Path) -> None:
    """breakout's files (names and sizes from hash/a2600.xml) hold our program; combat's are
    zeros: each starts as ``mame a2600 ITEM``, which needs -hashpath under -noreadconfig."""
    lay_out_item(tmp_path, "breakout", cartridge(2048))
    lay_out_item(tmp_path, "combat")
    with pytest.warns(RomChecksumWarning, match="a2600:breakout"):
        async with Emulator("a2600", tmp_path, ADDRESSES, software="breakout") as emu:
            assert (await emu.step())["mark"] == MARK
            assert [m["software"] for m in emu.info["media"]] == ["a2600:breakout"]
    async with Emulator("a2600", tmp_path, software="a2600:combat",
                        output_filter=lambda line: "CHECKSUM" not in line) as emu:
        assert (await emu.step())["frame"].shape == emu.frame_shape
        assert emu.info["media"][0]["file"] is None
    cart = tmp_path / "cart.bin"
    cart.write_bytes(cartridge())
    both = Emulator("a2600", tmp_path, media={"cart": cart}, software="breakout")
    with pytest.raises(MediaLoadError, match="without '.*cart.bin' in slot 'cart' \\(it holds "
                       "'a2600:breakout'\\)"):
        await both.start()  # MAME puts the item in the slot, silently: we say so


def test_bad_slot_and_file(tmp_path: Path) -> None:
    """Checked before MAME starts (only ``mame -listxml a2600`` runs, once)."""
    with pytest.raises(UnknownMediaSlotError, match="'flop1'.*its slots: 'cart'") as err:
        Emulator("a2600", tmp_path, media={"flop1": tmp_path})
    assert (err.value.slot, err.value.valid) == ("flop1", ["cart"])
    with pytest.raises(MediaFileError, match="'cartridge': no such file: 'nope.bin'") as missing:
        Emulator("a2600", tmp_path, media={"cartridge": "nope.bin"})  # the full name works
    assert (missing.value.slot, missing.value.file) == ("cartridge", "nope.bin")
    with pytest.raises(MediaFileError, match="not a file"):
        Emulator("a2600", tmp_path, media={"cart": tmp_path})
    for media in (["cart.bin"], {"cart": 3}, {"cart": ""}):
        with pytest.raises(InvalidArgumentError, match="media"):
            Emulator("a2600", tmp_path, media=media)  # type: ignore[arg-type]


@needs_lists
def test_unknown_software(tmp_path: Path) -> None:
    with pytest.raises(UnknownSoftwareError, match="no item 'brakout'.*similar: breakout") \
            as err:
        Emulator("a2600", tmp_path, software="brakout")
    assert err.value.lists == ["a2600", "a2600_cass"] and "breakout" in err.value.similar
    with pytest.raises(UnknownSoftwareError, match="no software list 'nes'"):
        Emulator("a2600", tmp_path, software="nes:breakout")
    with pytest.raises(UnknownSoftwareError, match="no part that a slot of 'a2600' takes"):
        Emulator("a2600", tmp_path, software="dstomper")  # a Supercharger tape
    with pytest.raises(UnknownSoftwareError, match="not found in hashpath"):
        Emulator("a2600", tmp_path, software="breakout", hashpath=tmp_path)
    with pytest.raises(InvalidArgumentError, match="software must be"):
        Emulator("a2600", tmp_path, software="a:b:c")


async def test_mame_refuses_file(tmp_path: Path) -> None:
    bad = tmp_path / "three.bin"
    bad.write_bytes(b"\0\0\0")  # no 2600 cartridge has 3 bytes
    emu = Emulator("a2600", tmp_path, media={"cart": bad})
    # MAME's words: "Invalid ROM file size" (0.251), "Unsupported cartridge ROM file size"
    with pytest.raises(MediaLoadError, match="(Invalid|Unsupported cartridge) ROM file size") \
            as err:
        await emu.start()
    assert err.value.media == {"cart": str(bad)}
    assert emu.process.returncode is not None  # MAME is gone (and reaped)


async def test_a_slot_the_system_cannot_start_without_is_named(tmp_path: Path) -> None:
    """From 0.276 MAME refuses to start an a2600 with no cartridge ("Images must be mounted
    for the following devices: cartridge"): a MediaLoadError naming the slot. MAME 0.251
    starts it with the slot empty."""
    emu = Emulator("a2600", tmp_path)
    try:
        await emu.start()
    except MediaLoadError as exc:
        assert "'a2600' cannot start without media in: cartridge" in str(exc)
        assert exc.media == {} and "given: none" in str(exc)
    else:
        assert emu.info["mame"].startswith("0.251"), emu.info["mame"]
    finally:
        await emu.close()


@needs_lists
async def test_missing_item_files(tmp_path: Path) -> None:
    with pytest.raises(MissingRomsError, match="'a2600:combat' cannot run") as err:
        await Emulator("a2600", tmp_path, software="combat").start()
    assert err.value.roms_path == str(tmp_path / "a2600" / "combat")
    assert err.value.files and err.value.files[0].startswith("combat - ")


async def test_arcade_has_no_media(emu: Emulator) -> None:
    assert emu.info["media"] == []


DEFINITION = """
system = "a2600"
software = "{software}"
[media]
cart = "cart.bin"
[memory.mark]
address = 0x80
[actions]
noop = []
"""


def write_definition(folder: Path, software: str = "") -> Path:
    """A game on our cartridge (mark 0x42), given as a file beside its definition."""
    (folder / "cart.bin").write_bytes(cartridge())
    path = folder / "cart2600.toml"
    text = DEFINITION.format(software=software)
    path.write_text(text if software else text.replace('software = ""\n', ""))
    return path


async def test_game_definition_media(tmp_path: Path) -> None:
    """A definition's media, relative to the file; a2600 loads no ROMs, so the game needs
    no roms_path."""
    path = write_definition(tmp_path)
    game = load_game(path)
    assert game.media == {"cart": str(tmp_path / "cart.bin")} and game.software is None
    async with GameEnv(path) as env:
        _, info = await env.reset()
        assert info["mark"] == MARK
        assert env.emulator.info["media"][0]["file"] == str(tmp_path / "cart.bin")


async def test_pool_and_gym_override_media(tmp_path: Path) -> None:
    """The caller's media replace the definition's slot by slot: in EnvPool and Gymnasium."""
    path = write_definition(tmp_path)
    other = tmp_path / "other.bin"
    other.write_bytes(cartridge(mark=0x24))
    async with EnvPool(path, num_envs=2, media={"cart": other}) as pool:
        batch = await pool.reset()
        assert batch.memory["mark"].tolist() == [0x24, 0x24]
    with pytest.raises(InvalidArgumentError, match="names slot 'cart' twice: as 'cart' and "
                       "'cartridge'"):
        GameEnv(path, media={"cartridge": other})
    env = await asyncio.to_thread(MameEnv, path, media={"cart": other})
    try:
        _, info = await asyncio.to_thread(env.reset)
        assert info["mark"] == 0x24
    finally:
        await asyncio.to_thread(env.close)


def test_definition_media_errors(tmp_path: Path) -> None:
    path = write_definition(tmp_path)
    path.write_text(path.read_text().replace("cart.bin", "gone.bin"))
    with pytest.raises(GameDefinitionError, match="media.cart: a media file not found"):
        load_game(path)
    path.write_text(DEFINITION.format(software=""))
    with pytest.raises(GameDefinitionError, match="software: must be a software-list item"):
        load_game(path)
    with pytest.raises(InvalidArgumentError, match="media must be a mapping"):
        SystemGame("a2600", actions={"noop": []}, media=["cart.bin"])  # type: ignore[arg-type]


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``aiomame ARGV`` in this process."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(list(argv))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


@needs_lists
def test_cli_lists_software(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "games", "--software", "a2600", "breakaway")
    assert code == 0 and "breakout         1978  Breakout - Breakaway IV" in out
    code, out, _ = run_cli(capsys, "games", "--software", "a2600", "breakout", "--json")
    items = json.loads(out)["lists"]["a2600"]
    assert {"name": "breakout", "description": "Breakout - Breakaway IV", "year": "1978",
            "publisher": "Atari"} in items
    code, _, err = run_cli(capsys, "games", "--software", "a260")
    assert code == 2 and "no such software list" in err and "similar lists: a2600" in err


def test_cli_new_game_and_play_with_media(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("cart.bin").write_bytes(cartridge())
    code, out, _ = run_cli(capsys, "new-game", "a2600", "games/a26.toml", "--media",
                           "cart=cart.bin", "--roms", str(tmp_path))
    assert code == 2  # no such folder: games/
    Path("games").mkdir()
    code, out, _ = run_cli(capsys, "new-game", "a2600", "games/a26.toml", "--media",
                           "cart=cart.bin", "--roms", str(tmp_path))
    assert code == 0, out
    assert load_game("games/a26.toml").media == {"cart": str(tmp_path / "cart.bin")}
    assert '[media]\ncart = "../cart.bin"' in Path("games/a26.toml").read_text()
    code, out, _ = run_cli(capsys, "play", "games/a26.toml", "--episodes", "1",
                           "--max-steps", "3", "--gif", "", "--json")
    assert code == 0 and json.loads(out)["steps"] == 3
    code, _, err = run_cli(capsys, "play", "games/a26.toml", "--media", "flop1=cart.bin")
    assert code == 2 and "no media slot 'flop1'; its slots: 'cart'" in err
    code, _, err = run_cli(capsys, "play", "games/a26.toml", "--media", "cart")
    assert code == 2 and "expected SLOT=FILE" in err
