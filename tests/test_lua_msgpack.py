"""The plugin's pure-Lua msgpack (lua/aiomame/msgpack.lua), inside MAME's own Lua.

Every case is packed by Python's msgpack, decoded and re-encoded by the plugin's code in a
real MAME (-autoboot_script), and compared: same value, and for ints, strings and arrays the
same bytes (the smallest encoding, as Python's msgpack chooses it).
"""

from __future__ import annotations

import os
import struct
import subprocess

import msgpack
import pytest

from aiomame.mame.locate import aiomame_plugins_dir, find_mame

HERE = os.path.dirname(os.path.abspath(__file__))
INTS = [0, 1, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**63 - 1,
        -1, -32, -33, -128, -129, -32768, -32769, -(2**31), -(2**31) - 1, -(2**63)]
STRINGS = ["", "a", "x" * 31, "x" * 32, "x" * 255, "x" * 256, "x" * 65535, "x" * 65536,
           "é ünïcode ✓"]
ARRAYS = [[], [1], list(range(15)), list(range(16)), list(range(65535)), list(range(65536)),
          [[1, [2, [3, []]]], "a", True, False]]  # no nil inside: Lua arrays have no holes
EXACT = INTS + STRINGS + ARRAYS  # Lua must encode these exactly as Python does
VALUES = [None, True, False, 1.5, -0.25, 59.54198473297686, 1e300,
          b"", b"\x00\xff" * 100, b"x" * 70_000,
          {"protocol": 2, "screens": [{"tag": ":screen", "refresh": 60.0}]},
          {i: i for i in range(16)}, {str(i): [i] for i in range(70_000)}]
ERRORS = [
    (b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff", "unsigned integer above 2^63-1"),
    (b"\xc1", "unsupported type byte 0xc1"),
    (b"\x92\x01", "truncated"),
    (b"\xa5abc", "truncated"),
    (b"\x01\x02", "trailing bytes"),
]


def normalize(value):
    """Compare as Lua sees it: str and bin are both byte strings, an empty map is an array."""
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    if isinstance(value, dict):
        return {normalize(k): normalize(v) for k, v in value.items()} or []
    return value


@pytest.fixture(scope="module")
def lua_results(roms, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("msgpack")
    cases = ([msgpack.packb(v) for v in EXACT + VALUES]
             + [b"\xca" + struct.pack(">f", 0.375)]  # float32 in, float64 out
             + [data for data, _ in ERRORS])
    (tmp / "in").write_bytes(msgpack.packb(cases))
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy",
               MSGPACK_LUA=os.path.join(aiomame_plugins_dir(), "aiomame", "msgpack.lua"),
               MSGPACK_IN=str(tmp / "in"), MSGPACK_OUT=str(tmp / "out"))
    subprocess.run([find_mame(), "invaders", "-rompath", str(roms), "-noreadconfig",
                    "-skip_gameinfo", "-video", "none", "-sound", "none", "-nothrottle",
                    "-homepath", str(tmp), "-cfg_directory", str(tmp), "-nvram_directory",
                    str(tmp), "-autoboot_script", os.path.join(HERE, "lua",
                                                              "msgpack_roundtrip.lua")],
                   cwd=tmp, env=env, capture_output=True, timeout=120,
                   stdin=subprocess.DEVNULL)
    assert (tmp / "out").exists(), "MAME ran no round trip"
    return msgpack.unpackb((tmp / "out").read_bytes(), raw=False)


def test_ints_strings_arrays_encode_exactly_as_python(lua_results):
    for value, result in zip(EXACT, lua_results, strict=False):
        assert result == msgpack.packb(value), f"{value!r:.60}"


def test_every_type_round_trips(lua_results):
    results = lua_results[len(EXACT):len(EXACT) + len(VALUES)]
    for value, result in zip(VALUES, results, strict=True):
        assert isinstance(result, bytes), result
        assert normalize(msgpack.unpackb(result, raw=True, strict_map_key=False)) \
            == normalize(value), f"{value!r:.60}"
    float32 = lua_results[len(EXACT) + len(VALUES)]
    assert float32 == msgpack.packb(0.375)


def test_bad_input_is_an_error_not_a_crash(lua_results):
    for (data, message), result in zip(ERRORS, lua_results[-len(ERRORS):], strict=True):
        assert isinstance(result, str) and message in result, (data, result)
