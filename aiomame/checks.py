"""Argument checks shared across aiomame: each raises
:class:`~aiomame.errors.InvalidArgumentError` naming the bad value (and the valid ones)."""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np

from .errors import InvalidArgumentError


def is_int(value: object) -> bool:
    """Whether ``value`` is an integer (Python or numpy), not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_step_limit(value: object) -> None:
    """Checks a ``max_episode_steps``: an int >= 1, or None (no limit)."""
    if value is not None and (not is_int(value) or value < 1):  # type: ignore[operator]
        raise InvalidArgumentError(f"max_episode_steps must be an int >= 1 or None, got "
                                   f"{value!r}")


def check_path(what: str, value: object, none: bool = False) -> None:
    """Checks that ``value`` (the argument ``what``) is a path: a non-empty str or an
    ``os.PathLike`` (or None, when ``none``)."""
    if (value is None and none) or isinstance(value, os.PathLike) \
            or (isinstance(value, str) and value):
        return
    raise InvalidArgumentError(f"{what} must be a path (a non-empty str or os.PathLike"
                               f"{' or None' if none else ''}), got {value!r}")


def check_bool(what: str, value: object) -> None:
    """Checks that ``value`` (the argument ``what``) is True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidArgumentError(f"{what} must be True or False, got {value!r}")


def check_keywords(where: str, given: Iterable[str], valid: Iterable[str]) -> None:
    """Raises for the first of ``given`` keyword arguments not among ``valid``."""
    valid = list(valid)
    for name in given:
        if name not in valid:
            raise invalid_choice(f"keyword argument of {where}", name, valid)


def invalid_choice(what: str, value: object, valid: Iterable[object],
                   error: type[InvalidArgumentError] = InvalidArgumentError
                   ) -> InvalidArgumentError:
    """An ``error`` for ``value`` not among ``valid``, naming the valid ones."""
    names = ", ".join(repr(v) for v in valid) or "(none)"
    return error(f"unknown {what} {value!r}; valid: {names}")
