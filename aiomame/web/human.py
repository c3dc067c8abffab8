"""A person plays a game in the browser: ``aiomame play GAME --human``.

The server steps a :class:`~aiomame.GameEnv` at the game's real speed (its screen's refresh
rate / the frame ratio, in steps per second), through a
:class:`~aiomame.tools.recording.Recorder`. The page shows the screen and the key map
(:mod:`aiomame.web.keymap`) and sends the held keys (and a gamepad's, through the browser's
Gamepad API) over its WebSocket whenever they change; each step holds the action the keys
make at that moment. After each step the page gets the frame (binary:
:func:`~aiomame.web.frames.pack_frames`) and a JSON line ``{"type": "step", "step",
"action", "keys", "reward", "return", "values"}``.

The game waits for the first page to connect and pauses while none is connected. Several
pages may connect: the keys of all of them are held.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from ..episodes.env import GameEnv
from ..machine.frames import FrameConverter
from ..tools.recording import Recorder
from ..tools.video import steps_per_second
from .frames import encode_all, pack_frames
from .keymap import KeyMap
from .server import Server, page

EpisodeDone = Callable[[int, Recorder, dict[str, Any]], None]
"""Called after each episode: (episode number, the recorder, its result)."""


class HumanPlay:
    """Episodes of ``env`` played from the browser (see the module docstring).

    Lifecycle: ``HumanPlay(env, server)`` → ``await server.start()`` → ``await
    play(episodes, ...)`` → ``await server.close()``.
    """

    def __init__(self, env: GameEnv, server: Server, game: str | None = None) -> None:
        self.env, self.server = env, server
        self.recorder = Recorder(env, game=game)
        self.keymap = KeyMap(env.game.controls(env.player), env.player)  # the human's
        self.rate = steps_per_second(env)
        self._held: dict[web.WebSocketResponse, tuple[set[str], Any]] = {}
        self._connected = asyncio.Event()
        self._last: list[bytes | str] = []  # the last frame and step line, for a new page
        self._converter: FrameConverter | None = None  # the screen's, for the JPEG thread
        server.app.router.add_get("/", self._page)
        server.app.router.add_get("/stream", self._stream)

    async def _page(self, request: web.Request) -> web.Response:
        return page("play")

    def hello(self) -> dict[str, Any]:
        game = self.env.game
        return {"type": "hello", "game": game.name, "system": game.system,
                "actions": self.env.action_names, "kind": self.keymap.kind,
                "keys": self.keymap.rows(), "read": self.keymap.keys(),
                "steps_per_second": round(self.rate, 3)}

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        ws = await self.server.websocket(request)
        self._held[ws] = (set(), None)
        self._connected.set()
        try:
            await ws.send_str(json.dumps(self.hello()))
            for last in self._last:
                await (ws.send_bytes(last) if isinstance(last, bytes) else ws.send_str(last))
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._take_keys(ws, message.data)
        except ConnectionError:
            pass
        finally:
            del self._held[ws]
            if not self._held:
                self._connected.clear()
            self.server.done(ws)
        return ws

    def _take_keys(self, ws: web.WebSocketResponse, text: str) -> None:
        """A page's ``{"keys": [...], "sticks": [x, y] | null}``: what it holds now."""
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            data = json.loads(text)
            keys = {str(k) for k in data.get("keys", ())}
            sticks = data.get("sticks")
            sticks = [None if s is None else float(s) for s in sticks] \
                if isinstance(sticks, list) else None
            self._held[ws] = (keys, sticks)

    def held(self) -> tuple[set[str], Any]:
        """The keys every page holds, and the first page's gamepad sticks."""
        keys: set[str] = set()
        sticks = None
        for held, stick in self._held.values():
            keys |= held
            sticks = sticks if sticks is not None else stick
        return keys, sticks

    async def play(self, episodes: int, seed: int | None = None,
                   done: EpisodeDone | None = None) -> None:
        """Play ``episodes`` episodes (episode i plants ``seed + i - 1``, or a random
        seed); ``done`` is called after each. Waits for a page to connect first."""
        for episode in range(1, episodes + 1):
            result = await self._episode(None if seed is None else seed + episode - 1)
            if done is not None:
                done(episode, self.recorder, result)

    async def _episode(self, seed: int | None) -> dict[str, Any]:
        await self._connected.wait()
        loop = asyncio.get_running_loop()
        _, info = await self.recorder.reset(seed)
        result: dict[str, Any] = {"seed": self.recorder.recording.seed, "score": 0.0,
                                  "steps": 0, "end": "interrupted"}
        await self._show(result, None, [], 0.0, info)
        interval = 1.0 / self.rate
        deadline = loop.time()
        while True:
            if not self._connected.is_set():  # nobody at the keys: pause
                await self._connected.wait()
                deadline = loop.time()
            keys, sticks = self.held()
            action = self.keymap.action(keys, sticks)
            _, reward, terminated, truncated, info = await self.recorder.step(action)
            result["score"] += float(reward)
            result["steps"] += 1
            await self._show(result, action, sorted(keys), reward, info)
            if terminated or truncated:
                result["end"] = "game over" if terminated else "step cap"
                return result
            deadline += interval
            delay = deadline - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -1.0:  # far behind (a slow machine): do not rush to catch up
                deadline = loop.time()

    async def _show(self, result: dict[str, Any], action: Any, keys: list[str],
                    reward: float, info: dict[str, Any]) -> None:
        """Send the step's frame and line to every page."""
        emulator = self.env.emulator
        if self._converter is None:
            self._converter = emulator.screen_converter()
        (jpeg,) = await encode_all([(emulator.screen_bgra(), self._converter)])
        line = json.dumps({
            "type": "step", "step": result["steps"],
            "action": None if action is None else getattr(action, "tolist", lambda: action)(),
            "keys": keys, "reward": float(reward), "return": result["score"],
            "values": {k: int(v) for k, v in info.items() if isinstance(v, int)}})
        self._last = [pack_frames([(0, jpeg)]), line]
        sockets = [ws for ws in self._held if not ws.closed]
        await asyncio.gather(*(_send(ws, self._last) for ws in sockets))


async def _send(ws: web.WebSocketResponse, messages: list[bytes | str]) -> None:
    with contextlib.suppress(ConnectionError):
        for message in messages:
            await (ws.send_bytes(message) if isinstance(message, bytes)
                   else ws.send_str(message))
