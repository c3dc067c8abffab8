"""``aiomame`` / ``python -m aiomame``: the command line.

Each command is a module of this package with ``add_parser(subparsers)``, which adds its
sub-parser and sets ``func`` (``args -> int | None``, the exit status) as its default.
Bad input (argparse's, a :class:`~aiomame.cli.common.UsageError`, or an aiomame
``InvalidArgumentError``/``SetupError``/``StartError``) prints one line
``PROG COMMAND: error: ...`` and exits 2; other aiomame errors exit 1; Ctrl-C exits 130.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from ..errors import AiomameError, MissingRomsError, UnknownGameError
from .common import (
    BAD_INPUT_ERRORS,
    BAD_INPUT_EXIT,
    FAILURE_EXIT,
    INTERRUPTED_EXIT,
    Parser,
    UsageError,
    one_line,
)

COMMANDS = ("games", "actions", "play", "watch", "record", "replay", "export_minari",
            "memsearch", "new_game", "debug", "bench", "doctor", "roms")
"""The command modules, in the order ``--help`` lists them."""


def prog_name() -> str:
    """The command as the user typed it: ``aiomame`` or ``python -m aiomame``."""
    argv0 = sys.argv[0] if sys.argv else ""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    by_module = argv0 == "-m" or (os.path.basename(argv0) == "__main__.py" and
                                  os.path.dirname(os.path.abspath(argv0)) == here)
    return "python -m aiomame" if by_module else "aiomame"


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command module found."""
    from .. import __version__

    parser = Parser(
        prog=prog or prog_name(),
        description="Play, record, search and benchmark MAME games for reinforcement learning.",
        epilog="Run `%(prog)s COMMAND --help` for a command's arguments.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f".{name}", __name__).add_parser(sub)
    for command in sub.choices.values():  # the modules' docstrings, without reST markup
        if command.description:
            command.description = command.description.replace("``", "`")
    return parser


def main(argv: list[str] | None = None) -> None:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); exits with its status."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # reported by the command's parser, so that the message names the command
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        commands.choices[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    where = f"{parser.prog} {args.command}"
    try:
        status = args.func(args)
    except UsageError as exc:
        print(f"{where}: error: {one_line(str(exc))}", file=sys.stderr)
        raise SystemExit(BAD_INPUT_EXIT) from None
    except BAD_INPUT_ERRORS as exc:
        message = str(exc)
        if isinstance(exc, (MissingRomsError, UnknownGameError)):  # it names what is wrong:
            message = message.split("\nMAME said:")[0]             # MAME's lines repeat it
        # the library names its argument; here it is an option
        message = message.replace("ships no ROMs: pass roms_path", "ships no ROMs: pass --roms")
        print(f"{where}: error: {one_line(message)}", file=sys.stderr)
        raise SystemExit(BAD_INPUT_EXIT) from None
    except AiomameError as exc:
        print(f"{where}: {type(exc).__name__}: {one_line(str(exc))}", file=sys.stderr)
        raise SystemExit(FAILURE_EXIT) from None
    except KeyboardInterrupt:
        print(f"{where}: interrupted", file=sys.stderr)
        raise SystemExit(INTERRUPTED_EXIT) from None
    except BrokenPipeError:  # stdout closed early (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(FAILURE_EXIT) from None
    raise SystemExit(status or 0)
