"""How EnvPool throughput scales with the number of envs, against single-env ceilings.

    python benchmarks/pool_scaling.py --quick            # the bundled game, short runs
    python benchmarks/pool_scaling.py                    # 1..32 envs, 5 s each
    python benchmarks/pool_scaling.py invaders=~/roms    # also a plain system (no inputs)

For 1, 2, 4, 8, 16, 32 envs, in sync mode (``await pool.step(actions)`` over all envs) and
async mode (``send``/``recv`` of half the envs), it prints env steps/s, emulated frames/s,
the speed-up over one env, the ratio to the single-env ceilings measured in the same run
times min(N, cores) -- raw ``mame -bench`` and plugin-only (from step_throughput.py) --, the
Python process's CPU share (its own user+sys time, no children), Python CPU µs per env step,
and the resident memory per MAME (VmRSS from /proc). Then a table and a PNG plot
(matplotlib, if installed).

It also times ``asyncio.gather`` over the emulators' ``step_into`` (a task per env per step)
at the largest N: the baseline the pool's long-lived workers are measured against.

Targets on a 2-core machine: 8 envs >= 1.8x one env; at 32 envs the Python process uses
< 20% of one core.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aiomame import Address
from aiomame.games import GAMES, Game, get_game
from aiomame.mame.locate import find_mame
from aiomame.pools.pool import EnvPool
from aiomame.runner import run

HERE = Path(__file__).resolve().parent
CORES = os.cpu_count() or 1

try:  # the core benchmark's ceilings (benchmarks/step_throughput.py)
    sys.path.insert(0, str(HERE))
    import step_throughput
except ImportError as exc:  # pragma: no cover - depends on the checkout
    step_throughput = None
    print(f"note: benchmarks/step_throughput.py not importable ({exc}); "
          "no plugin-only ceiling", file=sys.stderr)


@dataclass
class Target:
    """What to run: a game definition, or a plain system (stepped without inputs)."""

    label: str
    game: str | Game  # a game definition, or a MAME system name
    roms: str
    addresses: dict[str, Address]
    ratio: int

    @property
    def system(self) -> str:
        return self.game.system if isinstance(self.game, Game) else self.game

    extra_args: tuple[str, ...] = ()

    def pool(self, num_envs: int, **kwargs: Any) -> EnvPool:
        kwargs.setdefault("extra_args", self.extra_args)
        if isinstance(self.game, Game):
            return EnvPool(self.game, num_envs, roms_path=self.roms, **kwargs)
        return EnvPool(self.game, num_envs, roms_path=self.roms, frame_ratio=self.ratio,
                       memory_addresses=self.addresses, **kwargs)

    def actions(self, pool: EnvPool, n: int, rng: np.random.Generator) -> Any:
        if isinstance(self.game, Game):
            return rng.integers(len(pool.action_names), size=n)
        return [()] * n


@dataclass
class Row:
    label: str
    envs: int
    mode: str  # sync, async, or gather (the baseline)
    batch: int
    steps_per_s: float  # env steps
    fps: float  # emulated frames/s, all envs
    py_cpu: float  # this process's CPU, share of one core
    py_us: float  # this process's CPU µs per env step
    mame_ms: float  # the MAMEs' CPU ms per env step
    other: float  # cores busy with processes outside the benchmark meanwhile
    rss_mb: float  # per MAME: VmRSS
    anon_mb: float  # per MAME: RssAnon (private)
    restarts: int


def default_target() -> Target:
    game = get_game("catch")
    roms, _ = game.rom_setup()
    return Target("catch", game, roms, dict(game.memory_addresses), game.frame_ratio)


def parse_target(text: str, ratio: int) -> Target:
    system, _, roms = text.partition("=")
    if not roms:
        raise SystemExit(f"give extra targets as SYSTEM=ROMPATH, got {text!r}")
    if system in GAMES:
        game = get_game(system)
        return Target(system, game, os.path.expanduser(roms), dict(game.memory_addresses),
                      game.frame_ratio)
    return Target(system, system, os.path.expanduser(roms), {}, ratio)


# -- measuring -------------------------------------------------------------------------------
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> float:
    """This process's own CPU time (all its threads; not its children, the MAMEs)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid`` so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_busy() -> float:
    """CPU seconds all processes on the machine have used so far (from /proc/stat)."""
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(
            int, f.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / TICK


def rss_mb(pids: list[int]) -> tuple[float, float]:
    """Mean (VmRSS, RssAnon) of ``pids`` in MB: all resident pages, and the private ones
    (VmRSS also counts the MAME binary's pages, which the processes share)."""
    sizes: dict[str, list[float]] = {"VmRSS:": [], "RssAnon:": []}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    key = line.split(None, 1)[0]
                    if key in sizes:
                        sizes[key].append(int(line.split()[1]) / 1024)
        except FileNotFoundError:
            pass
    rss, anon = sizes["VmRSS:"], sizes["RssAnon:"]
    nan = float("nan")
    return (sum(rss) / len(rss) if rss else nan, sum(anon) / len(anon) if anon else nan)


async def settle(pids: list[int], timeout: float = 15.0) -> float:
    """Wait until freshly started MAMEs are idle; returns the seconds waited.

    A MAME keeps one thread busy for a while after the plugin's hello (about 0.3 CPU-s
    each), which would otherwise be counted against the first measured points.
    """
    began = time.perf_counter()
    while time.perf_counter() - began < timeout:
        before = sum(map(process_cpu, pids))
        await asyncio.sleep(0.25)
        if sum(map(process_cpu, pids)) - before < 0.02:
            break
    return time.perf_counter() - began


class Meter:
    """Wall time and CPU time -- this process, its MAMEs, everyone else -- over a run."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.wall, self.py = time.perf_counter(), cpu_seconds()
        self.mame = sum(map(process_cpu, pids))
        self.busy = machine_busy()

    def stop(self, steps: int) -> dict[str, float]:
        wall = time.perf_counter() - self.wall
        py = cpu_seconds() - self.py
        mame = sum(map(process_cpu, self.pids)) - self.mame
        other = machine_busy() - self.busy - py - mame
        return {"steps_per_s": steps / wall, "py_cpu": py / wall, "py_us": py / steps * 1e6,
                "mame_ms": mame / steps * 1e3, "other": max(0.0, other / wall)}


async def measure_sync(target: Target, pool: EnvPool, seconds: float, warmup: float,
                       rng: np.random.Generator) -> dict[str, float]:
    """``step`` over all envs, again and again."""
    n = pool.num_envs
    actions = [target.actions(pool, n, rng) for _ in range(64)]
    deadline = time.perf_counter() + warmup
    while time.perf_counter() < deadline:
        await pool.step(actions[0])
    steps, meter = 0, Meter([emu.process.pid for emu in pool.emulators])
    while time.perf_counter() - meter.wall < seconds:
        await pool.step(actions[steps % 64])
        steps += 1
    return meter.stop(steps * n)


async def measure_async(target: Target, pool: EnvPool, batch: int, seconds: float,
                        warmup: float, rng: np.random.Generator) -> dict[str, float]:
    """``send``/``recv`` of ``batch`` envs at a time."""
    actions = [target.actions(pool, batch, rng) for _ in range(64)]
    pool.send(target.actions(pool, pool.num_envs, rng))
    done, i, meter = 0, 0, None
    began = time.perf_counter()
    while True:
        if meter is None and time.perf_counter() - began >= warmup:
            done, meter = 0, Meter([emu.process.pid for emu in pool.emulators])
        if meter is not None and time.perf_counter() - meter.wall >= seconds:
            break
        got = await pool.recv(batch)
        done += len(got)
        pool.send(actions[i % 64], got.env_ids)
        i += 1
    result = meter.stop(done)
    await pool.recv(pool.num_pending)  # leave the pool idle
    return result


async def measure_gather(pool: EnvPool, seconds: float) -> dict[str, float]:
    """The baseline: ``asyncio.gather`` of every emulator's ``step_into`` (a task per env)."""
    emulators = pool.emulators
    outs = [np.empty(emu.frame_shape, np.uint8) for emu in emulators]
    for _ in range(3):
        await asyncio.gather(*(e.step_into(out=o) for e, o in zip(emulators, outs, strict=True)))
    steps, meter = 0, Meter([emu.process.pid for emu in emulators])
    while time.perf_counter() - meter.wall < seconds:
        await asyncio.gather(*(e.step_into(out=o) for e, o in zip(emulators, outs, strict=True)))
        steps += 1
    return meter.stop(steps * len(emulators))


async def scale(target: Target, sizes: list[int], seconds: float, warmup: float
                ) -> list[Row]:
    rows: list[Row] = []
    rng = np.random.default_rng(0)
    for n in sizes:
        began = time.perf_counter()
        async with target.pool(n) as pool:
            started = time.perf_counter() - began
            idle = await settle([emu.process.pid for emu in pool.emulators])
            print(f"  {n:>2} envs started in {started:.1f} s, idle {idle:.1f} s later",
                  file=sys.stderr)
            await pool.reset()
            ratio = pool.emulators[0].frame_ratio
            rss, anon = rss_mb([emu.process.pid for emu in pool.emulators])
            batch = max(1, n // 2)
            runs = [("sync", n), ("async", batch)]
            if n == sizes[-1]:
                runs.append(("gather", n))
            for mode, size in runs:
                if mode == "sync":
                    got = await measure_sync(target, pool, seconds, warmup, rng)
                elif mode == "async":
                    got = await measure_async(target, pool, batch, seconds, warmup, rng)
                else:
                    got = await measure_gather(pool, seconds)
                restarts = sum(pool.restarter.restarts.values())
                rows.append(Row(target.label, n, mode, size, fps=got["steps_per_s"] * ratio,
                                rss_mb=rss, anon_mb=anon, restarts=restarts, **got))
    return rows


def ceilings(target: Target, quick: bool) -> dict[str, float]:
    """Single-env emulated frames/s: raw ``mame -bench`` and plugin-only, same binary/ROMs."""
    found: dict[str, float] = {}
    if step_throughput is None:
        return found
    binary = find_mame()
    probe = run(_probe(target))
    bench_seconds = 10 if quick else 60
    found["raw"] = step_throughput.raw_fps(binary, target.system, target.roms, bench_seconds,
                                           probe["refresh"])
    try:
        params = inspect.signature(step_throughput.plugin_only_fps).parameters
        extra = {"transport": "shared"} if "transport" in params else {"pixels": True}
        found["plugin"] = step_throughput.plugin_only_fps(
            binary, target.system, target.roms, ratio=target.ratio,
            steps=300 if quick else 2000, screen=probe["screen"], device=probe["device"],
            addresses=probe["addresses"], **extra)
    except Exception as exc:  # its signature is the core benchmark's to change
        print(f"note: plugin-only ceiling unavailable ({exc})", file=sys.stderr)
    return found


async def _probe(target: Target) -> dict[str, Any]:
    async with target.pool(1, frames=True) as pool:
        info = pool.emulators[0].info
        devices = [d["tag"] for d in info["devices"]]
        addresses = pool.emulators[0].memory_addresses
        return {"refresh": info["screens"][0]["refresh"], "screen": info["screens"][0]["tag"],
                "device": ":maincpu" if ":maincpu" in devices else devices[0],
                "addresses": [a.address for a in addresses.values()]}


# -- reporting -------------------------------------------------------------------------------
NOISY = 0.25  # cores used by other processes above which a row is marked


def table(rows: list[Row], ceiling: dict[str, float]) -> str:
    base = {r.mode: r.steps_per_s for r in rows if r.envs == 1}
    head = (f"{'envs':>4} {'mode':>6} {'batch':>5} {'steps/s':>8} {'emu fps':>8} "
            f"{'x 1 env':>7} {'/raw':>5} {'/plugin':>7} {'py cpu':>6} {'py µs/st':>8} "
            f"{'mame ms/st':>10} {'other':>5} {'MB/env':>6} {'anon':>4}")
    lines = [head, "-" * len(head)]
    for r in rows:
        cores = min(r.envs, CORES)
        raw = r.fps / (ceiling["raw"] * cores) if "raw" in ceiling else float("nan")
        plugin = r.fps / (ceiling["plugin"] * cores) if "plugin" in ceiling else float("nan")
        speedup = r.steps_per_s / base.get(r.mode, base.get("sync", float("nan")))
        mark = " *" if r.other > NOISY else ""
        lines.append(f"{r.envs:>4} {r.mode:>6} {r.batch:>5} {r.steps_per_s:>8,.0f} "
                     f"{r.fps:>8,.0f} {speedup:>7.2f} {raw:>5.2f} {plugin:>7.2f} "
                     f"{r.py_cpu:>6.0%} {r.py_us:>8.0f} {r.mame_ms:>10.2f} {r.other:>5.2f} "
                     f"{r.rss_mb:>6.0f} {r.anon_mb:>4.0f}{mark}")
    lines += [
        "x 1 env: steps/s over the same mode's 1-env row (gather: over sync). /raw, /plugin: "
        "emu fps over the single-env ceiling x min(envs, cores).",
        "py: this Python process (CPU share of one core, CPU µs per env step); mame ms/st: "
        "the MAMEs' CPU per env step; other: cores used meanwhile by processes outside this "
        f"benchmark ({NOISY:g}+: marked *, the row is unreliable). MB/env: VmRSS per MAME "
        "(anon: its private part). gather: asyncio.gather of step_into, a task per env per "
        "step (the baseline).",
    ]
    return "\n".join(lines)


def check_targets(rows: list[Row]) -> list[str]:
    out = []
    by = {(r.envs, r.mode): r for r in rows}

    def noise(*used: Row) -> str:
        busy = max(r.other for r in used)
        return f" (unreliable: other processes used {busy:.2f} cores)" if busy > NOISY else ""

    for mode in ("sync", "async"):
        if (1, mode) in by and (8, mode) in by:
            one, eight = by[1, mode], by[8, mode]
            speedup = eight.steps_per_s / one.steps_per_s
            out.append(f"target 8 envs >= 1.8x one env ({mode}): {speedup:.2f}x "
                       f"{'OK' if speedup >= 1.8 else 'MISSED'}{noise(one, eight)}")
        if (32, mode) in by:
            share = by[32, mode].py_cpu
            out.append(f"target 32 envs: Python < 20% of one core ({mode}): {share:.0%} "
                       f"{'OK' if share < 0.20 else 'MISSED'}")
    return out


def plot(results: list[tuple[Target, list[Row], dict[str, float]]], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install matplotlib)")
        return
    fig, (speed, cpu) = plt.subplots(1, 2, figsize=(11, 4.2))
    for target, rows, ceiling in results:
        for mode, style in (("sync", "o-"), ("async", "s--"), ("gather", "x")):
            mine = [r for r in rows if r.mode == mode]
            envs = [r.envs for r in mine]
            speed.plot(envs, [r.fps for r in mine], style, label=f"{target.label} {mode}")
            cpu.plot(envs, [100 * r.py_cpu for r in mine], style,
                     label=f"{target.label} {mode}")
        envs = sorted({r.envs for r in rows})
        for name, style in (("raw", ":"), ("plugin", "-.")):
            if name in ceiling:
                speed.plot(envs, [ceiling[name] * min(n, CORES) for n in envs], style,
                           color="gray", label=f"{target.label} {name} x min(N, cores)")
    speed.set(xscale="log", xlabel="envs", ylabel="emulated frames/s",
              title="throughput (all envs)")
    cpu.axhline(20, color="red", lw=0.8, label="target at 32 envs")
    cpu.set(xscale="log", xlabel="envs", ylabel="% of one core",
            title="Python process CPU", ylim=(0, None))
    for ax in (speed, cpu):
        ax.set_xticks(envs, [str(n) for n in envs])
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"plot: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("targets", nargs="*", metavar="SYSTEM=ROMPATH",
                        help="more drivers to run (a registered game name or a plain system)")
    parser.add_argument("--quick", action="store_true", help="short runs")
    parser.add_argument("--envs", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32])
    parser.add_argument("--seconds", type=float, help="measured seconds per point")
    parser.add_argument("--ratio", type=int, default=3,
                        help="frame ratio of plain-system targets")
    parser.add_argument("--no-default", action="store_true",
                        help="skip the bundled game, run only the given targets")
    parser.add_argument("--mame-args", default="",
                        help="extra MAME arguments for every env, e.g. '-numprocessors 2' "
                             "(aiomame passes -numprocessors 1 first; a later one wins)")
    parser.add_argument("--png", type=Path, default=Path("pool_scaling.png"))
    args = parser.parse_args()
    seconds = args.seconds or (1.5 if args.quick else 5.0)
    warmup = 0.5 if args.quick else 1.0

    targets = [] if args.no_default else [default_target()]
    targets += [parse_target(t, args.ratio) for t in args.targets]
    for target in targets:
        target.extra_args = tuple(args.mame_args.split())
    results = []
    print(f"{CORES} cores; {seconds:g} s per point; Python {sys.version.split()[0]}")
    for target in targets:
        print(f"\n{target.label}: MAME system {target.system!r}, frame ratio {target.ratio}"
              + (f", MAME args {' '.join(target.extra_args)}" if target.extra_args else ""))
        ceiling = ceilings(target, args.quick)
        for name, value in ceiling.items():
            print(f"  single-env ceiling {name}: {value:,.0f} emulated frames/s")
        rows = run(scale(target, args.envs, seconds, warmup))
        print(table(rows, ceiling))
        for line in check_targets(rows):
            print(line)
        results.append((target, rows, ceiling))
    plot(results, args.png)


if __name__ == "__main__":
    main()
