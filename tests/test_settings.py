"""Machine settings (DIP switches, configuration fields) on real MAME: made at start, kept
over hard resets, bad ones refused naming the valid settings."""

from __future__ import annotations

import pytest

from aiomame import Action, Emulator
from aiomame.errors import InvalidArgumentError, UnknownInputError
from aiomame.games import get_game

CABINET = Action(":CAB", "Cabinet")


def catch_roms() -> tuple[str, object]:
    return get_game("catch").rom_setup()


async def cabinet(emu: Emulator) -> list:
    """The cabinet setting now: (value, [[value, name], ...])."""
    reply = await emu.process.request("setting", emu._field_id(CABINET)[0])
    return reply[1:]


async def test_a_setting_is_made_at_start_and_kept_over_a_hard_reset():
    roms, quiet = catch_roms()
    async with Emulator("invaders", roms, {}, output_filter=quiet,
                        settings={":CAB/Cabinet": "Cocktail"}) as emu:
        assert await cabinet(emu) == [1, [[0, "Upright"], [1, "Cocktail"]]]
        await emu.reset("hard")
        await emu.step(frame=False)
        assert (await cabinet(emu))[0] == 1
    async with Emulator("invaders", roms, {}, output_filter=quiet,
                        settings={":CAB/Cabinet": 0}) as emu:  # a value works too
        assert (await cabinet(emu))[0] == 0


@pytest.mark.parametrize(("settings", "error", "match"), [
    ({":CAB/Cabinet": "Tabletop"}, InvalidArgumentError,
     r"settings\[':CAB/Cabinet'\]: unknown setting 'Tabletop'; valid: 'Upright' \(0\), "
     r"'Cocktail' \(1\)"),
    ({":CAB/Cabinet": 7}, InvalidArgumentError, r"unknown setting 7; valid: 'Upright' \(0\)"),
    ({":CONTP1/P1 Left": 1}, InvalidArgumentError,
     r"':CONTP1/P1 Left' is an input, not a DIP switch or configuration setting"),
    ({":CAB/Cabinets": 1}, UnknownInputError, r"'Cabinets'.*'Cabinet'"),
    ({":NOPE/Cabinet": 1}, UnknownInputError, r"':NOPE'.*':CAB'"),
])
async def test_a_bad_setting_fails_the_start_naming_the_valid_ones(settings, error, match,
                                                                    no_leaks):
    roms, quiet = catch_roms()
    emu = Emulator("invaders", roms, {}, output_filter=quiet, settings=settings)
    with pytest.raises(error, match=match):
        await emu.start()
    assert emu.process.returncode is not None  # MAME stopped
