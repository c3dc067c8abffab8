"""``aiomame record GAME OUT``: play episodes with an agent and write their recordings.

A recording (see ``aiomame.tools.recording``) holds the episode's seed or start state and its
actions with per-step checksums: `replay OUT` plays it back exactly and checks it, and can
export it as a GIF or MP4. With several episodes, OUT gets the episode number before its
suffix (run.aiorec: run-1.aiorec, run-2.aiorec, ...). Ctrl-C keeps what was played.
"""

from __future__ import annotations

import argparse

from .play import GAME_HELP, add_session_options, run_session


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("record", help="play episodes with an agent and write their recordings",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("game", help=GAME_HELP)
    p.add_argument("out", help="the recording file to write (e.g. run.aiorec)")
    add_session_options(p, episodes=1, gif=None)
    p.add_argument("--render", action="store_true",
                   help="show MAME's window, at the game's real speed, to watch")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    return run_session(args, record=args.out, render=args.render, throttle=args.render)
