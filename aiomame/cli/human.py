"""``aiomame play GAME --human``: a person plays in the browser (:mod:`aiomame.web.human`).

The first line printed is the page's URL with its token. The game starts when the page
connects, at the game's real speed; keyboard or gamepad. GAME: a registered game, a
definition file, or a plain MAME system (with ``--roms``; its digital inputs are the
buttons, each on a key). ``--record FILE`` writes each episode's recording.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from ..episodes.env import GameEnv
from ..extras import install
from ..games import Game, SystemGame, get_game, is_game
from ..machine.emulator import Action, Emulator
from ..runner import run
from ..tools.recording import Recorder
from .common import (
    INTERRUPTED_EXIT,
    UsageError,
    add_server_options,
    check_host,
    media_options,
    resolve_game,
    step_cap,
    system_roms,
)

PLAYED = re.compile(r"^p\d+\s|\b(coin|start|button|fire|jump|left|right|up|down)\b", re.I)
"""Input fields of a plain system that a player plays (by MAME's names)."""
SKIPPED_FIELDS = ("unused", "unknown", "service", "tilt", "dsw", "dip")
"""Input fields of a plain system that get no key (nobody plays them)."""


def add_options(p: argparse.ArgumentParser) -> None:
    """``--human`` with ``--port`` and ``--host``, for ``play``."""
    p.add_argument("--human", action="store_true",
                   help="you play, in a browser: prints the page's URL (needs "
                        f"{install('web')}); GAME may also be a plain MAME system")
    add_server_options(p)


def main(args: argparse.Namespace) -> int:
    """``play --human``: checks, serves, plays; the exit status (130 if interrupted)."""
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        raise UsageError(f"--human needs aiohttp: {install('web')}") from None
    if args.episodes < 1:
        raise UsageError(f"--episodes must be at least 1, got {args.episodes}")
    if args.max_steps is not None and args.max_steps < 0:
        raise UsageError(f"--max-steps must be 0 (no cap) or more, got {args.max_steps}")
    if args.record and not Path(args.record).resolve().parent.is_dir():
        raise UsageError(f"{args.record!r}: no such folder to write it in")
    check_host(args.host)
    try:
        run(_play(args))
    except KeyboardInterrupt:
        return INTERRUPTED_EXIT
    return 0


async def game_of(name: str, roms: str | None, mame: str | None = None) -> tuple[Game, Any]:
    """(the game, its ROM path) for a registered game, a definition file, or a plain MAME
    system as a :class:`SystemGame` whose buttons are its digital inputs (read from a
    MAME started for that)."""
    if is_game(name):
        return get_game(name), roms
    _, system = resolve_game(name, mame)
    path, _ = system_roms(None, roms, mame)
    async with Emulator(system, path) as emulator:
        inputs = emulator.list_actions()
    digital = [Action(a["port"], a["field"]) for a in inputs if not a.get("analog")
               and not any(word in a["field"].lower() for word in SKIPPED_FIELDS)]
    # A player's controls, coins and starts; the rest are settings (DIP switches, cabinet)
    # when there are such controls, else (a computer's keys...) each is a button.
    buttons = [a for a in digital if PLAYED.search(a.field)] or digital
    if not buttons:
        raise UsageError(f"{system!r} has no digital inputs to play with")
    return SystemGame(system, buttons=buttons), path


async def _play(args: argparse.Namespace) -> None:
    from ..web.human import HumanPlay
    from ..web.server import Server
    from .versus import opponent_choice, opponent_options

    game, roms = await game_of(args.game, args.roms)
    options = media_options(args) if "media" in args else {}
    opponent = opponent_choice(args, game)  # a two-player game: --player, --opponent
    if opponent is not None:
        options.update(opponent_options(opponent, game, 3 - args.player),
                       opponent=opponent, player=args.player)
    server = Server(args.host, args.port)
    async with GameEnv(game, roms_path=roms, max_episode_steps=step_cap(args.max_steps, game),
                       **options) as env:
        human = HumanPlay(env, server, game=None if isinstance(game, SystemGame) else args.game)
        print(await server.start(), flush=True)
        try:
            await human.play(args.episodes, args.seed,
                             lambda *a: _done(args, *a))
        finally:
            await server.close()


def _done(args: argparse.Namespace, episode: int, recorder: Recorder,
          result: dict[str, Any]) -> None:
    """After an episode: its recording written, its line printed."""
    from .play import episode_path

    wrote = ""
    if args.record:
        path = episode_path(args.record, episode, args.episodes)
        recorder.recording.save(path)
        wrote = f"; wrote {path}"
    print(f"episode {episode}: score {result['score']:g} in {result['steps']} steps, "
          f"{result['end']}{wrote}", file=sys.stderr if args.json else sys.stdout, flush=True)
