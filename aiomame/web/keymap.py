"""Which browser keys play which of a game's inputs, and the action held keys make.

Keys are the browser's ``KeyboardEvent.code`` names. Each input field a player's controls
use gets one key by its name, as MAME lays out its own defaults: arrows for P1's
directions, Space for button 1 (fire), Z X C V A S D for buttons 2..8, 5/6 for coins, 1/2
for the start buttons; any other field takes the next free digit, then letter.

- Discrete actions: the action whose inputs are exactly the held keys' fields; else the
  one holding the most of them and nothing else; nothing held (or no match): the action
  that holds nothing.
- Buttons: each button held while its key is.
- Axes: the arrows (left/right for the first axis, up/down for the second) move the axis
  by :data:`AXIS_SPEED` per step, and it stays; a gamepad stick sets it directly.

The page's gamepad code maps the standard layout onto the same keys (d-pad and left stick:
arrows, A: Space, B/X/Y/LB/RB: Z X C V A, select: 5, start: 1).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..games.controls import Controls
from ..machine.emulator import Action

AXIS_SPEED = 0.08
"""How far a held arrow key moves an axis per step (its range is [-1, 1])."""

_BUTTON_KEYS = ["Space", "KeyZ", "KeyX", "KeyC", "KeyV", "KeyA", "KeyS", "KeyD"]
_DIRECTIONS = {"left": "ArrowLeft", "right": "ArrowRight", "up": "ArrowUp", "down": "ArrowDown"}
_SPARE = [f"Digit{d}" for d in "3478906"] + [f"Key{c}" for c in string.ascii_uppercase
                                              if c not in "ZXCVASD"]
_AXIS_KEYS = [("ArrowLeft", "ArrowRight"), ("ArrowUp", "ArrowDown")]


def key_for(field: str, player: int = 1) -> str | None:
    """The key MAME's defaults suggest for input field ``field`` to the person playing
    ``player`` (None: no usual one; another player's fields have none)."""
    name = field.lower()
    prefix = re.match(r"p(\d+)\s", name)
    if prefix and prefix.group(1) != str(player):
        return None  # other players' fields take spare keys
    for word, key in _DIRECTIONS.items():
        if re.search(rf"\b{word}\b", name) and "rotate" not in name:
            return key
    button = re.search(r"\bbutton\s*(\d+)\b", name)
    if button and 1 <= int(button.group(1)) <= len(_BUTTON_KEYS):
        return _BUTTON_KEYS[int(button.group(1)) - 1]
    if re.search(r"\b(fire|shoot|jump)\b", name):
        return "Space"
    coin = re.search(r"\bcoin\s*(\d)\b", name)
    if coin and coin.group(1) in "12":
        return f"Digit{4 + int(coin.group(1))}"
    start = re.search(r"\b(\d)\s*players?\s*start\b|\bstart\s*(\d)\b", name)
    if start and (start.group(1) or start.group(2)) in ("1", "2"):
        return f"Digit{start.group(1) or start.group(2)}"
    return None


def assign_keys(fields: Iterable[str], taken: Iterable[str] = (), player: int = 1
                ) -> dict[str, str]:
    """field -> key for ``fields`` (in order): :func:`key_for`'s (for ``player``), else a
    spare one; a key goes to the first field asking for it, none to a key in ``taken``."""
    keys: dict[str, str] = {}
    taken = set(taken)
    rest = []
    for field in dict.fromkeys(fields):
        key = key_for(field, player)
        if key is None or key in taken:
            rest.append(field)
        else:
            keys[field] = key
            taken.add(key)
    spare = (k for k in _SPARE if k not in taken)
    for field in rest:
        key = next(spare, None)
        if key is not None:
            keys[field] = key
    return keys


class KeyMap:
    """The keys of one player's :class:`~aiomame.games.controls.Controls` (see the module
    docstring; ``player``: whose, so that its "P2 ..." fields take the arrows and Space):
    :meth:`action` turns the held keys into that player's action."""

    def __init__(self, controls: Controls, player: int = 1) -> None:
        self.controls = controls
        self.kind = controls.kind
        self.axis_keys = _AXIS_KEYS[:len(controls.axes)]
        self.axes = np.zeros(len(self.axis_keys))  # where each axis is (keys move it)
        inputs = controls.buttons if self.kind == "axes" else controls.all_inputs()
        # Arrows belong to the axes: the buttons take their other keys.
        self._field_keys = assign_keys([a.field for a in inputs],
                                       taken={k for pair in self.axis_keys for k in pair},
                                       player=player)
        if self.kind == "discrete":
            names = controls.action_names()
            self._noop = controls.noop() if any(not v for v in controls.actions.values()) else 0
            self._chords = [(i, frozenset(self._key(a) for a in controls.actions[n]))
                            for i, n in enumerate(names)]

    def _key(self, action: Action) -> str | None:
        return self._field_keys.get(action.field)

    def rows(self) -> list[dict[str, Any]]:
        """What the page lists: one row per key, ``{"key", "input", "actions"}``."""
        rows = []
        for i, (low, high) in enumerate(self.axis_keys):
            axis = self.controls.axes[i]
            rows.append({"key": f"{low} / {high}", "input": f"{axis.port}/{axis.field}",
                         "actions": "move the axis (a gamepad stick sets it)"})
        buttons: Sequence[Action] = self.controls.buttons if self.kind != "discrete" \
            else self.controls.all_inputs()
        for action in buttons:
            key = self._key(action)
            uses = ""
            if self.kind == "discrete":
                uses = ", ".join(n for n, held in self.controls.actions.items()
                                 if any(h.field == action.field for h in held))
            rows.append({"key": key or "(none)", "input": f"{action.port}/{action.field}",
                         "actions": uses})
        return rows

    def keys(self) -> list[str]:
        """Every key this map reads."""
        keys = [k for pair in self.axis_keys for k in pair]
        return list(dict.fromkeys([*keys, *self._field_keys.values()]))

    def action(self, held: Iterable[str], sticks: Sequence[float] | None = None) -> Any:
        """The action of the held keys (and, with axes, of a gamepad's stick values in
        [-1, 1], which override the keys for the axes they give)."""
        held = set(held)
        if self.kind == "discrete":
            wanted = held & set(self._field_keys.values())
            best, size = self._noop, 0
            for i, chord in self._chords:
                if not chord or None in chord:
                    continue
                if chord == wanted:
                    return i
                if chord <= wanted and len(chord) > size:
                    best, size = i, len(chord)
            return best
        bits = [int(self._key(b) in held) for b in self.controls.buttons]
        if self.kind == "buttons":
            return np.array(bits, np.uint8)
        for i, (low, high) in enumerate(self.axis_keys):
            if sticks is not None and i < len(sticks) and sticks[i] is not None:
                self.axes[i] = min(1.0, max(-1.0, float(sticks[i])))
                continue
            move = (high in held) - (low in held)
            self.axes[i] = min(1.0, max(-1.0, self.axes[i] + AXIS_SPEED * move))
        return np.concatenate([self.axes, np.array(bits, np.float64) * 2 - 1])


def describe(controls: Controls) -> Mapping[str, Any]:
    """The key map of ``controls`` as the page shows it."""
    keymap = KeyMap(controls)
    return {"kind": keymap.kind, "rows": keymap.rows(), "keys": keymap.keys()}
