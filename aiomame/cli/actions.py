"""``aiomame actions SYSTEM``: a MAME system's input ports and fields."""

from __future__ import annotations

import argparse

from ..emulator import Emulator
from ..runner import run


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("actions", aliases=["list-actions"],
                       help="list a MAME system's input ports and fields", description=__doc__)
    p.add_argument("system")
    p.add_argument("--roms", default="roms")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    run(_list(args))


async def _list(args: argparse.Namespace) -> None:
    async with Emulator(args.system, args.roms) as emu:
        for action in emu.list_actions():
            print(f"{action['port']:<16} {action['field']}")
