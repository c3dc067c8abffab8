"""What every command shares: how bad input is reported, argument types with one-line
errors, the common arguments (``--roms``, ``--mame``, ``--json``), progress bars, and how a
GAME argument is looked up."""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from ..errors import InvalidArgumentError, SetupError, StartError
from ..games import GAMES, Game, get_game, is_game

BAD_INPUT_EXIT = 2
"""Exit status for bad input (argparse's own): a wrong argument, game, ROM path or file."""
FAILURE_EXIT = 1
"""Exit status for a failure while running (MAME crashed, timed out...)."""
INTERRUPTED_EXIT = 130

BAD_INPUT_ERRORS = (InvalidArgumentError, SetupError, StartError)
"""aiomame errors that mean the user's input or set-up is wrong: exit 2, one line."""

T = TypeVar("T")


class UsageError(Exception):
    """Bad input found by a command itself: printed as one line, exit status 2."""


def one_line(message: str) -> str:
    """``message`` on one line (MAME's output tails become ``; ``-separated)."""
    return "; ".join(part.strip() for part in str(message).splitlines() if part.strip())


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, ``PROG: error: MESSAGE`` (no usage
    block: ``--help`` has it), exit status 2. Its sub-parsers are Parsers too."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(BAD_INPUT_EXIT, f"{self.prog}: error: {one_line(message)}\n")


# -- argument types: each raises ArgumentTypeError, which argparse names the argument in --
def positive_int(text: str) -> int:
    """An int >= 1."""
    return _number(text, int, 1, "an integer >= 1")


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An argument type: an int >= ``minimum``."""
    def check(text: str) -> int:
        return _number(text, int, minimum, f"an integer >= {minimum}")
    check.__name__ = f"int_at_least_{minimum}"
    return check


def non_negative_int(text: str) -> int:
    """An int >= 0."""
    return _number(text, int, 0, "an integer >= 0")


def positive_float(text: str) -> float:
    """A float > 0."""
    value = _number(text, float, float("-inf"), "a number > 0")
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number > 0")
    return value


def _number(text: str, kind: Callable[[str], T], minimum: Any, what: str) -> T:
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
    return value


def size(text: str) -> tuple[int, int]:
    """``HxW`` (or ``H,W``): a frame size, both >= 1."""
    parts = text.lower().replace(",", "x").split("x")
    try:
        height, width = (int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not HEIGHTxWIDTH (e.g. 84x84)") from None
    if height < 1 or width < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: height and width must be >= 1")
    return height, width


def rom_path(text: str) -> str:
    """MAME's ROM path: folders separated by ';', each of which must exist."""
    missing = [d for d in rom_dirs(text) if not os.path.isdir(d)]
    if not text.strip() or missing:
        raise argparse.ArgumentTypeError(
            f"ROM path {text!r}: {', '.join(repr(d) for d in missing) or 'empty'} is not a "
            "folder")
    return text


def rom_dirs(path: str) -> list[str]:
    """The folders of MAME's ROM path ``path`` (';'-separated, as MAME's ``-rompath``)."""
    return [os.path.expanduser(d.strip()) for d in path.split(";") if d.strip()]


def sets_present(path: str) -> set[str]:
    """The ROM set names found in ROM path ``path``: each ``<set>.zip``, ``<set>.7z`` or
    ``<set>/`` in one of its folders (listed once each, not probed per set)."""
    found: set[str] = set()
    for folder in rom_dirs(path):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            stem, ext = os.path.splitext(entry.name)
            if ext.lower() in (".zip", ".7z") and entry.is_file():
                found.add(stem)
            elif entry.is_dir():
                found.add(entry.name)
    return found


# -- common arguments ----------------------------------------------------------------------
DEFAULT_STEP_CAP = 2000
"""--max-steps for a game that sets no ``max_episode_steps``."""


def step_cap(max_steps: int | None, game: Game) -> int | None:
    """An episode's step limit: ``--max-steps`` if given (0: the game's own, if any), else
    the game's ``max_episode_steps``, else :data:`DEFAULT_STEP_CAP`."""
    if max_steps is None:
        return game.max_episode_steps or DEFAULT_STEP_CAP
    return max_steps or game.max_episode_steps


def add_roms(parser: argparse.ArgumentParser, default: str | None = None,
             help: str | None = None) -> None:
    """``--roms PATH``: each of its folders must exist (argparse error, one line), except
    for a ``default`` (argparse would check it even when ``--roms`` is not given)."""
    def check(text: str) -> str:
        return text if default is not None and text == default else rom_path(text)

    parser.add_argument(
        "--roms", default=default, metavar="PATH", type=check,
        help=help or ("MAME's ROM path, folders separated by ';' (default: "
                      + (default or "a registered game's bundled ROMs, else ./roms") + ")"))


def add_mame(parser: argparse.ArgumentParser) -> None:
    """``--mame BINARY``."""
    parser.add_argument("--mame", default=None, metavar="BINARY",
                        help="the MAME binary (default: $AIOMAME_MAME, else mame on PATH, "
                             "else /usr/games/mame)")


def add_media(parser: argparse.ArgumentParser) -> None:
    """``--software ITEM`` and ``--media SLOT=FILE`` (repeatable): what the machine loads."""
    parser.add_argument("--software", default=None, metavar="ITEM",
                        help="a software-list item to run (like breakout or a2600:breakout; "
                             "its files in ROMPATH/LIST/ITEM/; see `games --software LIST`)")
    parser.add_argument("--media", action="append", default=[], metavar="SLOT=FILE",
                        type=media_entry,
                        help="load FILE into MAME's media slot SLOT (like cart=game.bin or "
                             "flop1=disk.dsk); repeat for several slots")


def media_entry(text: str) -> tuple[str, str]:
    """``SLOT=FILE`` as (slot, file)."""
    slot, equals, file = text.partition("=")
    if not (equals and slot and file):
        raise argparse.ArgumentTypeError(f"expected SLOT=FILE (like cart=game.bin), got "
                                         f"{text!r}")
    return slot, file


def media_options(args: argparse.Namespace) -> dict[str, Any]:
    """The Emulator's ``media`` and ``software`` from :func:`add_media`'s arguments (only
    those given)."""
    options: dict[str, Any] = {}
    if args.media:
        slots = [slot for slot, _ in args.media]
        twice = sorted({slot for slot in slots if slots.count(slot) > 1})
        if twice:
            raise UsageError(f"--media gives slot(s) {', '.join(twice)} more than once")
        options["media"] = dict(args.media)
    if args.software is not None:
        options["software"] = args.software
    return options


def add_server_options(p: argparse.ArgumentParser, port: int = 0) -> None:
    """``--port`` and ``--host``, as ``watch`` and ``play --human`` take them."""
    p.add_argument("--port", type=port_number, default=port, metavar="P",
                   help="the port to serve on (default: " +
                        ("any free one" if not port else str(port)) + ")")
    p.add_argument("--host", default="127.0.0.1", metavar="H",
                   help="the address to listen on (default: 127.0.0.1, this machine only; "
                        "0.0.0.0: every network, anyone with the token can look)")


def check_host(host: str) -> None:
    """A UsageError unless ``host`` resolves (before anything starts: the server's own
    bind reports it too, after the MAMEs started)."""
    import socket

    try:
        socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError) as exc:
        raise UsageError(f"--host {host!r}: no such host "
                         f"({getattr(exc, 'strerror', None) or exc})") from None


def port_number(text: str) -> int:
    """A TCP port, 0..65535 (0: any free port)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0..65535)")
    return value


def add_json(parser: argparse.ArgumentParser) -> None:
    """``--json``: the result as one JSON document on stdout."""
    parser.add_argument("--json", action="store_true",
                        help="print the result as one JSON document instead of text")


def add_progress(parser: argparse.ArgumentParser) -> None:
    """``--progress`` / ``--no-progress`` (default: a bar when stdout is a terminal)."""
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="show a progress bar on stderr (default: when stdout is a "
                             "terminal)")


def print_json(document: Any) -> None:
    """``document`` as one JSON document on stdout (numpy scalars and paths as plain)."""
    print(json.dumps(document, indent=2, default=_plain))


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def progress(items: Iterable[T], *, total: int | None = None, desc: str = "",
             enabled: bool | None = None) -> Iterator[T]:
    """``items`` with a tqdm bar on stderr: shown when ``enabled``, or when None (not asked
    either way) when stdout is a terminal; silent otherwise."""
    from tqdm import tqdm

    if enabled is None:
        enabled = sys.stdout.isatty()
    return iter(tqdm(items, total=total, desc=desc, disable=not enabled, file=sys.stderr,
                     leave=False, dynamic_ncols=True))


# -- GAME arguments ------------------------------------------------------------------------
def game_help() -> str:
    """Help text for a GAME argument."""
    return (f"a registered game ({', '.join(sorted(GAMES))}), a game definition file "
            f"(NAME.toml), or a MAME system name (see `games TEXT`)")


def resolve_game(name: str, mame: str | None = None) -> tuple[Game | None, str]:
    """(the game, its MAME system) for a registered game or definition file, (None, name)
    for a system the MAME knows; otherwise a :class:`UsageError` with similar names."""
    if is_game(name):
        game = get_game(name)
        return game, game.system
    from ..mame.systems import all_systems

    systems, _ = all_systems(mame)
    names = [system for system, _ in systems]
    if name in set(names):
        return None, name
    similar = difflib.get_close_matches(name, [*GAMES, *names], n=5, cutoff=0.7)
    hint = f"; similar: {', '.join(similar)}" if similar else ""
    raise UsageError(f"unknown game {name!r}: not a registered game ({', '.join(sorted(GAMES))})"
                     f", a definition file or a MAME system{hint}")


def system_roms(game: Game | None, roms: str | None, mame: str | None = None
                ) -> tuple[str, Any]:
    """(ROM path, MAME output filter) for ``game`` (None: a plain system): ``roms`` if
    given, else a game's bundled ROMs, else ``./roms`` if it exists."""
    if game is not None and (roms is not None or game.rom_images or game.media):
        return game.rom_setup(roms, mame)
    if roms is None:
        if not os.path.isdir("roms"):
            raise UsageError("no ROM path: pass --roms PATH (./roms does not exist)")
        roms = "roms"
    return roms, None
