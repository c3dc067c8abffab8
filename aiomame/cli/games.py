"""``aiomame games [TEXT]``: the registered games, then the systems MAME knows.

TEXT searches names and descriptions (case-insensitive). With ``--roms PATH`` each MAME
system is marked ``*`` when its ROM set is in PATH (``<set>.zip``, ``<set>.7z`` or
``<set>/`` in one of PATH's ';'-separated folders); ``--present`` lists only those, and
``--verify`` also has MAME check each one found (``mame -verifyroms``). MAME's list
(``mame -listfull``) is cached per MAME binary in $XDG_CACHE_HOME/aiomame/systems/.
``--software LIST`` lists the items of a software list (MAME's ``hash/LIST.xml``: a
system's cartridges, disks, tapes), or of every list of a system, with TEXT searching them.
"""

from __future__ import annotations

import argparse
import difflib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..episodes.opponent import opponent_names
from ..errors import SetupError, UnknownGameError
from ..games import GAMES, Game
from ..games.ids import env_id
from ..mame import romset, softlist
from ..mame.locate import find_mame, mame_hash_path
from ..mame.systems import all_systems, search_systems
from .common import (
    UsageError,
    add_json,
    add_mame,
    add_progress,
    add_roms,
    print_json,
    progress,
    rom_dirs,
    sets_present,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("games", help="search the registered games and MAME's systems",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("text", nargs="?", metavar="TEXT",
                   help="only games whose name or description contains TEXT (any case)")
    add_roms(p, help="mark the systems whose ROM set is in this ROM path (folders separated "
                     "by ';')")
    p.add_argument("--present", action="store_true",
                   help="only the systems whose ROM set is in --roms")
    p.add_argument("--verify", action="store_true",
                   help="run `mame -verifyroms` on each set found in --roms among the matches "
                        "(about 0.1 s a set)")
    p.add_argument("--registered", action="store_true",
                   help="only the registered games, not MAME's systems")
    p.add_argument("--software", default=None, metavar="LIST",
                   help="list the items (name, year, description) of software list LIST, or "
                        "of every list of system LIST, e.g. a2600")
    add_mame(p)
    add_json(p)
    add_progress(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    if args.software is not None:
        return _software(args)
    if (args.present or args.verify) and args.roms is None:
        raise UsageError(f"--{'present' if args.present else 'verify'} needs --roms PATH")
    present = sets_present(args.roms) if args.roms is not None else None
    games = [_game_entry(GAMES[name], present, args.mame) for name in sorted(GAMES)
             if _matches(args.text, name, GAMES[name].system, _title(GAMES[name]))]
    if args.present:
        games = [g for g in games if g["roms"] in ("bundled", "present", "none needed")]
    systems: list[dict[str, Any]] = []
    cached = None
    if not args.registered:
        found, cached = all_systems(args.mame)
        for name, title in search_systems(found, args.text):
            entry: dict[str, Any] = {"name": name, "description": title}
            if present is not None:
                entry["present"] = name in present
                if args.present and not entry["present"]:
                    continue
            systems.append(entry)
        if args.verify:
            _verify(systems, args)
    if args.json:
        print_json({"mame": None if args.registered else find_mame(args.mame),
                    "cached": cached, "roms": args.roms, "games": games, "systems": systems})
        return
    _print(args, games, systems)


def _software(args: argparse.Namespace) -> None:
    """The items of software list ``--software``, or of each list of that system."""
    mame = find_mame(args.mame)
    hash_path = mame_hash_path(mame)
    if hash_path is None:
        raise SetupError(f"MAME's software lists (hash/*.xml) are not installed for {mame}")
    path = softlist.list_file(hash_path, args.software)
    if path is not None:
        lists = {args.software: list(softlist.read_list(path).values())}
    else:
        try:
            lists = softlist.items(mame, args.software, hash_path)
        except UnknownGameError:
            names = sorted({p.stem for folder in hash_path.split(";")
                            for p in Path(folder).glob("*.xml")})
            similar = difflib.get_close_matches(args.software, names, n=5, cutoff=0.6)
            hint = f"; similar lists: {', '.join(similar)}" if similar else ""
            raise UsageError(f"--software {args.software!r}: no such software list in "
                             f"{hash_path} nor MAME system{hint}") from None
    found = {name: [i for i in items if _matches(args.text, i.name, i.description)]
             for name, items in lists.items()}
    if args.json:
        print_json({"hashpath": hash_path, "lists": {
            name: [{"name": i.name, "description": i.description, "year": i.year,
                    "publisher": i.publisher} for i in items] for name, items in found.items()}})
        return
    for name, items in found.items():
        matching = f" matching {args.text!r}" if args.text else ""
        print(f"Software list {name}: {len(items)} items{matching} (run one: play/new-game "
              "--software ITEM, Emulator(..., software=ITEM))")
        for i in items:
            print(f"  {i.name:<16} {i.year:<5} {i.description}")


def _title(game: type[Game]) -> str:
    """The first line of the game's description, docstring or module docstring."""
    module = sys.modules.get(game.__module__)
    for doc in (getattr(game, "description", None), game.__dict__.get("__doc__"),
                module and module.__doc__):
        if isinstance(doc, str) and doc.strip():
            return doc.strip().splitlines()[0].strip()
    return ""


KIND_WORDS = {"discrete": ("discrete action", "discrete actions"),
              "buttons": ("button", "buttons"), "axes": ("axis", "axes")}
"""How a game's action count reads, per kind of controls: (one, several)."""


def count_of(count: int, kind: str) -> str:
    """``3 discrete actions``, ``9 buttons``, ``1 axis``."""
    one, several = KIND_WORDS.get(kind, ("action", "actions"))
    return f"{count:>3} {one if count == 1 else several}"


def plain(text: str) -> str:
    """A docstring's text for a terminal: reST's ``code`` marks dropped."""
    return re.sub(r"``(.+?)``", r"\1", text)


def _matches(text: str | None, *fields: str) -> bool:
    return not text or any(text.lower() in f.lower() for f in fields)


def _game_entry(game: type[Game], present: set[str] | None, mame: str | None
                ) -> dict[str, Any]:
    roms = "bundled" if game.rom_images else None
    if roms is None and present is not None:
        # A game on its own media, on a system that loads no ROMs (basket on the a2600).
        roms = "none needed" if game.media and not romset.rom_files(find_mame(mame), game.system) \
            else "present" if game.system in present else "missing"
    instance = game()
    entry: dict[str, Any] = {"name": game.name, "id": env_id(game), "system": game.system,
                             "description": _title(game),
                             "actions": list(instance.action_names()),
                             "kind": "axes" if game.axes else "buttons" if game.buttons
                             else "discrete",
                             "roms": roms, "players": instance.players}
    if instance.players > 1:  # each player's actions, and who plays player 2 against an agent
        entry["player_actions"] = [instance.controls(p).action_names()
                                   for p in range(1, instance.players + 1)]
        entry["opponents"] = opponent_names(instance, 2)
    return entry


def _verify(systems: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """Runs ``mame -verifyroms`` on each present set: ``verified`` is MAME's verdict
    ("good", "bad", "best available"...)."""
    mame = find_mame(args.mame)
    rompath = ";".join(rom_dirs(args.roms))
    todo = [s for s in systems if s.get("present")]
    for entry in progress(todo, desc="verifying", enabled=args.progress):
        done = subprocess.run([mame, "-verifyroms", entry["name"], "-rompath", rompath],
                              capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        verdict = "unknown"
        for line in done.stdout.splitlines():
            if line.startswith("romset ") and " is " in line:
                verdict = line.rsplit(" is ", 1)[1].strip()
        entry["verified"] = verdict


def _print(args: argparse.Namespace, games: list[dict[str, Any]],
           systems: list[dict[str, Any]]) -> None:
    if games:
        print("Registered games (GameEnv, EnvPool, play, bench...: the name; gymnasium.make: "
              "the id):")
        for g in games:
            roms = f"  [ROMs: {g['roms']}]" if g["roms"] else ""
            players = ""
            if g["players"] > 1:
                players = (f"  [{g['players']} players: "
                           + ", ".join(f"P{p} {len(a)}" for p, a in
                                       enumerate(g["player_actions"], 1))
                           + f" actions; opponents {', '.join(g['opponents'])}]")
            line = (f"  {g['name']:<13} {g['id']:<23} {g['system']:<10} "
                    f"{count_of(len(g['actions']), g['kind']):<20}  "
                    f"{plain(g['description'])}{players}{roms}")
            print(line.rstrip())
    if args.registered:
        return
    if games:
        print()
    marked = args.roms is not None
    where = f", * = ROM set in {args.roms}" if marked else ""
    print(f"MAME systems{f' matching {args.text!r}' if args.text else ''}: {len(systems)}"
          f"{where}")
    for s in systems:
        mark = ("* " if s.get("present") else "  ") if marked else ""
        verified = f"  [{s['verified']}]" if "verified" in s else ""
        print(f"  {mark}{s['name']:<16} {s['description']}{verified}")
