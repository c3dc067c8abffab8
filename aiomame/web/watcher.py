"""Watch a pool from a browser: every env's screen, episode, return, steps and restarts, and
the pool's steps/s over time.

Nothing is added to the pool's step path. The page's WebSocket stream samples the pool on
its own timer, at the rate the viewer chose: each env's screen is taken (copied on the
loop) only when it changed since that viewer's last frame, and turned into the player's
view and encoded as JPEG once for all viewers (off the loop: :mod:`aiomame.web.frames`). With
nobody watching, nothing is taken or encoded; a 1 s timer notes the pool's step count for
the chart, and each env's return is summed only while someone watches (so the first
episode a viewer sees may show the return since they came).

Lifecycle: ``handle = await watch(pool)`` → viewers come and go → ``await handle.close()``
(also done by ``pool.close()``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import math
import time
from typing import Any

from aiohttp import WSMsgType, web

from ..errors import InvalidArgumentError, StateError
from ..machine.frames import FrameConverter
from .frames import encode_all, pack_frames
from .server import Server, check_where, page

MAX_FPS = 60.0
HISTORY = 600
"""Points of the steps/s chart kept (one a second: 10 minutes)."""
STATS_PERIOD = 0.25
"""Seconds between two progress messages to a viewer."""


def check_fps(fps: Any) -> float:
    """``fps`` as a float in (0, 60]; InvalidArgumentError otherwise."""
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) \
            or not 0 < fps <= MAX_FPS or math.isnan(fps):
        raise InvalidArgumentError(f"fps must be a number in (0, {MAX_FPS:g}], got {fps!r}")
    return float(fps)


class PoolView:
    """What the page shows of a pool: its progress and each env's latest screen as JPEG,
    encoded once per new frame however many viewers ask (see the module docstring)."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.rates: collections.deque[tuple[float, float]] = collections.deque(maxlen=HISTORY)
        self._jpegs: dict[int, tuple[Any, bytes]] = {}  # env -> (frame key, JPEG)
        self._encoding = asyncio.Lock()  # one encoding job at a time: it owns the converters
        self._converters: dict[tuple[int, bool, bool], FrameConverter] = {}
        self._started = time.monotonic()
        self._sampler: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._sampler = asyncio.get_running_loop().create_task(self._sample(),
                                                               name="aiomame watch sampler")

    async def close(self) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sampler
            self._sampler = None

    async def _sample(self) -> None:
        """Once a second: the pool's steps/s since the last time."""
        last_time, last_steps = time.monotonic(), self.pool.progress()["total_steps"]
        while True:
            await asyncio.sleep(1.0)
            now, steps = time.monotonic(), self.pool.progress()["total_steps"]
            rate = (steps - last_steps) / (now - last_time) if now > last_time else 0.0
            self.rates.append((round(now - self._started, 2), round(rate, 1)))
            last_time, last_steps = now, steps

    def hello(self) -> dict[str, Any]:
        """The first message to a viewer: what the pool is, and the chart so far."""
        pool = self.pool
        game = pool.game
        return {"type": "hello", "game": game.name if game is not None else pool.system,
                "system": pool.system, "envs": pool.num_envs, "memory": pool.memory_names,
                "actions": pool.action_names, "rates": list(self.rates)}

    def stats(self) -> dict[str, Any]:
        """A progress message: each env's numbers, the pool's steps and steps/s."""
        progress = self.pool.progress()
        progress["type"] = "stats"
        progress["rate"] = self.rates[-1] if self.rates else None
        for key in ("returns", "last_returns"):  # NaN is no JSON
            if progress[key] is not None:
                progress[key] = [_number(r) for r in progress[key]]
        return progress

    async def new_frames(self, seen: dict[int, Any], only: set[int] | None = None
                         ) -> list[tuple[int, Any, bytes]]:
        """(env, frame key, JPEG) of each env (of ``only``, if given) whose screen changed
        since ``seen`` (env -> the key of the frame last sent; updated by the caller);
        encodes only frames no viewer has had yet."""
        pool = self.pool
        if pool._closed:  # the screens' memory goes with the pool
            return []
        wanted: list[tuple[int, int]] = []
        for i, emulator in enumerate(pool.emulators):
            if only is not None and i not in only:
                continue
            # A new tuple per step: the object itself marks the frame (held, not its id(),
            # which a later tuple may reuse; what it holds stays valid: see SharedFrames).
            shown = emulator._shown
            if shown is not None and seen.get(i) is not shown:
                wanted.append((i, shown))
        if not wanted:
            return []
        async with self._encoding:
            jpegs = self._jpegs
            fresh = [(i, key) for i, key in wanted if jpegs.get(i, (None,))[0] is not key]
            if fresh and not pool._closed:
                emulators = pool.emulators
                screens, keys = [], []
                for i, key in fresh:
                    try:
                        emulator = emulators[i]  # a copy, taken on the loop
                        screens.append((emulator.screen_bgra(), self._converter(emulator)))
                    except StateError:  # no frame yet (restarting)
                        continue
                    keys.append((i, key))
                for (i, key), jpeg in zip(keys, await encode_all(screens), strict=True):
                    jpegs[i] = (key, jpeg)
            return [(i, key, jpegs[i][1]) for i, key in wanted
                    if jpegs.get(i, (None,))[0] is key]


    def _converter(self, emulator: Any) -> FrameConverter:
        """This view's converter for ``emulator``'s screens (one per orientation)."""
        c = emulator._converter
        key = (c.rotation, c.flipx, c.flipy)
        if key not in self._converters:
            self._converters[key] = emulator.screen_converter()
        return self._converters[key]


class WatchHandle:
    """A running watch server: ``url`` (with the token), ``viewers`` (connected now),
    ``close()``."""

    def __init__(self, pool: Any, server: Server, view: PoolView, fps: float) -> None:
        self.pool, self.server, self.view, self.fps = pool, server, view, fps
        self.viewers = 0
        self._closed = False

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def token(self) -> str:
        return self.server.token

    async def close(self) -> None:
        """Disconnect the viewers and stop serving; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(ValueError):
            self.pool._watches.remove(self)
        await self.server.close()
        await self.view.close()
        self._track()

    def _track(self) -> None:
        """Returns are summed while any watch of the pool has a viewer."""
        pool = self.pool
        if not pool._closed:
            pool.track_returns(any(h.viewers and not h._closed for h in [self, *pool._watches]))

    async def _page(self, request: web.Request) -> web.Response:
        return page("watch", fps=f"{self.fps:g}")

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        """A viewer: frames (binary, :func:`~aiomame.web.frames.pack_frames`) at its rate,
        progress as JSON text. Its messages ``{"fps": x}`` change the rate, ``{"visible":
        [env, ...]}`` limit the frames to the envs on its screen (the page's tiles in
        view)."""
        try:
            fps = check_fps(float(request.query.get("fps", self.fps)))
        except (ValueError, InvalidArgumentError) as exc:
            raise web.HTTPBadRequest(text=f"fps: {exc}\n") from None
        ws = await self.server.websocket(request)
        wants = Wants(fps)
        reader = asyncio.get_running_loop().create_task(wants.read(ws))
        self.viewers += 1
        self._track()
        loop = asyncio.get_running_loop()
        try:
            await ws.send_str(json.dumps(self.view.hello()))
            seen: dict[int, Any] = {}
            next_stats = 0.0
            while not ws.closed and not reader.done():
                tick = loop.time()
                frames = await self.view.new_frames(seen, wants.visible)
                if frames:
                    await ws.send_bytes(pack_frames([(i, jpeg) for i, _, jpeg in frames]))
                    seen.update((i, key) for i, key, _ in frames)
                if tick >= next_stats:
                    await ws.send_str(json.dumps(self.view.stats()))
                    next_stats = tick + STATS_PERIOD
                delay = 1.0 / wants.fps - (loop.time() - tick)
                if delay > 0:
                    await asyncio.wait({reader}, timeout=delay)
        except ConnectionError:  # the viewer went away mid-send
            pass
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # it is over
                await reader
            self.server.done(ws)
            await ws.close()
            self.viewers -= 1
            self._track()
        return ws


class Wants:
    """What one viewer asks for: ``fps``, and the envs it shows (``visible``; None: all)."""

    def __init__(self, fps: float) -> None:
        self.fps = fps
        self.visible: set[int] | None = None

    async def read(self, ws: web.WebSocketResponse) -> None:
        """The viewer's messages until it closes: ``{"fps": x}``, ``{"visible": [...]}``;
        anything else is ignored."""
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            with contextlib.suppress(ValueError, TypeError, AttributeError,
                                     InvalidArgumentError):
                data = json.loads(message.data)
                if "fps" in data:
                    self.fps = check_fps(float(data["fps"]))
                if "visible" in data:
                    self.visible = {int(i) for i in data["visible"][:100_000]}


async def watch(pool: Any, port: int = 0, host: str = "127.0.0.1", fps: float = 10.0
                ) -> WatchHandle:
    """Serve the watch page of a started :class:`~aiomame.EnvPool` on its own loop; the
    handle's ``url`` carries the token. ``fps``: the page's frame rate until the viewer
    changes it. Raises ServeError (port taken, unknown host), InvalidArgumentError (bad
    port, host or fps), StateError (pool not started or closed)."""
    check_where(host, port)
    fps = check_fps(fps)
    if getattr(pool, "_rows", None) is None or pool._closed:
        raise StateError("watch() needs a started pool (and not a closed one)")
    server = Server(host, port)
    view = PoolView(pool)
    handle = WatchHandle(pool, server, view, fps)
    server.app.router.add_get("/", handle._page)
    server.app.router.add_get("/stream", handle._stream)
    await server.start()
    view.start()
    pool._watches.append(handle)
    return handle


def _number(value: Any) -> Any:
    """A float for JSON: NaN as None (lists of them, for several players)."""
    if isinstance(value, list):
        return [_number(v) for v in value]
    return None if value != value else round(value, 3)
