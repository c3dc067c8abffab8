#!/usr/bin/env python3
"""Build the "catch" ROM set for MAME's ``invaders`` driver.

Assembles ``catch.asm`` (next to this file) and writes the 8 KiB image of the
CPU's ROM (0000h-1FFFh, the ``maincpu`` region) to ``aiomame/games/roms/catch.bin``
of the repo, padding the unused space with 00h, then prints its CRC32 and SHA1.
aiomame cuts that image into the four 2 KiB files the running MAME expects
(their names change between MAME versions: see ``aiomame/mame/romset.py``).
The output depends only on the source, so running it twice gives
byte-identical files. The assembler plumbing (suite8080, its lint, the
fixed-address checks) is ``rom/build8080.py``, shared with ``rom/duel``.

Usage:
    python rom/catch/build.py          # assemble and write the ROM files
    python rom/catch/build.py --check  # assemble, compare with the files
                                       # on disk and with catch_layout.py,
                                       # write nothing; exit 1 on mismatch
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # leave no __pycache__ in rom/
sys.path.insert(0, str(HERE.parent))
import build8080  # noqa: E402

ROM = build8080.Rom(
    source=HERE / "catch.asm",
    out=build8080.REPO / "aiomame" / "games" / "roms" / "catch.bin",
    layout=build8080.REPO / "aiomame" / "games" / "catch_layout.py",
    # RAM entries of catch_layout.RAM -> symbol in catch.asm
    layout_symbols={
        "frame_counter": "frame", "game_state": "gstate", "game_over": "gover",
        "credits": "credits", "score": "score", "score_bcd": "scorebcd", "lives": "lives",
        "paddle_x": "padx", "event": "event",
        "object0_active": "obj0a", "object0_x": "obj0x", "object0_y": "obj0y",
        "object1_active": "obj1a", "object1_x": "obj1x", "object1_y": "obj1y",
    },
)


if __name__ == "__main__":
    sys.exit(build8080.main(ROM, description=__doc__.splitlines()[0]))
