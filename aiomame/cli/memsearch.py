"""``aiomame memsearch GAME``: find a game's memory addresses by watching how values move.

Play the game (random or named actions, or by hand in MAME's window with --render), take
snapshots of its RAM, and narrow the candidates: `inc` after the score went up, `delta -1`
after a life was lost, `eq 3` when the screen shows 3. Commands come from the terminal, or
from --script FILE or stdin when it is not a terminal; --json prints the survivors as JSON
at the end.
"""

from __future__ import annotations

import argparse
import json
import random
import shlex
import sys
from collections.abc import Iterable, Iterator
from typing import TextIO

from ..episodes.env import GameEnv
from ..errors import AiomameError
from ..games import GAMES
from ..machine.emulator import Action, Emulator
from ..runner import run
from ..tools.memsearch import MemorySearch, parse_regions, start_search, take_snapshot
from .common import UsageError, add_roms

FILTER_COMMANDS = {
    "changed": "changed", "unchanged": "unchanged", "inc": "increased", "increased": "increased",
    "dec": "decreased", "decreased": "decreased", "delta": "delta", "eq": "equal",
    "ne": "not_equal", "gt": "greater", "lt": "less", "ge": "greater_equal",
    "le": "less_equal"}

HELP = """\
commands:
  step [N] [ACTION]   run N steps (default 1) holding ACTION (default: noop; 'random' picks
                      one each step); then take a snapshot unless --no-auto-snap
  snap [LABEL]        take a snapshot of the searched memory now
  changed | unchanged | inc | dec          compare the last two snapshots
  delta N             last - previous == N
  eq N | ne N | gt N | lt N | ge N | le N  compare the last snapshot with N
  type T [little|big] [bcd] [aligned] [unaligned]   read values as T (u8 s8 u16 s16 u32 s32)
  show [N]            the survivors (first N, default 20) and their values in each snapshot
  count               how many candidates are left
  undo                take back the last filter
  reset               every address is a candidate again
  new                 start a new game (registered games)
  save FILE           save the session (continue it with --load FILE)
  actions             the actions 'step' takes
  help | quit"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("memsearch", help="find a game's memory addresses (score, lives...) by "
                       "filtering RAM snapshots", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter, epilog=HELP)
    p.add_argument("game", help=f"a registered game ({', '.join(sorted(GAMES))}) or, with "
                   "--roms, any MAME system name")
    add_roms(p)
    p.add_argument("--regions", metavar="RANGES",
                   help="where to search: START-END or START+LENGTH, comma-separated "
                   "(e.g. 0x2000-0x23FF); default: the RAM in the space's address map")
    p.add_argument("--device", help="device tag of the memory (default: the main CPU)")
    p.add_argument("--space", default="program", help="address space (default: program)")
    p.add_argument("--type", default="u8", dest="value_type",
                   help="value type: u8 s8 u16 s16 u32 s32 (default: u8)")
    p.add_argument("--endian", choices=("little", "big"),
                   help="byte order of wider values (default: the CPU's)")
    p.add_argument("--bcd", action="store_true", help="read values as packed BCD digits")
    p.add_argument("--aligned", action="store_true",
                   help="only addresses that are a multiple of the value size")
    p.add_argument("--script", metavar="FILE",
                   help="read commands from FILE ('-' for stdin) instead of the terminal")
    p.add_argument("--json", action="store_true",
                   help="at the end, print the search state and survivors as JSON on stdout "
                   "(command output then goes to stderr)")
    p.add_argument("--load", metavar="FILE", help="continue a session saved with 'save FILE'")
    p.add_argument("--no-auto-snap", action="store_true",
                   help="'step' does not take a snapshot after its steps")
    p.add_argument("--seed", type=int, default=None,
                   help="seed of the game and of 'random' actions")
    p.add_argument("--render", action="store_true",
                   help="show MAME's window (play by hand there during 'step N')")
    p.add_argument("--throttle", action="store_true", help="run at the game's real speed")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if args.game not in GAMES and not args.roms:
        raise UsageError(f"{args.game!r} is not a registered game ({', '.join(sorted(GAMES))}); "
                         "for another MAME system, give its ROM path with --roms")
    regions = parse_regions(args.regions) if args.regions else None
    # the value type, device and space, and a session to continue: checked before MAME starts
    MemorySearch([(0, 8)], value_type=args.value_type, endian=args.endian or "little",
                 bcd=args.bcd, aligned=args.aligned, device=args.device, space=args.space)
    args.loaded = MemorySearch.load(args.load) if args.load else None
    if args.script == "-" or (args.script is None and not sys.stdin.isatty()):
        lines: Iterable[str] = sys.stdin
    elif args.script is not None:
        try:
            with open(args.script) as f:
                lines = f.read().splitlines()
        except OSError as exc:
            raise UsageError(f"cannot read --script {args.script!r}: {exc.strerror}") from None
    else:
        lines = _prompt()
    out = sys.stderr if args.json else sys.stdout
    return run(_session(args, regions, lines, out))


def _prompt() -> Iterator[str]:
    print("aiomame memsearch: 'help' lists the commands", flush=True)
    while True:
        try:
            yield input("memsearch> ")
        except EOFError:
            return


class _Machine:
    """The game being searched: a registered game (GameEnv) or a bare MAME system."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.rng = random.Random(args.seed)
        self.seed = args.seed
        kw = {"render": args.render, "throttle": args.throttle}
        if args.game in GAMES:
            self.env: GameEnv | None = GameEnv(args.game, roms_path=args.roms, **kw)
            self.emu = self.env.emulator
        else:
            self.env = None
            self.emu = Emulator(args.game, args.roms, **kw)

    async def start(self) -> None:
        if self.env is not None:
            await self.env.start()
            await self.env.reset(seed=self.seed)
        else:
            await self.emu.start()

    async def close(self) -> None:
        await (self.env.close() if self.env is not None else self.emu.close())

    def actions(self) -> list[str]:
        if self.env is not None:
            return self.env.action_names
        return ["noop", *(a["field"] for a in self.emu.list_actions())]

    async def step(self, action: str) -> None:
        names = self.actions()
        if action == "random":
            action = self.rng.choice(names)
        elif action not in names:
            raise UsageError(f"unknown action {action!r}; valid: random, {', '.join(names)}")
        if self.env is None:
            fields = [Action(a["port"], a["field"]) for a in self.emu.list_actions()
                      if a["field"] == action]
            await self.emu.step(fields, frame=False)
            return
        _, _, terminated, truncated, _ = await self.env.step(names.index(action))
        if terminated or truncated:
            await self.env.reset()

    async def new(self) -> None:
        if self.env is None:
            raise UsageError("'new' starts a new game of a registered game; use 'step' here")
        await self.env.reset()


async def _session(args: argparse.Namespace, regions: list[tuple[int, int]] | None,
                   lines: Iterable[str], out: TextIO) -> int:
    machine = _Machine(args)
    await machine.start()
    try:
        if args.loaded is not None:
            search = args.loaded
        else:
            search = await start_search(
                machine.emu, regions, device=args.device, space=args.space,
                value_type=args.value_type, endian=args.endian, bcd=args.bcd,
                aligned=args.aligned)
        regions_text = ", ".join(f"0x{s:X}-0x{s + n - 1:X}" for s, n in search.regions)
        print(f"searching {search.size} bytes ({regions_text}) as {search.type_name}: "
              f"{search.count} candidates", file=out, flush=True)
        interactive = args.script is None and sys.stdin.isatty()
        status = 0
        for number, line in enumerate(lines, 1):
            try:
                if not await _command(line, search, machine, args, out):
                    break
            except (AiomameError, UsageError) as exc:
                where = "" if interactive else f"line {number}: "
                print(f"{where}error: {exc}", file=out, flush=True)
                if not interactive:
                    status = 2
                    break
        if args.json:
            print(json.dumps(search.to_dict()))
        return status
    finally:
        await machine.close()


def _int(text: str, what: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise UsageError(f"{what} must be an integer (such as 3, -1 or 0x1F), got "
                         f"{text!r}") from None


async def _command(line: str, search: MemorySearch, machine: _Machine,
                   args: argparse.Namespace, out: TextIO) -> bool:
    """Run one command line; False to stop."""
    try:
        words = shlex.split(line, comments=True)
    except ValueError as exc:
        raise UsageError(f"cannot parse {line!r}: {exc}") from None
    if not words:
        return True
    name, rest = words[0].lower(), words[1:]

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    if name in ("quit", "exit", "q"):
        return False
    if name == "help":
        say(HELP)
    elif name == "step":
        count = _int(rest[0], "the step count") if rest else 1
        if count < 1:
            raise UsageError(f"the step count must be >= 1, got {count}")
        action = " ".join(rest[1:]) or "noop"
        for _ in range(count):
            await machine.step(action)
        if not args.no_auto_snap:
            await take_snapshot(machine.emu, search, f"step {count} {action}")
            say(f"snapshot {len(search.snapshots)}")
    elif name == "snap":
        await take_snapshot(machine.emu, search, " ".join(rest))
        say(f"snapshot {len(search.snapshots)}")
    elif name in FILTER_COMMANDS:
        value = _int(rest[0], f"the value of {name!r}") if rest else None
        left = search.filter(FILTER_COMMANDS[name], value)
        say(f"{left} left")
    elif name == "type":
        if not rest:
            raise UsageError("type needs a value type: u8 s8 u16 s16 u32 s32")
        flags = {w.lower() for w in rest[1:]}
        unknown = flags - {"little", "big", "le", "be", "bcd", "aligned", "unaligned"}
        if unknown:
            raise UsageError(f"unknown type option(s) {', '.join(sorted(unknown))}; valid: "
                             "little (le), big (be), bcd, aligned, unaligned")
        endian = "big" if flags & {"big", "be"} else "little" if flags & {"little", "le"} \
            else None
        aligned = True if "aligned" in flags else False if "unaligned" in flags else None
        search.set_type(rest[0].lower(), endian, bcd="bcd" in flags, aligned=aligned)
        say(f"type {search.type_name}: {search.count} candidates")
    elif name == "show":
        limit = _int(rest[0], "the number to show") if rest else 20
        for candidate in search.survivors(limit):
            say(str(candidate))
        say(f"{search.count} left")
    elif name == "count":
        say(f"{search.count} left")
    elif name == "undo":
        say(f"undid {search.undo()}: {search.count} left")
    elif name == "reset":
        search.reset()
        say(f"{search.count} candidates")
    elif name == "new":
        await machine.new()
        say("new game")
    elif name == "save":
        if not rest:
            raise UsageError("save needs a file name")
        search.save(rest[0])
        say(f"saved to {rest[0]}")
    elif name == "actions":
        say("random, " + ", ".join(machine.actions()))
    else:
        raise UsageError(f"unknown command {name!r}; 'help' lists them")
    return True
