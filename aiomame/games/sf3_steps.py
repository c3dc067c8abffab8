"""Street Fighter III 3rd Strike's scripted input sequences (MAMEToolkit's ``Steps``):
through the service menu, the title, character select and the continue screens; and
:func:`start_versus`, a two-player start of our own (MAMEToolkit has none).

Each sequence is a list of ``{"wait": n, "actions": [Actions...]}``: ``n`` idle emulator
steps, then one step holding the actions. Waits are given in frames and divided by the
frame ratio, as MAMEToolkit 1.1.0 does (so the timing holds at any ``frame_ratio``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .sf3 import Actions

Step = dict[str, Any]


def _actions() -> type[Actions]:
    from .sf3 import Actions

    return Actions


def _press(frame_ratio: int, frames: int, *actions: Actions) -> Step:
    return {"wait": int(frames / frame_ratio), "actions": list(actions)}


def set_difficulty(frame_ratio: int, difficulty: int) -> list[Step]:
    """Service menu -> system settings -> story mode difficulty ``difficulty`` (0-7, from
    the default 3) -> save and exit."""
    a = _actions()
    steps = [{"wait": 0, "actions": [a.SERVICE]}]
    steps += [_press(frame_ratio, 10, a.P1_DOWN) for _ in range(6)]
    steps += [_press(frame_ratio, 10, a.P1_JPUNCH), _press(frame_ratio, 10, a.P1_DOWN),
              _press(frame_ratio, 10, a.P1_JPUNCH)]
    level = difficulty % 8
    side = a.P1_LEFT if level < 3 else a.P1_RIGHT
    steps += [_press(frame_ratio, 10, side) for _ in range(abs(level - 3))]
    steps += [_press(frame_ratio, 10, a.P1_DOWN) for _ in range(6)]
    steps += [_press(frame_ratio, 10, a.P1_JPUNCH), _press(frame_ratio, 10, a.P1_DOWN),
              _press(frame_ratio, 10, a.P1_JPUNCH)]
    steps += [_press(frame_ratio, 10, a.P1_DOWN) for _ in range(2)]
    steps += [_press(frame_ratio, 10, a.P1_JPUNCH)]
    steps += [_press(frame_ratio, 10, a.P1_DOWN) for _ in range(3)]
    steps += [_press(frame_ratio, 10, a.P1_JPUNCH)]
    return steps


def start_game(frame_ratio: int) -> list[Step]:
    """Two coins, 1P start, the character at the left of the select screen, confirm."""
    a = _actions()
    return [_press(frame_ratio, 300, a.COIN_P1), _press(frame_ratio, 10, a.COIN_P1),
            _press(frame_ratio, 60, a.P1_START),
            _press(frame_ratio, 80, a.P1_LEFT, a.P1_JPUNCH),
            _press(frame_ratio, 60, a.P1_JPUNCH), _press(frame_ratio, 60, a.P1_JPUNCH)]


def start_versus(frame_ratio: int) -> list[Step]:
    """:func:`start_game` for two players: two coins each, 1P start, then 2P start once
    the select screen is up (player 2 joins there, as a challenger does); both pick the
    character at the left of their cursor and confirm, in the same steps. Written from
    :func:`start_game`'s timings, not yet played on the ROM (none here): ``start`` then
    waits for the fight."""
    a = _actions()
    return [_press(frame_ratio, 300, a.COIN_P1), _press(frame_ratio, 10, a.COIN_P1),
            _press(frame_ratio, 10, a.COIN_P2), _press(frame_ratio, 10, a.COIN_P2),
            _press(frame_ratio, 60, a.P1_START), _press(frame_ratio, 80, a.P2_START),
            _press(frame_ratio, 80, a.P1_LEFT, a.P1_JPUNCH, a.P2_LEFT, a.P2_JPUNCH),
            _press(frame_ratio, 60, a.P1_JPUNCH, a.P2_JPUNCH),
            _press(frame_ratio, 60, a.P1_JPUNCH, a.P2_JPUNCH)]


def next_stage(frame_ratio: int) -> list[Step]:
    """Jab through the win screens and the next opponent's introduction."""
    a = _actions()
    return ([_press(frame_ratio, 60, a.P1_JPUNCH)]
            + [{"wait": 0, "actions": [a.P1_JPUNCH]} for _ in range(int(180 / frame_ratio))]
            + [_press(frame_ratio, 60, a.P1_JPUNCH)])


def new_game(frame_ratio: int) -> list[Step]:
    """From the continue screen after a lost game: back to the title, then
    :func:`start_game`."""
    a = _actions()
    return [{"wait": 0, "actions": [a.SERVICE]}, _press(frame_ratio, 30, a.P1_UP),
            _press(frame_ratio, 30, a.P1_JPUNCH), *start_game(frame_ratio)]
