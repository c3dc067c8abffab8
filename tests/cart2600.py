"""A tiny Atari 2600 cartridge (2 KB, 6507 code), hand-assembled here.

At reset it writes its mark (default 0x42) to RAM 0x80 and clears 0x81, then draws frames
forever: 3 lines of VSYNC, 0x81 += 1, the background colour 0x1E (yellow) and 259 more
lines. A 2 KB cart is mirrored at 0xF000 and 0xF800; the reset vector is its last 4 bytes
but 2.
"""

from __future__ import annotations

MARK = 0x42  # written to 0x80 at reset
MARK_ADDRESS, FRAMES_ADDRESS = 0x80, 0x81
VSYNC, WSYNC, COLUBK = 0x00, 0x02, 0x09


def cartridge(size: int = 2048, mark: int = MARK) -> bytes:
    """The program, as a cartridge file of ``size`` bytes (2048 or 4096), writing
    ``mark``."""
    code = bytes([
        0x78,                    # F000 SEI
        0xD8,                    # F001 CLD
        0xA2, 0xFF,              # F002 LDX #$FF
        0x9A,                    # F004 TXS
        0xA9, mark,              # F005 LDA #mark
        0x85, MARK_ADDRESS,      # F007 STA $80
        0xA9, 0x00,              # F009 LDA #0
        0x85, FRAMES_ADDRESS,    # F00B STA $81
        0xA9, 0x02,              # F00D frame: LDA #2
        0x85, VSYNC,             # F00F STA VSYNC
        0x85, WSYNC,             # F011 STA WSYNC (x3)
        0x85, WSYNC,
        0x85, WSYNC,
        0xA9, 0x00,              # F017 LDA #0
        0x85, VSYNC,             # F019 STA VSYNC
        0xE6, FRAMES_ADDRESS,    # F01B INC $81
        0xA9, 0x1E,              # F01D LDA #$1E
        0x85, COLUBK,            # F01F STA COLUBK
        0xA2, 0x00,              # F021 LDX #0
        0x85, WSYNC,             # F023 line: STA WSYNC
        0xCA,                    # F025 DEX
        0xD0, 0xFB,              # F026 BNE line (256 lines)
        0x85, WSYNC,             # F028 STA WSYNC (x3)
        0x85, WSYNC,
        0x85, WSYNC,
        0x4C, 0x0D, 0xF0,        # F02E JMP frame
    ])
    rom = bytearray(size)
    rom[:len(code)] = code
    rom[size - 4:size] = bytes([0x00, 0xF0, 0x00, 0xF0])  # reset, IRQ/BRK vectors: F000
    return bytes(rom)
