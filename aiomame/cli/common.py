"""What every command shares: how bad input is reported, and the common arguments."""

from __future__ import annotations

import argparse

from ..errors import InvalidArgumentError, SetupError, StartError

BAD_INPUT_EXIT = 2
"""Exit status for bad input (argparse's own): a wrong argument, game, ROM path or file."""
FAILURE_EXIT = 1
"""Exit status for a failure while running (MAME crashed, timed out...)."""
INTERRUPTED_EXIT = 130

BAD_INPUT_ERRORS = (InvalidArgumentError, SetupError, StartError)
"""aiomame errors that mean the user's input or set-up is wrong: exit 2, one line."""


class UsageError(Exception):
    """Bad input found by a command itself: printed as one line, exit status 2."""


def one_line(message: str) -> str:
    """``message`` on one line (MAME's output tails become ``; ``-separated)."""
    return "; ".join(part.strip() for part in str(message).splitlines() if part.strip())


def add_roms(parser: argparse.ArgumentParser, default: str | None = None) -> None:
    """``--roms PATH``."""
    parser.add_argument(
        "--roms", default=default, metavar="PATH",
        help="MAME's ROM path (default: " + (default or "the game's bundled ROMs") + ")")
