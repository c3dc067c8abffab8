"""Constants for "duel", the two-player game aiomame ships as a ROM set.

Two paddles race to catch the same falling balls. The game runs on MAME's ``invaders``
system (Midway 8080 black-and-white hardware, Intel 8080 CPU), like "catch"
(:mod:`aiomame.games.catch_layout`, whose coordinates, picture and timing notes hold here
too). Its source is ``rom/duel/duel.asm``; the ROM image built from it is
``aiomame/games/roms/duel.bin``. Nothing here is imported from elsewhere: these are plain
values checked by ``rom/duel/build.py --check``.

Coordinates
-----------
Player-view pixels, 224 wide and 260 tall, x to the right, y downwards.

* ``p1_x`` / ``p2_x`` are the paddles' left edges, 0..200; a paddle covers x .. x+23.
  Player 1's is solid on rows 232..235 (``P1_PADDLE_ROWS``), player 2's is hollow (only
  its two edge columns are full) on rows 240..243 (``P2_PADDLE_ROWS``).
* ``objectN_x`` / ``objectN_y`` are a ball's left and top edge (8x8). Balls appear at
  y=16 and fall 3 px per frame; a ball whose y reaches 225 or more (the step after y=223)
  is resolved for both players on that frame. A paddle at ``px`` overlaps it when
  ``0 <= u <= 30`` with ``u = ball_x + 7 - px``; its centre distance is ``abs(u - 15)``.
  The one overlapping paddle scores; of two, the closer centre; equal distances or no
  overlap: the ball is lost (no penalty). ``objectN_active`` is 1 while the ball is on
  screen; x/y keep their last values after it is resolved.
* Score row: ``P1 00`` on the left, ``P2 00`` on the right (rows 0..7), a divider at
  row 10, a floor line at row 246, ``CREDIT 0`` on rows 248..255.

Inputs
------
Player 2's Left/Right reach the ROM (port 2 bits 5/6) only when MAME's cabinet setting
is "Cocktail" (upright, port 2 mirrors player 1). Holding ``INPUTS["cabinet"]`` in every
step from the first works; on MAME 0.251 it acts as a toggle (left out of a step, then
held again: "Upright"), and stops working after a hard reset; an ``invaders.cfg`` in
MAME's cfg directory has neither problem (see ``rom/duel/README.md``). The ROM reads
port 2 only in a two-player game (``mode`` 2); in a one-player game (``mode`` 1) player 2
is the ROM's computer opponent. The ROM never sets the cocktail screen flip.
"""


MAME_SYSTEM = "invaders"
MAME_VERSIONS_TESTED = ("0.251",)

# One image of the CPU's "maincpu" memory region (0000h-1FFFh), cut by aiomame.mame.romset
# into the files the running MAME expects.
ROM_REGION = "maincpu"
ROM_IMAGE = "duel.bin"
ROM_SIZE = 0x2000
ROM_CRC32 = "1b689a15"
ROM_SHA1 = "c564070bf0d928f2243c8706f31d40d10364b904"

# RAM variable -> (address, type). Little-endian. All inside 0x2000-0x23FF.
RAM: dict[str, tuple[int, str]] = {
    "frame_counter": (0x2000, "u32"),   # +1 at every vblank once the ROM has initialised
    "game_state": (0x2005, "u8"),       # see GAME_STATE_*
    "mode": (0x2006, "u8"),             # see MODE_*; 0 before the first game
    "credits": (0x2007, "u8"),          # 0..MAX_CREDITS
    "p1_score": (0x2008, "u8"),         # points this match, 0..WIN_SCORE
    "p2_score": (0x2009, "u8"),
    "p1_x": (0x200A, "u8"),             # PADDLE_X_RANGE
    "p2_x": (0x200B, "u8"),
    "winner": (0x200C, "u8"),           # 0 while playing and for a draw, 1 or 2 at game over
    "event": (0x200D, "u8"),            # what the last step did, see EVENT_*
    "balls_dropped": (0x200E, "u8"),    # balls resolved (caught or lost) this match
    "rng": (0x2010, "u16"),             # xorshift PRNG state, never 0: plant a seed here
    "late_steps": (0x201A, "u8"),       # steps still running at the next vblank: stays 0
    "object0_active": (0x2020, "u8"),
    "object0_x": (0x2021, "u8"),
    "object0_y": (0x2022, "u8"),
    "object1_active": (0x2024, "u8"),
    "object1_x": (0x2025, "u8"),
    "object1_y": (0x2026, "u8"),
}
RAM_START = 0x2000
RAM_END = 0x23FF          # inclusive; the stack uses the top of it
VIDEO_RAM_START = 0x2400  # 0x2400-0x3FFF, 32 bytes per player-view column

GAME_STATE_ATTRACT = 0    # power-on, waiting for coin + start
GAME_STATE_PLAYING = 1
GAME_STATE_GAME_OVER = 2  # result shown, waiting for coin + start
MODE_NONE = 0             # before the first game
MODE_VS_COMPUTER = 1      # 1 Player Start: player 2 is the ROM's computer opponent
MODE_TWO_PLAYERS = 2      # 2 Players Start: both paddles read from the controls
WINNER_NONE = 0           # while playing; at game over: a draw at the ball cap
EVENT_NONE = 0
EVENT_P1_CAUGHT = 1
EVENT_P2_CAUGHT = 2
EVENT_LOST = 3
OBJECT_SLOTS = 2

# Inputs: name -> (MAME port tag, field name), exactly as MAME 0.251 lists them.
INPUTS: dict[str, tuple[str, str]] = {
    "coin": (":IN1", "Coin 1"),
    "start1": (":IN1", "1 Player Start"),
    "start2": (":IN1", "2 Players Start"),
    "p1_left": (":CONTP1", "P1 Left"),
    "p1_right": (":CONTP1", "P1 Right"),
    "p2_left": (":CONTP2", "P2 Left"),
    "p2_right": (":CONTP2", "P2 Right"),
    "cabinet": (":CAB", "Cabinet"),     # held (value 1): "Cocktail", player 2's controls live
}
# A credit is added on the frame the coin goes down (a one-frame press is enough); a start
# is read as a level: a held start with credits > 0 starts a game and costs one credit
# (1 Player Start is checked first).

PADDLE_X_RANGE: tuple[int, int] = (0, 200)   # inclusive
PADDLE_START_X = 100      # both paddles, at every start
PADDLE_WIDTH = 24
PADDLE_SPEED = 4          # pixels per frame while left or right is held (both: no move)
P1_PADDLE_ROWS: tuple[int, int] = (232, 235)
P2_PADDLE_ROWS: tuple[int, int] = (240, 243)
AI_SPEED = 2              # the computer's paddle, pixels per frame
AI_WAKE_Y = 124           # it follows the lowest ball only once that ball's y >= this
AI_TOLERANCE = 2          # it stops when abs(ball_x - (p2_x + 8)) < this
OBJECT_SIZE = 8
OBJECT_X_RANGE: tuple[int, int] = (0, 216)
OBJECT_START_Y = 16
OBJECT_RESOLVE_Y = 225
OBJECT_SPEED = 3          # pixels per frame
OBJECT_FALL_FRAMES = 70   # from spawn to resolution
SPAWN_INTERVAL = 48       # frames between new balls
FIRST_SPAWN = 20          # frames from start to the first ball
WIN_SCORE = 11            # points that win a match
BALL_CAP = 99             # after this many balls the higher score wins (equal: draw)
MAX_CREDITS = 9

SCREEN_RAW_SIZE: tuple[int, int] = (260, 224)      # (width, height) of screen:pixels()
SCREEN_PLAYER_SIZE: tuple[int, int] = (224, 260)   # (width, height) as the player sees it
FRAME_RATE = 59.541984732977
INIT_FRAMES = 10          # frames after power-on before the frame counter starts
INPUT_LATENCY_FRAMES = 1
