"""Single-environment step throughput against two ceilings measured in the same run.

    python benchmarks/step_throughput.py                   # the bundled game
    python benchmarks/step_throughput.py --obs grayscale --resize 84 84
    python benchmarks/step_throughput.py --system invaders --roms ~/roms --address 0x2000
    python benchmarks/step_throughput.py --system galaxian --zero-roms --address 0x4000
        # a 768x224 screen rotated 90 degrees, on a zero-filled ROM set made here

Ceilings, on the same binary and ROMs:
  raw          ``mame SYSTEM -bench N``: emulation alone (no Lua, no video, no sound).
  plugin-only  MAME doing aiomame's per-step readout (pixels and their write to the frames
               file, memory, the binary step reply packed as the plugin packs it)
               in Lua, with no socket and no Python (benchmarks/plugin_only.lua).
aiomame is measured with frames (ratio to plugin-only doing the same readout) and with memory
only (ratio to raw).
Targets: >= 0.85 of plugin-only with frames, >= 0.90 of raw with memory only.
"""

from __future__ import annotations

import argparse
import atexit
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from aiomame import Address, Emulator
from aiomame.machine.frames import INTERPOLATIONS, OBS_TYPES
from aiomame.mame import romset
from aiomame.mame.locate import find_mame
from aiomame.runner import run
from aiomame.transport.rundir import runtime_base

HERE = Path(__file__).resolve().parent


def _mame(binary: str, system: str, roms: str, *args: str, env: dict[str, str] | None = None
          ) -> str:
    with tempfile.TemporaryDirectory(prefix="aiomame-bench-") as home:
        cmd = [binary, system, "-noreadconfig", "-skip_gameinfo", "-rompath", roms,
               "-homepath", home, "-cfg_directory", home, "-nvram_directory", home, *args]
        full_env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy",
                        **(env or {}))
        return subprocess.run(cmd, cwd=home, env=full_env, capture_output=True, text=True,
                              timeout=600, stdin=subprocess.DEVNULL).stdout


def zero_roms(binary: str, system: str) -> str:
    """A ROM path holding ``system``'s set, every file zero-filled (names from -listxml)."""
    files = romset.rom_files(binary, system)
    sizes: dict[str, int] = {}
    for f in files:
        sizes[f.region] = max(sizes.get(f.region, 0), f.offset + f.size)
    path = tempfile.mkdtemp(prefix="aiomame-bench-roms-")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return romset.lay_out({r: bytes(n) for r, n in sizes.items()}, system, binary, path)


def raw_fps(binary: str, system: str, roms: str, seconds: int, refresh: float) -> float:
    """Emulated frames/s of ``mame -bench`` (its speed in % of real time x refresh rate)."""
    out = _mame(binary, system, roms, "-bench", str(seconds))
    match = re.search(r"Average speed: ([\d.]+)%", out)
    if not match:
        raise RuntimeError(f"mame -bench printed no speed:\n{out}")
    return float(match[1]) / 100 * refresh


def plugin_only_fps(binary: str, system: str, roms: str, *, ratio: int, steps: int,
                    screen: str, device: str, addresses: list[int], frames: bool) -> float:
    """Emulated frames/s of MAME doing the plugin's per-step readout without transport."""
    with tempfile.TemporaryDirectory(prefix="aiomame-bench-", dir=runtime_base()) as tmp:
        env = {"BENCH_FRAME_RATIO": str(ratio), "BENCH_STEPS": str(steps),
               "BENCH_SCREEN": screen, "BENCH_DEVICE": device,
               "BENCH_ADDRESSES": " ".join(map(str, addresses))}
        if frames:
            env["BENCH_FRAMES"] = os.path.join(tmp, "frames")
        out = _mame(binary, system, roms, "-video", "none", "-sound", "none", "-nothrottle",
                    "-autoboot_script", str(HERE / "plugin_only.lua"), env=env)
    match = re.search(r"AIOMAME_BENCH fps=([\d.]+)", out)
    if not match:
        raise RuntimeError(f"plugin-only run printed no result:\n{out}")
    return float(match[1])


async def aiomame_fps(system: str, roms: str, addresses: dict[str, Address], *, ratio: int,
                      steps: int, frame: bool, binary: str | None, obs: dict[str, Any]
                      ) -> tuple[float, float]:
    """(emulated frames/s, Python CPU µs per step) of ``Emulator.step_into`` in a loop,
    frames into one preallocated array (as EnvPool does)."""
    async with Emulator(system, roms, addresses, frame_ratio=ratio, mame_binary=binary,
                        **obs) as emu:
        out = np.empty(emu.frame_shape, np.uint8) if frame else None
        for _ in range(20):
            await emu.step_into(frame=frame, out=out)
        cpu, start = time.process_time(), time.perf_counter()
        for _ in range(steps):
            await emu.step_into(frame=frame, out=out)
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
    return steps * ratio / elapsed, cpu / steps * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--system", help="MAME system (default: the bundled game's)")
    parser.add_argument("--roms", help="ROM path (default: the bundled ROMs)")
    parser.add_argument("--address", action="append", default=[],
                        help="hex address to read each step (repeatable; default two of the "
                             "bundled game's)")
    parser.add_argument("--ratios", type=int, nargs="+", default=[1, 3, 6])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--bench-seconds", type=int, default=120,
                        help="emulated seconds for mame -bench")
    parser.add_argument("--repeat", type=int, default=3,
                        help="measure each point this many times, alternating ceiling and "
                             "aiomame, and keep the best of each (shared VMs are noisy)")
    parser.add_argument("--mame", help="MAME binary")
    parser.add_argument("--obs", default="rgb", choices=OBS_TYPES, help="obs_type")
    parser.add_argument("--resize", type=int, nargs=2, metavar=("H", "W"))
    parser.add_argument("--interpolation", default="area", choices=list(INTERPOLATIONS))
    parser.add_argument("--maxpool", action="store_true",
                        help="max of each step's last two frames (MAME writes both)")
    parser.add_argument("--zero-roms", action="store_true",
                        help="run --system on a zero-filled ROM set laid out for this MAME")
    args = parser.parse_args()
    obs = {"obs_type": args.obs, "resize": tuple(args.resize) if args.resize else None,
           "interpolation": args.interpolation, "maxpool": args.maxpool}

    if args.system is None:
        from aiomame.games import get_game
        game = get_game("catch")
        system, (roms, _) = game.system, game.rom_setup(args.roms, args.mame)
        addresses = dict(list(game.memory_addresses.items())[:2])
    else:
        system, roms = args.system, args.roms or "roms"
        if args.zero_roms:
            roms = zero_roms(find_mame(args.mame), system)
        addresses = {}
    for i, a in enumerate(args.address):
        addresses[f"a{i}"] = Address(a)
    if not addresses:
        parser.error("give --address for a system other than the bundled game's")
    binary = find_mame(args.mame)

    async with Emulator(system, roms, mame_binary=binary) as probe:
        screen = probe.info["screens"][0]
        device = ":maincpu" if any(d["tag"] == ":maincpu" for d in probe.info["devices"]) \
            else probe.info["devices"][0]["tag"]
    raw = max(raw_fps(binary, system, roms, args.bench_seconds, screen["refresh"])
              for _ in range(args.repeat))
    print(f"{system} on MAME at {binary}, {len(addresses)} addresses, {args.steps} steps, "
          f"best of {args.repeat}; screen {screen['width']}x{screen['height']} rotated "
          f"{screen['rotation']}, observations {obs}")
    print(f"raw mame -bench: {raw:,.0f} emulated frames/s\n")
    header = (f"{'ratio':>5} {'frames':>7} {'ceiling':>11} {'ceiling fps':>11} "
              f"{'aiomame fps':>11} {'ratio':>6} {'target':>6} {'py µs/step':>10}")
    print(header)
    print("-" * len(header))
    for ratio in args.ratios:
        for frame in (True, False):
            plugin, fps, cpu = 0.0, 0.0, float("inf")
            for _ in range(args.repeat):
                plugin = max(plugin, plugin_only_fps(
                    binary, system, roms, ratio=ratio, steps=args.steps, screen=screen["tag"],
                    device=device, addresses=[a.address for a in addresses.values()],
                    frames=frame))
                run_fps, run_cpu = await aiomame_fps(system, roms, addresses, ratio=ratio,
                                                     steps=args.steps, frame=frame, obs=obs,
                                                     binary=binary)
                fps, cpu = max(fps, run_fps), min(cpu, run_cpu)
            rows = [("plugin-only", plugin, 0.85)] if frame else [
                ("raw", raw, 0.90), ("plugin-only", plugin, None)]
            for i, (name, ceiling, target) in enumerate(rows):
                lead = f"{ratio:>5} {'shared' if frame else 'none':>7}" if i == 0 else " " * 13
                tail = f"{target:>6.2f} {cpu:>10.0f}" if target else ""
                print(f"{lead} {name:>11} {ceiling:>11,.0f} {fps:>11,.0f} "
                      f"{fps / ceiling:>6.2f} {tail}")


if __name__ == "__main__":
    run(main())
