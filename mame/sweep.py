"""Run MAME systems through aiomame on zero-filled ROM sets, and print what each does.

    python mame/sweep.py                     # the default list: a few of each kind of machine
    python mame/sweep.py pacman c64 a2600    # these systems
    python mame/sweep.py --json              # one JSON object per system

For each system: a ROM set of zeros is laid out from ``mame -listxml`` (every ROM of the
system, its parent, BIOS and devices; no copyrighted content), then aiomame starts it and
checks what a user relies on: the screen (type, size, rotation); the frame's shape at start
and after the steps (some machines change it), and that a step's frame has
``frame_shape``; the default CPU; ``--steps`` steps (fps); a memory read; a save state
saved and loaded (its size and time). Zero ROMs make most machines draw nothing or hang in
a loop, which is all these checks need. Each row ends with ``ok`` or what failed: a typed
aiomame error (its class and first line), or ``UNTYPED`` for anything else, which is a bug.

Exit status: 0 when every system gave ``ok`` or a typed error, 1 when one gave an untyped
error, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from aiomame import Emulator
from aiomame.errors import AiomameError, RomChecksumWarning
from aiomame.mame.locate import find_mame
from aiomame.mame.romset import zero_filled

KINDS = {  # what each system tried so far is
    "invaders": "arcade, 8080, raster, rotated",
    "pacman": "arcade, Z80, raster",
    "galaxian": "arcade, Z80, 768x224 rotated",
    "asteroid": "arcade, 6502, vector",
    "tempest": "arcade, 6502, vector, rotated",
    "bzone": "arcade, 6502, vector",
    "mhavoc": "arcade, two 6502s, vector",
    "mk": "arcade, TMS34010 (bit-addressed)",
    "sfiii3n": "arcade, CPS3 (SH-2), 112 MB state",
    "tekken": "arcade, PS1-based, no saves",
    "pong": "arcade, netlist, changes size",
    "circus": "arcade, 6502, paddle",
    "vectrex": "console, vector, no saves",
    "a2600": "console, no cartridge",
    "nes": "console, no cartridge",
    "genesis": "console, no cartridge",
    "gameboy": "handheld, LCD (svg)",
    "c64": "computer",
    "pet2001": "computer, drive CPU first",
}
DEFAULT = ["invaders", "pacman", "galaxian", "asteroid", "mk", "pong", "a2600", "genesis",
           "c64", "pet2001"]


@dataclass
class Row:
    system: str
    kind: str = ""
    start_s: float = 0.0
    screen: str = ""
    frame_shape: str = ""
    cpu: str = ""
    fps: float = 0.0
    lit_pixels: int = 0  # pixels not black in the last frame
    read: str = ""
    state_bytes: int = 0
    save_load_ms: str = ""
    result: str = "ok"
    notes: list[str] = field(default_factory=list)


async def sweep_one(system: str, kind: str, rompath: str, steps: int,
                    timeout: float) -> Row:
    """One system through aiomame: the checks of the module's docstring."""
    row = Row(system, kind)
    began = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            async with Emulator(system, rompath, frame_ratio=1, start_timeout=timeout,
                                step_timeout=timeout) as emu:
                row.start_s = round(time.perf_counter() - began, 2)
                await check(emu, row, steps)
    except AiomameError as exc:
        row.result = f"{type(exc).__name__}: {str(exc).splitlines()[0][:100]}"
    except TimeoutError:
        row.result = f"timed out after {timeout:g} s"
    except Exception as exc:  # what the sweep is for: report, do not stop
        row.result = f"UNTYPED {type(exc).__name__}: {str(exc).splitlines()[0][:100]}"
    return row


async def check(emu: Emulator, row: Row, steps: int) -> None:
    info = emu.info
    screens = info.get("screens") or []
    if screens:
        s = screens[0]
        kind = f"{s['type']} " if s.get("type") else ""
        row.screen = f"{kind}{s['width']}x{s['height']} r{s.get('rotation', 0)}"
    row.cpu = emu.default_cpu or ""
    shape = emu.frame_shape
    row.frame_shape = "none" if shape is None else "x".join(map(str, shape))
    frame = None
    began = time.perf_counter()
    for _ in range(steps):
        data = await emu.step(frame=shape is not None)
        frame = data.get("frame")
    row.fps = round(steps / (time.perf_counter() - began), 1)
    if frame is not None:
        if frame.shape != emu.frame_shape:
            row.notes.append(f"a step's frame is {frame.shape}, frame_shape "
                             f"{emu.frame_shape}")
        if frame.shape != shape:  # the machine changed its screen's size
            row.frame_shape += " -> " + "x".join(map(str, frame.shape))
        row.lit_pixels = int(np.count_nonzero(frame.reshape(-1, *frame.shape[2:3]).any(
            axis=-1) if frame.ndim == 3 else frame))
    if any(d.get("spaces") for d in info.get("devices", [])):
        data = await emu.read_range(0, 16)
        row.read = data[:8].hex()
    if emu.supports_save:
        began = time.perf_counter()
        state = await emu.save_state()
        saved = time.perf_counter()
        await emu.load_state(state)
        loaded = time.perf_counter()
        await emu.step(frame=False)
        row.state_bytes = len(state.data)
        row.save_load_ms = f"{(saved - began) * 1e3:.0f}/{(loaded - saved) * 1e3:.0f}"
    else:
        row.save_load_ms = "no saves"


def print_table(rows: list[Row]) -> None:
    heads = ["system", "kind", "start s", "screen", "frame shape", "cpu", "fps", "lit px",
             "read", "state bytes", "save/load ms", "result"]
    cells = [[r.system, r.kind, f"{r.start_s:g}", r.screen, r.frame_shape, r.cpu,
              f"{r.fps:g}", str(r.lit_pixels), r.read, f"{r.state_bytes:,}", r.save_load_ms,
              "; ".join([r.result, *r.notes])] for r in rows]
    print("| " + " | ".join(heads) + " |")
    print("|" + "---|" * len(heads))
    for line in cells:
        print("| " + " | ".join(line) + " |")


async def main_async(args: argparse.Namespace) -> int:
    systems = [(s, KINDS.get(s, "")) for s in args.systems or DEFAULT]
    binary = find_mame(args.mame)
    warnings.simplefilter("ignore", RomChecksumWarning)  # zeros: every checksum differs
    rows = []
    with tempfile.TemporaryDirectory(prefix="aiomame-sweep-") as rompath:
        for system, kind in systems:
            try:
                zero_filled(binary, system, Path(rompath))
            except AiomameError as exc:
                row = Row(system, kind, result=f"{type(exc).__name__}: "
                                               f"{str(exc).splitlines()[0][:100]}")
            else:
                row = await sweep_one(system, kind, rompath, args.steps, args.timeout)
            rows.append(row)
            if args.json:
                print(json.dumps(asdict(row)), flush=True)
            else:
                print(f"{system}: {row.result}", file=sys.stderr, flush=True)
    if not args.json:
        print_table(rows)
    return 1 if any(r.result.startswith("UNTYPED") for r in rows) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("systems", nargs="*", help="MAME system names (default: a list of "
                        "each kind: " + ", ".join(DEFAULT) + ")")
    parser.add_argument("--steps", type=int, default=120, help="steps of one frame each")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds a system may take in all")
    parser.add_argument("--mame", help="MAME binary (default: as aiomame finds it)")
    parser.add_argument("--json", action="store_true", help="one JSON object per system")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.timeout <= 0:
        parser.error("--steps must be >= 1 and --timeout > 0")
    from aiomame.runner import run
    return run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
