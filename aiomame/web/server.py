"""The web server both pages share: aiohttp on the caller's event loop, one random token.

Like Jupyter's: ``secrets.token_urlsafe`` makes a token at start, the URL carries it
(``http://127.0.0.1:PORT/?token=...``), and every request without it (the page, the
WebSocket streams) answers 403. It listens on 127.0.0.1 unless another host is given: on a
server, reach it with ``ssh -L 8765:127.0.0.1:8765 server``.

Lifecycle: ``Server(host, port)`` → add routes to ``app`` → ``await start()`` (the URL) →
``await close()`` (closes open WebSockets, stops listening; safe to call twice).
"""

from __future__ import annotations

import errno
import ipaddress
import secrets
import socket
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from aiohttp import WSCloseCode, web

from ..checks import is_int
from ..errors import InvalidArgumentError, ServeError, StateError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_REASONS = {errno.EADDRINUSE: "is already in use", errno.EACCES: "needs more privileges",
            errno.EADDRNOTAVAIL: "is no address of this machine"}


def check_where(host: Any, port: Any) -> None:
    """``host`` a non-empty str, ``port`` an int in 0..65535 (0: any free port); raises
    InvalidArgumentError naming the bad one."""
    if not isinstance(host, str) or not host:
        raise InvalidArgumentError(f"host must be a host name or address, got {host!r}")
    if not is_int(port) or not 0 <= port <= 65535:
        raise InvalidArgumentError(f"port must be an int in 0..65535 (0: any free port), "
                                   f"got {port!r}")


class Server:
    """aiohttp on the running loop, behind a token (see the module docstring)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        check_where(host, port)
        self.host, self.port = host, port
        self.token = secrets.token_urlsafe(24)
        self.app = web.Application(middlewares=[self._check_token])
        self.app.on_shutdown.append(self._close_sockets)
        self.sockets: set[web.WebSocketResponse] = set()
        self._runner: web.AppRunner | None = None
        self.url = ""

    @web.middleware
    async def _check_token(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.query.get("token", "")
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            raise web.HTTPForbidden(text="403: this page needs the token of the URL that "
                                         "aiomame printed (…/?token=...)\n")
        return await handler(request)

    async def start(self) -> str:
        """Listen; returns the URL with the token. Raises ServeError when the port is
        taken or the host is not this machine's."""
        if self._runner is not None:
            raise StateError("the server is already started")
        runner = web.AppRunner(self.app, handle_signals=False, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port, reuse_address=False)
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise ServeError(self._bind_error(exc), host=self.host, port=self.port) from None
        self._runner = runner
        self.port = runner.addresses[0][1]
        self.url = f"http://{_url_host(self.host)}:{self.port}/?token={self.token}"
        return self.url

    def _bind_error(self, exc: OSError) -> str:
        if isinstance(exc, socket.gaierror):
            return f"host {self.host!r}: no such host ({exc.strerror})"
        reason = _REASONS.get(exc.errno or 0, exc.strerror or str(exc))
        if exc.errno == errno.EADDRNOTAVAIL:
            return f"host {self.host!r} {reason}"
        return f"cannot listen on {self.host}:{self.port}: the port {reason}"

    async def close(self) -> None:
        """Close every WebSocket and stop listening (twice is fine)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _close_sockets(self, app: web.Application) -> None:
        for ws in list(self.sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server closing")

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        """A prepared WebSocket, closed by :meth:`close`; the caller discards it from
        ``sockets`` when done (:meth:`done`)."""
        # No permessage-deflate: the frames are JPEGs already, deflating them costs CPU
        # per frame for nothing.
        ws = web.WebSocketResponse(heartbeat=20.0, max_msg_size=1 << 16, compress=False)
        await ws.prepare(request)
        self.sockets.add(ws)
        return ws

    def done(self, ws: web.WebSocketResponse) -> None:
        self.sockets.discard(ws)


def page(name: str, **values: str) -> web.Response:
    """The package's ``static/NAME.html`` with ``{{style}}``, ``{{script}}`` (NAME.js) and
    ``{{key}}`` for each of ``values`` filled in: one response, nothing else to fetch
    (so nothing else needs the token)."""
    static = resources.files(__package__) / "static"
    html = (static / f"{name}.html").read_text("utf-8")
    fills = {"style": (static / "style.css").read_text("utf-8"),
             "script": (static / f"{name}.js").read_text("utf-8"), **values}
    for key, value in fills.items():
        html = html.replace("{{" + key + "}}", value)
    return web.Response(text=html, content_type="text/html",
                        headers={"Cache-Control": "no-store"})


def _url_host(host: str) -> str:
    """``host`` as a URL's host: a wildcard address as 127.0.0.1, IPv6 in brackets."""
    if host in ("0.0.0.0", "", "::"):
        return "127.0.0.1"
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]"
    except ValueError:
        pass
    return host
