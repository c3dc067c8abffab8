"""Saved machine states: :class:`State`, the file format that keeps one on disk, and an
:class:`~aiomame.machine.emulator.Emulator`'s saving and loading (:class:`StateAccess`).

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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..checks import check_path
from ..errors import (
    CommandError,
    InvalidArgumentError,
    SaveStateError,
    StateError,
    StateFileError,
    StateMismatchError,
)
from ..files import read_whole, write_atomically
from .part import EmulatorPart

if TYPE_CHECKING:
    pass

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
        name, blob = read_whole(path, StateFileError, "state file")
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


class StateAccess(EmulatorPart):
    """The part of :class:`~aiomame.machine.emulator.Emulator` that saves and loads its
    machine's state."""

    @property
    def supports_save(self) -> bool:
        """Whether the running system can save and load states (its MAME driver says so)."""
        if not self.info:
            raise StateError("the emulator is not started: call start() first")
        return bool(self.info.get("supports_save"))

    def check_state(self, state: State | bytes) -> State:
        """The :class:`State` :meth:`load_state` would load, checked without sending anything.

        Bytes become a state of this machine. Raises :class:`StateMismatchError` for a state
        of another system or MAME version, :class:`SaveStateError` on a system without
        save support.
        """
        if not self.info:
            raise StateError("the emulator is not started: call start() first")
        system, mame = self.info["system"], self.info["mame"]
        if isinstance(state, (bytes, bytearray, memoryview)):
            state = State(system, mame, bytes(state))
        elif not isinstance(state, State):
            raise InvalidArgumentError(
                f"a state must be a State or bytes, got {type(state).__name__}")
        if (state.system, state.mame) != (system, mame):
            raise StateMismatchError((state.system, state.mame), (system, mame))
        self._check_saves()
        return state

    async def save_state(self) -> State:
        """The whole machine's state now, between steps (MAME's own save state, in memory)."""
        self._check_saves()
        data = await self._state_command(self._process.save_state)
        return State(self.info["system"], self.info["mame"], data)

    async def load_state(self, state: State | bytes) -> None:
        """Make the machine ``state`` at once: the next step runs on from it.

        ``state``: a :class:`State` saved on this system and MAME version, or the bytes of
        one. Everything is checked before sending (see :meth:`check_state`), so a refused
        state leaves the machine as it was; so does one MAME refuses (``SaveStateError``).
        """
        await self._state_command(self._process.load_state, self.check_state(state).data)

    def _check_saves(self) -> None:
        if not self.supports_save:
            raise SaveStateError(f"MAME's driver for {self.game!r} does not support save "
                                 "states", "no_save")

    async def _state_command(self, call: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        try:
            return await self._command(*args, call=call)
        except CommandError as exc:
            if exc.code == "reset_pending":  # reset("hard") and no step since
                raise StateError(str(exc)) from None
            raise
