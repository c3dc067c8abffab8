#!/usr/bin/env python3
"""Build the "basket" Atari 2600 cartridge from ``basket.asm`` with dasm.

Writes the 4 KiB cartridge (F000h-FFFFh) to ``aiomame/games/roms/basket.bin`` of the repo
and prints its CRC32 and SHA1. The output depends only on the source: building twice gives
byte-identical files. dasm is Debian's ``dasm`` package (``mame/install.sh`` installs it).

Usage:
    python rom/basket/build.py          # assemble and write the cartridge
    python rom/basket/build.py --check  # assemble, compare with the shipped cartridge,
                                        # write nothing; exit 1 on a mismatch
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SOURCE = HERE / "basket.asm"
OUT = REPO / "aiomame" / "games" / "roms" / "basket.bin"
SIZE = 0x1000
_SYMBOL = re.compile(r"^(\S+)\s+([0-9a-f]+)\s", re.IGNORECASE)


def assemble() -> tuple[bytes, dict[str, int]]:
    """(the cartridge, dasm's global symbols: name -> value). Exits if dasm is missing or
    fails, or the cartridge is not 4 KiB."""
    dasm = shutil.which("dasm")
    if dasm is None:
        sys.exit("build.py needs dasm (Debian/Ubuntu: apt-get install dasm)")
    with tempfile.TemporaryDirectory() as tmp:
        binary, symbols = Path(tmp) / "basket.bin", Path(tmp) / "basket.sym"
        result = subprocess.run([dasm, SOURCE.name, "-f3", f"-o{binary}", f"-s{symbols}"],
                                cwd=HERE, capture_output=True, text=True, timeout=60)
        if result.returncode != 0 or not binary.exists():
            sys.exit(f"dasm failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        image = binary.read_bytes()
        table = {m[1]: int(m[2], 16) for line in symbols.read_text().splitlines()
                 if (m := _SYMBOL.match(line)) and not m[1].startswith(("0.", "-"))}
    if len(image) != SIZE:
        sys.exit(f"the cartridge is {len(image)} bytes, not {SIZE}")
    return image, table


def digests(data: bytes) -> tuple[str, str]:
    return f"{zlib.crc32(data) & 0xFFFFFFFF:08x}", hashlib.sha1(data).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the shipped cartridge instead of writing it")
    args = parser.parse_args()
    image, _ = assemble()
    crc, sha1 = digests(image)
    if args.check:
        if not OUT.exists() or OUT.read_bytes() != image:
            print(f"MISMATCH: {OUT} differs from a fresh build of {SOURCE.name}")
            return 1
        print(f"{OUT.name} matches the source")
    else:
        OUT.write_bytes(image)
    print(f"{OUT.name}  size={len(image)}  crc32={crc}  sha1={sha1}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
