"""Saved machine states: :class:`State`, and the file format that keeps one on disk.

A state is MAME's own snapshot of a whole machine (``manager.machine:buffer_save()``),
tagged with the system and the MAME version that made it: MAME loads a state only into the
same system on the same version (the layout of the bytes changes between versions).

File format (version 1): ``MAGIC``, the format version (u16, big-endian), the length of a
JSON header (u32), the header (``{"system", "mame", "size", "crc32"}``), then the state's
bytes as one zlib stream. zlib's and the header's checksums catch a damaged file: MAME
itself checks a state's header and size, not its contents.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from dataclasses import dataclass

from ..checks import check_path
from ..errors import InvalidArgumentError, StateFileError
from ..files import write_atomically

MAGIC = b"aiomame state\n"
FORMAT_VERSION = 1
_HEAD = struct.Struct(">HI")
_MAX_HEADER = 1 << 16


@dataclass(frozen=True, repr=False)
class State:
    """A machine's saved state: ``system`` (MAME's system name), ``mame`` (the MAME version
    that saved it, as the plugin's hello says it) and ``data`` (MAME's bytes)."""

    system: str
    mame: str
    data: bytes

    def __post_init__(self) -> None:
        for name in ("system", "mame"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise InvalidArgumentError(f"State {name} must be a non-empty str, got "
                                           f"{value!r}")
        if not isinstance(self.data, bytes):
            if not isinstance(self.data, (bytearray, memoryview)):
                raise InvalidArgumentError(
                    f"State data must be bytes, got {type(self.data).__name__}")
            object.__setattr__(self, "data", bytes(self.data))

    def __repr__(self) -> str:
        return f"State(system={self.system!r}, mame={self.mame!r}, {len(self.data)} bytes)"

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the state to ``path``, compressed (replaced whole: never a half file)."""
        check_path("path", path)
        header = json.dumps({"system": self.system, "mame": self.mame, "size": len(self.data),
                             "crc32": zlib.crc32(self.data)}).encode()
        blob = b"".join((MAGIC, _HEAD.pack(FORMAT_VERSION, len(header)), header,
                         zlib.compress(self.data, 6)))
        write_atomically(path, blob)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> State:
        """The state in ``path`` (written by :meth:`save`); :class:`StateFileError` for a
        file that is not one, is damaged or is of a newer format."""
        check_path("path", path)
        name = os.fspath(path)
        try:
            with open(name, "rb") as f:
                blob = f.read()
        except OSError as exc:
            raise StateFileError(f"cannot read state file {name!r}: {exc.strerror}") from exc
        if not blob.startswith(MAGIC):
            raise StateFileError(f"{name!r} is not an aiomame state file (it does not start "
                                 f"with {MAGIC!r})")
        at = len(MAGIC)
        if len(blob) < at + _HEAD.size:
            raise StateFileError(f"state file {name!r} is truncated")
        version, length = _HEAD.unpack_from(blob, at)
        if version != FORMAT_VERSION:
            raise StateFileError(f"state file {name!r} has format version {version}; this "
                                 f"aiomame reads version {FORMAT_VERSION}")
        at += _HEAD.size
        if length > _MAX_HEADER or len(blob) < at + length:
            raise StateFileError(f"state file {name!r} is truncated or damaged (header)")
        try:
            header = json.loads(blob[at:at + length])
            system, mame = header["system"], header["mame"]
            size, crc = int(header["size"]), int(header["crc32"])
        except (ValueError, KeyError, TypeError) as exc:
            raise StateFileError(f"state file {name!r} has a damaged header: {exc}") from None
        try:
            inflater = zlib.decompressobj()
            data = inflater.decompress(blob[at + length:], size + 1)
            complete = inflater.eof and not inflater.unused_data
        except zlib.error as exc:
            raise StateFileError(f"state file {name!r} is damaged: {exc}") from None
        if not complete or len(data) != size or zlib.crc32(data) != crc:
            raise StateFileError(f"state file {name!r} is truncated or damaged (its data does "
                                 f"not match its header: {size} bytes, crc32 {crc:08x})")
        try:
            return cls(system, mame, data)
        except InvalidArgumentError as exc:
            raise StateFileError(f"state file {name!r} has a damaged header: {exc}") from None
