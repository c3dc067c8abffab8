"""aiomame.tools.memsearch: filters on synthetic snapshots, sessions, the CLI, and the proof: a
search on catch that finds its paddle, score and lives addresses by itself."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from aiomame import GameEnv
from aiomame.games.catch import tracker
from aiomame.games.catch_layout import RAM
from aiomame.tools.memsearch import (
    MemorySearch,
    MemsearchError,
    SessionFileError,
    parse_regions,
    ram_regions,
    start_search,
)


def search_of(*snapshots: list[int], start: int = 0x100, **kw) -> MemorySearch:
    search = MemorySearch([(start, len(snapshots[0]))], **kw)
    for snap in snapshots:
        search.add_snapshot(bytes(snap))
    return search


# -- filters on synthetic snapshots ---------------------------------------------------------
@pytest.mark.parametrize(("name", "value", "expected"), [
    ("changed", None, [0x100, 0x101, 0x103]),
    ("unchanged", None, [0x102]),
    ("increased", None, [0x100, 0x103]),
    ("decreased", None, [0x101]),
    ("delta", 1, [0x100]),
    ("delta", -3, [0x101]),
    ("equal", 7, [0x102]),
    ("not_equal", 7, [0x100, 0x101, 0x103]),
    ("greater", 7, [0x103]),
    ("less", 7, [0x100, 0x101]),
    ("greater_equal", 7, [0x102, 0x103]),
    ("less_equal", 2, [0x100, 0x101]),
])
def test_every_filter_on_bytes(name, value, expected):
    search = search_of([1, 5, 7, 10], [2, 2, 7, 200])
    search.filter(name, value)
    assert search.addresses == expected


def test_filters_chain_undo_and_history():
    search = search_of([1, 5, 7, 10], [2, 2, 7, 200], [3, 1, 7, 201])
    assert search.increased() == 2
    assert search.delta(1) == 2
    assert search.equal(3) == 1
    assert [str(c) for c in search.survivors()] == ["0x100: 1 2 3"]
    assert search.undo() == "equal 3"
    assert search.addresses == [0x100, 0x103]
    search.reset()
    assert search.count == 4


def test_wider_types_signed_and_endianness():
    # 0x200: fe ff 00 01 -> at 0x200: u16 le 0xFFFE (s16 -2), u16 be 0xFEFF
    little = search_of([0xFE, 0xFF, 0x00, 0x01], start=0x200, value_type="u16")
    assert little.count == 3  # a u16 at 0x203 would cross the region's end
    assert little.equal(0xFFFE) == 1 and little.addresses == [0x200]
    signed = search_of([0xFE, 0xFF, 0x00, 0x01], start=0x200, value_type="s16")
    assert signed.equal(-2) == 1
    big = search_of([0xFE, 0xFF, 0x00, 0x01], start=0x200, value_type="u16", endian="big")
    assert big.equal(0xFEFF) == 1
    word = search_of([0xFE, 0xFF, 0x00, 0x01], start=0x200, value_type="u32", endian="big")
    assert word.survivors()[0].values == [0xFEFF0001]
    s8 = search_of([0x80, 0x7F], value_type="s8")
    assert s8.less(0) == 1 and s8.addresses == [0x100]
    aligned = search_of([1, 0, 1, 0, 1, 0], value_type="u16", aligned=True)
    assert aligned.equal(1) == 3 and aligned.addresses == [0x100, 0x102, 0x104]
    unaligned = search_of([1, 0, 1, 0, 1, 0], value_type="u16")
    assert unaligned.equal(1) == 3  # 0x101 is 0x0100 = 256


def test_bcd_values():
    # packed BCD 0x12 0x34 (big endian): 1234; 0x1A is not BCD and never matches
    search = search_of([0x12, 0x34, 0x1A], [0x12, 0x35, 0x1A], value_type="u16",
                       endian="big", bcd=True)
    assert [c.values for c in search.survivors()] == [[1234, 1235], [None, None]]
    assert search.delta(1) == 1 and search.addresses == [0x100]
    bytes_ = search_of([0x99, 0x1A], value_type="u8", bcd=True)
    assert bytes_.greater(0) == 1 and bytes_.survivors()[0].values == [99]


def test_type_change_keeps_candidates_losslessly():
    search = search_of([1, 2, 3, 4], [1, 3, 3, 5])
    search.unchanged()
    search.set_type("u16")
    assert search.addresses == [0x100, 0x102]  # 0x103 + 2 bytes would cross the end
    search.set_type("u8")
    assert search.addresses == [0x100, 0x102]


@pytest.mark.parametrize(("call", "match"), [
    (lambda s: s.filter("bigger"), "unknown filter 'bigger'; valid: 'changed'"),
    (lambda s: s.filter("equal"), "needs an int value, got None"),
    (lambda s: s.filter("changed", 3), "takes no value, got 3"),
    (lambda s: s.equal(256), "256 is out of range for equal on u8 little: valid 0..255"),
    (lambda s: s.delta(-256), "valid -255..255"),
    (lambda s: s.set_type("u64"), "unknown value type 'u64'; valid: 'u8'"),
    (lambda s: s.set_type("u16", "middle"), "unknown endianness 'middle'; valid: 'little'"),
    (lambda s: s.set_type("s16", bcd=True), "BCD values are unsigned: use u16"),
    (lambda s: s.add_snapshot(b"\0"), "has 2 bytes, got 1"),
    (lambda s: s.undo(), "nothing to undo"),
])
def test_bad_input_names_the_value(call, match):
    search = search_of([1, 2])
    with pytest.raises(MemsearchError, match=match):
        call(search)


def test_relative_filters_need_two_snapshots():
    search = search_of([1, 2])
    with pytest.raises(MemsearchError, match="last two snapshots; there are 1"):
        search.changed()


def test_regions():
    assert parse_regions("0x2000-0x23FF, 0xC000+256") == [(0x2000, 0x400), (0xC000, 256)]
    with pytest.raises(MemsearchError, match="region 'zz' is neither"):
        parse_regions("zz")
    with pytest.raises(MemsearchError, match="no region"):
        MemorySearch([])
    # two regions: a value never spans the gap between them
    search = MemorySearch([(0x10, 2), (0x20, 2)], value_type="u16")
    search.add_snapshot(bytes([1, 0, 2, 0]))
    assert search.addresses == [0x10, 0x20]
    assert [c.values for c in search.survivors()] == [[1], [2]]


def test_session_save_and_load(tmp_path):
    search = search_of([1, 5, 7], [2, 5, 8], value_type="u8")
    search.increased()
    search.save(tmp_path / "s.npz")
    again = MemorySearch.load(tmp_path / "s.npz")
    assert again.addresses == [0x100, 0x102] and again.regions == search.regions
    assert again.log == search.log and len(again.snapshots) == 2
    again.add_snapshot(bytes([3, 5, 8]))
    assert again.increased() == 1
    (tmp_path / "bad.npz").write_bytes(b"nope")
    with pytest.raises(SessionFileError, match="bad.npz"):
        MemorySearch.load(tmp_path / "bad.npz")


# -- the proof: finding catch's variables on the real game ----------------------------------
NOOP, LEFT, RIGHT = 0, 1, 2  # catch's actions


class Player:
    """Plays catch one frame a step and pairs what the screen shows with the memory it
    shows: MAME draws a frame before that frame's game logic, so a step's picture shows
    the memory as it was at the end of the step before."""

    def __init__(self, env: GameEnv, regions: list[tuple[int, int]]) -> None:
        self.env, self.regions = env, regions
        self.memory = b""  # the memory the last screen shows
        self._now = b""
        self.screen: np.ndarray | None = None
        self.info: dict = {}

    async def read(self) -> bytes:
        return b"".join([await self.env.emulator.read_range(s, n) for s, n in self.regions])

    async def step(self, action: int) -> None:
        self.screen, _, _, _, self.info = await self.env.step(action)
        self.memory, self._now = self._now, await self.read()

    def paddle_on_screen(self) -> int:
        """The paddle's left edge as the player sees it (its rows are 232..235)."""
        return int(np.flatnonzero(self.screen[232].any(axis=1))[0])

    def top_row(self, left: bool) -> np.ndarray:
        """The score (left half) or lives (right half) text on the top row."""
        return self.screen[:8, :112] if left else self.screen[:8, 112:]


async def test_memsearch_finds_catch_paddle_score_and_lives():
    async with GameEnv("catch", frame_ratio=1) as env:
        await env.reset(seed=3)
        regions = ram_regions(env.emulator)
        assert regions == [(0x2000, 0x2000)]  # RAM and video RAM, from the address map
        player = Player(env, regions)
        await player.step(0)
        await player.step(0)
        # paddle x: move it, and say which way it went on the screen
        paddle = MemorySearch(regions)
        paddle.add_snapshot(player.memory)
        x = player.paddle_on_screen()
        for action, steps in [(RIGHT, 4), (LEFT, 2), (NOOP, 3), (RIGHT, 1), (LEFT, 5)] * 3:
            for _ in range(steps):
                await player.step(action)
            paddle.add_snapshot(player.memory)
            seen = player.paddle_on_screen()
            paddle.filter("increased" if seen > x else "decreased" if seen < x
                          else "unchanged")
            x = seen
        assert paddle.addresses == [RAM["paddle_x"][0]]
        assert paddle.survivors()[0].values[-1] == x

        # score: the tracker catches balls; whenever the score on screen changes, it is one
        # more: "eq N". The same snapshots as packed BCD find the display copy.
        score = MemorySearch(regions)
        score_bcd = MemorySearch(regions, value_type="u16", bcd=True)
        shown, caught = player.top_row(left=True).copy(), 0
        while caught < 11:
            await player.step(tracker(player.info))
            if not np.array_equal(player.top_row(left=True), shown):
                shown, caught = player.top_row(left=True).copy(), caught + 1
                for search in (score, score_bcd):
                    search.add_snapshot(player.memory)
                    search.equal(caught)
        assert score.addresses == [RAM["score"][0]]
        assert score_bcd.addresses == [RAM["score_bcd"][0]]
        score.set_type("u16")
        assert score.equal(caught) == 1 and score.addresses == [RAM["score"][0]]

        # lives: park the paddle in a corner to miss; the lives on screen go 3, 2, 1
        lives = MemorySearch(regions)
        lives.add_snapshot(player.memory)
        lives.equal(3)
        shown, left = player.top_row(left=False).copy(), 3
        while left > 1:
            await player.step(LEFT)
            if not np.array_equal(player.top_row(left=False), shown):
                shown, left = player.top_row(left=False).copy(), left - 1
                lives.add_snapshot(player.memory)
                lives.delta(-1)
                lives.equal(left)
        assert lives.addresses == [RAM["lives"][0]]
        assert lives.survivors()[0].values == [3, 2, 1]


# -- the command line -----------------------------------------------------------------------
def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aiomame", "memsearch", *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_cli_scripted_search_prints_json_survivors(tmp_path):
    script = "\n".join(["step 4 right", "inc", "step 3 left", "dec", "step 2", "unchanged",
                        "step 2 right", "inc", "step 2 left", "dec", "step 1", "unchanged",
                        f"save {tmp_path / 'session.npz'}"])
    done = cli("catch", "--json", "--seed", "1", stdin=script)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["type"] == "u8 little" and result["snapshots"] == 7
    assert result["survivors"][0]["address"] == "0x200D"
    assert result["survivors"][0]["values"][:2] == [100, 148]
    assert "searching 8192 bytes (0x2000-0x3FFF) as u8 little" in done.stderr
    # the saved session continues where it stopped
    again = cli("catch", "--json", "--load", str(tmp_path / "session.npz"),
                "--script", "-", stdin="count\n")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["count"] == result["count"]


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("nosuchgame",), "", "'nosuchgame' is not a registered game"),
    (("catch", "--regions", "0x2000-"), "", "region '0x2000-' is neither"),
    (("catch",), "eq three\n", "line 1: error: the value of 'eq' must be an integer"),
    (("catch",), "type u64\n", "line 1: error: unknown value type 'u64'"),
    (("catch",), "step 1 jump\n", "unknown action 'jump'; valid: random, noop, left, right"),
])
def test_cli_bad_input_exits_2(args, stdin, message):
    done = cli(*args, stdin=stdin)
    assert done.returncode == 2
    assert message in done.stdout + done.stderr


async def test_start_search_uses_the_cpu_endianness():
    async with GameEnv("catch") as env:
        search = await start_search(env.emulator, [(0x2000, 16)], value_type="u16")
        assert (search.endian, len(search.snapshots), search.count) == ("little", 1, 15)
