"""``aiomame games``: the registered games."""

from __future__ import annotations

import argparse

from ..games import GAMES


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("games", help="list the registered games", description=__doc__)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    for name in sorted(GAMES):
        game = GAMES[name]
        print(f"{name:<12} MAME system {game.system!r}, actions: {', '.join(game.actions)}")
