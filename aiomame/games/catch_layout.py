"""Constants for "catch", the small original game aiomame ships as a ROM set.

The game runs on MAME's ``invaders`` system (Midway 8080 black-and-white
hardware, Intel 8080 CPU). Its source is ``rom/catch/catch.asm``; the ROM image
built from it is ``aiomame/games/roms/catch.bin``, laid out as an ``invaders`` ROM set
for the running MAME by ``python -m aiomame roms catch DIR``. Nothing here is imported
from elsewhere: these are plain values checked by ``rom/catch/build.py --check``.

Coordinates
-----------
All positions in RAM are in *player-view* pixels, i.e. on the picture as the
player sees it after the monitor rotation: 224 pixels wide, 260 tall, x growing
to the right from the left edge, y growing downwards from the top edge.

* ``paddle_x`` is the paddle's left edge, 0..200; the paddle covers
  x .. x+23 (``PADDLE_WIDTH``) on rows 232..235.
* ``objectN_x`` / ``objectN_y`` are a ball's left and top edge; a ball covers
  x .. x+7 and y .. y+7. Balls appear at y=16 and move down 2 px per frame;
  a ball whose y reaches 225 or more (the next step after y=224) is resolved
  that frame: caught if ``0 <= ball_x + 7 - paddle_x <= 30``, else missed.
  ``objectN_active`` is 1 while the ball is on screen; x/y keep their last
  values after it is resolved.
* Score row (``SCORE 0000`` / ``LIVES 3``) is rows 0..7, a divider at row 10,
  a floor line at row 240, ``CREDIT 0`` on rows 248..255; rows 256..259 are
  always black.

MAME's ``screen:pixels()`` gives the *unrotated* bitmap, 260 wide and 224 tall,
4 bytes per pixel (B, G, R, A), pixels pure white or black. Raw bitmap row ``r``,
column ``c`` is the player-view pixel ``x = r, y = 259 - c``. With numpy,
``np.rot90(raw.reshape(224, 260, 4))`` is the player view (260 rows, 224 columns).

Timing
------
The ROM runs one game step per video frame (59.54 Hz), started by the vblank
interrupt; RAM read at the end of frame N (Lua frame-done callback) and the
frame N picture show the same step. An input set from a frame-done callback is
seen by the game in the next frame (RAM changes one frame later). After a
power-on or reset the ROM clears memory for about ``INIT_FRAMES`` frames before
its frame counter starts.
"""


MAME_SYSTEM = "invaders"
MAME_VERSIONS_TESTED = ("0.251", "0.276", "0.289")

# The ROM is one image of the CPU's "maincpu" memory region (0000h-1FFFh): aiomame.mame.romset cuts
# it into the files the running MAME expects (four 2 KiB files, whose names change between
# MAME versions: invaders.h/g/f/e in 0.251, 9316b-0869_m739h.h1 ... in 0.276).
ROM_REGION = "maincpu"
ROM_IMAGE = "catch.bin"
ROM_SIZE = 0x2000
ROM_CRC32 = "6a78bf84"
ROM_SHA1 = "abb885344978b5657a5e3db23a11bd202b4600a3"

# Printed before those on machines without a sound card (not about the ROM).
MAME_ENVIRONMENT_NOISE_PREFIXES: tuple[str, ...] = ("ALSA lib ",)
# Printed to stdout when MAME exits normally (e.g. after -seconds_to_run).
MAME_EXIT_LINE_PREFIX = "Average speed: "

# RAM variable -> (address, type). Little-endian. All inside 0x2000-0x23FF.
RAM: dict[str, tuple[int, str]] = {
    "frame_counter": (0x2000, "u32"),   # +1 at every vblank once the ROM has initialised
    "game_state": (0x2005, "u8"),       # see GAME_STATE_*
    "game_over": (0x2006, "u8"),        # 1 from losing the last life until the next start
    "credits": (0x2007, "u8"),          # 0..MAX_CREDITS
    "score": (0x2008, "u16"),           # plain binary (catches this game)
    "score_bcd": (0x200A, "u16"),       # same score as 4 BCD digits (display copy, wraps at 9999)
    "lives": (0x200C, "u8"),            # START_LIVES at start, 0 at game over and before any game
    "paddle_x": (0x200D, "u8"),         # PADDLE_X_RANGE
    "event": (0x2013, "u8"),            # what the last step did, see EVENT_*
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
GAME_STATE_GAME_OVER = 2  # last score shown, waiting for coin + start
EVENT_NONE = 0
EVENT_CATCH = 1
EVENT_MISS = 2
OBJECT_SLOTS = 2

# Inputs: name -> (MAME port tag, field name), exactly as MAME 0.251 lists them.
INPUTS: dict[str, tuple[str, str]] = {
    "coin": (":IN1", "Coin 1"),
    "start": (":IN1", "1 Player Start"),
    "left": (":CONTP1", "P1 Left"),
    "right": (":CONTP1", "P1 Right"),
}
# A credit is added on the frame the coin goes down (a one-frame press is enough);
# start is read as a level: held start with credits > 0 starts a game.

PADDLE_X_RANGE: tuple[int, int] = (0, 200)   # inclusive, multiples of PADDLE_SPEED
PADDLE_START_X = 100
PADDLE_WIDTH = 24
PADDLE_SPEED = 4          # pixels per frame while left or right is held (both: no move)
PADDLE_ROWS: tuple[int, int] = (232, 235)
OBJECT_SIZE = 8
OBJECT_X_RANGE: tuple[int, int] = (0, 216)
OBJECT_START_Y = 16
OBJECT_RESOLVE_Y = 225
OBJECT_SPEED = 2          # pixels per frame
SPAWN_INTERVAL = 56       # frames between new balls
FIRST_SPAWN = 20          # frames from start to the first ball
POINTS_PER_CATCH = 1
START_LIVES = 3
MAX_CREDITS = 9

SCREEN_RAW_SIZE: tuple[int, int] = (260, 224)      # (width, height) of screen:pixels()
SCREEN_PLAYER_SIZE: tuple[int, int] = (224, 260)   # (width, height) as the player sees it
FRAME_RATE = 59.541984732977
INIT_FRAMES = 10          # frames after power-on before the frame counter starts
INPUT_LATENCY_FRAMES = 1
