"""``aiomame new-game SYSTEM [OUT]``: a starting game definition (TOML) for a MAME system.

Starts MAME on the system, asks its inputs and address spaces, and writes a commented
definition that runs as written: the player inputs as buttons (a 0/1 vector per step), no
reward, no end; memory, reward, episode end, start and seed as commented examples to fill
in (see ``aiomame.games.definition``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path
from typing import Any

from ..emulator import Emulator
from ..games.definition import game_class
from ..runner import run
from .common import UsageError, add_media, add_roms, media_options

_CONTROL = re.compile(r"^P\d+ |^\d+ Players? Start$|^Start$|^Coin \d+$")
"""Field names of player controls (not DIP switches or settings): active buttons."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("new-game", help="write a starting game definition for a MAME system",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("system", help="MAME's system name, e.g. invaders")
    p.add_argument("out", nargs="?", help="the file to write (default: SYSTEM.toml)")
    add_roms(p, "roms", help="MAME's ROM path, folders separated by ';' (default: roms)")
    p.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    add_media(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    out = Path(args.out or f"{args.system}.toml")
    if out.exists() and not args.force:
        raise UsageError(f"{out} exists: pass --force to overwrite it")
    if out.suffix != ".toml":
        raise UsageError(f"{out}: a game definition's file name ends in .toml")
    if not out.resolve().parent.is_dir():
        raise UsageError(f"{str(out)!r}: no such folder to write it in")
    media = media_options(args)
    info, actions = run(_ask(args.system, args.roms, media))
    text = definition_text(info, actions, args.roms, out.name, _relative(media, out))
    out.write_text(text)
    game_class(out)  # as written, it loads
    print(f"wrote {out}: {args.system}, {sum(1 for a in actions if _active(a))} buttons; "
          f"run it with aiomame.GameEnv({str(out)!r}, roms_path={args.roms!r})")


async def _ask(system: str, roms: str, media: dict[str, Any]
               ) -> tuple[dict[str, Any], list[dict[str, str]]]:
    async with Emulator(system, roms, **media) as emu:
        return dict(emu.info), emu.list_actions()


def _relative(media: dict[str, Any], out: Path) -> dict[str, Any]:
    """``media``'s files relative to the definition's folder (as a definition has them)."""
    folder = out.resolve().parent
    files = {slot: os.path.relpath(Path(file).resolve(), folder)
             for slot, file in media.get("media", {}).items()}
    return {**media, "media": files} if files else media


def _active(action: dict[str, str]) -> bool:
    return bool(_CONTROL.search(action["field"]))


def _toml(value: str) -> str:
    return json.dumps(value)  # a JSON string is a TOML basic string


def definition_text(info: dict[str, Any], actions: list[dict[str, str]], roms: str,
                    name: str = "THIS.toml", media: dict[str, Any] | None = None) -> str:
    """The definition file for a system with ``info`` (:attr:`Emulator.info`) and inputs
    ``actions`` (:meth:`Emulator.list_actions`), loading ``media`` (``software`` and
    ``media``: slot -> file relative to the definition, as given to the Emulator)."""
    media = media or {}
    system = info["system"]
    analog = {(p["tag"], f["name"]) for p in info.get("ports", ()) for f in p["fields"]
              if f.get("analog")}
    digital = [a for a in actions if (a["port"], a["field"]) not in analog]
    if not digital:
        raise UsageError(f"{system!r} has no digital inputs to use as buttons")
    if not any(_active(a) for a in digital):
        digital = [{**a, "all": "1"} for a in digital]
    lines = [
        f"# Game definition for MAME system {system!r}, written by `aiomame new-game` "
        f"(MAME {info.get('mame', '?')}).",
        f"# It runs as written: GameEnv({name!r}, roms_path={roms!r}). Fill in memory,",
        "# reward, done and start below (reference: README, \"Game definitions as data\").",
        f"system = {_toml(system)}",
        *([f"software = {_toml(media['software'])}  # a software-list item"]
          if "software" in media else []),
        "frame_ratio = 3             # frames per step",
        "# max_episode_steps = 10000",
        "",
        "# The action: a 0/1 vector, one entry per button held for the step (MultiBinary).",
        "# Inputs are \"PORT/FIELD\". Commented out: fields that look like settings (DIP",
        "# switches), not controls.",
        "buttons = [",
    ]
    for action in digital:
        entry = _toml(f"{action['port']}/{action['field']}") + ","
        lines.append(f"    {entry}" if _active(action) or "all" in action else f"    # {entry}")
    lines += [
        "]",
        "",
        "# Or named discrete actions (remove buttons then): NAME = [inputs held together].",
        "# [actions]",
        "# noop = []",
    ]
    for action in [a for a in digital if _active(a)][:3]:
        name = re.sub(r"\W+", "_", action["field"].lower()).strip("_")
        lines.append(f"# {name} = [{_toml(action['port'] + '/' + action['field'])}]")
    lines += ["", "# Memory read every step, NAME = { address, type, device, space }; type one of",
              "# u8 s8 u16 s16 u32 s32 (default u8). This system's devices and spaces:"]
    for device in info.get("devices", ()):
        spaces = ", ".join(
            f"{s['name']} (mask 0x{s.get('address_mask', 0):X}, {s.get('data_width', '?')}-bit "
            f"{s.get('endianness', '')})" for s in device.get("spaces", ()))
        lines.append(f"#   {device['tag']} ({device.get('name', '?')}): {spaces}")
    first = info.get("default_cpu") or ":maincpu"
    lines += [
        "# [memory]",
        "# score = { address = 0x2008, type = \"u16\" }",
        f"# lives = {{ address = \"0x200C\", device = {_toml(first)}, space = \"program\" }}",
        "",
        "# Reward: the weighted sum of memory values' increases per step.",
        "# [reward]",
        "# score = 1.0",
        "",
        "# Episode end: any (or all) of conditions \"NAME OP VALUE\", OP one of == != < <= > >=.",
        "# [done]",
        "# any = [\"lives == 0\"]",
        "",
        "# Start of each episode: a hard reset, then scripted inputs (run once, saved, reused);",
        "# or state = \"start.state\" (saved by aiomame.State.save), relative to this file.",
        "# [start]",
        "# script = [",
        "#     { inputs = [\":IN1/Coin 1\"] },",
        "#     { inputs = [\":IN1/1 Player Start\"], until = \"lives > 0\", max_steps = 600 },",
        "# ]",
        "",
        "# Where reset(seed=...) writes seed % modulo + offset (a game's RNG), if anywhere.",
        "# [seed]",
        "# address = 0x2010",
        "# type = \"u16\"",
        "# modulo = 65535",
        "# offset = 1",
        "",
        *_media_lines(info, media.get("media", {})),
        "# Observation defaults (GameEnv and EnvPool arguments override them).",
        "# [obs]",
        "# obs_type = \"grayscale\"     # rgb, grayscale or bgra",
        "# resize = [84, 84]           # [height, width]",
        "# frame_stack = 4",
        "",
    ]
    return "\n".join(lines)


def _media_lines(info: dict[str, Any], files: dict[str, str]) -> list[str]:
    """The [media] table: the files given, else the slots as commented examples."""
    slots = info.get("media", ())
    if not files and not slots:
        return []
    lines = ["# Media: MAME slot = file, relative to this file. This system's slots:"]
    for slot in slots:
        kinds = ", ".join("." + e for e in slot.get("extensions", ()))
        lines.append(f"#   {slot['brief']} ({slot['name']}, takes {kinds or 'any file'})")
    lines.append("[media]" if files else "# [media]")
    lines += [f"{slot} = {_toml(file)}" for slot, file in files.items()]
    if not files:
        lines.append(f"# {slots[0]['brief']} = \"game.bin\"")
    return [*lines, ""]
