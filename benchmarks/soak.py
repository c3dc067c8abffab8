"""Soak: N envs x T minutes of random play in an EnvPool, SIGKILLing a random MAME now and then.

    python benchmarks/soak.py                               # 16 envs, 30 minutes, kill every 20 s
    python benchmarks/soak.py --envs 4 --minutes 2 --csv soak.csv --plot soak.png

Plays the bundled catch game (or ``--game`` on ``--roms``) with random actions in sync mode
(``await pool.step(actions)``), and every ``--kill-every`` seconds SIGKILLs one random env's
MAME by pid; the pool restarts it (its restarter is set never to give up). Every
``--report-every`` seconds it prints one line: elapsed time, total env steps, steps/s since
the last line, restarts so far, this Python's RSS, its open FDs, its MAME children and the
entries in the runtime directory. At the end: first, last and max of each column. Healthy:
flat lines for RSS, FDs, children (= envs) and runtime-dir entries (= envs), steps/s steady,
restarts = kills.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from aiomame.pools.pool import EnvPool
from aiomame.pools.restarter import Restarter
from aiomame.transport.rundir import OWNER_FILE, PREFIX, runtime_base


# -- what a process holds ------------------------------------------------------------------
def rss_mb(pid: int | str = "self") -> float:
    """VmRSS of process ``pid`` in MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def open_fds() -> int:
    """File descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))


def children() -> list[int]:
    """Pids of this process's child processes (zombies included)."""
    me, found = os.getpid(), []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == me:
                        found.append(int(name))
            except (OSError, IndexError, ValueError):
                pass
    return found


def runtime_entries() -> int:
    """This process's private directories in aiomame's runtime directory (one per MAME)."""
    base, mine = runtime_base(), 0
    for name in os.listdir(base):
        try:
            with open(os.path.join(base, name, OWNER_FILE)) as f:
                mine += name.startswith(PREFIX) and f.read().split()[0] == str(os.getpid())
        except (OSError, IndexError):
            pass
    return mine


@dataclass
class Sample:
    elapsed: float
    steps: int
    steps_per_s: float
    restarts: int
    rss_mb: float
    fds: int
    children: int
    rundir: int


HEAD = (f"{'elapsed':>8} {'steps':>10} {'steps/s':>8} {'restarts':>8} {'RSS MB':>7} "
        f"{'FDs':>5} {'MAMEs':>5} {'rundir':>6}")


def line(s: Sample) -> str:
    return (f"{s.elapsed:>7.0f}s {s.steps:>10,} {s.steps_per_s:>8,.0f} {s.restarts:>8} "
            f"{s.rss_mb:>7.1f} {s.fds:>5} {s.children:>5} {s.rundir:>6}")


# -- the run --------------------------------------------------------------------------------
async def soak(args: argparse.Namespace) -> list[Sample]:
    rng = np.random.default_rng(args.seed)
    pick = random.Random(args.seed)
    # Never give up on an env: each kill starts a new row (stable_after=0), a few tries each.
    restarter = Restarter(restart_limit=5, stable_after=0.0, backoff=0.2)
    samples: list[Sample] = []
    kwargs = {} if args.roms is None else {"roms_path": args.roms}
    async with EnvPool(args.game, args.envs, restarter=restarter, **kwargs) as pool:
        await pool.reset(seed=args.seed)
        n_actions = len(pool.action_names)
        began = last_report = time.monotonic()
        next_kill = began + args.kill_every / 2  # between reports: lines show settled pools
        steps = last_steps = kills = 0
        end = began + args.minutes * 60

        def sample(now: float) -> Sample:
            rate = (steps - last_steps) / max(now - last_report, 1e-9)
            return Sample(now - began, steps, rate, sum(restarter.restarts.values()),
                          rss_mb(), open_fds(), len(children()), runtime_entries())

        samples.append(sample(began))
        print(HEAD)
        print(line(samples[-1]), flush=True)
        while (now := time.monotonic()) < end:
            if args.kill_every > 0 and now >= next_kill:
                next_kill += args.kill_every
                env_id = pick.randrange(args.envs)
                process = pool.emulators[env_id].process
                pid = process.pid
                if pid is not None and process.returncode is None:  # not reaped: still its pid
                    try:
                        os.kill(pid, signal.SIGKILL)
                        kills += 1
                    except ProcessLookupError:
                        pass  # already being restarted
            async with asyncio.timeout(args.step_timeout):
                await pool.step(rng.integers(n_actions, size=args.envs))
            steps += args.envs
            if now - last_report >= args.report_every:
                samples.append(sample(now))
                print(line(samples[-1]), flush=True)
                last_report, last_steps = now, steps
        samples.append(sample(time.monotonic()))
        print(line(samples[-1]), flush=True)
        print(f"kills sent: {kills}")
    return samples


def summary(samples: list[Sample]) -> str:
    first, last = samples[0], samples[-1]
    rows = [f"{'':>12} {'first':>10} {'last':>10} {'max':>10}"]
    for name in ("steps_per_s", "rss_mb", "fds", "children", "rundir"):
        values = [getattr(s, name) for s in samples[1:] if name != "steps_per_s" or s.steps]
        values = values or [getattr(first, name)]
        rows.append(f"{name:>12} {values[0]:>10,.1f} {values[-1]:>10,.1f} {max(values):>10,.1f}")
    rows.append(f"{'steps':>12} {last.steps:,} in {last.elapsed:,.0f} s; restarts "
                f"{last.restarts}")
    return "\n".join(rows)


def plot(samples: list[Sample], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install matplotlib)")
        return
    minutes = [s.elapsed / 60 for s in samples]
    fig, axes = plt.subplots(2, 3, figsize=(12, 6), sharex=True)
    for ax, name, label in zip(axes.flat, ("steps_per_s", "restarts", "rss_mb", "fds",
                                            "children", "rundir"),
                               ("env steps/s", "restarts", "Python RSS (MB)", "open FDs",
                                "MAME children", "runtime-dir entries"), strict=True):
        ax.plot(minutes, [getattr(s, name) for s in samples], ".-")
        ax.set(title=label, ylim=(0, None))
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("minutes")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"plot: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--envs", type=int, default=16)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--kill-every", type=float, default=20.0, metavar="SECONDS",
                        help="SIGKILL a random env's MAME this often (0: never)")
    parser.add_argument("--report-every", type=float, default=None, metavar="SECONDS",
                        help="print a line this often (default: --kill-every, else 20)")
    parser.add_argument("--game", default="catch", help="a registered game (default: catch)")
    parser.add_argument("--roms", default=None, metavar="PATH",
                        help="ROM path (default: the game's bundled ROMs)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--step-timeout", type=float, default=60.0,
                        help="fail if one pool step takes longer than this")
    parser.add_argument("--csv", type=Path, help="write every sample to this CSV file")
    parser.add_argument("--plot", type=Path, help="write a PNG plot (matplotlib)")
    args = parser.parse_args()
    if args.envs < 1 or args.minutes <= 0 or args.kill_every < 0:
        parser.error("--envs must be >= 1, --minutes > 0, --kill-every >= 0")
    args.report_every = args.report_every or args.kill_every or 20.0
    print(f"{args.envs} envs of {args.game} for {args.minutes:g} min, SIGKILL every "
          f"{args.kill_every:g} s; {os.cpu_count()} cores; runtime dir {runtime_base()}; "
          f"Python {sys.version.split()[0]}")
    samples = asyncio.run(soak(args))
    print(summary(samples))
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(asdict(samples[0])))
            writer.writeheader()
            writer.writerows(asdict(s) for s in samples)
        print(f"csv: {args.csv}")
    if args.plot:
        plot(samples, args.plot)


if __name__ == "__main__":
    main()
