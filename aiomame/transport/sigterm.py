"""SIGTERM ends a Python that drives MAMEs the way Ctrl-C does: with its clean-up.

Python's default for SIGTERM ends the process at once: no ``finally``, no ``atexit``, so
each MAME's private directory would stay behind (the MAMEs themselves exit when their
stdin closes). Unless the application has its own handler, the first MAME started from the
main thread makes SIGTERM raise ``SystemExit(143)`` there instead: ``async with`` blocks
close their MAMEs, ``asyncio.run`` cancels its tasks, the blocking API closes its objects
at exit.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType


def exit_on_sigterm() -> None:
    """Make SIGTERM raise SystemExit in the main thread, if it still has Python's default
    handler (an application's own handler is left alone). Called from the main thread
    only: elsewhere it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit)


def _exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)
