"""Reset time on the bundled game: a new game started from scratch against a saved start.

    python benchmarks/reset_time.py                 # 200 resets each way, 2 rounds
    python benchmarks/reset_time.py --resets 50 --rounds 1

"scratch" is how catch reset before save states: abort the game (soft reset), wait for the
ROM, insert a coin, press start, plant the seed, step. "saved start" is the default
``Game.new_game`` now: load the state saved at the first reset, plant the seed, step. Each
way runs on its own GameEnv, the two alternating round by round, and resets from two
situations: mid-game (after ``--steps`` random steps) and at game over (a saved state of a
lost game, loaded before the reset); every seeded ``env.reset(seed)`` is timed (wall clock)
and its emulator steps counted. It also times ``save_state``/``load_state`` right after a
step and prints the state's size (in memory, and in a state file).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from typing import Any

from aiomame import Emulator, GameEnv, State
from aiomame.games.catch import Catch
from aiomame.runner import run


class ScratchCatch(Catch):
    """catch without saved starts: every new game from wherever the machine is."""

    async def new_game(self, emu: Emulator, seed: int | None = None) -> dict[str, Any]:
        await self.start(emu)
        if seed is not None:
            await self.seed(emu, seed)
        return await emu.step()


def count_steps(emu: Emulator) -> list[int]:
    """Counts the emulator's steps in the returned one-item list."""
    counter = [0]
    step_into = emu.step_into

    async def counted(*args: Any, **kwargs: Any) -> Any:
        counter[0] += 1
        return await step_into(*args, **kwargs)

    emu.step_into = counted  # type: ignore[method-assign]
    return counter


async def play(env: GameEnv, counter: list[int], resets: int, steps: int, seed: int,
               game_over: State | None) -> tuple[list[float], list[int]]:
    rng = random.Random(seed)
    times, counts = [], []
    for i in range(resets):
        if game_over is not None:
            await env.load_state(game_over)
        for _ in range(steps if game_over is None else 0):
            _, _, terminated, truncated, _ = await env.step(rng.randrange(3))
            if terminated or truncated:  # a random agent can lose within the steps
                break
        before = counter[0]
        t = time.perf_counter()
        await env.reset(seed=seed + i)
        times.append(time.perf_counter() - t)
        counts.append(counter[0] - before)
    return times, counts


async def state_costs(env: GameEnv, n: int) -> tuple[float, float, int, int]:
    """Median µs of save_state and of load_state right after a step; state and file size."""
    saves, loads = [], []
    state = await env.save_state()
    for _ in range(n):
        await env.step(0)
        t = time.perf_counter()
        state = await env.emulator.save_state()
        saves.append(time.perf_counter() - t)
        await env.step(0)
        t = time.perf_counter()
        await env.emulator.load_state(state)
        loads.append(time.perf_counter() - t)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "catch.state")
        state.save(path)
        file_size = os.path.getsize(path)
    return (statistics.median(saves) * 1e6, statistics.median(loads) * 1e6, len(state.data),
            file_size)


async def lost_game(env: GameEnv) -> State:
    """A state at game over (noop play until the game ends)."""
    await env.reset(seed=0)
    terminated = False
    while not terminated:
        _, _, terminated, _, _ = await env.step(0)
    state = await env.save_state()
    await env.reset(seed=0)  # playable again for the mid-game resets
    return state


async def main(args: argparse.Namespace) -> None:
    ways = {"scratch (before)": ScratchCatch(), "saved start (after)": Catch()}
    situations = ("mid-game", "game over")
    results: dict[tuple[str, str], tuple[list[float], list[int]]] = {
        (name, where): ([], []) for name in ways for where in situations}
    firsts: dict[str, float] = {}
    envs = {name: GameEnv(game) for name, game in ways.items()}
    try:
        counters = {}
        for name, env in envs.items():
            await env.start()
            counters[name] = count_steps(env.emulator)
            t = time.perf_counter()
            await env.reset(seed=0)
            firsts[name] = time.perf_counter() - t
        game_over = await lost_game(envs["saved start (after)"])
        for _ in range(args.rounds):
            for where in situations:
                for name, env in envs.items():
                    times, counts = await play(env, counters[name], args.resets, args.steps,
                                               args.seed, game_over if where == "game over"
                                               else None)
                    results[name, where][0].extend(times)
                    results[name, where][1].extend(counts)
        save_us, load_us, size, file_size = await state_costs(envs["saved start (after)"],
                                                              args.resets)
        mame = envs["saved start (after)"].emulator.info["mame"]
    finally:
        for env in envs.values():
            await env.close()
    print(f"MAME {mame}, catch (frame ratio {Catch.frame_ratio}): state {size:,} bytes, "
          f"{file_size:,} in a state file")
    print(f"save_state after a step: median {save_us:.0f} µs; load_state after a step: "
          f"median {load_us:.0f} µs")
    print(f"{'reset':<22}{'from':<11}{'first ms':>9}{'median ms':>11}{'mean ms':>9}"
          f"{'p90 ms':>8}{'steps/reset':>13}")
    for (name, where), (times, counts) in results.items():
        ms = sorted(t * 1e3 for t in times)
        print(f"{name:<22}{where:<11}{firsts[name] * 1e3:>9.1f}{statistics.median(ms):>11.2f}"
              f"{statistics.fmean(ms):>9.2f}{ms[int(len(ms) * 0.9)]:>8.2f}"
              f"{statistics.fmean(counts):>13.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resets", type=int, default=200, help="timed resets per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10, help="random steps between resets")
    parser.add_argument("--seed", type=int, default=0)
    run(main(parser.parse_args()))
