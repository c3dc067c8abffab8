"""Leak check at scale: 1,000 emulator start/close cycles, then 200 SIGKILL restarts in a pool.

    python benchmarks/cycles.py                     # 1,000 cycles, 200 restarts (~15 min)
    python benchmarks/cycles.py --cycles 100 --restarts 20

Runs the bundled catch game. Prints the time per cycle and per restart, and this Python's
child processes, open FDs, runtime-dir entries and RSS after a warm-up and at the end of
each phase (tests/test_hygiene.py runs a short version of both).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import time

import numpy as np
from soak import children, open_fds, rss_mb, runtime_entries

from aiomame import Emulator
from aiomame.games import get_game
from aiomame.pools.pool import EnvPool
from aiomame.pools.restarter import Restarter


def census() -> str:
    return (f"children {len(children())}, FDs {open_fds()}, runtime dir {runtime_entries()}, "
            f"RSS {rss_mb():.1f} MB")


async def cycles(n: int, concurrency: int, warmup: int) -> None:
    game = get_game("catch")
    roms, quiet = game.rom_setup()

    async def one() -> None:
        async with Emulator(game.system, roms, game.memory_addresses, game.frame_ratio,
                            output_filter=quiet) as emu:
            await emu.step()

    for _ in range(warmup):
        await one()
    print(f"after {warmup} warm-up cycles: {census()}", flush=True)
    began, done = time.perf_counter(), 0
    while done < n:
        batch = min(concurrency, n - done)
        async with asyncio.timeout(120):
            await asyncio.gather(*(one() for _ in range(batch)))
        done += batch
        if done % 100 < batch:
            print(f"  {done} cycles, {(time.perf_counter() - began) / done:.3f} s each: "
                  f"{census()}", flush=True)
    took = time.perf_counter() - began
    print(f"{n} start/close cycles ({concurrency} at once): {took:.0f} s, "
          f"{took / n:.3f} s each; {census()}", flush=True)


async def restarts(n: int, envs: int, seed: int) -> None:
    pick, rng = random.Random(seed), np.random.default_rng(seed)
    restarter = Restarter(restart_limit=5, stable_after=0.0, backoff=0.1)
    async with EnvPool("catch", envs, restarter=restarter) as pool:
        await pool.reset(seed=seed)
        for _ in range(20):
            await pool.step(rng.integers(len(pool.action_names), size=envs))
        print(f"pool of {envs} started: {census()}", flush=True)
        began = time.perf_counter()
        for k in range(1, n + 1):
            env_id = pick.randrange(envs)
            before = restarter.restarts.get(env_id, 0)
            os.kill(pool.emulators[env_id].process.pid, signal.SIGKILL)
            async with asyncio.timeout(60):
                while restarter.restarts.get(env_id, 0) == before:
                    await pool.step(rng.integers(len(pool.action_names), size=envs))
                await pool.step(rng.integers(len(pool.action_names), size=envs))
            if k % 50 == 0:
                print(f"  {k} restarts, {(time.perf_counter() - began) / k:.2f} s each: "
                      f"{census()}", flush=True)
        took = time.perf_counter() - began
        print(f"{n} restarts: {took:.0f} s, {took / n:.2f} s each; restarts counted "
              f"{sum(restarter.restarts.values())}; {census()}", flush=True)
    print(f"pool closed: {census()}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=2, help="cycles at once")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--restarts", type=int, default=200)
    parser.add_argument("--envs", type=int, default=4, help="envs in the restart pool")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; start: {census()}", flush=True)
    if args.cycles:
        asyncio.run(cycles(args.cycles, args.concurrency, args.warmup))
    if args.restarts:
        asyncio.run(restarts(args.restarts, args.envs, args.seed))


if __name__ == "__main__":
    main()
