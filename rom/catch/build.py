#!/usr/bin/env python3
"""Build the "catch" ROM set for MAME's ``invaders`` driver.

Assembles ``catch.asm`` (next to this file) and writes the 8 KiB image of the
CPU's ROM (0000h-1FFFh, the ``maincpu`` region) to ``aiomame/games/roms/catch.bin``
of the repo, padding the unused space with 00h, then prints its CRC32 and SHA1.
aiomame cuts that image into the four 2 KiB files the running MAME expects
(their names change between MAME versions: see ``aiomame/romset.py``).
The output depends only on the source, so running it twice gives
byte-identical files.

Assembler choice: suite8080 (``pip install suite8080==0.5.0``), an Intel 8080
cross-assembler written in pure Python. It installs from PyPI like the rest of
the project's Python tooling (no Debian package, no compiler), and it takes
real 8080 mnemonics, so the source reads like the hardware's own manuals.
Debian's z80asm/pasmo would also work but only with Z80 mnemonics, and need
apt. suite8080's parser is minimal (no expressions, ``db``/``equ`` are found
by substring, the last ``;`` starts the comment), so this script lints the
source for those pitfalls before assembling, and checks the addresses that
must be fixed (interrupt vectors at 0008h/0010h, RAM layout) afterwards.

Usage:
    python rom/catch/build.py          # assemble and write the ROM files
    python rom/catch/build.py --check  # assemble, compare with the files
                                       # on disk and with catch_layout.py,
                                       # write nothing; exit 1 on mismatch
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import re
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SOURCE = HERE / "catch.asm"
OUT = REPO / "aiomame" / "games" / "roms" / "catch.bin"
LAYOUT = REPO / "aiomame" / "games" / "catch_layout.py"

ROM_SIZE = 0x2000
FILL = 0x00

# Addresses the hardware or the Python side depend on: symbol -> address.
FIXED_SYMBOLS = {
    "isr1": 0x0008,   # RST 1, mid-screen interrupt
    "isr2": 0x0010,   # RST 2, vblank interrupt
}


def lint(lines: list[str]) -> list[str]:
    """Return a list of problems that suite8080 0.5.0 would mis-parse."""
    problems = []
    for n, line in enumerate(lines, 1):
        if line.count(";") > 1:
            problems.append(f"line {n}: more than one ';' (asm80 splits at the last one)")
        code = line.split(";", 1)[0]
        stripped = code.strip()
        if not stripped:
            continue
        tokens = re.split(r"[\s,:]+", stripped)
        low = stripped.lower()
        is_db = len(tokens) > 0 and ("db" in [t.lower() for t in tokens[:2]])
        if "db" in low and not is_db:
            problems.append(f"line {n}: 'db' inside an identifier or literal: {stripped!r}")
        if is_db:
            # labels on db lines must be alphanumeric; nothing after the directive may
            # contain 'db' before it (asm80 partitions at the first occurrence)
            head = low.split("db", 1)[0]
            if ":" in head and not head.split(":")[0].strip().isalnum():
                problems.append(f"line {n}: db label must be alphanumeric")
        is_equ = len(tokens) > 1 and tokens[1].lower() == "equ"
        if "equ" in low and not is_equ:
            problems.append(f"line {n}: 'equ' inside an identifier or literal: {stripped!r}")
        if is_equ and ":" in stripped:
            problems.append(f"line {n}: EQU name must not have a colon")
        for tok in tokens:
            if re.fullmatch(r"[0-9][0-9a-fA-F]*[hH]", tok) is None \
                    and re.fullmatch(r"[a-fA-F][0-9a-fA-F]*[hH]", tok):
                problems.append(f"line {n}: hex literal must start with a digit: {tok!r}")
        if re.search(r"[A-Za-z0-9_]\s*[+\-*/]\s*[A-Za-z0-9_]", stripped) and not is_db:
            problems.append(f"line {n}: expressions are not supported: {stripped!r}")
        if "_" in stripped.split("'")[0]:
            problems.append(f"line {n}: use alphanumeric names only (no '_')")
    return problems


def assemble(lines: list[str]) -> tuple[bytes, dict[str, int]]:
    """Run suite8080's two-pass assembler, return (code, symbol table)."""
    try:
        from suite8080 import asm80
    except ImportError:
        sys.exit("build.py needs suite8080: pip install suite8080==0.5.0")
    # asm80 keeps its state in module globals: start from a clean slate.
    asm80.lineno = 0
    asm80.address = 0
    asm80.source_pass = 1
    asm80.output = b""
    asm80.symbol_table = {}
    try:
        asm80.assemble(lines)
    except SystemExit as exc:  # asm80.report_error() prints and exits
        sys.exit(f"assembly failed ({exc.code})")
    return bytes(asm80.output), dict(asm80.symbol_table)


def build() -> tuple[bytes, dict[str, int]]:
    lines = SOURCE.read_text(encoding="ascii").splitlines(keepends=True)
    problems = lint(lines)
    if problems:
        sys.exit("catch.asm does not fit asm80's dialect:\n  " + "\n  ".join(problems))
    code, symbols = assemble(lines)
    if len(code) > ROM_SIZE:
        sys.exit(f"program is {len(code)} bytes, more than {ROM_SIZE}")
    for name, addr in FIXED_SYMBOLS.items():
        if symbols.get(name) != addr:
            sys.exit(f"symbol {name} is at {symbols.get(name)!r}, must be {addr:#06x}")
    image = code + bytes([FILL]) * (ROM_SIZE - len(code))
    return image, symbols | {"__code_size__": len(code)}


def digests(data: bytes) -> tuple[str, str]:
    return f"{zlib.crc32(data) & 0xFFFFFFFF:08x}", hashlib.sha1(data).hexdigest()


def load_layout():
    sys.dont_write_bytecode = True  # leave no __pycache__ in the package tree
    spec = importlib.util.spec_from_file_location("catch_layout", LAYOUT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# RAM entries of catch_layout.RAM -> symbol in catch.asm
LAYOUT_SYMBOLS = {
    "frame_counter": "frame", "game_state": "gstate", "game_over": "gover",
    "credits": "credits", "score": "score", "score_bcd": "scorebcd", "lives": "lives",
    "paddle_x": "padx", "event": "event",
    "object0_active": "obj0a", "object0_x": "obj0x", "object0_y": "obj0y",
    "object1_active": "obj1a", "object1_x": "obj1x", "object1_y": "obj1y",
}


def check(image: bytes, symbols: dict[str, int]) -> list[str]:
    errors = []
    if not OUT.exists():
        errors.append(f"{OUT} missing")
    elif OUT.read_bytes() != image:
        errors.append(f"{OUT} differs from a fresh build")
    if LAYOUT.exists():
        layout = load_layout()
        crc, sha1 = digests(image)
        expected = (OUT.name, len(image), crc, sha1)
        if expected != (layout.ROM_IMAGE, layout.ROM_SIZE, layout.ROM_CRC32, layout.ROM_SHA1):
            errors.append(f"catch_layout.ROM_IMAGE/SIZE/CRC32/SHA1 != {OUT.name!r}, "
                          f"{len(image)}, {crc!r}, {sha1!r}")
        for key, sym in LAYOUT_SYMBOLS.items():
            if layout.RAM.get(key, (None,))[0] != symbols[sym]:
                errors.append(f"catch_layout.RAM[{key!r}] != {symbols[sym]:#06x} ({sym})")
    else:
        errors.append(f"{LAYOUT} missing")
    return errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the files on disk instead of writing them")
    args = parser.parse_args()
    image, symbols = build()
    print(f"assembled {SOURCE.name}: {symbols['__code_size__']} bytes of code")
    if args.check:
        errors = check(image, symbols)
        for e in errors:
            print("MISMATCH:", e)
        if errors:
            return 1
        print("ROM image and catch_layout.py match the source")
    else:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_bytes(image)
    crc, sha1 = digests(image)
    print(f"{OUT.name}  size={len(image)}  crc32={crc}  sha1={sha1}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
