"""``aiomame new-game SYSTEM [OUT]``: a starting game definition (TOML) for a MAME system.

Starts MAME on the system, asks its inputs and address spaces, and writes a commented
definition that runs as written: the player inputs as buttons (a 0/1 vector per step), no
reward, no end; memory, reward, episode end, start and seed as commented examples to fill
in (see ``aiomame.games.definition``). A system with player 2 controls (fields named
``P2 ...``) gets ``players = 2`` and a ``[player2]`` table with them, and a commented
cabinet setting where the machine has one (some games read player 2 only in a cocktail
cabinet).
"""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path
from typing import Any

from ..games.definition import load_game
from ..machine.emulator import Emulator
from ..runner import run
from .common import UsageError, add_media, add_roms, media_options

_CONTROL = re.compile(r"^P\d+ |^\d+ Players? Start$|^Start$|^Coin \d+$")
"""Field names of player controls (not DIP switches or settings): active buttons."""
_OTHER_PLAYERS = re.compile(r"^P[2-9] ")
"""Field names of controls of players 2...: not player 1's buttons."""
_PLAYER2 = re.compile(r"^P2 ")
_CABINET = re.compile(r"cabinet|cocktail", re.IGNORECASE)
"""Field names of settings that may decide whether player 2's controls are read."""


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
    game = load_game(out)  # as written, it loads
    buttons = sum(1 for a in actions if _active(a) and not _OTHER_PLAYERS.search(a["field"]))
    players = f" for player 1, {len(game.player_controls[1].buttons)} for player 2" \
        if game.players > 1 else ""
    print(f"wrote {out}: {args.system}, {buttons} buttons{players}; "
          f"run it with aiomame.GameEnv({str(out)!r}, roms_path={args.roms!r})")


async def _ask(system: str, roms: str, media: dict[str, Any]
               ) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The machine's info, with ``settings`` (``"PORT/FIELD"`` -> its settings, [value,
    name] each) for cabinet settings, and its inputs."""
    async with Emulator(system, roms, **media) as emu:
        info = dict(emu.info)
        info["settings"] = {}
        for port in info.get("ports", ()):
            for field in port["fields"]:
                if _CABINET.search(field["name"]) and "id" in field:
                    reply = await emu.process.request("setting", field["id"])
                    if reply[2]:
                        info["settings"][f"{port['tag']}/{field['name']}"] = reply[2]
        return info, emu.list_actions()


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
    player2 = [a for a in digital if _PLAYER2.search(a["field"]) and "all" not in a]
    digital = [a for a in digital if a not in player2]
    lines = [
        f"# Game definition for MAME system {system!r}, written by `aiomame new-game` "
        f"(MAME {info.get('mame', '?')}).",
        f"# It runs as written: GameEnv({name!r}, roms_path={roms!r}). Fill in memory,",
        "# reward, done and start below (reference: docs/game-definitions.md in aiomame).",
        f"system = {_toml(system)}",
        *([f"software = {_toml(media['software'])}  # a software-list item"]
          if "software" in media else []),
        "frame_ratio = 3             # frames per step",
        "# max_episode_steps = 10000",
        *(["players = 2                 # player 2's controls and reward: [player2] below"]
          if player2 else []),
        "",
        f"# The action{' of player 1' if player2 else ''}: a 0/1 vector, one entry per button "
        "held for the step (MultiBinary).",
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
    lines += _player2_lines(player2, info.get("settings", {}))
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


def _player2_lines(player2: list[dict[str, str]], settings: dict[str, list[Any]]
                   ) -> list[str]:
    """The [player2] table (player 2's buttons, its reward as a commented example), and
    commented cabinet settings."""
    if not player2:
        return []
    lines = [
        "",
        "# Player 2: its controls, the same kind of action as player 1's (buttons, or",
        "# [player2.actions] with [actions]), and its reward. step() takes [player 1's action,",
        "# player 2's] and the reward is one per player; or one agent plays against an",
        "# opponent: GameEnv(..., opponent=\"random\"), `aiomame play FILE --opponent random`.",
        "[player2]",
        "buttons = [",
        *(f"    {_toml(a['port'] + '/' + a['field'])}," for a in player2),
        "]",
        "# [player2.actions]",
        "# noop = []",
    ]
    for action in player2[:3]:
        name = re.sub(r"\W+", "_", action["field"].lower()).strip("_")
        lines.append(f"# {name} = [{_toml(action['port'] + '/' + action['field'])}]")
    lines += ["# Player 2's reward, as [reward] is player 1's (memory names of [memory]).",
              "# [player2.reward]", "# score2 = 1.0"]
    for key, choices in settings.items():
        named = ", ".join(f"{name} ({value})" for value, name in choices)
        cocktail = next((name for _, name in choices if "cocktail" in str(name).lower()),
                        choices[-1][1])
        lines += ["", "# Machine settings (DIP switches): some games read player 2's controls "
                      "only in a", f"# cocktail cabinet. {key}: {named}.", "# [settings]",
                  f"# {_toml(key)} = {_toml(str(cocktail))}"]
    return lines


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
