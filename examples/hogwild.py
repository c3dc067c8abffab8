"""MAMEToolkit's "hogwild" example, redone as one asyncio process.

MAMEToolkit started 8 worker processes, each driving its own MAME with a random agent and
starting a new game when one ended. Here a single Python process drives the 8 MAMEs through
an :class:`~aiomame.pools.pool.EnvPool`: the pool steps every machine concurrently, resets
finished games itself, restarts a MAME that crashes, and hands the agent batches of the
first envs to finish, so a slow machine never holds the others up.

    python examples/hogwild.py                       # the bundled game "catch"
    python examples/hogwild.py GAME --roms DIR --envs 8 --steps 2000
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from aiomame import Batch, EnvPool, run
from aiomame.games import Game


async def hogwild(game: str | Game, *, num_envs: int = 8, steps: int = 1000,
                  roms_path: str | None = None, seed: int | None = None, quiet: bool = False,
                  **pool_kwargs: Any) -> dict[str, Any]:
    """Random agents on ``num_envs`` machines for ``steps`` batches; returns what happened."""
    rng = np.random.default_rng(seed)
    returns = np.zeros(num_envs)
    episodes: list[tuple[int, float]] = []
    batch_size = max(1, num_envs // 2)
    async with EnvPool(game, num_envs, batch_size=batch_size, roms_path=roms_path,
                       **pool_kwargs) as pool:
        n_actions = len(pool.action_names)

        def random_agent(batch: Batch) -> np.ndarray:
            return rng.integers(n_actions, size=len(batch))

        start = time.perf_counter()
        async for batch in pool.collect(random_agent, steps=steps):
            returns[batch.env_ids] += batch.rewards
            for k in np.flatnonzero(batch.dones):
                env_id = int(batch.env_ids[k])
                episodes.append((env_id, float(returns[env_id])))
                returns[env_id] = 0.0
                if not quiet:
                    why = "crashed" if "error" in batch.infos[k] else "game over"
                    print(f"env {env_id}: {why}, return {episodes[-1][1]:g}")
        seconds = time.perf_counter() - start
        restarts = sum(pool.restarter.restarts.values())
    return {"episodes": episodes, "env_steps": steps * batch_size, "seconds": seconds,
            "restarts": restarts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("game", nargs="?", default="catch",
                        help="a registered game (aiomame.games.GAMES); default: catch")
    parser.add_argument("--roms", help="ROM path (default: the game's bundled ROMs)")
    parser.add_argument("--envs", type=int, default=8, help="machines (MAMEToolkit: workers)")
    parser.add_argument("--steps", type=int, default=1000, help="batches to collect")
    parser.add_argument("--seed", type=int)
    args = parser.parse_args()
    result = run(hogwild(args.game, num_envs=args.envs, steps=args.steps,
                         roms_path=args.roms, seed=args.seed))
    rate = result["env_steps"] / result["seconds"]
    print(f"{len(result['episodes'])} episodes, {result['env_steps']} env steps in "
          f"{result['seconds']:.1f} s ({rate:,.0f} steps/s), {result['restarts']} restarts")


if __name__ == "__main__":
    main()
