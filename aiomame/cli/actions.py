"""``aiomame actions GAME``: what an agent can press.

For a registered game (or a definition file): its actions by index with the inputs each
holds (for a game with buttons or axes, the action vector's entries), each player's for a
two-player game (with the opponents `play --opponent` takes), without starting MAME;
with ``--inputs`` also its system's input ports and fields. For a MAME system: starts it
(ROMs from ``--roms``) and lists its ports and fields, analog ones marked with their kind
and range; each is usable as ``Action(port, field)`` (an analog one with a value in range).
"""

from __future__ import annotations

import argparse
from typing import Any

from ..episodes.opponent import opponent_names
from ..games import Game
from ..games.controls import Controls
from ..games.ids import env_id
from ..machine.analog import analog_entry
from ..machine.emulator import Emulator
from ..runner import run
from .common import add_json, add_mame, add_roms, game_help, print_json, resolve_game, system_roms


def add_parser(sub: argparse._SubParsersAction) -> None:
    # list-actions (the old name) is a parser of its own, so that its usage names it
    for name, summary in (("actions", "list a game's actions, or a MAME system's inputs"),
                          ("list-actions", "the same as actions")):
        p = sub.add_parser(name, help=summary, description=__doc__,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("game", metavar="GAME", help=game_help())
        p.add_argument("--inputs", action="store_true",
                       help="for a registered game, also start its system and list its input "
                            "ports and fields")
        add_roms(p)
        add_mame(p)
        add_json(p)
        p.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    game, system = resolve_game(args.game, args.mame)
    result: dict[str, Any] = {"game": None if game is None else game.name,
                              "id": None if game is None else env_id(game), "system": system}
    if game is not None:
        result.update(_game_actions(game))
    if game is None or args.inputs:
        roms, output_filter = system_roms(game, args.roms, args.mame)
        result["ports"] = run(_ports(system, roms, args.mame, output_filter))
    if args.json:
        print_json(result)
        return
    if game is not None:
        _print_actions(game, system, result)
    if "ports" in result:
        if game is not None:
            print()
        fields = sum(len(p["fields"]) for p in result["ports"])
        print(f"{system}: {len(result['ports'])} input ports, {fields} fields "
              "(Action(port, field); analog fields marked)")
        for port in result["ports"]:
            for field in port["fields"]:
                mark = (f"  [analog {field.get('kind')} {field.get('min')}..{field.get('max')}"
                        f", default {field.get('default')}]" if field["analog"] else "")
                print(f"  {port['tag']:<16} {field['name']}{mark}")


def _print_actions(game: Game, system: str, result: dict[str, Any]) -> None:
    kind = {"buttons": "buttons: the action is a vector of 0/1, one entry per button",
            "axes": "entries: the action is a vector in [-1, 1], one entry per analog "
                    "axis (-1: its min, 1: its max), then per button (held when > 0)",
            }.get(result["kind"], "discrete actions, by index or name")
    players = result.get("player_actions", [result["actions"]])
    head = f"{game.name} ({result['id']}, MAME system {system!r})"
    if len(players) == 1:
        print(f"{head}: {len(result['actions'])} {kind}")
    else:
        print(f"{head}: {len(players)} players, {kind}; "
              f"opponents (play --opponent): {', '.join(result['opponents'])}")
    for player, actions in enumerate(players, 1):
        if len(players) > 1:
            print(f"  player {player}: {len(actions)} actions")
        for action in actions:
            held = ", ".join(action["inputs"]) or "(nothing)"
            print(f"  {action['index']:>3}  {action['name']:<20} {held}")


def _game_actions(game: Game) -> dict[str, Any]:
    """Player 1's ``kind`` and ``actions``; with two players also ``players``,
    ``player_actions`` (each player's) and ``opponents`` (of player 2)."""
    every = [_player_actions(game.controls(p)) for p in range(1, game.players + 1)]
    result: dict[str, Any] = {"kind": game.controls().kind, "actions": every[0]}
    if game.players > 1:
        result.update(players=game.players, player_actions=every,
                      opponents=opponent_names(game, 2))
    return result


def _player_actions(controls: Controls) -> list[dict[str, Any]]:
    if controls.kind != "discrete":
        return [{"index": i, "name": name, "inputs": [name]}
                for i, name in enumerate(controls.action_names())]
    return [{"index": i, "name": name,
             "inputs": [f"{a.port}/{a.field}" for a in controls.inputs(i)]}
            for i, name in enumerate(controls.action_names())]


async def _ports(system: str, roms: str, mame: str | None, output_filter: Any
                 ) -> list[dict[str, Any]]:
    async with Emulator(system, roms, mame_binary=mame, output_filter=output_filter) as emu:
        return [{"tag": p["tag"],
                 "fields": [{"name": f["name"], **analog_entry(f)} if f.get("analog")
                            else {"name": f["name"], "analog": False} for f in p["fields"]]}
                for p in emu.info["ports"]]
