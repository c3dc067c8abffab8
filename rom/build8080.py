"""Shared build plumbing for aiomame's Intel 8080 ROMs (``rom/catch``, ``rom/duel``).

Each game's ``build.py`` describes its ROM with a :class:`Rom` and calls :func:`main`:
lint the source for suite8080's pitfalls, assemble it, pad it to the image size, check the
addresses the hardware depends on, then write the image (or, with ``--check``, compare it
and the game's ``*_layout.py`` with the source) and print its CRC32 and SHA1.

Assembler choice: suite8080 (``pip install suite8080==0.5.0``), an Intel 8080
cross-assembler written in pure Python. It installs from PyPI like the rest of the
project's Python tooling (no Debian package, no compiler), and it takes real 8080
mnemonics, so the sources read like the hardware's own manuals. Debian's z80asm/pasmo
would also work but only with Z80 mnemonics, and need apt. suite8080's parser is minimal
(no expressions, ``db``/``equ`` are found by substring, the last ``;`` starts the
comment), so :func:`lint` rejects source it would misread before assembling.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import re
import sys
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent

# The Midway 8080 board's interrupt vectors: symbol -> address.
INTERRUPT_VECTORS: Mapping[str, int] = {
    "isr1": 0x0008,   # RST 1, mid-screen interrupt
    "isr2": 0x0010,   # RST 2, vblank interrupt
}


@dataclass(frozen=True)
class Rom:
    """One ROM: its source, its image, its layout module and what must match between them."""

    source: Path
    """The assembly source."""
    out: Path
    """The image written (``aiomame/games/roms/NAME.bin``)."""
    layout: Path
    """The Python module of constants (``aiomame/games/NAME_layout.py``) that --check compares:
    its ROM_IMAGE/ROM_SIZE/ROM_CRC32/ROM_SHA1 and its RAM addresses."""
    layout_symbols: Mapping[str, str]
    """RAM entry of the layout -> the source's symbol at that address."""
    layout_constants: Mapping[str, str] = field(default_factory=dict)
    """Other constant of the layout -> the source's EQU of the same value."""
    fixed_symbols: Mapping[str, int] = field(default_factory=lambda: dict(INTERRUPT_VECTORS))
    """Symbols the hardware or the Python side need at a fixed address."""
    size: int = 0x2000
    fill: int = 0x00


def lint(lines: Sequence[str]) -> list[str]:
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


def assemble(lines: Sequence[str]) -> tuple[bytes, dict[str, int]]:
    """Run suite8080's two-pass assembler, return (code, symbol table). Exits if suite8080
    is missing or reports an error."""
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
        asm80.assemble(list(lines))
    except SystemExit as exc:  # asm80.report_error() prints and exits
        sys.exit(f"assembly failed ({exc.code})")
    return bytes(asm80.output), dict(asm80.symbol_table)


def build(rom: Rom) -> tuple[bytes, dict[str, int]]:
    """(the padded image, the symbol table plus ``__code_size__``). Exits on a lint problem,
    an assembly error, code larger than the image, or a fixed symbol elsewhere."""
    lines = rom.source.read_text(encoding="ascii").splitlines(keepends=True)
    problems = lint(lines)
    if problems:
        sys.exit(f"{rom.source.name} does not fit asm80's dialect:\n  " + "\n  ".join(problems))
    code, symbols = assemble(lines)
    if len(code) > rom.size:
        sys.exit(f"program is {len(code)} bytes, more than {rom.size}")
    for name, addr in rom.fixed_symbols.items():
        if symbols.get(name) != addr:
            sys.exit(f"symbol {name} is at {symbols.get(name)!r}, must be {addr:#06x}")
    image = code + bytes([rom.fill]) * (rom.size - len(code))
    return image, symbols | {"__code_size__": len(code)}


def digests(data: bytes) -> tuple[str, str]:
    """(CRC32, SHA1) of ``data`` in lowercase hex."""
    return f"{zlib.crc32(data) & 0xFFFFFFFF:08x}", hashlib.sha1(data).hexdigest()


def load_layout(path: Path) -> ModuleType:
    """The layout module at ``path``, imported without leaving a __pycache__ behind."""
    sys.dont_write_bytecode = True  # leave no __pycache__ in the package tree
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        sys.exit(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check(rom: Rom, image: bytes, symbols: Mapping[str, int]) -> list[str]:
    """What differs between a fresh build and the files on disk (empty: nothing)."""
    errors = []
    if not rom.out.exists():
        errors.append(f"{rom.out} missing")
    elif rom.out.read_bytes() != image:
        errors.append(f"{rom.out} differs from a fresh build")
    if not rom.layout.exists():
        return [*errors, f"{rom.layout} missing"]
    layout = load_layout(rom.layout)
    name = rom.layout.stem
    crc, sha1 = digests(image)
    expected = (rom.out.name, len(image), crc, sha1)
    if expected != (layout.ROM_IMAGE, layout.ROM_SIZE, layout.ROM_CRC32, layout.ROM_SHA1):
        errors.append(f"{name}.ROM_IMAGE/SIZE/CRC32/SHA1 != {rom.out.name!r}, "
                      f"{len(image)}, {crc!r}, {sha1!r}")
    for key, sym in rom.layout_symbols.items():
        if layout.RAM.get(key, (None,))[0] != symbols[sym]:
            errors.append(f"{name}.RAM[{key!r}] != {symbols[sym]:#06x} ({sym})")
    for key, sym in rom.layout_constants.items():
        if getattr(layout, key, None) != symbols[sym]:
            errors.append(f"{name}.{key} != {symbols[sym]} ({sym})")
    return errors


def main(rom: Rom, argv: Sequence[str] | None = None, description: str = "") -> int:
    """The build.py command line: write the image, or with --check compare it (exit 1 on a
    mismatch)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true",
                        help="compare with the files on disk instead of writing them")
    args = parser.parse_args(argv)
    image, symbols = build(rom)
    print(f"assembled {rom.source.name}: {symbols['__code_size__']} bytes of code")
    if args.check:
        errors = check(rom, image, symbols)
        for e in errors:
            print("MISMATCH:", e)
        if errors:
            return 1
        print(f"ROM image and {rom.layout.name} match the source")
    else:
        rom.out.parent.mkdir(parents=True, exist_ok=True)
        rom.out.write_bytes(image)
    crc, sha1 = digests(image)
    print(f"{rom.out.name}  size={len(image)}  crc32={crc}  sha1={sha1}")
    return 0
