"""``aiomame watch GAME``: a pool of envs played by an agent, watched in a browser.

The first line printed is the page's URL, with its token: open it in a browser (on a
server: ``ssh -L 8765:127.0.0.1:8765 server`` and ``--port 8765``). The page shows every
env's screen, episode, return, steps and restarts, and the pool's steps/s; frames are
encoded only while someone watches. Runs until Ctrl-C (exit status 130), or --seconds.
Needs ``pip install ".[web]"``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..extras import install
from ..games import Game, get_game
from ..runner import run
from .common import (
    INTERRUPTED_EXIT,
    UsageError,
    add_roms,
    add_server_options,
    check_host,
    non_negative_int,
    positive_float,
    positive_int,
)
from .play import GAME_HELP, agent_spec, checkpoint_agent

BatchPolicy = Callable[[Any], Any]
"""An agent of the whole pool: batch -> one action per env."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("watch", help="run a pool of envs with an agent, watched in a browser",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("game", help=GAME_HELP)
    p.add_argument("--envs", type=positive_int, default=4, metavar="N",
                   help="how many envs (MAMEs) to run (default: 4)")
    p.add_argument("--agent", default="random", metavar="AGENT",
                   help="who plays: random, noop, one of the game's own agents (tracker for "
                        "catch) or a trained policy's checkpoint (default: random)")
    add_server_options(p)
    p.add_argument("--fps", type=positive_float, default=10.0, metavar="F",
                   help="the page's frames per second until the viewer changes it "
                        "(default: 10)")
    p.add_argument("--seconds", type=positive_float, default=None, metavar="S",
                   help="stop after S seconds (default: run until Ctrl-C)")
    p.add_argument("--max-steps", type=non_negative_int, default=2000, metavar="N",
                   help="end an episode after N steps if the game has not (default: 2000; "
                        "0: no cap)")
    p.add_argument("--seed", type=int, default=None, metavar="S",
                   help="env i's first game plants seed S+i (default: random)")
    add_roms(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    game = get_game(args.game)
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        raise UsageError(f"watch needs aiohttp: {install('web')}") from None
    options = agent_spec(args.agent, game)  # an unknown agent fails before MAME starts
    if game.players > 1:  # the agent plays player 1, the game's computer the other
        if not game.cpu_opponent:
            raise UsageError(f"watch plays one player: {game.name!r} has {game.players} "
                             "players and no computer opponent of its own")
        options["opponent"] = "cpu"
    check_host(args.host)
    try:
        run(_watch(args, game, options))
    except KeyboardInterrupt:
        return INTERRUPTED_EXIT
    return 0


async def _watch(args: argparse.Namespace, game: Game, options: dict[str, Any]) -> None:
    from ..pools.pool import EnvPool

    async with EnvPool(args.game, args.envs,
                       roms_path=args.roms, max_episode_steps=args.max_steps or None,
                       **options) as pool:
        handle = await pool.watch(port=args.port, host=args.host, fps=args.fps)
        print(handle.url, flush=True)
        policy = batch_policy(args.agent, pool, args.seed)
        seed = random.getrandbits(31) if args.seed is None else args.seed
        started = time.monotonic()
        try:
            batch = await pool.reset(seed)
            while args.seconds is None or time.monotonic() - started < args.seconds:
                batch = await pool.step(policy(batch))
        except asyncio.CancelledError:
            raise KeyboardInterrupt from None
        finally:
            steps = pool.progress()["total_steps"]
            elapsed = time.monotonic() - started
            print(f"{steps} steps in {elapsed:.1f}s ({steps / max(elapsed, 1e-9):,.0f} "
                  "steps/s)", file=sys.stderr, flush=True)


def batch_policy(name: str, pool: Any, seed: int | None) -> BatchPolicy:
    """The agent ``name`` (checked by :func:`agent_spec`) for every env of ``pool``."""
    game: Game = pool.game
    n = pool.num_envs
    rng = np.random.default_rng(seed)
    controls = game.controls(1)
    buttons, axes = len(controls.buttons), len(controls.axes)
    if name == "random":
        if axes:
            return lambda batch: np.concatenate(
                [rng.uniform(-1, 1, (n, axes)), rng.choice((-1.0, 1.0), (n, buttons))], 1)
        if buttons:
            return lambda batch: rng.integers(0, 2, (n, buttons))
        count = len(pool.action_names)
        return lambda batch: rng.integers(0, count, n)
    if name == "noop":
        none = np.zeros((n, axes + buttons), np.float32 if axes else np.uint8) \
            if axes or buttons else np.zeros(n, np.int64)
        return lambda batch: none
    agents = game.agents(1)
    if name in agents:
        agent = agents[name]
        return lambda batch: np.array(
            [agent({k: int(v[j]) for k, v in batch.memory.items()}) for j in range(n)])
    trained = checkpoint_agent(name)
    return lambda batch: trained.act(batch.frames)
