"""One player's controls: how an RL action becomes the inputs MAME holds for a step.

A player acts in one of three ways: a discrete action index (named combinations of
inputs), a 0/1 vector (one entry per button), or a float vector in [-1, 1] (analog axes,
then buttons). :class:`Controls` holds one of them and checks and translates actions;
a :class:`~aiomame.games.Game` has one per player.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError, StateError
from ..machine.analog import Axis, resolve_axes, vector_error, vector_rows
from ..machine.emulator import Action


class Controls:
    """One player's actions: ``actions`` (name -> inputs held, in index order), or
    ``buttons`` (a 0/1 vector) and/or ``axes`` (analog, a vector in [-1, 1]: one entry per
    axis, then one per button, held when > 0). The axes' ranges are read from a running
    machine (:meth:`bind_axes`): bind a copy (:meth:`copy`) per machine setup.
    """

    __slots__ = ("_axis_ranges", "_index", "_names", "actions", "axes", "buttons")

    def __init__(self, actions: Mapping[str, tuple[Action, ...]] | None = None,
                 buttons: Sequence[Action] = (), axes: Sequence[Axis] = ()) -> None:
        self.actions: Mapping[str, tuple[Action, ...]] = dict(actions or {})
        self.buttons = tuple(buttons)
        self.axes = tuple(axes)
        if bool(self.actions) == bool(self.buttons or self.axes) and self.actions:
            raise InvalidArgumentError("give named actions, or buttons and/or axes, not both")
        inputs: tuple[Axis | Action, ...] = (*self.axes, *self.buttons)
        self._names = list(self.actions) if not inputs else [
            f"{b.port}/{b.field}" for b in inputs]
        self._index = {} if inputs else {n: i for i, n in enumerate(self._names)}
        self._axis_ranges: tuple[tuple[str, str, int, int], ...] | None = None

    def copy(self) -> Controls:
        """The same controls, not bound to a machine."""
        return Controls(self.actions, self.buttons, self.axes)

    def __repr__(self) -> str:
        kind = "axes" if self.axes else "buttons" if self.buttons else "actions"
        return f"Controls({kind}: {', '.join(self._names)})"

    @property
    def kind(self) -> str:
        """``"discrete"``, ``"buttons"`` or ``"axes"``."""
        return "axes" if self.axes else "buttons" if self.buttons else "discrete"

    def action_names(self) -> list[str]:
        """The discrete actions' names, in index order; with axes or buttons, theirs
        (``port/field``), in the order of the action vector."""
        return list(self._names)

    def action_shape(self) -> tuple[int, ...]:
        """The shape of one action: () for an index, else (entries of the vector,)."""
        vector = len(self.axes) + len(self.buttons)
        return (vector,) if vector else ()

    def all_inputs(self) -> list[Action]:
        """Every input these controls can hold (each once, in order)."""
        held = (*itertools.chain.from_iterable(self.actions.values()), *self.buttons,
                *(Action(a.port, a.field) for a in self.axes))
        return list(dict.fromkeys(held))

    def bind_axes(self, inputs: Iterable[Mapping[str, Any]]) -> None:
        """Read the axes' ranges from a running machine's inputs
        (:meth:`~aiomame.Emulator.list_actions`). Raises UnknownInputError for an input the
        machine lacks, InvalidArgumentError for a digital one or a range outside it."""
        if self.axes:
            self._axis_ranges = resolve_axes(self.axes, list(inputs))

    def inputs(self, action: Any) -> tuple[Action, ...]:
        """The inputs that ``action`` holds for one step: an action index (any integer
        type) or name, with buttons a vector of 0/1, with axes a vector in [-1, 1]. Raises
        InvalidArgumentError for any other action (naming the valid ones), StateError for
        axes not yet bound."""
        if self.axes:
            shape = (len(self.axes) + len(self.buttons),)
            return self._held(vector_rows(action, shape, self.action_names), action, shape)
        if self.buttons:
            bits = np.asarray(action)
            if bits.shape != (len(self.buttons),) or (bits.size and bits.dtype.kind not in "biu") \
                    or not np.isin(bits, (0, 1)).all():
                raise InvalidArgumentError(
                    f"action {action!r} is not a vector of {len(self.buttons)} zeros and ones "
                    f"(one per button: {', '.join(self._names)})")
            return self.pressed(bits.tolist())
        names = self._names
        try:
            index = operator.index(action)
        except TypeError:
            if isinstance(action, str):
                return self.actions[names[self.index(action)]]
            index = None
        if index is None or isinstance(action, bool) or not 0 <= index < len(names):
            raise InvalidArgumentError(
                f"action {action!r} is not in 0..{len(names) - 1} ({', '.join(names)})")
        return self.actions[names[index]]

    def index(self, name: str) -> int:
        """The index of the discrete action ``name``. Raises InvalidArgumentError naming
        the valid names if there is none, or if these controls take vectors."""
        index = self._index.get(name) if isinstance(name, str) else None
        if index is None:
            raise self._name_error(name)
        return index

    def indices(self, names: Any, what: str = "actions") -> np.ndarray:
        """The int64 action indices of an array of action names (any shape; ints among
        the names of an object array pass as they are, checked by the caller). Raises
        InvalidArgumentError for an unknown name, naming ``what[position]`` and the valid
        names, or if these controls take vectors."""
        array = np.asarray(names, dtype=object)
        out = np.empty(array.shape, np.int64)
        lookup = self._index
        for position, name in np.ndenumerate(array):
            index = lookup.get(name) if isinstance(name, str) else None
            if index is None and not isinstance(name, str):
                try:
                    index = operator.index(name)
                except TypeError:
                    index = None
            if index is None:
                where = ", ".join(map(str, position))
                raise self._name_error(name, f"{what}[{where}] is " if where else f"{what}: ")
            out[position] = index
        return out

    def _name_error(self, name: Any, where: str = "") -> InvalidArgumentError:
        if self.axes or self.buttons:
            return InvalidArgumentError(f"{where}{name!r}: these controls take a vector, not "
                                        f"an action name ({', '.join(self._names)})")
        return InvalidArgumentError(f"{where}{name!r}: no action of that name; valid names: "
                                    f"{', '.join(self._names)} (or indices 0.."
                                    f"{len(self._names) - 1})")

    def axis_inputs(self, actions: Any, n: int) -> list[tuple[Action, ...]]:
        """The inputs held by each of the ``n`` rows of ``actions`` (``(n, axes +
        buttons)`` numbers in [-1, 1]). Raises InvalidArgumentError for another shape or a
        value outside [-1, 1], StateError before :meth:`bind_axes`."""
        shape = (n, len(self.axes) + len(self.buttons))
        return [self._held(row, actions, shape)
                for row in vector_rows(actions, shape, self.action_names)]

    def _held(self, row: list[float], given: Any, shape: tuple[int, ...]
              ) -> tuple[Action, ...]:
        """The inputs one checked-shape vector of axes and buttons holds."""
        axes = self._axis_ranges
        if axes is None:
            raise StateError("the axes have no ranges yet: start the env")
        inputs, k = [], len(axes)
        for (port, field, low, high), x in zip(axes, row[:k], strict=True):
            if not -1 <= x <= 1:  # NaN too
                raise vector_error(given, shape, self._names)
            inputs.append(Action(port, field, math.floor(low + (x + 1) * (high - low) / 2
                                                         + 0.5)))
        return (*inputs, *itertools.compress(self.buttons, [x > 0 for x in row[k:]]))

    def pressed(self, bits: Sequence[int]) -> tuple[Action, ...]:
        """The buttons held by a checked 0/1 vector."""
        return tuple(itertools.compress(self.buttons, bits))

    def noop(self) -> Any:
        """The action that holds nothing: the index of an action holding no input (the
        first), a vector of zeros for buttons, the axes' centres for axes. Raises
        InvalidArgumentError if no discrete action holds nothing."""
        if self.axes or self.buttons:
            return np.zeros(len(self.axes) + len(self.buttons),
                            np.float64 if self.axes else np.int64)
        for i, held in enumerate(self.actions.values()):
            if not held:
                return i
        raise InvalidArgumentError(f"no action holds nothing among {', '.join(self._names)}")

    def sample(self, rng: np.random.Generator) -> Any:
        """A uniformly random action."""
        if self.axes:
            return rng.uniform(-1.0, 1.0, len(self.axes) + len(self.buttons))
        if self.buttons:
            return rng.integers(0, 2, len(self.buttons))
        return int(rng.integers(len(self._names)))
