#!/usr/bin/env python3
"""Build the "duel" ROM set for MAME's ``invaders`` driver.

Assembles ``duel.asm`` (next to this file) and writes the 8 KiB image of the CPU's ROM
(0000h-1FFFh, the ``maincpu`` region) to ``aiomame/games/roms/duel.bin`` of the repo,
padded with 00h, then prints its CRC32 and SHA1. aiomame cuts the image into the files the
running MAME expects (``aiomame/mame/romset.py``). The output depends only on the source. The
assembler plumbing (suite8080, its lint, the fixed-address checks) is ``rom/build8080.py``.

Usage:
    python rom/duel/build.py          # assemble and write the ROM image
    python rom/duel/build.py --check  # assemble, compare with the image on disk and with
                                      # duel_layout.py, write nothing; exit 1 on mismatch
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # leave no __pycache__ in rom/
sys.path.insert(0, str(HERE.parent))
import build8080  # noqa: E402

ROM = build8080.Rom(
    source=HERE / "duel.asm",
    out=build8080.REPO / "aiomame" / "games" / "roms" / "duel.bin",
    layout=build8080.REPO / "aiomame" / "games" / "duel_layout.py",
    # RAM entries of duel_layout.RAM -> symbol in duel.asm
    layout_symbols={
        "frame_counter": "frame", "game_state": "gstate", "mode": "mode",
        "credits": "credits", "p1_score": "p1score", "p2_score": "p2score",
        "p1_x": "p1x", "p2_x": "p2x", "winner": "winner", "event": "event",
        "balls_dropped": "balls", "rng": "rng", "late_steps": "late",
        "object0_active": "obj0a", "object0_x": "obj0x", "object0_y": "obj0y",
        "object1_active": "obj1a", "object1_x": "obj1x", "object1_y": "obj1y",
    },
    # duel_layout constants -> the EQU in duel.asm with the same value
    layout_constants={
        "PADDLE_WIDTH": "padw", "PADDLE_SPEED": "padspeed", "PADDLE_START_X": "padstart",
        "AI_SPEED": "aispeed", "AI_WAKE_Y": "aiwake", "AI_TOLERANCE": "aitol",
        "OBJECT_START_Y": "objstarty", "OBJECT_SPEED": "objspeed",
        "OBJECT_RESOLVE_Y": "objcatchy", "SPAWN_INTERVAL": "spawnint",
        "FIRST_SPAWN": "spawn1st", "WIN_SCORE": "winscore", "BALL_CAP": "ballcap",
        "MAX_CREDITS": "maxcred",
    },
)


if __name__ == "__main__":
    sys.exit(build8080.main(ROM, description=__doc__.splitlines()[0]))
