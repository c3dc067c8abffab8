"""A program of our own for Atari's Asteroids board (MAME's ``asteroid``), which draws known
vectors through the board's Digital Vector Generator (DVG). Hand-assembled here.

- The DVG is a state machine whose next state comes from a 256x4 PROM (``dvg:prom``): the
  address is (not halted) << 7 | (for opcodes 8-15: opcode & 7) << 4 | state; a state with
  bit 3 set runs step ``state & 7`` (MAME's ``avgdvg.cpp``: 1 load the PC, 5/4 the first
  word's high/low byte, 7/6 the second's, 2 draw a vector, 3 halt or position the beam).
  :func:`dvg_prom` is a PROM of our own for the three instructions used: VCTR (opcode 9:
  a vector of exactly (dx, dy) units at scale 0), LABS (opcode 10: beam to (x, y)), HALT.
- The 6502 program copies the vector program into vector RAM (0x4000), starts the DVG
  (0x3000), then loops: it feeds the watchdog, and whenever the DVG has halted (bit 7 of
  0x2002 clear) it starts it again, which also hands MAME's vector list the picture just drawn.

The picture (DVG coordinates, 0-1023 each way, y up): :data:`SQUARES`, two outlined
squares, and a triangle; everything else black.
"""

from __future__ import annotations

from pathlib import Path

from aiomame.mame import romset
from aiomame.mame.locate import find_mame

SQUARES = ((200, 200, 300), (600, 500, 200))  # (x, y, side): outlined squares
TRIANGLE = ((300, 700), (200, 0), (-100, 200))  # start, then two sides (closed)
_CODE, _VECTORS = 0x6800, 0x6A00


def dvg_prom() -> bytes:
    """A DVG state PROM of our own: VCTR with opcodes 0-9, LABS and HALT."""
    prom = bytearray(256)
    for op in range(16):
        base = 0x80 | ((op & 7) << 4 if op & 8 else 0)  # running, opcode bits if op >= 8
        steps = {0: 9, 9: 13, 13: 12}  # go: PC = 0; each instruction: its first word
        if op == 0xB:  # HALT
            steps[12] = 11
        elif op == 0xA:  # LABS: second word, then position the beam
            steps.update({12: 15, 15: 14, 14: 11, 11: 13})
        elif op <= 9:  # VCTR: second word, draw, next instruction
            steps.update({12: 15, 15: 14, 14: 10, 10: 13})
        for state, following in steps.items():
            prom[base | state] = following
    return bytes(prom)  # halted (address bit 7 clear): state 0, idle


def _words(*words: int) -> bytes:
    return b"".join(w.to_bytes(2, "little") for w in words)


def _labs(x: int, y: int) -> bytes:
    return _words(0xA000 | y, x)  # scale 0


def _vctr(dx: int, dy: int) -> bytes:
    def axis(d: int) -> int:
        return (0x400 if d < 0 else 0) | abs(d)
    return _words(0x9000 | axis(dy), 0xF000 | axis(dx))  # opcode 9 at scale 0, intensity 15


def vector_program() -> bytes:
    program = b""
    for x, y, side in SQUARES:
        program += _labs(x, y) + _vctr(side, 0) + _vctr(0, side) + _vctr(-side, 0) \
            + _vctr(0, -side)
    (x, y), (ax, ay), (bx, by) = TRIANGLE
    program += _labs(x, y) + _vctr(ax, ay) + _vctr(bx, by) + _vctr(-ax - bx, -ay - by)
    return program + _words(0xB000)  # HALT


def _cpu_program() -> bytes:
    vectors = vector_program()
    rom = bytearray(0x8000)
    code = bytes([
        0x78, 0xD8, 0xA2, 0xFF, 0x9A,  # SEI; CLD; LDX #$FF; TXS
        0xA2, 0x00,                    # LDX #0
        0xBD, _VECTORS & 0xFF, _VECTORS >> 8,  # copy: LDA vectors,X
        0x9D, 0x00, 0x40,              # STA $4000,X
        0xE8,                          # INX
        0xE0, len(vectors),            # CPX #len
        0xD0, 0xF5,                    # BNE copy
        0x8D, 0x00, 0x30,              # STA $3000 (DVG go)
        0x8D, 0x00, 0x34,              # loop: STA $3400 (watchdog)
        0xAD, 0x02, 0x20,              # LDA $2002 (bit 7: the DVG is running)
        0x30, 0xF8,                    # BMI loop
        0x8D, 0x00, 0x30,              # STA $3000 (DVG go)
        0x4C, 0x15, 0x68,              # JMP loop
    ])
    rom[_CODE:_CODE + len(code)] = code
    rom[_CODE + 0x40] = 0x40           # RTI: the NMI and IRQ handler
    rom[_VECTORS:_VECTORS + len(vectors)] = vectors
    handler = (_CODE + 0x40).to_bytes(2, "little")
    rom[0x7FFA:0x8000] = handler + _CODE.to_bytes(2, "little") + handler  # NMI, RESET, IRQ
    return bytes(rom)


def write_rom_set(roms_path: Path) -> Path:
    """Write the program as an ``asteroid`` ROM set under ``roms_path`` (its files named as
    the installed MAME expects); returns roms_path."""
    romset.lay_out({"maincpu": _cpu_program(), "dvg:prom": dvg_prom()}, "asteroid",
                   find_mame(), roms_path)
    return roms_path
