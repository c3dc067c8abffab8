"""Watch and play in a browser (``pip install ".[web]"``): aiohttp on aiomame's loop.

- :func:`watch` (``await pool.watch()``, ``aiomame watch GAME``): a page with every env's
  live screen, its episode, return, steps and restarts, and the pool's steps/s over time
  (:mod:`aiomame.web.watcher`).
- ``aiomame play GAME --human``: a person plays in the browser, keyboard or gamepad, at
  the game's real speed, recorded (:mod:`aiomame.web.human`).

Both serve one page and one WebSocket behind a random token, on 127.0.0.1 unless told
otherwise (:mod:`aiomame.web.server`). On a headless server: ``ssh -L
8765:127.0.0.1:8765 server``, then open the printed URL.
"""

from __future__ import annotations

from ..extras import install

try:
    import aiohttp  # noqa: F401
except ImportError as exc:  # the extra is not installed: say which
    raise ImportError(f"aiomame.web needs aiohttp: {install('web')}") from exc

from .server import Server
from .watcher import PoolView, WatchHandle, watch

__all__ = ["PoolView", "Server", "WatchHandle", "watch"]
