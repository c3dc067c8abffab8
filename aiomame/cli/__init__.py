"""``aiomame`` / ``python -m aiomame``: the command line.

Each command is a module of this package with ``add_parser(subparsers)``, which adds its
sub-parser and sets ``func`` (``args -> int | None``, the exit status) as its default.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from ..errors import AiomameError
from .common import (
    BAD_INPUT_ERRORS,
    BAD_INPUT_EXIT,
    FAILURE_EXIT,
    INTERRUPTED_EXIT,
    UsageError,
    one_line,
)

COMMANDS = ("games", "actions", "play", "record", "replay", "memsearch", "new_game", "debug",
            "bench", "doctor", "roms")
"""The command modules, in the order ``--help`` lists them."""


def prog_name() -> str:
    """The command as the user typed it: ``aiomame`` or ``python -m aiomame``."""
    return ("python -m aiomame"
            if os.path.basename(sys.argv[0]) in ("__main__.py", "-m") else "aiomame")


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog or prog_name(),
        description="Play, record, search and benchmark MAME games for reinforcement learning.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue  # not written yet
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    where = f"{parser.prog} {args.command}"
    try:
        status = args.func(args)
    except UsageError as exc:
        print(f"{where}: error: {one_line(str(exc))}", file=sys.stderr)
        raise SystemExit(BAD_INPUT_EXIT) from None
    except BAD_INPUT_ERRORS as exc:
        print(f"{where}: error: {one_line(str(exc))}", file=sys.stderr)
        raise SystemExit(BAD_INPUT_EXIT) from None
    except AiomameError as exc:
        print(f"{where}: {type(exc).__name__}: {one_line(str(exc))}", file=sys.stderr)
        raise SystemExit(FAILURE_EXIT) from None
    except KeyboardInterrupt:
        print(f"{where}: interrupted", file=sys.stderr)
        raise SystemExit(INTERRUPTED_EXIT) from None
    raise SystemExit(status or 0)
