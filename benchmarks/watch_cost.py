"""What watching a pool in a browser costs its steps/s (:mod:`aiomame.web`).

    python benchmarks/watch_cost.py                       # 16 envs of catch, 5 rounds of 10 s
    python benchmarks/watch_cost.py --rounds 2 --seconds 5
    python benchmarks/watch_cost.py --viewer chromium     # the viewer: a headless Chromium

One pool of ``--envs`` envs of the bundled game, stepped by random actions (seeded) in a
loop, three variants alternating round by round (off, idle, viewer, off, ...; this VM's
speed drifts, so each variant's best of ``--rounds`` is kept):

  off     no watch server at all
  idle    ``await pool.watch()`` serving, nobody connected: what the pool pays for being
          watchable (a 1 s sampler timer; nothing per step)
  viewer  the same with one viewer at ``--fps`` (default 10) frames per second: each env's
          screen taken and JPEG-encoded (in the loop's thread pool) 10 times a second and
          sent over the WebSocket. The viewer is another process, as a browser would be:
          ``--viewer client`` (default), an aiohttp WebSocket client that reads and drops
          the stream, or ``--viewer chromium``, the system's headless Chromium showing the
          page (it also decodes and draws every frame, on this machine's cores).

Prints env steps/s per variant (best of the rounds), idle/off and viewer/off, and the cost
of a viewer (1 - viewer/off); also this process's CPU time per env step (all its threads:
the pool's loop and the JPEG encoding; the least of the rounds), steadier than steps/s when
other work shares the machine. Goal: a viewer at 10 fps costs <= 3%.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import time
from typing import Any

import numpy as np

from aiomame import EnvPool
from aiomame.runner import run

VARIANTS = ("off", "idle", "viewer")


async def timed(pool: EnvPool, seconds: float, rng: np.random.Generator
                ) -> tuple[float, float]:
    """(env steps per second, this process's CPU seconds per second, all threads) of
    stepping ``pool`` at random for ``seconds``."""
    n = len(pool.action_names)
    actions = [rng.integers(0, n, pool.num_envs) for _ in range(64)]
    steps, k = 0, 0
    started, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        await pool.step(actions[k % 64])
        steps, k = steps + pool.num_envs, k + 1
    elapsed = time.perf_counter() - started
    return steps / elapsed, (time.process_time() - cpu) / elapsed


def start_viewer(kind: str, url: str, fps: float) -> subprocess.Popen[bytes]:
    """Another process watching ``url`` at ``fps``."""
    if kind == "client":
        return subprocess.Popen([sys.executable, __file__, "--read", url, "--fps", str(fps)])
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    code = ("import sys, time\n"
            "from selenium import webdriver\n"
            "from selenium.webdriver.chrome.options import Options\n"
            "from selenium.webdriver.chrome.service import Service\n"
            "o = Options()\n"
            "for a in ('--headless=new', '--no-sandbox', '--disable-gpu',\n"
            "          '--window-size=1920,1400'): o.add_argument(a)  # every tile in view\n"
            f"d = webdriver.Chrome(service=Service(executable_path={driver!r}), options=o)\n"
            f"d.get({url + f'&fps={fps:g}'!r})\n"
            "sys.stdin.read()\n"
            "d.quit()\n")
    return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE)


def stop_viewer(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        process.stdin.close()
    else:
        process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def read(url: str, fps: float) -> None:
    """The ``client`` viewer: read the stream and drop it, until killed."""
    import aiohttp

    async with aiohttp.ClientSession() as session, session.ws_connect(
            url.replace("/?", "/stream?") + f"&fps={fps:g}", max_msg_size=0) as ws:
        async for _ in ws:
            pass


async def main(args: argparse.Namespace) -> dict[str, list[tuple[float, float]]]:
    rates: dict[str, list[tuple[float, float]]] = {v: [] for v in VARIANTS}
    rng = np.random.default_rng(0)
    async with EnvPool("catch", args.envs) as pool:
        await pool.reset(seed=0)
        await timed(pool, 2.0, rng)  # warm up
        for r in range(args.rounds):
            for variant in VARIANTS:
                handle: Any = None
                viewer = None
                if variant != "off":
                    handle = await pool.watch(fps=args.fps)
                if variant == "viewer":
                    viewer = start_viewer(args.viewer, handle.url, args.fps)
                    for _ in range(300):  # connected and streaming
                        if handle.viewers:
                            break
                        await asyncio.sleep(0.1)
                    await asyncio.sleep(1.0)
                try:
                    rate, cpu = await timed(pool, args.seconds, rng)
                finally:
                    if viewer is not None:
                        stop_viewer(viewer)
                    if handle is not None:
                        await handle.close()
                rates[variant].append((rate, cpu))
                print(f"round {r + 1} {variant:6s} {rate:9,.0f} env steps/s, "
                      f"{1e6 * cpu / rate:6.0f} µs CPU per env step", file=sys.stderr,
                      flush=True)
    return rates


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--envs", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--fps", type=float, default=10.0)
    parser.add_argument("--viewer", choices=("client", "chromium"), default="client")
    parser.add_argument("--read", metavar="URL", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.read:
        run(read(arguments.read, arguments.fps))
        sys.exit(0)
    print(f"{arguments.envs} envs of catch, {arguments.rounds} rounds of "
          f"{arguments.seconds:g} s, viewer: {arguments.viewer} at {arguments.fps:g} fps, "
          f"{os.cpu_count()} cores", flush=True)
    results = run(main(arguments))
    best = {v: max(rate for rate, _ in r) for v, r in results.items()}
    # This process's CPU (the pool's loop, the JPEG threads) per env step: steadier than
    # the rates on a busy VM. The least of the rounds.
    cpu = {v: min(c / rate for rate, c in r) for v, r in results.items()}
    for variant in VARIANTS:
        print(f"{variant:6s} {best[variant]:9,.0f} env steps/s (best of {arguments.rounds}), "
              f"{1e6 * cpu[variant]:6.0f} µs of this process's CPU per env step")
    print(f"idle/off {best['idle'] / best['off']:.3f}  viewer/off "
          f"{best['viewer'] / best['off']:.3f}  cost of a viewer: "
          f"{100 * (1 - best['viewer'] / best['off']):.1f}% (goal <= 3%)")
