"""Every bad input and every fault gives a typed error, fast, and leaves nothing behind."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest
from conftest import alive, reaped, socket_dirs

from aiomame import Action, Address, Emulator
from aiomame.errors import (
    AddressError,
    AiomameError,
    CommandError,
    InvalidArgumentError,
    MameExitedAtStartError,
    MameExitedError,
    MameNotFoundError,
    MameTimeoutError,
    MissingRomsError,
    SetupError,
    StartError,
    StateError,
    UnknownGameError,
    UnknownInputError,
    UnsupportedMameError,
)
from aiomame.mame.locate import aiomame_plugins_dir, find_mame, mame_plugins_dir, mame_version
from aiomame.mame.romset import rom_files

HIDE_EMU_FILE = str(Path(__file__).resolve().parent / "plugins")

# -- bad arguments, caught before MAME starts --------------------------------------------


@pytest.mark.parametrize("text", ["2000", "0xZZ", "", "0x"])
def test_bad_address_string(text):
    with pytest.raises(AddressError, match=repr(text).replace("\\", "\\\\")):
        Address(text)


def test_bad_address_type():
    with pytest.raises(InvalidArgumentError, match="'u64'.*'u8', 's8', 'u16'"):
        Address("0x2000", "u64")


def test_negative_address():
    with pytest.raises(AddressError, match="negative"):
        Address(-1)


@pytest.mark.parametrize("ratio", [0, -3, 1.5, True])
def test_frame_ratio_below_one(roms, ratio):
    with pytest.raises(InvalidArgumentError, match="frame_ratio"):
        Emulator("invaders", roms, frame_ratio=ratio)


def test_memory_addresses_must_be_addresses(roms):
    with pytest.raises(AddressError, match="'health'"):
        Emulator("invaders", roms, {"health": "0x2000"})


def test_mame_binary_not_found(roms):
    with pytest.raises(MameNotFoundError, match="/no/such/mame"):
        Emulator("invaders", roms, mame_binary="/no/such/mame")


# -- bad arguments that need the game's own description ----------------------------------


async def test_unknown_port_names_the_valid_ones(emu):
    with pytest.raises(UnknownInputError, match=r"':NOPE'.*':CONTP1'.*':IN1'"):
        await emu.step([Action(":NOPE", "Coin 1")])


async def test_unknown_field_names_the_valid_ones(emu):
    with pytest.raises(UnknownInputError, match=r"'Coin 9'.*'1 Player Start'.*'Coin 1'"):
        await emu.step([Action(":IN1", "Coin 9")])
    assert "counter" in await emu.step()  # the emulator is still fine


async def test_action_must_be_an_action(emu):
    with pytest.raises(InvalidArgumentError, match="Action"):
        await emu.step([(":IN1", "Coin 1")])


@pytest.mark.parametrize(("address", "match"), [
    (Address("0x2000", device=":audiocpu"), r"':audiocpu'.*':maincpu'"),
    (Address("0x2000", space="data"), r"'data'.*'io', 'program'"),
    (Address(0x10000), r"0x10000 is outside :maincpu program \(0x0-0x7FFF\)"),
])
async def test_bad_address_for_this_game(emu, address, match):
    with pytest.raises(AddressError, match=match):
        await emu.read({"x": address})


async def test_bad_address_fails_start_and_cleans_up(roms, no_leaks):
    emu = Emulator("invaders", roms, {"x": Address("0x2000", device=":nope")})
    with pytest.raises(AddressError, match="':nope'"):
        await emu.start()
    assert reaped(emu.process.pid)


async def test_unknown_screen(roms, no_leaks):
    with pytest.raises(InvalidArgumentError, match="':lcd'.*':screen'"):
        await Emulator("invaders", roms, screen=":lcd").start()


async def test_step_before_start_and_after_close(roms, no_leaks):
    emu = Emulator("invaders", roms)
    with pytest.raises(StateError, match="start"):
        await emu.step()
    await emu.start()
    await emu.close()
    with pytest.raises(StateError, match="closed"):
        await emu.step()


# -- MAME refusing to start --------------------------------------------------------------


async def test_unknown_game_suggests_similar(roms, no_leaks):
    with pytest.raises(UnknownGameError, match="'invadrs'.*similar: invaders") as err:
        await Emulator("invadrs", roms).start()
    assert "invaders" in err.value.similar
    assert err.value.note == ""  # not a game of aiomame either


async def test_a_game_of_aiomame_is_not_a_mame_system(tmp_path, no_leaks):
    """``Emulator("catch")``: MAME knows no such system; the error says what catch is and
    both ways that run it, which do: GameEnv("catch"), and the machine on the set that
    ``aiomame roms`` writes."""
    from aiomame import GameEnv
    from aiomame.games import get_game
    from aiomame.mame import romset

    with pytest.raises(UnknownGameError, match=r"no system 'catch'.*'catch' is a game of "
                       r"aiomame.*GameEnv\('catch'\).*Emulator\('invaders', roms_path=DIR\) "
                       r"after `aiomame roms catch DIR`") as err:
        await Emulator("catch", tmp_path).start()
    assert err.value.game == "catch" and "catchp" in err.value.similar
    async with GameEnv("catch") as env:
        await env.reset(seed=1)
    game = get_game("catch")
    romset.lay_out(game.read_rom_images(), game.system, find_mame(), tmp_path, mark=True)
    async with Emulator("invaders", tmp_path) as emu:
        await emu.step()


async def test_missing_roms_are_listed(tmp_path, no_leaks):
    with pytest.raises(MissingRomsError) as err:
        await Emulator("invaders", tmp_path).start()
    # the names this MAME uses (invaders.h ... in 0.251, 9316b-0869_m739h.h1 ... in 0.276)
    assert err.value.files == [f.name for f in rom_files(find_mame(), "invaders")]
    assert len(err.value.files) == 4
    assert str(tmp_path) in str(err.value) and "NOT FOUND" in str(err.value)


def fake_mame(tmp_path, version: str) -> str:
    """An executable that answers ``-version`` like a MAME of ``version`` would."""
    path = tmp_path / "mame"
    path.write_text(f"#!/bin/sh\necho '{version} (mame{version.replace('.', '')})'\n")
    path.chmod(0o755)
    return str(path)


async def test_mame_too_old_names_both_versions(roms, tmp_path, no_leaks):
    binary = fake_mame(tmp_path, "0.226")
    with pytest.raises(UnsupportedMameError, match=r"is MAME 0\.226; aiomame needs MAME "
                       r"0\.251 or later") as err:
        await Emulator("invaders", roms, mame_binary=binary).start()
    assert (err.value.version, err.value.minimum) == ((0, 226), (0, 251))


def test_not_a_mame_says_what_it_printed(roms, tmp_path):
    path = tmp_path / "notmame"
    path.write_text("#!/bin/sh\necho hello\n")
    path.chmod(0o755)
    with pytest.raises(SetupError, match="printed 'hello': is it MAME"):
        mame_version(str(path))


async def test_plugin_reports_a_mame_lacking_what_it_needs(roms, tmp_path, no_leaks):
    # Real MAME, with a plugin that starts first and removes emu.file (as a MAME build
    # without it would be): the plugin says what is missing and MAME exits.
    emu = Emulator("invaders", roms, extra_args=[
        "-pluginspath", f"{mame_plugins_dir(find_mame())};{HIDE_EMU_FILE};"
        f"{aiomame_plugins_dir()}", "-plugin", "aiomame_hide_emu_file,aiomame"])
    with pytest.raises(UnsupportedMameError, match="lacks emu.file; aiomame needs MAME 0.251"):
        await emu.start()


async def test_mame_dying_right_after_its_hello_is_a_start_error(roms, no_leaks):
    # Real MAME, with a plugin that exits MAME (status 3) once the hello is written.
    emu = Emulator("invaders", roms, extra_args=[
        "-pluginspath", f"{mame_plugins_dir(find_mame())};{HIDE_EMU_FILE};"
        f"{aiomame_plugins_dir()}", "-plugin", "aiomame_exit_after_hello,aiomame"])
    with pytest.raises(StartError, match=r"MAME went away while .*\(exit status 3\)") as err:
        await emu.start()
    assert isinstance(err.value, MameExitedError)  # what it is, as before
    assert isinstance(err.value, MameExitedAtStartError)
    assert err.value.returncode == 3 and err.value.output == list(emu.process.output)
    assert reaped(emu.process.pid)


async def test_start_timeout_kills_mame(roms, no_leaks):
    # -bench 1000 keeps MAME busy without the plugin: it never connects.
    emu = Emulator("invaders", roms, start_timeout=1.5, extra_args=["-noplugin", "aiomame"])
    started = time.monotonic()
    with pytest.raises(MameTimeoutError, match="did not connect within 1.5s"):
        await emu.start()
    assert time.monotonic() - started < 10
    assert reaped(emu.process.pid)


# -- MAME dying or going silent mid-session ------------------------------------------------


async def test_mame_killed_during_session(roms, no_leaks):
    emu = Emulator("invaders", roms)
    await emu.start()
    await emu.step()
    os.kill(emu.process.pid, signal.SIGKILL)
    with pytest.raises(MameExitedError, match="exit status -9") as err:
        await emu.step()
    assert err.value.returncode == -signal.SIGKILL
    with pytest.raises(StateError, match="no longer be used"):
        await emu.step()
    await emu.close()
    assert reaped(emu.process.pid)


async def test_mame_silent_times_out(roms, no_leaks):
    emu = Emulator("invaders", roms, step_timeout=1.0)
    await emu.start()
    os.kill(emu.process.pid, signal.SIGSTOP)
    started = time.monotonic()
    with pytest.raises(MameTimeoutError, match="no answer within 1.0s"):
        await emu.step()
    assert time.monotonic() - started < 5
    await emu.close()
    assert reaped(emu.process.pid)


async def test_cancelled_step_then_close_reaps(roms, no_leaks):
    emu = Emulator("invaders", roms, frame_ratio=100_000)  # a step of ~30 s of emulation
    await emu.start()
    task = asyncio.create_task(emu.step())
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(StateError, match="cancelled"):
        await emu.step()
    await emu.close()
    assert emu.process.closed_by == "kill"
    assert reaped(emu.process.pid)


def test_mame_exits_when_python_dies(roms):
    # A Python process starts MAME and is killed with SIGKILL: the plugin sees its socket
    # close and exits MAME, instead of spinning forever (headless MAME ignores SIGTERM).
    script = textwrap.dedent(f"""
        import asyncio, sys
        from aiomame import Emulator
        async def main():
            emu = Emulator("invaders", {str(roms)!r})
            await emu.start()
            print(emu.process.pid, flush=True)
            await asyncio.sleep(60)
        asyncio.run(main())
    """)
    before = socket_dirs()
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        mame_pid = int(child.stdout.readline())
        assert alive(mame_pid)
    finally:
        child.kill()
        child.wait(timeout=10)
    deadline = time.monotonic() + 10
    while alive(mame_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(mame_pid)
    leftover = socket_dirs() - before  # the dead Python could not remove its directory,
    for d in leftover:                 # but the socket file itself was never left there
        assert not os.path.exists(os.path.join(d, "mame.sock"))
        subprocess.run(["rm", "-rf", d], check=True)


def test_every_error_is_an_aiomame_error():
    import aiomame.errors as errors
    for name in dir(errors):
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, Exception) \
                and not issubclass(obj, Warning) and obj.__module__ == errors.__name__:
            assert issubclass(obj, AiomameError), name


async def test_unknown_command_is_refused_by_the_plugin(emu):
    with pytest.raises(CommandError, match="'lua_eval' failed in the plugin: lua_eval"):
        await emu.process.request("lua_eval", "os.exit()")
    assert "counter" in await emu.step(frame=False)  # still in step with the plugin


async def test_bad_rom_checksums_warn_once_per_set_and_path(tmp_path, no_leaks):
    # The test program laid out as `invaders`: every file fails MAME's checksums.
    from testrom import write_rom_set

    from aiomame import GameEnv
    from aiomame.errors import RomChecksumWarning

    roms = write_rom_set(tmp_path)
    with pytest.warns(RomChecksumWarning) as caught:
        started_at = sys._getframe().f_lineno + 1
        async with Emulator("invaders", roms) as emu:
            await emu.step()
    (warning,) = caught
    assert (warning.filename, warning.lineno) == (__file__, started_at)  # the caller's line
    message = str(warning.message)
    assert message.startswith(f"4 ROM file(s) of 'invaders' in '{roms}' fail MAME's checksums")
    assert f"-verifyroms invaders -rompath {roms}" in message
    with warnings.catch_warnings():
        warnings.simplefilter("error", RomChecksumWarning)
        async with Emulator("invaders", roms) as emu:  # the same set again: no warning
            await emu.step()
        async with GameEnv("catch") as env:  # the bundled game hides its known lines
            await env.reset(seed=1)
