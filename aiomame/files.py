"""Files whole: writes that readers never see half done (a failed write leaves nothing), and
reads whose failure is aiomame's typed error."""

from __future__ import annotations

import os

from .errors import AiomameError


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it, renamed into place."""
    target = os.fspath(path)
    partial = f"{target}.{os.getpid()}.partial"
    try:
        with open(partial, "wb") as f:
            f.write(data)
        os.replace(partial, target)
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise


def read_whole(path: str | os.PathLike[str], error: type[AiomameError],
               what: str) -> tuple[str, bytes]:
    """``(name, contents)`` of the file at ``path``. Raises ``error`` ("cannot read ``what``
    'name': reason") if it cannot be read."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            return name, f.read()
    except OSError as exc:
        raise error(f"cannot read {what} {name!r}: {exc.strerror}") from exc
