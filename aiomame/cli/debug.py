"""``aiomame debug GAME``: MAME's debugger on a game, with MAME's cheat finder.

Opens MAME's window and its debugger (``-debug``) with the cheat finder plugin
(``cheatfind``: in MAME's menu, Tab > Plugin Options > Cheat Finder: snapshot memory, play,
compare) to hunt for the memory addresses a game definition reads. A registered game runs on its
bundled ROMs unless ``--roms`` is given. Needs a display: where there is none, run it
under ``xvfb-run -a`` (a virtual screen) or on a desktop.
"""

from __future__ import annotations

import argparse

from ..machine.debugger import check_display, run_debugger
from .common import add_mame, add_roms, game_help, resolve_game, system_roms


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("debug", help="open MAME's debugger and cheat finder on a game",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("game", metavar="GAME", help=game_help())
    p.add_argument("--no-cheatfind", dest="cheatfind", action="store_false",
                   help="the debugger alone, without the cheat finder plugin")
    add_roms(p)
    add_mame(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    game, system = resolve_game(args.game, args.mame)
    roms, _ = system_roms(game, args.roms, args.mame)
    check_display(f"{args.command} (MAME's debugger)")
    return run_debugger(system, roms, args.mame, cheatfind=args.cheatfind)
