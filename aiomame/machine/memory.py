"""Emulated memory: :class:`Address` (a value read after every step), and an
:class:`~aiomame.machine.emulator.Emulator`'s reads and writes between steps
(:class:`MemoryAccess`), each address checked against the machine's devices and spaces."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from ..checks import invalid_choice, is_int
from ..errors import AddressError, InvalidArgumentError, ProtocolError, StateError
from .part import EmulatorPart

TYPES = ("u8", "s8", "u16", "s16", "u32", "s32")
MAX_READ_RANGE = 16 << 20
"""The most bytes one :meth:`Emulator.read_range` reads (the plugin's limit too)."""


@dataclass(frozen=True)
class Address:
    """A value in emulated memory, read after every step.

    ``address``: an int or a hex string such as ``"0x02068D0B"``; ``type``: one of
    u8 s8 u16 s16 u32 s32 (in the CPU's endianness); ``device``: a device tag (default: the
    main CPU); ``space``: the address space of that device (default ``"program"``).
    """

    address: int | str
    type: str = "u8"
    device: str | None = None
    space: str = "program"

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise invalid_choice("address type", self.type, TYPES)
        if self.device is not None and (not isinstance(self.device, str) or not self.device):
            raise AddressError(f"device must be a device tag such as ':maincpu' or None, "
                               f"got {self.device!r}")
        if not isinstance(self.space, str) or not self.space:
            raise AddressError(f"space must be an address space name such as 'program', "
                               f"got {self.space!r}")
        if isinstance(self.address, str):
            text = self.address.strip()
            try:
                if not text.lower().startswith("0x"):
                    raise ValueError
                value = int(text, 16)
            except ValueError:
                raise AddressError(
                    f"address {self.address!r} is not a hex string like '0x20C0'") from None
            object.__setattr__(self, "address", value)
        elif not isinstance(self.address, int) or isinstance(self.address, bool):
            raise AddressError(f"address {self.address!r} is neither an int nor a hex string")
        if cast(int, self.address) < 0:  # an int by now (set above: mypy cannot see it)
            raise AddressError(f"address {self.address!r} is negative")


def check_addresses(what: str, addresses: object) -> None:
    """Checks that ``addresses`` is a mapping of str names to :class:`Address`."""
    if not isinstance(addresses, Mapping):
        raise AddressError(f"{what} must be a mapping of names to Address, got {addresses!r}")
    for name, address in addresses.items():
        if not isinstance(name, str):
            raise AddressError(f"{what} names must be str, got {name!r}")
        if not isinstance(address, Address):
            raise AddressError(f"{what}[{name!r}] is {address!r}, not an Address")


class MemoryAccess(EmulatorPart):
    """The part of :class:`~aiomame.machine.emulator.Emulator` that reads and writes memory."""

    @property
    def default_cpu(self) -> str | None:
        """The device an :class:`Address` without ``device`` reads: the machine's own CPU
        (``":maincpu"``, else the CPU with the shallowest tag, not one inside a slot or a
        peripheral such as a floppy drive; the first device with memory if no CPU). Also
        ``info["default_cpu"]``. None before start, or for a machine without memory."""
        return self.info.get("default_cpu")

    def _resolve(self, address: Address) -> list[Any]:
        """[device tag, space, address, type] for the plugin, checked against the hello."""
        if not self.info:
            raise StateError("the emulator is not started: call start() first")
        devices = {d["tag"]: d for d in self.info["devices"]}
        tag = address.device
        if tag is None:  # the machine's own CPU (see default_cpu)
            tag = self.default_cpu
            if tag is None:
                raise AddressError(f"{self.game!r} has no device with memory to read")
        if tag not in devices:
            raise invalid_choice(f"device of {self.game!r}", tag, devices, AddressError)
        spaces = {s["name"]: s for s in devices[tag]["spaces"]}
        if address.space not in spaces:
            raise invalid_choice(f"address space of {tag!r}", address.space, spaces,
                                 AddressError)
        space = spaces[address.space]
        mask = space["address_mask"]
        if address.address & ~mask:
            raise AddressError(f"address 0x{address.address:X} is outside {tag} "
                               f"{address.space} (0x0-0x{mask:X})")
        if space["shift"] > 0:  # bit addresses: a byte every 8, a bus word every 16 (or 32)
            bits = min(int(address.type[1:]), space["data_width"])
            align = bits >> 3 << space["shift"]
            if address.address % align:
                raise AddressError(
                    f"address 0x{address.address:X} of {tag} {address.space} is not where "
                    f"a {address.type} starts: this space's addresses are bits (a byte every "
                    f"{1 << space['shift']}), and a {address.type} starts at a multiple of "
                    f"{align} (0x{address.address - address.address % align:X} or "
                    f"0x{address.address - address.address % align + align:X})")
        return [tag, address.space, address.address, address.type]

    async def read(self, addresses: Mapping[str, Address]) -> dict[str, int]:
        """Read ``addresses`` now, between steps."""
        check_addresses("addresses", addresses)
        resolved = [self._resolve(a) for a in addresses.values()]
        reply = await self._command("read", resolved)
        return dict(zip(addresses, reply[1], strict=False))

    async def read_range(self, start: int, length: int, device: str | None = None,
                         space: str = "program") -> bytes:
        """``length`` bytes of memory from ``start``, read now, between steps.

        ``start`` is an address of the space: a byte address on most CPUs; on a
        bit-addressed one (TMS34010: the space's ``shift`` is 3 in ``info``), a bit address,
        and byte k is then at ``start + 8 * k``.

        One command for the whole block (MAME's ``read_range``): 32 KiB take well under a
        millisecond. Reads go through the address map as the CPU's would, so a range over
        memory-mapped I/O can have its side effects. ``device``/``space`` as in
        :class:`Address`; at most :data:`MAX_READ_RANGE` bytes, inside the space's address mask.
        """
        if not is_int(start) or start < 0:
            raise AddressError(f"start must be an int >= 0, got {start!r}")
        if not is_int(length) or not 1 <= length <= MAX_READ_RANGE:
            raise InvalidArgumentError(
                f"length must be an int in 1..{MAX_READ_RANGE} (16 MiB), got {length!r}")
        tag, name, start, _ = self._resolve(Address(int(start), "u8", device, space))
        mask, shift = next((s["address_mask"], s["shift"]) for d in self.info["devices"]
                           if d["tag"] == tag for s in d["spaces"] if s["name"] == name)
        end = start + (int(length) << max(shift, 0)) - 1
        if end > mask:
            raise AddressError(f"range 0x{start:X}..0x{end:X} ({length} bytes) is outside "
                               f"{tag} {name} (0x0-0x{mask:X})")
        reply = await self._command("read_range", tag, name, start, int(length))
        if len(reply) != 2 or reply[0] != "bytes" or not isinstance(reply[1], bytes) \
                or len(reply[1]) != length:
            raise ProtocolError(f"expected {length} bytes, got {reply!r:.200}")
        return reply[1]

    async def write(self, address: Address, value: int) -> None:
        """Write ``value`` to ``address`` now, between steps."""
        if not isinstance(address, Address):
            raise AddressError(f"address must be an Address, got {address!r}")
        bits = int(address.type[1:])
        if not is_int(value) or not -(1 << (bits - 1)) <= value < (1 << bits):
            raise InvalidArgumentError(
                f"value must be an int that fits {address.type} (valid: 0..{(1 << bits) - 1}, "
                f"or down to {-(1 << (bits - 1))} as two's complement), got {value!r}")
        await self._command("write", [[*self._resolve(address), int(value)]])
