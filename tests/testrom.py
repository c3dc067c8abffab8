"""A tiny Intel 8080 test program for MAME's ``invaders`` driver, hand-assembled here.

Memory map it maintains (RAM at 0x2000):
  0x2000 u8   frame counter, +1 at every vblank interrupt (RST 2)
  0x2001 u8   input port 1 as read at the last vblank (also drawn at VRAM 0x3010)
  0x2002 u8   input port 2 as read at the last vblank
  0x2004 u16  0x1234          0x2006 s8  -2 (0xFE)
  0x2008 u32  0x80000001      (s32: -2147483647)
Video: VRAM byte 0x2400 is 0xFF (the bottom-left 8 pixels as the player sees the screen);
VRAM 0x3000 shows the frame counter, so consecutive frames differ.
"""

from __future__ import annotations

from pathlib import Path

from aiomame.mame import romset
from aiomame.mame.locate import find_mame


def _program() -> bytes:
    rom = bytearray(0x2000)

    def put(at: int, *code: int) -> int:
        rom[at:at + len(code)] = bytes(code)
        return at + len(code)

    put(0x0000, 0x31, 0x00, 0x24,         # LXI SP,2400h
            0xC3, 0x40, 0x00)             # JMP init
    put(0x0008, 0xFB, 0xC9)               # RST 1 (mid-screen): EI; RET
    put(0x0010, 0xC3, 0x80, 0x00)         # RST 2 (vblank): JMP vblank
    at = put(0x0040,                      # init:
             0x21, 0x34, 0x12,            #   LXI H,1234h
             0x22, 0x04, 0x20,            #   SHLD 2004h
             0x3E, 0xFE,                  #   MVI A,0FEh
             0x32, 0x06, 0x20,            #   STA 2006h
             0x21, 0x01, 0x00,            #   LXI H,0001h
             0x22, 0x08, 0x20,            #   SHLD 2008h
             0x21, 0x00, 0x80,            #   LXI H,8000h
             0x22, 0x0A, 0x20,            #   SHLD 200Ah
             0x3E, 0xFF,                  #   MVI A,0FFh
             0x32, 0x00, 0x24,            #   STA 2400h
             0xFB)                        #   EI
    put(at, 0xC3, at & 0xFF, at >> 8)     # loop: JMP loop
    put(0x0080,                           # vblank:
        0xF5,                             #   PUSH PSW
        0x3A, 0x00, 0x20,                 #   LDA 2000h
        0x3C,                             #   INR A
        0x32, 0x00, 0x20,                 #   STA 2000h
        0x32, 0x00, 0x30,                 #   STA 3000h
        0xDB, 0x01,                       #   IN 1
        0x32, 0x01, 0x20,                 #   STA 2001h
        0x32, 0x10, 0x30,                 #   STA 3010h
        0xDB, 0x02,                       #   IN 2
        0x32, 0x02, 0x20,                 #   STA 2002h
        0xD3, 0x06,                       #   OUT 6 (watchdog)
        0xF1,                             #   POP PSW
        0xFB,                             #   EI
        0xC9)                             #   RET
    return bytes(rom)


def write_rom_set(roms_path: Path) -> Path:
    """Write the program as an ``invaders`` ROM set under ``roms_path``, its files named as
    the installed MAME expects; returns roms_path."""
    romset.lay_out({"maincpu": _program()}, "invaders", find_mame(), roms_path)
    return roms_path


def zero_filled_set(system: str, roms_path: Path) -> Path:
    """``system``'s ROM set as zero bytes under ``roms_path`` (aiomame.mame.romset.zero_filled);
    returns roms_path."""
    return Path(romset.zero_filled(find_mame(), system, roms_path))
