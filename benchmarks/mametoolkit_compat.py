"""What MAMEToolkit's API (aiomame.mametoolkit) costs over aiomame's async Emulator.

    python benchmarks/mametoolkit_compat.py            # 2,000 steps, 4 rounds
    python benchmarks/mametoolkit_compat.py --quick    # 300 steps, 2 rounds

Two variants of the bundled game's ROM as a plain ``invaders`` system (frame ratio 3, RGB
frames, the game's memory values), alive at once:

  async  :class:`aiomame.Emulator`, ``await emu.step(actions)`` by a coroutine on aiomame's
         loop thread (one thread hop per timed run, none per step);
  compat :class:`aiomame.mametoolkit.emulator.Emulator`, ``step(actions)`` from this thread,
         as a MAMEToolkit script does (one hop to the loop thread and back per step).

They alternate round by round (this VM's speed drifts up to 2x from one minute to the
next); each keeps its best steps/s and its least Python CPU per step (this process's
threads, not MAME's). Target: compat >= 0.90 of async.
"""

from __future__ import annotations

import argparse
import time

from aiomame import Action, sync
from aiomame.games import get_game
from aiomame.machine.emulator import Emulator as AsyncEmulator
from aiomame.mametoolkit.emulator import Emulator

TARGET = 0.90
ACTIONS = [[], [Action(":CONTP1", "P1 Left")], [Action(":CONTP1", "P1 Right")]]


async def async_loop(emulator: AsyncEmulator, steps: int) -> tuple[float, float]:
    began, cpu = time.perf_counter(), time.process_time()
    for i in range(steps):
        await emulator.step(ACTIONS[i % 3])
    return time.perf_counter() - began, time.process_time() - cpu


def compat_loop(emulator: Emulator, steps: int) -> tuple[float, float]:
    began, cpu = time.perf_counter(), time.process_time()
    for i in range(steps):
        emulator.step(ACTIONS[i % 3])
    return time.perf_counter() - began, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--steps", type=int)
    parser.add_argument("--rounds", type=int)
    args = parser.parse_args()
    steps = args.steps or (300 if args.quick else 2000)
    rounds = args.rounds or (2 if args.quick else 4)
    game = get_game("catch")
    roms, _ = game.rom_setup()
    addresses = dict(game.memory_addresses)
    compat = Emulator("bench", roms, game.system, addresses, render=False)
    raw = sync.Emulator(game.system, roms, addresses, 3)  # the async Emulator inside
    try:
        best = {"async": 0.0, "compat": 0.0}
        cpu = {"async": float("inf"), "compat": float("inf")}
        for r in range(rounds):
            runs = {"async": sync.run(async_loop(raw._async, steps)),
                    "compat": compat_loop(compat, steps)}
            for name, (wall, used) in runs.items():
                best[name] = max(best[name], steps / wall)
                cpu[name] = min(cpu[name], used / steps * 1e6)
            print(f"  round {r + 1}: " + "  ".join(
                f"{name} {steps / wall:,.0f} st/s" for name, (wall, _) in runs.items()))
    finally:
        compat.close()
        raw.close()
    ratio = best["compat"] / best["async"]
    added = cpu["compat"] - cpu["async"]
    print(f"catch ROM as invaders, frame ratio 3, RGB frames, {len(addresses)} memory values, "
          f"{steps} steps per run, best of {rounds}")
    print(f"{'variant':>8} {'steps/s':>9} {'py cpu µs/step':>15}")
    for name in best:
        print(f"{name:>8} {best[name]:>9,.0f} {cpu[name]:>15,.0f}")
    print(f"compat/async {ratio:.3f} ({'OK' if ratio >= TARGET else 'MISSED'}: target "
          f">= {TARGET:.2f}); compat adds {added:,.0f} µs of Python CPU per step "
          f"({added / (1e6 / best['async']):.0%} of an async step)")


if __name__ == "__main__":
    main()
