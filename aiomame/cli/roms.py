"""``aiomame roms GAME DEST``: write a game's shipped ROM set, named as the installed MAME
expects, into a ROM path.

Beside the files, ``aiomame-set.txt`` lists their checksums: an emulator on that ROM path
hides MAME's warnings that they are not the original dump (they are not, on purpose)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..games import GAMES, get_game
from ..mame import romset
from ..mame.locate import find_mame
from .common import UsageError, add_mame


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("roms", help="write a game's shipped ROM set, named as the installed "
                       "MAME expects, into a ROM path", description=__doc__)
    p.add_argument("game", help=f"a registered game: {', '.join(sorted(GAMES))}")
    p.add_argument("dest", help="the ROM path: a folder, made if missing (the set goes into "
                   "DEST/<system>/)")
    add_mame(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    game = get_game(args.game)
    if not game.rom_images:
        raise UsageError(f"{game.name} ships no ROMs")
    binary = find_mame(args.mame)
    romset.lay_out(game.read_rom_images(), game.system, binary, args.dest, mark=True)
    print(f"{Path(args.dest, game.system).resolve()}: {game.name} as MAME's {game.system!r} "
          f"set; run it with: {binary} {game.system} -rompath {args.dest}")
