"""The duel ROM on real MAME: attract and starts, both players' controls, the computer
opponent, scoring and the end of a match, seeds. Runs the ROM through :class:`Emulator`
directly (one frame per step), since the Game class is written elsewhere."""

from __future__ import annotations

import random
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pytest_asyncio

from aiomame import Action, Address, Emulator
from aiomame.games import duel_layout as layout
from aiomame.mame import romset
from aiomame.mame.locate import find_mame

ROM = Path(__file__).resolve().parent.parent / "aiomame" / "games" / "roms" / layout.ROM_IMAGE
ADDRESSES = {name: Address(address, kind) for name, (address, kind) in layout.RAM.items()}
COCKTAIL = {":CAB/Cabinet": "Cocktail"}  # player 2's controls reach port 2
Data = dict[str, Any]
Policy = Callable[[Data], int]  # memory values -> -1 left, 0 stay, 1 right


@pytest_asyncio.fixture(scope="module")
async def emu():
    images = {layout.ROM_REGION: ROM.read_bytes()}
    binary = find_mame(None)
    async with Emulator(
            layout.MAME_SYSTEM, romset.lay_out(images, layout.MAME_SYSTEM, binary), ADDRESSES,
            frame_ratio=1,
            output_filter=romset.checksum_warning_filter(images, layout.MAME_SYSTEM, binary),
            settings=COCKTAIL,
    ) as emulator:
        yield emulator


def held(*names: str) -> list[Action]:
    """The inputs of ``layout.INPUTS`` named."""
    return [Action(*layout.INPUTS[n]) for n in names]


def moves(p1: int = 0, p2: int = 0) -> list[Action]:
    """Each player's -1/0/1 as held inputs."""
    names = [f"p{player}_{'left' if move < 0 else 'right'}"
             for player, move in ((1, p1), (2, p2)) if move]
    return held(*names)


def tracker(player: int) -> Policy:
    """Moves ``player``'s paddle under the lowest ball, like catch's tracker."""
    def policy(data: Data) -> int:
        balls = [(data[f"object{i}_y"], data[f"object{i}_x"])
                 for i in range(layout.OBJECT_SLOTS) if data[f"object{i}_active"]]
        if not balls:
            return 0
        offset = max(balls)[1] - data[f"p{player}_x"] - 8  # ball centre - paddle centre
        return 0 if abs(offset) < layout.PADDLE_SPEED else (1 if offset > 0 else -1)
    return policy


def noop(data: Data) -> int:
    return 0


def random_policy(seed: int) -> Policy:
    """Left, stay or right uniformly at random, each held 3 frames."""
    rng, current = random.Random(seed), [0, 0]

    def policy(data: Data) -> int:
        if current[1] == 0:
            current[:] = [rng.choice((-1, 0, 1)), 3]
        current[1] -= 1
        return current[0]
    return policy


async def new_match(emu: Emulator, start: str, seed: int | None = None) -> Data:
    """From any state: end a match in progress (soft reset), coin, hold ``start``
    ("start1"/"start2") until the match begins, then plant ``seed``."""
    data = await emu.step(held(), frame=False)
    if data["game_state"] == layout.GAME_STATE_PLAYING:
        await emu.reset("soft")
        data = await emu.step(held(), frame=False)
    for _ in range(30):  # after a reset the ROM clears memory first
        if data["frame_counter"]:
            break
        data = await emu.step(held(), frame=False)
    await emu.step(held("coin"), frame=False)
    for _ in range(5):
        data = await emu.step(held(start), frame=False)
        if data["game_state"] == layout.GAME_STATE_PLAYING:
            break
    assert data["game_state"] == layout.GAME_STATE_PLAYING, data
    if seed is not None:
        await emu.write(ADDRESSES["rng"], seed % 0xFFFF + 1)
    return data


async def play(emu: Emulator, p1: Policy, p2: Policy | None = None,
               steps: int | None = None) -> tuple[Data, list[Data]]:
    """Step until the match ends or for ``steps`` steps (``p2`` None: player 2 inputs none);
    (last data, every step's data). Checks that every step fitted in its frame."""
    data = await emu.step(held(), frame=False)
    history = [data]
    while data["game_state"] == layout.GAME_STATE_PLAYING and len(history) != steps:
        assert len(history) < 6000
        data = await emu.step(moves(p1(data), p2(data) if p2 else 0), frame=False)
        history.append(data)
    # A late step shows in the count one step later: that of the match's end too.
    after = data if steps is not None else await emu.step(held(), frame=False)
    assert after["late_steps"] == 0
    return data, history


def paddle_columns(frame: np.ndarray, rows: int) -> list[int]:
    """The player-view columns lit on picture row ``rows``."""
    return np.flatnonzero(frame[rows].any(axis=1)).tolist()


async def test_attract_coin_and_two_players_start(emu):
    await emu.reset("hard")  # the cabinet setting outlives it
    for _ in range(20):
        data = await emu.step(held(), frame=False)
    assert data["frame_counter"] > 0
    assert (data["game_state"], data["mode"], data["credits"]) == (layout.GAME_STATE_ATTRACT,
                                                                    layout.MODE_NONE, 0)
    data = await emu.step(held("start2"), frame=False)  # no credit: nothing happens
    assert data["game_state"] == layout.GAME_STATE_ATTRACT
    await emu.step(held("coin"), frame=False)
    data = await emu.step(held(), frame=False)
    assert data["credits"] == 1
    data = await emu.step(held("start2"), frame=False)
    assert (data["game_state"], data["mode"], data["credits"]) == (layout.GAME_STATE_PLAYING,
                                                                    layout.MODE_TWO_PLAYERS, 0)
    assert (data["p1_x"], data["p2_x"]) == (layout.PADDLE_START_X,) * 2
    assert (data["p1_score"], data["p2_score"], data["winner"], data["balls_dropped"]) == \
        (0, 0, 0, 0)


async def test_each_player_moves_only_their_paddle(emu):
    await new_match(emu, "start2", seed=1)
    speed = layout.PADDLE_SPEED
    data = await emu.step(held(), frame=False)
    for p1, p2 in ((1, 0), (0, -1), (-1, 1), (1, 1)):
        before = data
        for _ in range(5):
            data = await emu.step(moves(p1, p2), frame=False)
        assert data["p1_x"] - before["p1_x"] == 5 * speed * p1
        assert data["p2_x"] - before["p2_x"] == 5 * speed * p2
    # Both held: no move. The picture shows each paddle on its own rows (it trails memory
    # by a frame: step once more).
    data = await emu.step(held("p1_left", "p1_right", "p2_left", "p2_right"))
    data = await emu.step(held())
    x1, x2 = data["p1_x"], data["p2_x"]
    assert (x1, x2) == (before["p1_x"] + 5 * speed, before["p2_x"] + 5 * speed)
    frame = data["frame"]
    top1, bottom1 = layout.P1_PADDLE_ROWS
    top2, bottom2 = layout.P2_PADDLE_ROWS
    for row in range(top1, bottom1 + 1):  # solid
        assert paddle_columns(frame, row) == list(range(x1, x1 + layout.PADDLE_WIDTH))
    for row in (top2, bottom2):  # hollow: full top and bottom rows, edge columns between
        assert paddle_columns(frame, row) == list(range(x2, x2 + layout.PADDLE_WIDTH))
    assert paddle_columns(frame, top2 + 1) == [x2, x2 + layout.PADDLE_WIDTH - 1]


async def test_one_frame_per_step(emu):
    """The ROM runs one game step per frame, even with both paddles and two balls moving."""
    await new_match(emu, "start2", seed=2)
    _, history = await play(emu, tracker(1), tracker(2), steps=400)
    both = [(a, b) for a, b in pairwise(history)
            if a["object0_active"] and b["object0_active"]
            and a["object1_active"] and b["object1_active"]]
    assert len(both) > 20
    for a, b in both:
        assert b["frame_counter"] - a["frame_counter"] == 1
        assert b["object0_y"] - a["object0_y"] == layout.OBJECT_SPEED
        assert b["object1_y"] - a["object1_y"] == layout.OBJECT_SPEED


async def test_one_player_start_and_the_computer_opponent(emu):
    data = await new_match(emu, "start1", seed=3)
    assert (data["mode"], data["credits"]) == (layout.MODE_VS_COMPUTER, 0)
    # Player 2's inputs are not read in a one-player game: the paddle stays put until a
    # ball falls past AI_WAKE_Y, then follows the lowest such ball at AI_SPEED.
    previous, followed = data, 0
    for _ in range(400):
        data = await emu.step(held("p2_left"), frame=False)
        targets = [(previous[f"object{i}_y"], previous[f"object{i}_x"])
                   for i in range(layout.OBJECT_SLOTS)
                   if previous[f"object{i}_active"]
                   and previous[f"object{i}_y"] >= layout.AI_WAKE_Y]
        step = data["p2_x"] - previous["p2_x"]
        if not targets:
            assert step == 0
        else:
            ball_x = max(targets)[1]
            offset = ball_x - previous["p2_x"] - 8
            want = 0 if abs(offset) < layout.AI_TOLERANCE else (1 if offset > 0 else -1)
            assert step == want * layout.AI_SPEED, (previous, data)
            followed += step != 0
        assert data["p1_x"] == layout.PADDLE_START_X
        previous = data
    assert followed > 20
    assert data["p2_score"] > 0


async def check_match(emu: Emulator, start: str, seed: int, p1: Policy,
                      p2: Policy | None = None, balls: int = 0) -> Data:
    """Plays a match (from ``balls`` balls dropped, planted), checks that events, scores and
    the ball count agree step by step and that it ended as the rules say; returns the last
    step's data."""
    await new_match(emu, start, seed)
    if balls:
        await emu.write(ADDRESSES["balls_dropped"], balls)
    last, history = await play(emu, p1, p2)
    for a, b in pairwise(history):
        event = b["event"]
        assert b["p1_score"] - a["p1_score"] == (event == layout.EVENT_P1_CAUGHT)
        assert b["p2_score"] - a["p2_score"] == (event == layout.EVENT_P2_CAUGHT)
        assert b["balls_dropped"] - a["balls_dropped"] == (event != layout.EVENT_NONE)
    scores = last["p1_score"], last["p2_score"]
    assert last["game_state"] == layout.GAME_STATE_GAME_OVER
    assert not last["object0_active"] and not last["object1_active"]
    if layout.WIN_SCORE in scores:
        assert last["winner"] == 1 + scores.index(layout.WIN_SCORE)
        assert max(scores) == layout.WIN_SCORE > min(scores)
    else:
        assert last["balls_dropped"] == layout.BALL_CAP
        assert last["winner"] == (0 if scores[0] == scores[1] else 1 + (scores[1] > scores[0]))
    return last


async def test_trackers_beat_still_and_random_opponents(emu):
    first = await check_match(emu, "start2", 4, tracker(1), noop)
    assert first["winner"] == 1 and first["p2_score"] <= 2
    assert (await check_match(emu, "start2", 9, tracker(1), random_policy(9)))["winner"] == 1
    second = await check_match(emu, "start2", 5, noop, tracker(2))
    assert second["winner"] == 2 and second["p1_score"] <= 2
    # The result stays on screen until the next coin and start.
    for _ in range(10):
        data = await emu.step(held("p1_left"), frame=False)
    assert (data["game_state"], data["winner"], data["p1_x"]) == (
        layout.GAME_STATE_GAME_OVER, 2, second["p1_x"])


async def test_tracker_beats_the_computer_which_beats_random_play(emu):
    tracker_wins = [(await check_match(emu, "start1", seed, tracker(1)))["winner"] == 1
                    for seed in range(100, 104)]
    assert sum(tracker_wins) >= 3
    for seed in range(200, 203):
        assert (await check_match(emu, "start1", seed, random_policy(seed)))["winner"] == 2


async def test_the_ball_cap_ends_a_match(emu):
    # Both paddles stay centred: every ball is equally close to both, so all are lost, and
    # the match is a draw at the cap (a whole one: 99 balls, 4794 frames; here from 95).
    last = await check_match(emu, "start2", 6, noop, noop, balls=layout.BALL_CAP - 4)
    assert (last["winner"], last["p1_score"], last["p2_score"], last["event"]) == (
        layout.WINNER_NONE, 0, 0, layout.EVENT_LOST)
    # Short of 11 points, the higher score wins at the cap.
    last = await check_match(emu, "start2", 4, tracker(1), noop, balls=layout.BALL_CAP - 3)
    assert (last["winner"], last["p1_score"], last["p2_score"]) == (1, 3, 0)


async def columns(emu: Emulator, seed: int, steps: int = 500) -> tuple[list[int], Data]:
    """Each new ball's column during ``steps`` steps of a seeded tracker-vs-computer match,
    and the last step's data."""
    await new_match(emu, "start1", seed)
    data = await emu.step(held(), frame=False)
    found = []
    for _ in range(steps):
        new = await emu.step(moves(tracker(1)(data)), frame=False)
        found += [new[f"object{i}_x"] for i in range(layout.OBJECT_SLOTS)
                  if new[f"object{i}_y"] == layout.OBJECT_START_Y and new[f"object{i}_active"]]
        data = new
    return found, data


async def test_same_seed_same_match(emu):
    first, end = await columns(emu, 7)
    again, end_again = await columns(emu, 7)
    other, _ = await columns(emu, 8)
    assert len(first) >= 10 and first == again and other != first
    ignore = {"frame_counter", "credits"}
    assert {k: v for k, v in end.items() if k not in ignore} == \
        {k: v for k, v in end_again.items() if k not in ignore}
