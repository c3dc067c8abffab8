"""What the Gymnasium and Stable-Baselines3 adapters cost over the bare async EnvPool.

    python benchmarks/adapters.py --quick          # 200 steps, 2 rounds
    python benchmarks/adapters.py                  # 1 and 8 envs, rgb and atari, 3 rounds
    python benchmarks/adapters.py --envs 1 8 32 --obs atari --rounds 5

Four variants of the bundled game, all alive at once (bare and sync share their MAMEs):

  bare  :class:`aiomame.EnvPool` (``copy=False``, the pool's default) stepped by a coroutine
        on its own event loop: aiomame's loop thread, where the blocking wrappers' pools
        also live (the pool of an :class:`aiomame.sync.EnvPool`, run through
        :func:`aiomame.sync.run`). One thread hop per timed run, none per step.
  sync  the same pool through :class:`aiomame.sync.EnvPool`: ``step(actions)`` from this
        thread, a hop to aiomame's loop thread and back each step, nothing else: the cost
        of the blocking API alone, which the two adapters are built on.
  gym   :class:`aiomame.gym.MameVectorEnv` (a ``gymnasium.vector.VectorEnv``, ``copy=True``):
        ``step(actions)`` from this thread, a hop to the loop thread and back each step,
        plus the copies of the observations and Gymnasium's infos dict.
  sb3   :class:`aiomame.sb3.MameVecEnv` (an SB3 ``VecEnv``): ``step(actions)``, the same
        hop, plus the observation copy and SB3's list of per-env info dicts.

The gym variant uses ``autoreset_mode="same-step"`` (not Gymnasium's default, next-step):
the bare pool's default and the only mode of the SB3 adapter, so that all three do the same
emulator work. With next-step, an ended env's next step starts the new episode instead of
stepping, a different amount of emulation.

Each run resets with seed 0 (not timed), then times ``--steps`` steps with the same
pre-generated random actions (numpy, seeded) for every variant; episodes that end reset
inside the step, the same way everywhere. The three alternate round by round (bare, gym,
sb3, bare, gym, sb3, ...): this VM's speed drifts up to 2x from one minute to the next,
so each variant's best of ``--rounds`` is kept and the ratios are of bests from one run.

Each round's rates and ratios go to stderr: when they swing from round to round, the VM
drifted during the run, and more ``--rounds`` give steadier bests.

Columns: env steps/s (steps x envs per second); sync/bare, gym/bare and sb3/bare (ratios
under 0.90 marked !); then the Python CPU time per batch step of each variant (this
process's threads, not MAME's; the least of the rounds) and what each adds to bare's, in µs
and as a share of bare's wall time per batch step. On this VM the throughput of one
variant swings by up to 20% from round to round, more than the adapters cost: the CPU
columns are the steadier measure of that cost.

Observation presets (``--obs``): ``rgb``, full frames as the player sees them (the
defaults); ``atari``, ``obs_type="grayscale"``, ``resize=(84, 84)``, ``frame_stack=4``.

Target: the adapters cost < 10%: gym/bare and sb3/bare >= 0.90.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from pool_scaling import process_cpu  # this folder's: scripts run from here

from aiomame import sync
from aiomame.gym import MameVectorEnv
from aiomame.pools.pool import EnvPool
from aiomame.sb3 import MameVecEnv

GAME = "catch"
PRESETS: dict[str, dict[str, Any]] = {
    "rgb": {},
    "atari": {"obs_type": "grayscale", "resize": (84, 84), "frame_stack": 4},
}
VARIANTS = ("bare", "sync", "gym", "sb3")
ADAPTERS = VARIANTS[1:]
TARGET = 0.90
SEED = 0


# -- the timed loops -------------------------------------------------------------------
async def bare_loop(pool: EnvPool, actions: np.ndarray) -> tuple[float, float]:
    """Reset, then (wall, CPU) seconds ``len(actions)`` steps take: on the pool's own loop."""
    await pool.reset(seed=SEED)
    began, cpu = time.perf_counter(), time.process_time()
    for batch_actions in actions:
        await pool.step(batch_actions)
    return time.perf_counter() - began, time.process_time() - cpu


def blocking_loop(reset: Callable[[], Any], step: Callable[[Any], Any],
                  actions: np.ndarray) -> tuple[float, float]:
    """``reset()``, then (wall, CPU) seconds ``len(actions)`` ``step`` calls take: the
    sync, gym and sb3 variants, from this thread."""
    reset()
    began, cpu = time.perf_counter(), time.process_time()
    for batch_actions in actions:
        step(batch_actions)
    return time.perf_counter() - began, time.process_time() - cpu


def sb3_reset(venv: MameVecEnv) -> None:
    venv.seed(SEED)  # env i gets SEED + i at the next reset, as the others
    venv.reset()


# -- to start timing once the fresh MAMEs are idle -----------------------------------------
def settle(pids: list[int], timeout: float = 20.0) -> float:
    """Wait until freshly started MAMEs are idle (each keeps a thread busy for a while
    after its hello); returns the seconds waited."""
    began = time.perf_counter()
    while time.perf_counter() - began < timeout:
        before = sum(map(process_cpu, pids))
        time.sleep(0.25)
        if sum(map(process_cpu, pids)) - before < 0.02:
            break
    return time.perf_counter() - began


# -- one (preset, envs) point ----------------------------------------------------------------
def measure(preset: str, num_envs: int, steps: int, rounds: int) -> dict[str, float]:
    """Best env steps/s of each variant over ``rounds`` alternating rounds, and (keys
    "cpu <variant>") the least Python CPU µs (all of this process's threads, not MAME's)
    per batch step."""
    options = PRESETS[preset]
    rng = np.random.default_rng(SEED)
    began = time.perf_counter()
    bare = sync.EnvPool(GAME, num_envs, **options)
    closers: list[Callable[[], None]] = [bare.close]
    try:
        gym = MameVectorEnv(GAME, num_envs, autoreset_mode="same-step", copy=True, **options)
        closers.append(gym.close)
        sb3 = MameVecEnv(GAME, num_envs, **options)
        closers.append(sb3.close)
        actions = rng.integers(len(bare.action_names), size=(steps, num_envs))
        pids = [emu.process.pid
                for pool in (bare, gym.pool, sb3.pool) for emu in pool.emulators]
        started = time.perf_counter() - began
        idle = settle(pids)
        print(f"  {preset} x{num_envs}: {len(pids)} MAMEs started in {started:.1f} s, idle "
              f"{idle:.1f} s later; observations {bare.frame_shape}", file=sys.stderr)
        runs: dict[str, Callable[[], tuple[float, float]]] = {
            "bare": lambda: sync.run(bare_loop(bare._async, actions)),
            "sync": lambda: blocking_loop(lambda: bare.reset(seed=SEED), bare.step, actions),
            "gym": lambda: blocking_loop(lambda: gym.reset(seed=SEED), gym.step, actions),
            "sb3": lambda: blocking_loop(lambda: sb3_reset(sb3), sb3.step, actions),
        }
        best = dict.fromkeys(VARIANTS, 0.0)
        for variant in VARIANTS:
            best["cpu " + variant] = float("inf")
        for r in range(rounds):
            got = {}
            for variant in VARIANTS:
                wall, cpu = runs[variant]()
                got[variant] = rate = steps * num_envs / wall
                best[variant] = max(best[variant], rate)
                best["cpu " + variant] = min(best["cpu " + variant], cpu / steps * 1e6)
            print(f"    round {r + 1}: "
                  + "  ".join(f"{v} {got[v]:>8,.0f}" for v in VARIANTS)
                  + "  (this round: " + ", ".join(
                      f"{v}/bare {got[v] / got['bare']:.2f}" for v in ADAPTERS) + ")",
                  file=sys.stderr)
        restarts = sum(sum(pool.restarter.restarts.values())
                       for pool in (bare, gym.pool, sb3.pool))
        if restarts:
            print(f"  note: {restarts} MAME restart(s) during the runs: the point is unreliable",
                  file=sys.stderr)
        return best
    finally:
        for close in reversed(closers):
            close()


# -- reporting -------------------------------------------------------------------------------
def table(results: list[tuple[str, int, dict[str, float]]]) -> str:
    head = (f"{'preset':>6} {'envs':>4} {'bare st/s':>10} "
            + " ".join(f"{v + ' st/s':>10}" for v in ADAPTERS) + " "
            + " ".join(f"{v + '/bare':>9}" for v in ADAPTERS) + " | "
            + " ".join(f"{'cpu ' + v:>9}" for v in VARIANTS) + " "
            + " ".join(f"{'+' + v:>10}" for v in ADAPTERS))
    lines = [head, "-" * len(head)]
    for preset, n, best in results:
        bare = best["bare"]
        ratios = []
        for variant in ADAPTERS:
            ratio = best[variant] / bare
            ratios.append(f"{ratio:>8.3f}{'!' if ratio < TARGET else ' '}")
        step_us = n / bare * 1e6  # the bare pool's wall time per batch step
        added = [best["cpu " + v] - best["cpu bare"] for v in ADAPTERS]
        lines.append(f"{preset:>6} {n:>4} {bare:>10,.0f} "
                     + " ".join(f"{best[v]:>10,.0f}" for v in ADAPTERS) + " "
                     + " ".join(ratios) + " | "
                     + " ".join(f"{best['cpu ' + v]:>9,.0f}" for v in VARIANTS) + " "
                     + " ".join(f"{a:>5,.0f} {a / step_us:>3.0%}" for a in added))
    lines += [
        "st/s: env steps per second (steps x envs), best of the rounds. x/bare: ratios of "
        f"bests (! below {TARGET:.2f}).",
        "cpu: Python CPU µs per batch step (this process, all threads; least of the rounds). "
        "+x: what x adds to bare's, in µs and as a share of bare's wall time per batch step.",
        "sync is the blocking API's thread hop alone; gym and sb3 are built on it.",
    ]
    return "\n".join(lines)


def check_target(results: list[tuple[str, int, dict[str, float]]]) -> str:
    worst = min((best[v] / best["bare"], v, preset, n)
                for preset, n, best in results for v in ("gym", "sb3"))  # sync: no adapter
    ratio, variant, preset, n = worst
    verdict = "OK" if ratio >= TARGET else "MISSED"
    return (f"target adapters >= {TARGET:.2f} of bare: worst {ratio:.3f} ({variant}, {preset}, "
            f"{n} envs) {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 steps, 2 rounds")
    parser.add_argument("--envs", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--steps", type=int, help="steps per timed run (default 1000)")
    parser.add_argument("--rounds", type=int,
                        help="alternating rounds; each variant's best is kept (default 3)")
    parser.add_argument("--obs", nargs="+", choices=list(PRESETS), default=list(PRESETS),
                        help="observation presets")
    args = parser.parse_args()
    steps = args.steps or (200 if args.quick else 1000)
    rounds = args.rounds or (2 if args.quick else 3)
    if steps < 1 or rounds < 1 or min(args.envs) < 1:
        parser.error("--steps, --rounds and --envs must be >= 1")

    print(f"{os.cpu_count()} cores; {GAME}; {steps} steps per run, best of {rounds} "
          f"rounds; Python {sys.version.split()[0]}; aiomame loop: "
          f"{type(sync.get_loop()).__module__}")
    results = []
    for preset in args.obs:
        for n in args.envs:
            results.append((preset, n, measure(preset, n, steps, rounds)))
    print(table(results))
    print(check_target(results))


if __name__ == "__main__":
    main()
