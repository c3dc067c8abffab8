"""The Python CPU that EnvPool spends per env step (the hot path), by observation mode.

    python benchmarks/hot_path.py --quick               # 1 and 16 envs, 1.5 s, 2 rounds
    python benchmarks/hot_path.py --modes off           # 1, 8, 16, 32 envs, 3 rounds
    python benchmarks/hot_path.py                       # all 4 modes at once (> 24 GB)
    python benchmarks/hot_path.py --envs 16 --modes off,bgra --rounds 5 --json hot.json
    python benchmarks/hot_path.py --async               # also send/recv of half the envs
    python benchmarks/hot_path.py --gym-envs none --no-floor    # the pool's cells alone
    python benchmarks/hot_path.py --game duel --players 1,2 --modes off,rgb --quick

The bundled game ("catch", no ROM needed, frame ratio 3), in an :class:`aiomame.EnvPool`
on uvloop, for each number of envs (``--envs``) and observation mode (``--modes``):

  off   ``frames=False``: memory values only, no pixels
  bgra  ``obs_type="bgra"``: the screen as MAME has it (no conversion)
  rgb   the default observation (RGB, full size)
  gray  ``obs_type="grayscale", resize=(84, 84)`` (the default interpolation)

``--game`` measures another registered game; with a two-player game, ``--players 1,2``
measures each pool with agents playing player 1 against the game's own AI (one action per
env) and playing both players (``(envs, 2)`` actions, rewards per player): ``py µs/ag``
is the Python CPU per agent step (per env step / players).

Each cell is ``await pool.step(actions)`` over all envs, again and again, with random action
indices drawn beforehand (no policy cost); ``--async`` adds ``send``/``recv`` of half the
envs. Per cell: env steps/s (wall); this Python process's CPU (user + sys, all threads:
``time.process_time``) and its event-loop thread's (``time.thread_time``) per env step; the
MAMEs' CPU per env step (utime + stime from /proc/PID/stat); and the env steps/s that one
Python core could coordinate at that cost (1e6 / the process's µs per env step).

Beside them, in the same run and the same rounds:

  gym    what a user would otherwise build: Gymnasium's ``AsyncVectorEnv`` over aiomame's
         blocking gym env (``aiomame/Catch-v0``: one worker process per env, shared memory,
         the forkserver context), rgb, at 8 and 16 envs (``--gym-envs``). Its Python CPU is
         the main process's plus its workers' (/proc; their MAMEs, found by walking the
         workers' descendants, go to the MAME column).
  floor  the bare minimum: uvloop request/reply over a Unix socketpair to child Python
         processes echoing 20-byte messages, 1 peer and 16 peers written then awaited as one
         batch. Parent CPU µs per request: what is left when everything aiomame does per
         step (the protocol, the worker tasks, the buffers) costs nothing.

All pools (and vector envs, and echo peers) are started once, before the first round, and
live until the end (a catch MAME keeps about 100 MB of its own: the default plan's 228
MAMEs need more memory than a 24 GB machine has, and the run refuses a plan that does not
fit: run the modes one at a time, ``--modes off``, ...); the run waits until the fresh MAMEs are
idle (a MAME keeps initialising for ~1.5 s after its hello). Then ``--rounds`` rounds, each
measuring every cell in turn for ``--seconds`` after ``--warmup`` seconds of the same loop,
so drift on this shared VM hits all cells alike; the table keeps each column's best (least
CPU, most steps/s) over the rounds, stderr has every round. ``other``: cores that processes
outside the benchmark used meanwhile (a row above 0.25 is marked * and is unreliable).
``--json PATH`` writes every number, round by round.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from aiomame.errors import InvalidArgumentError
from aiomame.games import get_game
from aiomame.pools.pool import EnvPool
from aiomame.runner import run

GAME = "catch"
FRAME_RATIO = 3
GYM_ID = "aiomame.gym:aiomame/Catch-v0"  # the module registering the id, then the id
MODES: dict[str, dict[str, Any]] = {
    "off": {"frames": False},
    "bgra": {"obs_type": "bgra"},
    "rgb": {},
    "gray": {"obs_type": "grayscale", "resize": (84, 84)},
}
ENVS = (1, 8, 16, 32)
QUICK_ENVS = (1, 16)
GYM_ENVS = (8, 16)
FLOOR_PEERS = (1, 16)
MESSAGE = bytes(range(20))  # the floor's request (and reply): 20 bytes
ACTION_ROWS = 64  # distinct random action vectors, cycled
NOISY = 0.25  # cores used by other processes above which a row is marked
CORES = os.cpu_count() or 1
TICK = os.sysconf("SC_CLK_TCK")


# -- CPU time from /proc ---------------------------------------------------------------------
def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) of process ``pid`` so far; 0 once gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def cpu_of(pids: Iterable[int]) -> float:
    return sum(process_cpu(pid) for pid in pids)


def machine_busy() -> float:
    """CPU seconds all processes on the machine have used so far (from /proc/stat)."""
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(
            int, f.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / TICK


def comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def descendants(roots: Iterable[int]) -> list[int]:
    """Every live process below ``roots`` (children, grandchildren...), by a ppid walk."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    todo = list(roots)
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


async def settle(pids: Sequence[int], timeout: float = 120.0) -> float:
    """Wait until freshly started MAMEs are idle; returns the seconds waited.

    A MAME keeps a thread busy for a while after the plugin's hello, which would otherwise
    be counted against the first measured cells.
    """
    began = time.perf_counter()
    while time.perf_counter() - began < timeout:
        before = cpu_of(pids)
        await asyncio.sleep(0.25)
        if cpu_of(pids) - before < 0.03:
            break
    return time.perf_counter() - began


# -- one measurement -------------------------------------------------------------------------
@dataclass
class Sample:
    """What one timed run of a cell used: ``steps`` env steps (floor: requests) in ``wall``
    seconds, and CPU seconds by whom."""

    steps: int
    wall: float
    py: float  # this process, all threads
    loop: float | None  # the event loop's thread (None: a gym row)
    workers: float | None  # the gym workers (Python processes)
    mame: float | None  # the MAMEs (floor: the echo peers)
    other: float  # everyone else on the machine
    restarts: int = 0

    def summary(self) -> dict[str, float | None]:
        def us(seconds: float | None) -> float | None:
            return None if seconds is None else seconds / self.steps * 1e6

        python = self.py + (self.workers or 0.0)
        return {"steps_per_s": self.steps / self.wall, "py_us": us(self.py),
                "loop_us": us(self.loop), "workers_us": us(self.workers),
                "mame_us": us(self.mame), "core_steps_per_s": self.steps / python,
                "other_cores": self.other / self.wall}


LOWER_IS_BETTER = ("py_us", "loop_us", "workers_us", "mame_us", "other_cores")


def best_of(summaries: list[dict[str, float | None]]) -> dict[str, float | None]:
    """Each column's best over the rounds: least CPU (and noise), most steps/s."""
    best: dict[str, float | None] = {}
    for key in summaries[0]:
        values = [s[key] for s in summaries if s[key] is not None]
        best[key] = None if not values else (min if key in LOWER_IS_BETTER else max)(values)
    return best


class Meter:
    """Wall and CPU time over one timed run. /proc is read outside the Python timings, so
    that reading it is not counted as the hot path's cost."""

    def __init__(self, mame: Sequence[int], workers: Sequence[int] = (), *,
                 loop_thread: bool = True) -> None:
        self.mame_pids, self.worker_pids, self.loop_thread = mame, workers, loop_thread
        self.busy = machine_busy()
        self.mame = cpu_of(mame)
        self.workers = cpu_of(workers)
        self.loop = time.thread_time()
        self.py = time.process_time()
        self.wall = time.perf_counter()

    def stop(self, steps: int, restarts: int = 0) -> Sample:
        wall = time.perf_counter() - self.wall
        loop = time.thread_time() - self.loop
        py = time.process_time() - self.py
        workers = cpu_of(self.worker_pids) - self.workers
        mame = cpu_of(self.mame_pids) - self.mame
        other = machine_busy() - self.busy - py - workers - mame
        return Sample(steps, wall, py, loop if self.loop_thread else None,
                      workers if self.worker_pids else None, mame if self.mame_pids else None,
                      max(0.0, other), restarts)


# -- the cells -------------------------------------------------------------------------------
@dataclass
class Cell:
    """One row of the table: what is measured, and its samples, round by round."""

    envs: int  # floor: peers
    obs: str
    driver: str  # sync, async, gym or floor
    samples: list[Sample] = field(default_factory=list)
    players: int = 1  # agents per env (a two-player game with agents on both sides: 2)

    @property
    def label(self) -> str:
        return f"{self.envs:>2} envs {self.obs:<4} {self.driver} {self.players}p"

    async def measure(self, seconds: float, warmup: float) -> Sample:
        raise NotImplementedError


@dataclass
class PoolCell(Cell):
    """An EnvPool, stepped in sync mode (``step`` over all envs) or async mode (``send`` /
    ``recv`` of half the envs)."""

    pool: EnvPool | None = None
    actions: list[np.ndarray] = field(default_factory=list)

    def restarts(self) -> int:
        assert self.pool is not None
        return sum(self.pool.restarter.restarts.values())

    async def measure(self, seconds: float, warmup: float) -> Sample:
        if self.driver == "async":
            return await self._measure_async(seconds, warmup)
        pool, actions = self.pool, self.actions
        assert pool is not None
        rows = len(actions)
        deadline = time.perf_counter() + warmup
        while time.perf_counter() < deadline:
            await pool.step(actions[0])
        restarts = self.restarts()
        steps = 0
        meter = Meter([emu.process.pid for emu in pool.emulators])
        deadline = meter.wall + seconds
        while time.perf_counter() < deadline:
            await pool.step(actions[steps % rows])
            steps += 1
        return meter.stop(steps * pool.num_envs, self.restarts() - restarts)

    async def _measure_async(self, seconds: float, warmup: float) -> Sample:
        pool = self.pool
        assert pool is not None
        batch = pool.num_envs // 2
        actions = [a[:batch] for a in self.actions]
        rows = len(actions)
        pool.send(self.actions[0])
        deadline = time.perf_counter() + warmup
        while time.perf_counter() < deadline:
            got = await pool.recv(batch)
            pool.send(actions[0], got.env_ids)
        restarts = self.restarts()
        done = i = 0
        meter = Meter([emu.process.pid for emu in pool.emulators])
        deadline = meter.wall + seconds
        while time.perf_counter() < deadline:
            got = await pool.recv(batch)
            pool.send(actions[i % rows], got.env_ids)
            done += batch
            i += 1
        sample = meter.stop(done, self.restarts() - restarts)
        await pool.recv(pool.num_pending)  # leave the pool idle
        return sample


@dataclass
class GymCell(Cell):
    """Gymnasium's AsyncVectorEnv over aiomame's gym env: a worker process per env."""

    venv: Any = None
    actions: list[np.ndarray] = field(default_factory=list)
    worker_pids: list[int] = field(default_factory=list)
    mame_pids: list[int] = field(default_factory=list)

    def find_pids(self) -> None:
        self.worker_pids = [p.pid for p in self.venv.processes]
        self.mame_pids = [pid for pid in descendants(self.worker_pids) if comm(pid) == "mame"]

    async def measure(self, seconds: float, warmup: float) -> Sample:
        # Blocking calls on the loop's thread: the pools are idle meanwhile.
        venv, actions = self.venv, self.actions
        rows = len(actions)
        deadline = time.perf_counter() + warmup
        while time.perf_counter() < deadline:
            venv.step(actions[0])
        steps = 0
        meter = Meter(self.mame_pids, self.worker_pids, loop_thread=False)
        deadline = meter.wall + seconds
        while time.perf_counter() < deadline:
            venv.step(actions[steps % rows])
            steps += 1
        return meter.stop(steps * self.envs)


class _Round:
    """One batch of floor requests in flight: the bytes still to come back, and its waiter."""

    __slots__ = ("future", "left")

    def __init__(self) -> None:
        self.future: asyncio.Future[None] | None = None
        self.left = 0


class _EchoClient(asyncio.Protocol):
    def __init__(self, pending: _Round) -> None:
        self.pending = pending

    def data_received(self, data: bytes) -> None:
        pending = self.pending
        pending.left -= len(data)
        if pending.left <= 0 and pending.future is not None and not pending.future.done():
            pending.future.set_result(None)


ECHO = """\
import os, sys
fd = int(sys.argv[1])
while True:
    data = os.read(fd, 65536)
    if not data:
        break
    os.write(fd, data)
"""


@dataclass
class FloorCell(Cell):
    """uvloop request/reply to ``envs`` echoing child processes, one batch at a time."""

    peers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    transports: list[asyncio.Transport] = field(default_factory=list)
    pending: _Round = field(default_factory=_Round)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(self.envs):
            ours, theirs = socket.socketpair()
            with theirs:
                self.peers.append(subprocess.Popen(
                    [sys.executable, "-c", ECHO, str(theirs.fileno())],
                    pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL))
            transport, _ = await loop.create_unix_connection(
                lambda: _EchoClient(self.pending), sock=ours)
            self.transports.append(transport)  # type: ignore[arg-type]

    async def close(self) -> None:
        for transport in self.transports:
            transport.close()
        for _ in range(50):  # they exit on EOF
            if all(peer.poll() is not None for peer in self.peers):
                return
            await asyncio.sleep(0.1)
        for peer in self.peers:
            if peer.poll() is None:
                peer.kill()
                peer.wait()

    async def _batches(self, until: float) -> int:
        loop = asyncio.get_running_loop()
        pending, transports = self.pending, self.transports
        size = len(MESSAGE) * len(transports)
        batches = 0
        while time.perf_counter() < until:
            pending.future = future = loop.create_future()
            pending.left = size
            for transport in transports:
                transport.write(MESSAGE)
            await future
            batches += 1
        return batches

    async def measure(self, seconds: float, warmup: float) -> Sample:
        await self._batches(time.perf_counter() + warmup)
        meter = Meter([peer.pid for peer in self.peers])
        batches = await self._batches(meter.wall + seconds)
        return meter.stop(batches * self.envs)


# -- setting up, running the rounds ----------------------------------------------------------
@dataclass
class Plan:
    game: str
    players: list[int]
    envs: list[int]
    modes: list[str]
    drivers: list[str]
    gym_envs: list[int]
    floor: bool
    rounds: int
    seconds: float
    warmup: float
    seed: int


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def gym_vector_env(num_envs: int) -> Any:
    """AsyncVectorEnv of ``num_envs`` aiomame gym envs; imports Gymnasium here only."""
    import gymnasium
    from gymnasium.vector import AsyncVectorEnv

    make = functools.partial(gymnasium.make, GYM_ID, frame_ratio=FRAME_RATIO)
    return AsyncVectorEnv([make] * num_envs, shared_memory=True, context="forkserver")


async def start_cells(plan: Plan, stack: contextlib.AsyncExitStack) -> list[Cell]:
    rng = np.random.default_rng(plan.seed)
    cells: list[Cell] = []
    two_player = get_game(plan.game).players > 1
    for n, mode, players in itertools.product(plan.envs, plan.modes, plan.players):
        began = time.perf_counter()
        opponent = "cpu" if two_player and players == 1 else None
        pool = await stack.enter_async_context(
            EnvPool(plan.game, n, frame_ratio=FRAME_RATIO, opponent=opponent, **MODES[mode]))
        await pool.reset(seed=plan.seed)
        num_actions = len(pool.action_names)
        size = (ACTION_ROWS, n) if players == 1 else (ACTION_ROWS, n, players)
        actions = list(rng.integers(num_actions, size=size))
        log(f"  pool {n:>2} envs {mode:<4} {players}p: started in "
            f"{time.perf_counter() - began:.1f} s, observations {pool.frame_shape}")
        for driver in plan.drivers:
            if driver == "async" and n < 2:
                continue  # half of one env is none
            cells.append(PoolCell(n, mode, driver, pool=pool, actions=actions,
                                  players=players))
    for n in plan.gym_envs:
        began = time.perf_counter()
        venv = gym_vector_env(n)
        stack.callback(venv.close)
        venv.reset(seed=plan.seed)
        num_actions = int(venv.single_action_space.n)
        cell = GymCell(n, "rgb", "gym", venv=venv,
                       actions=list(rng.integers(num_actions, size=(ACTION_ROWS, n))))
        cell.find_pids()
        log(f"  gym AsyncVectorEnv {n:>2} envs: started in {time.perf_counter() - began:.1f} s,"
            f" {len(cell.worker_pids)} workers, {len(cell.mame_pids)} MAMEs")
        cells.append(cell)
    if plan.floor:
        for peers in FLOOR_PEERS:
            floor = FloorCell(peers, "-", "floor")
            stack.push_async_callback(floor.close)
            await floor.start()
            cells.append(floor)
    return cells


def all_mame_pids(cells: list[Cell]) -> list[int]:
    pids: set[int] = set()
    for cell in cells:
        if isinstance(cell, PoolCell) and cell.pool is not None:
            pids.update(emu.process.pid for emu in cell.pool.emulators)
        elif isinstance(cell, GymCell):
            pids.update(cell.mame_pids)
    return sorted(pids)


async def measure_all(plan: Plan) -> list[Cell]:
    async with contextlib.AsyncExitStack() as stack:
        began = time.perf_counter()
        cells = await start_cells(plan, stack)
        mames = all_mame_pids(cells)
        idle = await settle(mames)
        log(f"{len(mames)} MAMEs started in {time.perf_counter() - began - idle:.1f} s, idle "
            f"{idle:.1f} s later")
        for r in range(plan.rounds):
            for cell in cells:
                sample = await cell.measure(plan.seconds, plan.warmup)
                cell.samples.append(sample)
                got = sample.summary()
                note = f"  ({sample.restarts} MAME restarts!)" if sample.restarts else ""
                log(f"  round {r + 1} {cell.label:<20} {got['steps_per_s']:>9,.0f} st/s "
                    f"py {got['py_us']:>6.1f} µs/st  other {got['other_cores']:.2f}{note}")
    left = [pid for pid in descendants([os.getpid()]) if comm(pid) == "mame"]
    if left:
        log(f"note: MAMEs still running after the close: {left}")
    return cells


# -- reporting -------------------------------------------------------------------------------
def _num(value: float | None, width: int, digits: int = 1) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width},.{digits}f}"


def table(cells: list[Cell]) -> str:
    floors = {c.envs: best_of([s.summary() for s in c.samples])["py_us"]
              for c in cells if c.driver == "floor"}
    head = (f"{'envs':>4} {'obs':<4} {'driver':<6} {'pl':>2} {'steps/s':>9} {'py µs/st':>9} "
            f"{'py µs/ag':>9} "
            f"{'loop µs':>8} {'workers':>8} {'mame µs':>8} {'st/s/core':>10} "
            f"{'x floor':>7} {'other':>5}")
    lines = [head, "-" * len(head)]
    previous = None
    for cell in cells:
        best = best_of([s.summary() for s in cell.samples])
        group = (cell.driver, 0) if cell.driver in ("gym", "floor") else ("pool", cell.envs)
        if previous is not None and group != previous:
            lines.append("")
        previous = group
        floor = floors.get(1 if cell.envs == 1 else max(FLOOR_PEERS))
        ratio = None
        if floor and cell.driver != "floor" and best["py_us"] is not None:
            ratio = (best["py_us"] + (best["workers_us"] or 0.0)) / floor
        other = best["other_cores"] or 0.0
        lines.append(
            f"{cell.envs:>4} {cell.obs:<4} {cell.driver:<6} {cell.players:>2} "
            f"{_num(best['steps_per_s'], 9, 0)} {_num(best['py_us'], 9)} "
            f"{_num(None if best['py_us'] is None else best['py_us'] / cell.players, 9)} "
            f"{_num(best['loop_us'], 8)} "
            f"{_num(best['workers_us'], 8)} {_num(best['mame_us'], 8, 0)} "
            f"{_num(best['core_steps_per_s'], 10, 0)} {_num(ratio, 7)} {other:>5.2f}"
            + (" *" if other > NOISY else "")
            + (" (restarts)" if any(s.restarts for s in cell.samples) else ""))
    lines += [
        "Per env step (floor: per request), best of the rounds for each column. pl: "
        "players the agents control per env (ag: per agent step). py: this "
        "Python process's CPU (all threads); loop: its event-loop thread's; workers: the gym "
        "worker processes' (Python); mame: the MAMEs' (floor: the echo peers').",
        "st/s/core: env steps/s one Python core could coordinate at that cost (1e6 / (py + "
        "workers)). x floor: (py + workers) over the floor's parent µs per request (1 peer "
        "for 1 env, else 16 peers). other: cores used by other processes meanwhile "
        f"(* above {NOISY:g}: unreliable).",
        "sync: await pool.step(actions) over all envs; async: send/recv of half the envs; "
        "gym: gymnasium AsyncVectorEnv over aiomame/Catch-v0 (a process per env, shared "
        "memory); floor: bare uvloop request/reply, 20-byte messages over socketpairs.",
    ]
    return "\n".join(lines)


def to_json(plan: Plan, cells: list[Cell]) -> dict[str, Any]:
    return {
        "benchmark": "hot_path", "game": plan.game, "frame_ratio": FRAME_RATIO,
        "cores": CORES, "python": sys.version.split()[0], "plan": asdict(plan),
        "cells": [{"envs": c.envs, "obs": c.obs, "driver": c.driver, "players": c.players,
                   "options": MODES.get(c.obs, {}) if c.driver in ("sync", "async") else {},
                   "best": best_of([s.summary() for s in c.samples]),
                   "rounds": [{**s.summary(), **asdict(s)} for s in c.samples]}
                  for c in cells],
    }


# -- command line ----------------------------------------------------------------------------
def int_list(text: str) -> list[int]:
    """``"1,8,16"`` as ints >= 1 (``none`` or empty: no entries)."""
    if text.strip().lower() in ("", "none", "0"):
        return []
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"give numbers separated by commas, got {text!r}"
                                         ) from None
    if any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"numbers of envs must be >= 1, got {text!r}")
    return values


def mode_list(text: str) -> list[str]:
    modes = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        raise argparse.ArgumentTypeError(
            f"modes are {', '.join(MODES)} (separated by commas), got {text!r}")
    return modes


def parse_plan(argv: Sequence[str] | None = None) -> tuple[Plan, Path | None]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"envs {','.join(map(str, QUICK_ENVS))}, 1.5 s, 2 rounds")
    parser.add_argument("--envs", type=int_list,
                        help=f"numbers of envs, e.g. 1,16 (default {','.join(map(str, ENVS))})")
    parser.add_argument("--modes", type=mode_list, default=list(MODES),
                        help=f"observation modes among {','.join(MODES)} (default: all)")
    parser.add_argument("--async", dest="use_async", action="store_true",
                        help="also send/recv of half the envs")
    parser.add_argument("--gym-envs", type=int_list,
                        help="AsyncVectorEnv sizes, or none (default: 8 and 16 among --envs, "
                             "when rgb is among --modes)")
    parser.add_argument("--no-floor", action="store_true",
                        help="skip the bare request/reply floor")
    parser.add_argument("--rounds", type=int, help="rounds; best of them (default 3)")
    parser.add_argument("--seconds", type=float, help="seconds per measurement (default 3)")
    parser.add_argument("--warmup", type=float,
                        help="seconds of the same loop before each measurement (default 0.5)")
    parser.add_argument("--game", default=GAME, help=f"a registered game (default {GAME})")
    parser.add_argument("--players", type=int_list, default=[1],
                        help="players the agents control: 1, 2 or 1,2 (2: a two-player "
                             "game; 1 on a two-player game: against its own AI)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, metavar="PATH", help="write all numbers here")
    args = parser.parse_args(argv)
    envs = args.envs if args.envs is not None else list(QUICK_ENVS if args.quick else ENVS)
    if args.gym_envs is not None:
        gym_envs = args.gym_envs
    else:
        gym_envs = [n for n in GYM_ENVS if n in envs] if "rgb" in args.modes else []
    try:
        players = get_game(args.game).players
    except InvalidArgumentError as exc:
        parser.error(str(exc))
    if not set(args.players) <= ({1, 2} if players == 2 else {1}):
        parser.error(f"--players {args.players}: game {args.game!r} has {players} player(s)")
    plan = Plan(game=args.game, players=args.players, envs=envs, modes=args.modes,
                drivers=["sync", "async"] if args.use_async else ["sync"],
                gym_envs=gym_envs, floor=not args.no_floor,
                rounds=args.rounds or (2 if args.quick else 3),
                seconds=args.seconds or (1.5 if args.quick else 3.0),
                warmup=args.warmup if args.warmup is not None else
                (0.25 if args.quick else 0.5), seed=args.seed)
    if plan.rounds < 1 or plan.seconds <= 0 or plan.warmup < 0:
        parser.error("--rounds must be >= 1, --seconds > 0 and --warmup >= 0")
    if not plan.envs and not plan.gym_envs and not plan.floor:
        parser.error("nothing to measure")
    mames = sum(plan.envs) * len(plan.modes) + sum(plan.gym_envs)
    available = _available_bytes()
    if available is not None and mames * MAME_BYTES > 0.8 * available:
        parser.error(f"{mames} MAMEs at once need about {mames * MAME_BYTES >> 30} GiB, more "
                     f"than this machine has free ({available >> 30} GiB): measure fewer "
                     "modes or envs per run (e.g. --modes off, then --modes rgb)")
    if plan.gym_envs:
        try:
            import gymnasium  # noqa: F401
        except ImportError:
            log("note: gymnasium is not installed: no AsyncVectorEnv rows "
                '(pip install ".[gym]" in the aiomame clone)')
            plan.gym_envs = []
    return plan, args.json


MAME_BYTES = 100 << 20  # what one catch MAME keeps of its own (private, resident)


def _available_bytes() -> int | None:
    """MemAvailable from /proc/meminfo, or None where there is none."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) << 10
    except OSError:
        pass
    return None


def main(argv: Sequence[str] | None = None) -> None:
    plan, json_path = parse_plan(argv)
    loop_name = "uvloop"
    try:
        import uvloop  # noqa: F401
    except ImportError:
        loop_name = "asyncio (no uvloop)"
    print(f"{CORES} cores; {GAME}, frame ratio {FRAME_RATIO}; {plan.seconds:g} s per "
          f"measurement after {plan.warmup:g} s warm-up, best of {plan.rounds} rounds; "
          f"Python {sys.version.split()[0]}, {loop_name}", flush=True)
    cells = run(measure_all(plan))
    print(table(cells))
    if json_path is not None:
        json_path.write_text(json.dumps(to_json(plan, cells), indent=1) + "\n")
        print(f"json: {json_path}")


if __name__ == "__main__":
    main()
