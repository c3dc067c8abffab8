"""RAM search: find where a game keeps its score, lives, positions.

Take snapshots of memory between steps, and narrow the candidate addresses with filters on
how their values moved (``changed``, ``increased``, ``delta(-1)``...) or what they are
(``equal(3)``, ``greater(0)``). Relative filters compare the last two snapshots, value
filters the last one. Values are read as ``u8``/``u16``/``u32``, signed or not, little or
big endian, optionally as packed BCD, at every byte offset or only ``aligned`` ones; the
type can change between filters. Every snapshot is kept, so each survivor shows its value
history. A session saves to an ``.npz`` file and loads back to continue::

    search = await start_search(emu)           # RAM of the main CPU, first snapshot
    await env.step(right); await take_snapshot(emu, search)
    search.increased()
    print(*search.survivors())                 # 0x200D: 100 112

Regions default to the RAM entries of the space's address map (MAME's Lua ``space.map``);
without any, the whole space up to 16 MiB, read through the address map like the CPU reads
it (memory-mapped I/O included, with its side effects).
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..checks import check_bool, check_path, invalid_choice, is_int
from ..errors import InvalidArgumentError
from ..machine.emulator import Address, Emulator
from ..machine.memory import MAX_READ_RANGE

SIZES = {"u8": 1, "s8": 1, "u16": 2, "s16": 2, "u32": 4, "s32": 4}
ENDIANS = ("little", "big")
FILTERS = ("changed", "unchanged", "increased", "decreased", "delta", "equal", "not_equal",
           "greater", "less", "greater_equal", "less_equal")
"""Filter names; those from ``delta`` on take a value."""
_RAM_KINDS = ("ram",)


class MemsearchError(InvalidArgumentError):
    """A search used wrongly: a bad type, value, region or filter, or too few snapshots."""


class SessionFileError(MemsearchError):
    """A file is not a readable memsearch session; the message names it and why."""


@dataclass(frozen=True)
class Candidate:
    """A surviving address and its value in every snapshot, oldest first (None where it
    is not valid BCD)."""

    address: int
    values: list[int | None]

    def __str__(self) -> str:
        history = " ".join("?" if v is None else str(v) for v in self.values)
        return f"0x{self.address:X}: {history}"


def parse_regions(text: str) -> list[tuple[int, int]]:
    """``"0x2000-0x23FF,0xC000+256"`` (inclusive end, or +length) → [(start, length)...]."""
    if not isinstance(text, str):
        raise MemsearchError(f"regions must be a str such as '0x2000-0x23FF,0xC000+256', got "
                             f"{text!r}")
    regions = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            if "+" in part:
                start, length = (int(x, 0) for x in part.split("+", 1))
            else:
                first, last = (int(x, 0) for x in part.split("-", 1))
                start, length = first, last - first + 1
        except ValueError:
            raise MemsearchError(f"region {part!r} is neither START-END nor START+LENGTH "
                                 "(e.g. 0x2000-0x23FF or 0x2000+1024)") from None
        regions.append((start, length))
    return _check_regions(regions)


def _check_regions(regions: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    if isinstance(regions, (str, bytes)) or not isinstance(regions, Sequence):
        raise MemsearchError(f"regions must be a list of (start, length), got {regions!r}")
    checked = []
    for region in regions:
        if (not isinstance(region, Sequence) or len(region) != 2
                or not all(is_int(x) for x in region) or region[0] < 0 or region[1] < 1):
            raise MemsearchError(f"a region is (start >= 0, length >= 1), got {region!r}")
        checked.append((int(region[0]), int(region[1])))
    if not checked:
        raise MemsearchError("no region to search")
    total = sum(length for _, length in checked)
    if total > MAX_READ_RANGE:
        raise MemsearchError(f"the regions hold {total} bytes; at most {MAX_READ_RANGE}")
    return checked


class MemorySearch:
    """Candidate addresses in ``regions`` (``[(start, length), ...]``), narrowed by filters.

    ``value_type``: u8 s8 u16 s16 u32 s32; ``endian``: "little" or "big"; ``bcd``: values
    are packed decimal (two digits a byte; bytes that are not valid BCD never match);
    ``aligned``: only addresses that are a multiple of the value size.
    """

    def __init__(self, regions: Sequence[tuple[int, int]], *, value_type: str = "u8",
                 endian: str = "little", bcd: bool = False, aligned: bool = False,
                 device: str | None = None, space: str = "program") -> None:
        self.regions = _check_regions(regions)
        Address(0, "u8", device, space)  # checks device and space
        self.device, self.space = device, space
        self.size = sum(length for _, length in self.regions)
        starts = np.cumsum([0] + [length for _, length in self.regions])
        self._addresses = np.concatenate([np.arange(start, start + length, dtype=np.int64)
                                          for start, length in self.regions])
        self._ends = np.repeat(starts[1:], [length for _, length in self.regions])
        self.snapshots: list[np.ndarray] = []
        self.labels: list[str] = []
        self.log: list[str] = []
        self._mask = np.ones(self.size, bool)
        self._undo: list[tuple[np.ndarray, str]] = []
        self.value_type, self.endian, self.bcd, self.aligned = "u8", "little", False, False
        self.set_type(value_type, endian, bcd=bcd, aligned=aligned)

    # -- settings --------------------------------------------------------------------------
    def set_type(self, value_type: str | None = None, endian: str | None = None, *,
                 bcd: bool | None = None, aligned: bool | None = None) -> None:
        """How values are read from now on (None: unchanged). Candidates are kept; those
        where a wider value would cross a region's end are left out while it is wider."""
        value_type = self.value_type if value_type is None else value_type
        endian = self.endian if endian is None else endian
        bcd = self.bcd if bcd is None else bcd
        aligned = self.aligned if aligned is None else aligned
        if value_type not in SIZES:
            raise invalid_choice("value type", value_type, SIZES, MemsearchError)
        if endian not in ENDIANS:
            raise invalid_choice("endianness", endian, ENDIANS, MemsearchError)
        if not isinstance(bcd, bool) or not isinstance(aligned, bool):
            raise MemsearchError(f"bcd and aligned are bools, got {bcd!r}, {aligned!r}")
        if bcd and value_type.startswith("s"):
            raise MemsearchError(f"BCD values are unsigned: use u{value_type[1:]}, not "
                                 f"{value_type}")
        self.value_type, self.endian, self.bcd, self.aligned = value_type, endian, bcd, aligned

    @property
    def type_name(self) -> str:
        """The value type as the CLI writes it: ``"u16 big bcd aligned"``."""
        return " ".join([self.value_type, self.endian] + ["bcd"] * self.bcd
                        + ["aligned"] * self.aligned)

    @property
    def _width(self) -> int:
        return SIZES[self.value_type]

    def _usable(self) -> np.ndarray:
        offsets = np.arange(self.size)
        usable = offsets + self._width <= self._ends
        if self.aligned:
            usable &= self._addresses % self._width == 0
        return usable

    # -- snapshots -------------------------------------------------------------------------
    def add_snapshot(self, data: bytes | np.ndarray, label: str = "") -> None:
        """Add the bytes of every region, concatenated in order (what :func:`take_snapshot`
        reads)."""
        if not isinstance(data, (bytes, bytearray, memoryview, np.ndarray)):
            raise MemsearchError(f"a snapshot is bytes or a uint8 array, got "
                                 f"{type(data).__name__}")
        snap = np.frombuffer(bytes(data), np.uint8) if not isinstance(data, np.ndarray) \
            else np.asarray(data, np.uint8).ravel().copy()
        if snap.size != self.size:
            raise MemsearchError(f"a snapshot of these regions has {self.size} bytes, got "
                                 f"{snap.size}")
        self.snapshots.append(snap)
        self.labels.append(str(label))

    def _decode(self, snap: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(values as int64, valid) of the current type at ``offsets``."""
        width = self._width
        raw = np.zeros(offsets.size, np.uint64)
        for i in range(width):
            shift = 8 * (i if self.endian == "little" else width - 1 - i)
            raw |= snap[offsets + i].astype(np.uint64) << np.uint64(shift)
        valid = np.ones(offsets.size, bool)
        if self.bcd:
            values = np.zeros(offsets.size, np.int64)
            for digit in range(2 * width):
                nibble = ((raw >> np.uint64(4 * digit)) & np.uint64(0xF)).astype(np.int64)
                valid &= nibble <= 9
                values += nibble * 10 ** digit
            return values, valid
        values = raw.astype(np.int64)
        if self.value_type.startswith("s"):
            bits = 8 * width
            values -= (values >= 1 << (bits - 1)) * (1 << bits)
        return values, valid

    # -- filters ---------------------------------------------------------------------------
    def _candidates(self) -> np.ndarray:
        return np.flatnonzero(self._mask & self._usable())

    @property
    def count(self) -> int:
        """How many candidates survive (for the current type)."""
        return int(np.count_nonzero(self._mask & self._usable()))

    def _value_range(self) -> tuple[int, int]:
        bits = 8 * self._width
        if self.bcd:
            return 0, 10 ** (2 * self._width) - 1
        if self.value_type.startswith("s"):
            return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        return 0, (1 << bits) - 1

    def filter(self, name: str, value: int | None = None) -> int:
        """Keep the candidates for which filter ``name`` (one of :data:`FILTERS`) holds;
        returns how many are left. Relative filters compare the last two snapshots
        (``delta``: last - previous == value), the others the last snapshot with ``value``."""
        if name not in FILTERS:
            raise invalid_choice("filter", name, FILTERS, MemsearchError)
        needs_value = FILTERS.index(name) >= FILTERS.index("delta")
        if needs_value:
            if not is_int(value):
                raise MemsearchError(f"filter {name!r} needs an int value, got {value!r}")
            low, high = self._value_range()
            if name == "delta":
                low, high = low - high, high - low
            if not low <= value <= high:  # type: ignore[operator]
                raise MemsearchError(f"{value} is out of range for {name} on "
                                     f"{self.type_name}: valid {low}..{high}")
        elif value is not None:
            raise MemsearchError(f"filter {name!r} takes no value, got {value!r}")
        relative = name in ("changed", "unchanged", "increased", "decreased", "delta")
        if len(self.snapshots) < (2 if relative else 1):
            raise MemsearchError(f"filter {name!r} compares the last "
                                 + ("two snapshots" if relative else "snapshot")
                                 + f"; there are {len(self.snapshots)}: take a snapshot")
        offsets = self._candidates()
        now, valid = self._decode(self.snapshots[-1], offsets)
        if relative:
            before, valid_before = self._decode(self.snapshots[-2], offsets)
            valid &= valid_before
            keep = {"changed": now != before, "unchanged": now == before,
                    "increased": now > before, "decreased": now < before,
                    "delta": now - before == value}[name]
        else:
            keep = {"equal": now == value, "not_equal": now != value, "greater": now > value,
                    "less": now < value, "greater_equal": now >= value,
                    "less_equal": now <= value}[name]
        step = f"{name} {value}" if needs_value else name
        self._undo.append((self._mask.copy(), step))
        self._mask[:] = False
        self._mask[offsets[keep & valid]] = True
        self.log.append(f"{step} ({self.type_name}): {self.count} left")
        return self.count

    def changed(self) -> int:
        return self.filter("changed")

    def unchanged(self) -> int:
        return self.filter("unchanged")

    def increased(self) -> int:
        return self.filter("increased")

    def decreased(self) -> int:
        return self.filter("decreased")

    def delta(self, value: int) -> int:
        return self.filter("delta", value)

    def equal(self, value: int) -> int:
        return self.filter("equal", value)

    def greater(self, value: int) -> int:
        return self.filter("greater", value)

    def less(self, value: int) -> int:
        return self.filter("less", value)

    def undo(self) -> str:
        """Take back the last filter; returns its name."""
        if not self._undo:
            raise MemsearchError("nothing to undo: no filter has been applied")
        self._mask, step = self._undo.pop()
        self.log.append(f"undo {step}: {self.count} left")
        return step

    def reset(self) -> None:
        """Every address is a candidate again (snapshots are kept)."""
        self._undo.append((self._mask.copy(), "reset"))
        self._mask[:] = True

    # -- results ---------------------------------------------------------------------------
    @property
    def addresses(self) -> list[int]:
        """The surviving addresses, in order."""
        return [int(a) for a in self._addresses[self._candidates()]]

    def survivors(self, limit: int | None = None) -> list[Candidate]:
        """The surviving addresses (the first ``limit``) with their value history."""
        if limit is not None and (not is_int(limit) or limit < 0):
            raise MemsearchError(f"limit must be an int >= 0 or None, got {limit!r}")
        offsets = self._candidates()[:limit]
        history = [self._decode(snap, offsets) for snap in self.snapshots]
        return [Candidate(int(self._addresses[o]),
                          [int(v[i]) if ok[i] else None for v, ok in history])
                for i, o in enumerate(offsets)]

    def to_dict(self, limit: int | None = 100) -> dict[str, Any]:
        """The state of the search as JSON-ready data (addresses as hex strings)."""
        return {"type": self.type_name, "count": self.count, "snapshots": len(self.snapshots),
                "survivors": [{"address": f"0x{c.address:X}", "values": c.values}
                              for c in self.survivors(limit)]}

    # -- sessions --------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the session (regions, snapshots, candidates, type, log) to an .npz file."""
        check_path("path", path)
        meta = {"format": "aiomame-memsearch", "version": 1, "regions": self.regions,
                "device": self.device, "space": self.space, "value_type": self.value_type,
                "endian": self.endian, "bcd": self.bcd, "aligned": self.aligned,
                "labels": self.labels, "log": self.log}
        snaps = np.stack(self.snapshots) if self.snapshots else np.zeros((0, self.size),
                                                                         np.uint8)
        with open(path, "wb") as f:
            np.savez_compressed(f, meta=np.array(json.dumps(meta)), snapshots=snaps,
                                mask=self._mask)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> MemorySearch:
        """A session saved by :meth:`save`, ready to continue."""
        check_path("path", path)
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                snaps, mask = data["snapshots"], data["mask"]
            if meta.get("format") != "aiomame-memsearch":
                raise ValueError("not a memsearch session")
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
            raise SessionFileError(f"cannot load memsearch session {os.fspath(path)!r}: "
                                   f"{exc}") from None
        search = cls([tuple(r) for r in meta["regions"]], value_type=meta["value_type"],
                     endian=meta["endian"], bcd=meta["bcd"], aligned=meta["aligned"],
                     device=meta["device"], space=meta["space"])
        if mask.shape != (search.size,) or snaps.shape[1:] != (search.size,):
            raise SessionFileError(f"{os.fspath(path)!r}: its arrays do not fit its regions")
        search.snapshots = [s.copy() for s in snaps]
        search.labels, search.log = list(meta["labels"]), list(meta["log"])
        search._mask = mask.astype(bool)
        return search


# -- driving an emulator -------------------------------------------------------------------
def _space_info(emu: Emulator, device: str | None, space: str) -> tuple[str, dict[str, Any]]:
    from ..machine.emulator import Address
    tag, name, _, _ = emu._resolve(Address(0, "u8", device, space))
    info = next(s for d in emu.info["devices"] if d["tag"] == tag for s in d["spaces"]
                if s["name"] == name)
    if info["shift"] > 0:  # its regions and candidates would count bits as bytes
        raise MemsearchError(f"{tag} {name} is bit-addressed (a byte every "
                             f"{1 << info['shift']} addresses): RAM search works on "
                             "byte-addressed spaces only")
    return tag, info


def ram_regions(emu: Emulator, device: str | None = None,
                space: str = "program") -> list[tuple[int, int]]:
    """The RAM of a space as [(start, length)...], from its address map (mirrors left
    out); without any RAM entry, the whole space up to 16 MiB."""
    _, info = _space_info(emu, device, space)
    ranges = sorted((e[0], e[1]) for e in info.get("map", []) if e[3] in _RAM_KINDS)
    merged: list[list[int]] = []
    for first, last in ranges:
        if merged and first <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    if not merged:
        return [(0, min(info["address_mask"] + 1, MAX_READ_RANGE))]
    return [(first, last - first + 1) for first, last in merged]


async def take_snapshot(emu: Emulator, search: MemorySearch, label: str = "") -> None:
    """Read every region of ``search`` from ``emu`` now and add it as a snapshot."""
    parts = [await emu.read_range(start, length, search.device, search.space)
             for start, length in search.regions]
    search.add_snapshot(b"".join(parts), label)


async def start_search(emu: Emulator, regions: Sequence[tuple[int, int]] | None = None, *,
                       device: str | None = None, space: str = "program",
                       value_type: str = "u8", endian: str | None = None, bcd: bool = False,
                       aligned: bool = False, snapshot: bool = True) -> MemorySearch:
    """A search over ``regions`` (default: :func:`ram_regions`) of a running emulator, in the
    space's endianness unless ``endian`` says otherwise, with a first snapshot taken."""
    check_bool("snapshot", snapshot)
    _, info = _space_info(emu, device, space)
    search = MemorySearch(regions or ram_regions(emu, device, space), value_type=value_type,
                          endian=endian or info.get("endianness") or "little", bcd=bcd,
                          aligned=aligned, device=device, space=space)
    if snapshot:
        await take_snapshot(emu, search, "start")
    return search
