"""aiomame past one machine: pools of MAMEs in Ray actors (``pip install ".[ray]"``).

:class:`RayEnvPool` has :class:`aiomame.EnvPool`'s async API over an EnvPool in each of
several Ray actors (one per node, or per N CPUs, by Ray's resources)::

    import ray
    from aiomame.ray import RayEnvPool

    ray.init()  # or ray.init(address="auto") on a cluster
    async with RayEnvPool("catch", 16, envs_per_actor=8, batch_size=8) as pool:
        batch = await pool.reset(seed=0)
        batch = await pool.step([0] * 16)

The blocking twin is :class:`aiomame.sync.RayEnvPool`; the Gymnasium and SB3 adapters run
on it with ``pool_factory=`` (see :class:`aiomame.gym.MameVectorEnv`). The core of aiomame
never imports Ray: only this package does.
"""

from __future__ import annotations

from .pool import FORWARDED_ENV, RayEnvPool

__all__ = ["FORWARDED_ENV", "RayEnvPool"]
