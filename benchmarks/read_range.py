"""How fast memory comes out of MAME: one ``read_range`` block against single-address reads.

    python benchmarks/read_range.py [--rounds 200]

On the bundled game (catch, MAME's ``invaders`` system, 8080 CPU, 32 KiB program space):
``Emulator.read_range`` of 1 KiB, 8 KiB (catch's RAM, what ``aiomame memsearch`` snapshots)
and the whole 32 KiB space, and ``Emulator.read`` of 1,024 single u8 addresses. Times are the
median of ``--rounds`` calls, Python and MAME together (one command and its reply each).
"""

from __future__ import annotations

import argparse
import statistics
import time

from aiomame import Address, GameEnv
from aiomame.runner import run


async def main(rounds: int) -> None:
    async with GameEnv("catch") as env:
        await env.reset(seed=0)
        emu = env.emulator
        print(f"MAME {emu.info['mame']}, median of {rounds} calls")

        async def timed(label: str, call, count: int) -> None:
            times = []
            for _ in range(count):
                start = time.perf_counter()
                await call()
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            print(f"  {label:<34} {median * 1e3:8.3f} ms")

        for length in (1024, 8192, 32768):
            await timed(f"read_range {length // 1024} KiB", lambda n=length: emu.read_range(0, n),
                        rounds)
        singles = {str(i): Address(0x2000 + i) for i in range(1024)}
        await timed("read of 1,024 single addresses", lambda: emu.read(singles),
                    max(rounds // 10, 5))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="calls timed per row")
    run(main(parser.parse_args().rounds))
