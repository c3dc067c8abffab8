"""Analog inputs (paddles, dials, trackballs, pedals, analog sticks, light guns): their
ranges, checked values, and :class:`Axis`, which maps an action in [-1, 1] onto one.

The value of ``Action(port, field, value)`` on an analog field is the raw value the game
reads from the port while the step runs (MAME's ``set_value``, in place of what a controller
would give): for a paddle, stick, pedal or light gun a position in the field's ``min..max``;
for a dial or trackball the count of its wrapping counter (``0..max``: the game moves by the
change from one read to the next). After the step, like a button, it is let go: the field
reads its rest value again (a paddle's or stick's centre, a pedal up, a dial's counter 0,
which the game sees as a turn back; give a dial its count every step).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..checks import invalid_choice, is_int
from ..errors import InvalidArgumentError, UnknownInputError

RANGE_KEYS = ("min", "max", "default", "kind")
"""What :meth:`~aiomame.Emulator.list_actions` adds to an analog input's entry."""


@dataclass(frozen=True)
class Axis:
    """An analog input driven by one entry of a ``Box`` action in [-1, 1], mapped linearly
    onto ``min..max`` (-1 → min, 0 → the middle, 1 → max, rounded to the nearest int).
    ``min``/``max`` None: the field's own range, read from MAME at start; given, they must
    lie within it (e.g. a narrower part of a paddle's travel)."""

    port: str
    field: str
    min: int | None = None
    max: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.port, str) or not isinstance(self.field, str):
            raise InvalidArgumentError(f"Axis port and field must be str, got {self!r}")
        for name in ("min", "max"):
            value = getattr(self, name)
            if value is not None and not is_int(value):
                raise InvalidArgumentError(f"Axis {name} must be an int or None, got {value!r}")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise InvalidArgumentError(f"Axis min must be below max, got {self!r}")


def analog_entry(field: Mapping[str, Any]) -> dict[str, Any]:
    """An analog field's hello entry as :meth:`~aiomame.Emulator.list_actions` shows it."""
    return {"analog": True, **{key: field.get(key) for key in RANGE_KEYS}}


def check_value(port: str, field: str, entry: Mapping[str, Any], value: int) -> None:
    """InvalidArgumentError if ``value`` is outside the analog field's range (``entry``: its
    hello entry), naming the field, the value and the range."""
    low, high = entry.get("min"), entry.get("max")
    if low is not None and high is not None and not low <= value <= high:
        raise InvalidArgumentError(
            f"Action({port!r}, {field!r}, {value}): {value} is outside the range of this "
            f"analog input ({entry.get('kind')}): {low}..{high}")


def resolve_axes(axes: Sequence[Axis], inputs: Iterable[Mapping[str, Any]]
                 ) -> tuple[tuple[str, str, int, int], ...]:
    """Each axis as (port, field, min, max): its range as the axis gives it, else its
    field's (``inputs``: :meth:`~aiomame.Emulator.list_actions`). Raises UnknownInputError
    for a port or field the machine lacks, InvalidArgumentError for a digital field or a
    range outside the field's."""
    fields = {(e["port"], e["field"]): e for e in inputs}
    resolved = []
    for axis in axes:
        entry = fields.get((axis.port, axis.field))
        if entry is None:
            ports = sorted({port for port, _ in fields})
            if axis.port not in ports:
                raise invalid_choice("input port", axis.port, ports, UnknownInputError)
            raise invalid_choice(f"input field of port {axis.port!r}", axis.field,
                                 sorted(f for p, f in fields if p == axis.port),
                                 UnknownInputError)
        if not entry.get("analog"):
            analog = [f"{p}/{f}" for (p, f), e in fields.items() if e.get("analog")]
            raise InvalidArgumentError(
                f"axis {axis.port}/{axis.field} is a digital input, not an analog one; "
                f"analog inputs: {', '.join(analog) or 'none'}")
        low = entry["min"] if axis.min is None else axis.min
        high = entry["max"] if axis.max is None else axis.max
        for value in (low, high):
            check_value(axis.port, axis.field, entry, value)
        if low >= high:
            raise InvalidArgumentError(f"axis {axis!r}: min {low} is not below max {high}")
        resolved.append((axis.port, axis.field, int(low), int(high)))
    return tuple(resolved)


def vector_rows(actions: Any, shape: tuple[int, ...], names: Callable[[], Sequence[str]]
                ) -> list[Any]:
    """``actions`` as nested lists of numbers, checked to have ``shape``; else
    InvalidArgumentError (``names()``: the vector's entries, for the message)."""
    array = np.asarray(actions)
    if array.shape != shape or (array.size and array.dtype.kind not in "fiu"):
        raise vector_error(actions, shape, names())
    return array.tolist()


def vector_error(given: Any, shape: tuple[int, ...], names: Sequence[str]
                 ) -> InvalidArgumentError:
    return InvalidArgumentError(
        f"the action must be {'x'.join(map(str, shape))} numbers in [-1, 1] (one per axis, "
        f"then one per button, held when > 0: {', '.join(names)}); got {given!r}")

