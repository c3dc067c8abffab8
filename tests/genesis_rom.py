"""A Genesis (Mega Drive) cartridge that switches its screen width: 68000 code assembled here.

At reset it writes "SEGA" to the TMSS register (a console with TMSS keeps the VDP locked
until then; the others ignore the write), sets background colour 0 to red (CRAM), waits
about 9 frames, switches the VDP to the 320-pixel-wide H40 mode (register 12 = 0x81), waits
about 9 more, switches back to the 256-wide H32 mode, and idles. MAME's ``genesis`` needs
no ROM of its own; the cartridge goes in with ``-cart``. The display stays off: every
frame is the backdrop colour.
"""

from __future__ import annotations

import struct
from pathlib import Path

_VDP_CONTROL, _VDP_DATA = 0xC00004, 0xC00000
_WAIT = 0x11000  # iterations of a 18-cycle loop: about 9 frames of the 7.67 MHz 68000


def _wait() -> bytes:
    return (bytes.fromhex("203C") + struct.pack(">I", _WAIT)  # move.l #_WAIT,d0
            + bytes.fromhex("5380"                             # loop: subq.l #1,d0
                            "66FC"))                           #       bne.s loop


def _vdp_register(word: int) -> bytes:
    return bytes.fromhex("33FC") + struct.pack(">HI", word, _VDP_CONTROL)  # move.w #word,ctl


def cartridge() -> bytes:
    """The cartridge image (128 KiB)."""
    rom = bytearray(0x20000)
    struct.pack_into(">II", rom, 0, 0x00FFFE00, 0x200)  # initial SSP, reset PC
    for vector in range(2, 64):
        struct.pack_into(">I", rom, 4 * vector, 0x300)  # everything else: rte
    rom[0x100:0x110] = b"SEGA MEGA DRIVE "
    code = (bytes.fromhex("23FC") + b"SEGA" + struct.pack(">I", 0xA14000)  # TMSS unlock
            + bytes.fromhex("23FC") + struct.pack(">II", 0xC0000000, _VDP_CONTROL)  # CRAM 0
            + bytes.fromhex("33FC") + struct.pack(">HI", 0x000E, _VDP_DATA)     # red
            + _wait() + _vdp_register(0x8C81)  # H40
            + _wait() + _vdp_register(0x8C00)  # H32
            + bytes.fromhex("60FE"))           # bra.s *
    rom[0x200:0x200 + len(code)] = code
    rom[0x300:0x302] = bytes.fromhex("4E73")  # rte
    return bytes(rom)


def write_cartridge(folder: Path) -> Path:
    """Write the cartridge into ``folder``; returns its path."""
    path = folder / "h32_h40.bin"
    path.write_bytes(cartridge())
    return path
