"""One frames file for a whole pool: each MAME writes its frames into its own slot, and the
pool's batch of ``bgra`` observations is a view of the file (no copy at all).

Made in a private runtime directory of its own (0700, swept like a MAME's), reserved in
full at start (a full runtime directory is a :class:`~aiomame.errors.RuntimeDirError` then,
not a failed step later), removed by :meth:`SharedFrames.close`.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import shutil

import numpy as np

from .rundir import make_private_dir, reserve


class SharedFrames:
    """``n`` slots of ``width`` x ``height`` B,G,R,A pixels in one mapped file, each
    starting on a page boundary (a MAME maps its own slot by offset)."""

    def __init__(self, n: int, width: int, height: int) -> None:
        self.nbytes = width * height * 4
        self.room = -(-self.nbytes // mmap.PAGESIZE) * mmap.PAGESIZE
        self.width, self.height = width, height
        self._dir: str | None = make_private_dir()
        self.path = os.path.join(self._dir, "frames")
        try:
            open(self.path, "wb").close()
            reserve(self.path, n * self.room)
            with open(self.path, "r+b") as f:
                self._map: mmap.mmap | None = mmap.mmap(f.fileno(), n * self.room)
        except BaseException:
            self.close()
            raise
        slots = np.frombuffer(self._map, np.uint8).reshape(n, self.room)
        self.raw = slots[:, :self.nbytes].reshape(n, height, width, 4)
        """(n, height, width, 4): each slot's pixels as MAME wrote them."""

    def offset(self, env: int) -> int:
        """Where env ``env``'s slot starts in the file."""
        return env * self.room


    def close(self) -> None:
        """Unmap and remove the file (a view still held elsewhere keeps its pages alive)."""
        if getattr(self, "_map", None) is not None:
            with contextlib.suppress(BufferError):
                self._map.close()  # type: ignore[union-attr]
            self._map = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
