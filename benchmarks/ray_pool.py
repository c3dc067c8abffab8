"""What Ray costs: steps/s of a local EnvPool against RayEnvPool with 1 and 2 actors.

    python benchmarks/ray_pool.py --quick          # short runs
    python benchmarks/ray_pool.py                  # 8 envs, 5 rounds of 3 s per pool
    python benchmarks/ray_pool.py --envs 16 --obs gray84

One local Ray (``ray.init(num_cpus=cores)``) and three pools of the same number of envs
of catch, all started up front: a local :class:`aiomame.EnvPool`, a
:class:`aiomame.ray.RayEnvPool` of one actor, and one of two actors; for each observation
setting in turn (``--obs``): the full RGB screen (260x224x3, 175 kB an env: Ray's object
store carries each actor's batch) and 84x84 grayscale (7 kB an env: the usual RL
observation; a batch this small rides along with Ray's reply). The pools are measured
in turn, round after round (so that whatever else the machine does falls on all of them),
each round ``step(actions)`` over all envs (sync, batch = all envs) and ``send``/``recv``
of half the envs (async); the best round counts. Printed: env steps/s, ms per step, the
ratio to the local pool measured in the same run, the time Ray adds per step (goal:
< 15% at a batch of 8), and the CPU time per env step of every process involved (this
one, Ray's, the MAMEs: less sensitive than wall time to whatever else runs).
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import numpy as np
import ray

from aiomame.pools.pool import EnvPool
from aiomame.ray import RayEnvPool
from aiomame.runner import run

CORES = os.cpu_count() or 1
GAME = "catch"
OBS: dict[str, dict[str, Any]] = {
    "rgb": {},  # the screen as displayed
    "gray84": {"obs_type": "grayscale", "resize": (84, 84)},
}


TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu() -> float:
    """CPU seconds used so far by this process and every process under it (Ray's GCS,
    raylet and workers, all the MAMEs); of the exited ones, what their parents reaped."""
    children: dict[int, list[int]] = {}
    used: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        used[pid] = sum(map(int, fields[11:15])) / TICK  # utime stime cutime cstime
    total, todo = used.get(os.getpid(), 0.0), [os.getpid()]
    while todo:
        for child in children.get(todo.pop(), []):
            total += used[child]
            todo.append(child)
    return total


async def measure_sync(pool: Any, seconds: float, rng: np.random.Generator) -> float:
    """Env steps/s of ``step`` over all envs, for ``seconds``."""
    n, steps = pool.num_envs, 0
    began = time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds:
        await pool.step(rng.integers(3, size=n))
        steps += n
    return steps / elapsed


async def measure_async(pool: Any, seconds: float, rng: np.random.Generator) -> float:
    """Env steps/s of ``send``/``recv`` of half the envs at a time, for ``seconds``."""
    n, k, steps = pool.num_envs, max(1, pool.num_envs // 2), 0
    pool.send(rng.integers(3, size=n))
    began = time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds:
        batch = await pool.recv(k)
        steps += len(batch)
        pool.send(rng.integers(3, size=len(batch)), batch.env_ids)
    await pool.recv(pool.num_pending)
    return steps / elapsed


async def bench(envs: int, obs: dict[str, Any], rounds: int, seconds: float
                ) -> dict[str, dict[str, float]]:
    if not ray.is_initialized():
        ray.init(num_cpus=CORES, include_dashboard=False, log_to_driver=False,
                 configure_logging=False)
    # Resources only place the actors here: the three pools live at once, one steps.
    actor = {"num_cpus": CORES / 4}
    pools: dict[str, Any] = {
        "local": EnvPool(GAME, envs, **obs),
        "ray, 1 actor": RayEnvPool(GAME, envs, actor_options=actor, **obs),
        "ray, 2 actors": RayEnvPool(GAME, envs, envs_per_actor=(envs + 1) // 2,
                                    actor_options=actor, **obs),
    }
    best: dict[str, dict[str, float]] = {name: {"sync": 0.0, "async": 0.0} for name in pools}
    rng = np.random.default_rng(0)
    try:
        for pool in pools.values():
            await pool.start()
            await pool.reset(seed=0)
            await measure_sync(pool, 1.0, rng)  # warm-up
        for r in range(rounds):
            for name, pool in pools.items():
                for mode, measure in (("sync", measure_sync), ("async", measure_async)):
                    cpu = tree_cpu()
                    rate = await measure(pool, seconds, rng)
                    cpu_ms = (tree_cpu() - cpu) / (rate * seconds) * 1e3  # per env step
                    best[name][mode] = max(best[name][mode], rate)
                    key = f"{mode}_cpu"
                    best[name][key] = min(best[name].get(key, np.inf), cpu_ms)
            print(f"round {r + 1}/{rounds}: " + ", ".join(
                f"{name} {best[name]['sync']:.0f}/{best[name]['async']:.0f}"
                for name in pools), flush=True)
    finally:
        for pool in pools.values():
            await pool.close()
    return best


def report(best: dict[str, dict[str, float]], envs: int, obs: str) -> None:
    local = best["local"]
    print(f"\n{GAME}, {envs} envs, obs {obs}, {CORES} cores; best round; sync: step() of all "
          f"{envs} envs, async: send/recv of {max(1, envs // 2)}")
    print(f"{'pool':<15}{'sync steps/s':>14}{'ms/step':>9}{'ratio':>7}{'Ray adds':>10}"
          f"{'CPU ms/env step':>17}{'async steps/s':>15}{'ratio':>7}{'CPU ms/env step':>17}")
    for name, rates in best.items():
        step_ms = envs / rates["sync"] * 1e3
        local_ms = envs / local["sync"] * 1e3
        added, ratio = (step_ms - local_ms) / local_ms, rates["sync"] / local["sync"]
        print(f"{name:<15}{rates['sync']:>14.0f}{step_ms:>9.2f}{ratio:>7.2f}{added:>+10.1%}"
              f"{rates['sync_cpu']:>17.2f}{rates['async']:>15.0f}"
              f"{rates['async'] / local['async']:>7.2f}{rates['async_cpu']:>17.2f}")
    worst = max((envs / best[n]["sync"] - envs / local["sync"]) / (envs / local["sync"])
                for n in best if n != "local")
    verdict = "met" if worst < 0.15 else "missed"
    print(f"\nper-step time Ray adds at a batch of {envs}: at most {worst:+.1%} "
          f"(goal < 15%: {verdict})")
    cpu = max(best[n]["sync_cpu"] / local["sync_cpu"] - 1 for n in best if n != "local")
    print(f"CPU Ray adds per env step (all processes, sync): at most {cpu:+.1%}; where the "
          "MAMEs keep every core busy, throughput falls by about as much")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of 1.5 s")
    parser.add_argument("--envs", type=int, default=8)
    parser.add_argument("--obs", nargs="+", choices=sorted(OBS), default=["rgb", "gray84"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0, help="per pool, mode, round")
    args = parser.parse_args()
    rounds, seconds = (3, 1.5) if args.quick else (args.rounds, args.seconds)
    results = {}
    try:
        for obs in args.obs:
            print(f"obs {obs}:", flush=True)
            results[obs] = run(bench(args.envs, OBS[obs], rounds, seconds))
    finally:
        ray.shutdown()
    for obs, best in results.items():
        report(best, args.envs, obs)


if __name__ == "__main__":
    main()
